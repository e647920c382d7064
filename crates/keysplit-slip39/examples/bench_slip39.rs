//! Times SLIP-39 split and combine (median of RUNS, milliseconds), printed as
//! `case<TAB>split_ms<TAB>combine_ms`; `scripts/bench-slip39.sh` runs it next to Python's
//! `shamir-mnemonic` with the same cases. For BENCHMARKING.md only.

use std::time::Instant;

use keysplit_slip39::{combine_mnemonics, split, SplitOptions};
use rand_core::SeedableRng;

/// (name, secret length, group threshold, groups, iteration exponent)
type Case = (&'static str, usize, u8, &'static [(u8, u8)], u8);

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(21);
    let mut rng = chacha20::ChaCha20Rng::from_seed([7; 32]);
    let cases: [Case; 4] = [
        ("128-bit, 1 group 3/5, e=0", 16, 1, &[(3, 5)], 0),
        ("128-bit, 1 group 3/5, e=1 (default)", 16, 1, &[(3, 5)], 1),
        (
            "256-bit, 2 of 3 groups (2/3, 3/5, 1/1), e=1",
            32,
            2,
            &[(2, 3), (3, 5), (1, 1)],
            1,
        ),
        (
            "256-bit, 16 groups of 16/16 (largest), e=0",
            32,
            16,
            &[(16, 16); 16],
            0,
        ),
    ];
    for (name, len, gt, groups, e) in cases {
        let secret = vec![0x5Au8; len];
        let options = SplitOptions {
            iteration_exponent: e,
            extendable: true,
        };
        let (mut split_ms, mut combine_ms) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            let start = Instant::now();
            let made = split(&secret, b"TREZOR", gt, groups, options, &mut rng).expect("split");
            let texts: Vec<Vec<String>> = made
                .iter()
                .map(|g| g.iter().map(|s| s.to_mnemonic().to_string()).collect())
                .collect();
            split_ms.push(start.elapsed().as_secs_f64() * 1e3);
            let mut chosen = Vec::new();
            for (g, (t, _)) in texts.iter().zip(groups).take(usize::from(gt)) {
                chosen.extend(g.iter().take(usize::from(*t)).cloned());
            }
            let start = Instant::now();
            let back = combine_mnemonics(&chosen, b"TREZOR").expect("combine");
            combine_ms.push(start.elapsed().as_secs_f64() * 1e3);
            assert_eq!(&back[..], &secret[..]);
        }
        println!("{name}\t{:.3}\t{:.3}", median(split_ms), median(combine_ms));
    }
}
