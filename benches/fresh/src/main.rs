//! Prints `case<TAB>nanoseconds per call<TAB>bytes per call` for keysplit's headline
//! calls, each run until it has used `PERF_SMOKE_CPU_SECONDS` (default 0.3) of CPU time
//! of this process: CPU time, not wall-clock time, so a busy CI machine still gives a
//! usable figure. It asserts nothing about speed; scripts/test.d/55-perf-smoke.sh turns
//! two runs (project lock file, fresh resolution) into one table.

use std::hint::black_box;
use std::process::ExitCode;

use keysplit::raw;

const LARGE: usize = 1 << 20;

/// CPU seconds (user + system) used by this process so far, from /proc/self/stat.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let user: f64 = fields.get(11)?.parse().ok()?;
    let system: f64 = fields.get(12)?.parse().ok()?;
    Some((user + system) / 100.0) // USER_HZ is 100 on Linux
}

/// Runs `op` until it used `budget` CPU seconds; CPU nanoseconds per call.
fn measure(budget: f64, mut op: impl FnMut()) -> Option<f64> {
    for _ in 0..3 {
        op();
    }
    let start = cpu_seconds()?;
    let (mut calls, mut batch) = (0u64, 1u64);
    loop {
        for _ in 0..batch {
            op();
        }
        calls += batch;
        let used = cpu_seconds()? - start;
        if used >= budget {
            return Some(used * 1e9 / calls as f64);
        }
        batch = (batch * 2).min(1 << 16);
    }
}

fn main() -> ExitCode {
    let budget = std::env::var("PERF_SMOKE_CPU_SECONDS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| *s > 0.0)
        .unwrap_or(0.3);
    let mut rng = match keysplit::os_rng() {
        Ok(rng) => rng,
        Err(e) => {
            eprintln!("perf smoke: no OS randomness: {e}");
            return ExitCode::FAILURE;
        }
    };
    let small = [0x42u8; 32];
    let large = vec![0x42u8; LARGE];
    let mut failed = false;
    let mut row = |name: &str, bytes: usize, ns: Option<f64>| match ns {
        Some(ns) => println!("{name}\t{ns:.1}\t{bytes}"),
        None => {
            eprintln!("perf smoke: {name}: a call failed or CPU time is unavailable");
            failed = true;
        }
    };

    let raw_shares = raw::split(&small, 2, 3, &mut rng).ok();
    let env_shares = keysplit::split(&small, 2, 3, &mut rng).ok();
    let mut large_out = vec![0u8; 3 * (LARGE + 1)];
    let large_ok = raw::split_into(&large, 2, 3, &mut rng, &mut large_out).is_ok();
    let (Some(raw_shares), Some(env_shares), true) = (raw_shares, env_shares, large_ok) else {
        eprintln!("perf smoke: a first split failed");
        return ExitCode::FAILURE;
    };
    let large_pair: Vec<&[u8]> = large_out.chunks(LARGE + 1).take(2).collect();

    let mut good = true;
    row(
        "raw split 32 B 2-of-3",
        32,
        measure(budget, || {
            good &= black_box(raw::split(black_box(&small), 2, 3, &mut rng)).is_ok()
        }),
    );
    row(
        "raw combine 32 B from 2",
        32,
        measure(budget, || {
            good &= black_box(raw::combine(black_box(&raw_shares[..2]))).is_ok()
        }),
    );
    row(
        "envelope split 32 B 2-of-3",
        32,
        measure(budget, || {
            good &= black_box(keysplit::split(black_box(&small), 2, 3, &mut rng)).is_ok()
        }),
    );
    row(
        "envelope combine 32 B from 2",
        32,
        measure(budget, || {
            good &= black_box(keysplit::combine(black_box(&env_shares[..2]))).is_ok()
        }),
    );
    let mut split_out = vec![0u8; 3 * (LARGE + 1)];
    row(
        "raw split_into 1 MiB 2-of-3",
        LARGE,
        measure(budget, || {
            good &= raw::split_into(black_box(&large), 2, 3, &mut rng, &mut split_out).is_ok();
            black_box(&mut split_out);
        }),
    );
    let mut secret_out = vec![0u8; LARGE];
    row(
        "raw combine_into 1 MiB from 2",
        LARGE,
        measure(budget, || {
            good &= raw::combine_into(black_box(&large_pair), &mut secret_out).is_ok();
            black_box(&mut secret_out);
        }),
    );
    keysplit::hazmat::wipe(&mut split_out);

    // keysplit's calls without allocation, and the fastest peer of each case.
    let mut small_out = [0u8; 3 * 33];
    row(
        "raw split_into 32 B 2-of-3",
        32,
        measure(budget, || {
            good &= raw::split_into(black_box(&small), 2, 3, &mut rng, &mut small_out).is_ok();
            black_box(&mut small_out);
        }),
    );
    let small_pair: Vec<&[u8]> = small_out.chunks(33).take(2).collect();
    let mut small_secret = [0u8; 32];
    row(
        "raw combine_into 32 B from 2",
        32,
        measure(budget, || {
            good &= raw::combine_into(black_box(&small_pair), &mut small_secret).is_ok();
            black_box(&mut small_secret);
        }),
    );
    keysplit::hazmat::wipe(&mut small_out);
    row(
        "peer shamirsecretsharing split 32 B 2-of-3",
        32,
        measure(budget, || {
            good &= black_box(shamirsecretsharing::hazmat::create_keyshares(&small, 3, 2)).is_ok();
        }),
    );
    let dealer = sharks::Sharks(2);
    let mut rng03 =
        <rand_chacha_03::ChaCha20Rng as rand_chacha_03::rand_core::SeedableRng>::seed_from_u64(1);
    let sharks_shares: Vec<_> = dealer.dealer_rng(&small, &mut rng03).take(3).collect();
    row(
        "peer sharks combine 32 B from 2",
        32,
        measure(budget, || {
            good &= black_box(dealer.recover(black_box(&sharks_shares[..2]))).is_ok();
        }),
    );
    let mut peer_rng = <chacha20::ChaCha20Rng as rand_core::SeedableRng>::seed_from_u64(1);
    row(
        "peer vsss-rs split 1 MiB 2-of-3",
        LARGE,
        measure(budget, || {
            good &= black_box(vsss_rs::Gf256::split_array(2, 3, &large, &mut peer_rng)).is_ok();
        }),
    );
    let blahaj_dealer = blahaj::Sharks(2);
    let blahaj_shares: Vec<_> = blahaj_dealer
        .dealer_rng(&large, &mut peer_rng)
        .take(3)
        .collect();
    row(
        "peer blahaj combine 1 MiB from 2",
        LARGE,
        measure(budget, || {
            good &= black_box(blahaj_dealer.recover(black_box(&blahaj_shares[..2]))).is_ok();
        }),
    );
    if !good || failed {
        eprintln!("perf smoke: a measured call returned an error");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
