//! A fixed number of 32-byte envelope calls (2-of-3, ChaCha20 keyed once with a fixed
//! seed, so that runs repeat; `keysplit::os_rng` gives ChaCha20 where the CPU has no AES
//! instructions), for instruction counts under valgrind's callgrind and for
//! sampling profilers: `envelope_small split|combine|raw-split [CALLS]` (default 10 000).
//! `callgrind_annotate` then shows where the instructions of one call go, whatever the
//! load on the machine. Under valgrind the CPU has no SHA-NI, GFNI or AVX-512 (its CPUID
//! hides them), so SHA-256 runs in software there.

use std::hint::black_box;

use chacha20::ChaCha20Rng;
use rand_core::SeedableRng;

fn main() {
    let mut args = std::env::args().skip(1);
    let what = args.next().unwrap_or_else(|| "split".into());
    let calls: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let secret = [0x42u8; 32];
    let shares = keysplit::split(&secret, 2, 3, &mut rng).unwrap();
    match what.as_str() {
        "split" => {
            for _ in 0..calls {
                black_box(keysplit::split(black_box(&secret), 2, 3, &mut rng).unwrap());
            }
        }
        "combine" => {
            for _ in 0..calls {
                black_box(keysplit::combine(black_box(&shares[..2])).unwrap());
            }
        }
        "raw-split" => {
            for _ in 0..calls {
                black_box(keysplit::raw::split(black_box(&secret), 2, 3, &mut rng).unwrap());
            }
        }
        other => {
            eprintln!("unknown case {other}: split, combine or raw-split");
            std::process::exit(2);
        }
    }
}
