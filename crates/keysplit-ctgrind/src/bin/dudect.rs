//! dudect-style timing measurement (Reparaz, Balasch, Verbauwhede 2017): time one
//! operation on two classes of secret inputs (class 0: a fixed secret, all zero bytes;
//! class 1: fresh random secrets), interleaved in random order, then compare the two
//! timing distributions with Welch's t-test. |t| above 4.5 suggests a timing difference;
//! dudect treats |t| > 10 as a leak. Wall-clock timing on a shared machine is noisy: this
//! is a bench, never a CI gate (the valgrind check is the gate).
//!
//! `cargo run --release -p keysplit-ctgrind --bin keysplit-dudect [MEASUREMENTS]`
//!
//! A deliberately leaky canary (GF(256) multiplication through log/exp tables indexed by
//! the secret, with an early exit on zero) is measured first, to show what a leak looks
//! like on this machine.

use std::hint::black_box;
use std::time::Instant;

use keysplit::hazmat::{field, Backend};
use keysplit::{raw, ChaCha20Rng};
use rand_core::{Rng, SeedableRng};

struct Welch {
    n: [f64; 2],
    mean: [f64; 2],
    m2: [f64; 2],
}

impl Welch {
    fn new() -> Welch {
        Welch {
            n: [0.0; 2],
            mean: [0.0; 2],
            m2: [0.0; 2],
        }
    }
    fn push(&mut self, class: usize, x: f64) {
        self.n[class] += 1.0;
        let d = x - self.mean[class];
        self.mean[class] += d / self.n[class];
        self.m2[class] += d * (x - self.mean[class]);
    }
    fn t(&self) -> f64 {
        let var = |c: usize| self.m2[c] / (self.n[c] - 1.0);
        (self.mean[0] - self.mean[1]) / (var(0) / self.n[0] + var(1) / self.n[1]).sqrt()
    }
}

/// Measures `op` on `count` inputs of `len` bytes; timings above the 90th percentile
/// are cropped (dudect's simplest pre-processing), against interrupts and migrations.
fn measure(name: &str, count: usize, len: usize, mut op: impl FnMut(&[u8])) {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let mut samples: Vec<(usize, f64)> = Vec::with_capacity(count);
    let mut input = vec![0u8; len];
    for _ in 0..count {
        let class = usize::from(rng.next_u32() & 1 == 1);
        if class == 0 {
            input.fill(0);
        } else {
            rng.fill_bytes(&mut input);
        }
        let start = Instant::now();
        op(black_box(&input));
        let elapsed = start.elapsed().as_nanos() as f64;
        samples.push((class, elapsed));
    }
    let mut sorted: Vec<f64> = samples.iter().map(|s| s.1).collect();
    sorted.sort_by(f64::total_cmp);
    let cutoff = sorted[sorted.len() * 9 / 10];
    let mut welch = Welch::new();
    for (class, t) in samples {
        if t <= cutoff {
            welch.push(class, t);
        }
    }
    let t = welch.t();
    let verdict = match t.abs() {
        x if x > 10.0 => "LEAK (|t| > 10)",
        x if x > 4.5 => "suspicious (|t| > 4.5)",
        _ => "no difference detected",
    };
    println!(
        "{name:<44} n={count:<8} mean {:>9.0} / {:>9.0} ns  t = {t:>7.2}  {verdict}",
        welch.mean[0], welch.mean[1]
    );
}

/// The canary: table-based multiplication that skips zero operands (as Vault did
/// before CVE-2023-25000).
fn leaky_mul(a: u8, b: u8, log: &[u8; 256], exp: &[u8; 510]) -> u8 {
    if a == 0 || b == 0 {
        return 0;
    }
    exp[usize::from(log[usize::from(a)]) + usize::from(log[usize::from(b)])]
}

fn main() {
    let count: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let mut log = [0u8; 256];
    let mut exp = [0u8; 510];
    let mut x = 1u8;
    for i in 0..255 {
        exp[i] = x;
        exp[i + 255] = x;
        log[usize::from(x)] = i as u8;
        x = field::mul(x, 3);
    }
    println!("keysplit dudect: class 0 = all-zero secret, class 1 = random secret\n");
    measure("canary: table mul with zero shortcut", count, 64, |s| {
        let mut acc = 0u8;
        for &b in s {
            acc ^= leaky_mul(b, 0x53, &log, &exp);
        }
        black_box(acc);
    });
    for backend in Backend::available() {
        let mut dst = vec![0u8; 64];
        measure(
            &format!("mul_add {} (64 B)", backend.name()),
            count,
            64,
            |s| {
                backend.mul_add(&mut dst, s, 0x53);
                black_box(&dst);
            },
        );
    }
    let shares = {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        raw::split(&[7u8; 32], 2, 3, &mut rng).unwrap_or_default()
    };
    if shares.len() == 3 {
        let x0 = shares[0].x();
        let x1 = shares[1].x();
        measure(
            "raw combine, 2 shares of 32 B (secret y)",
            count / 4,
            64,
            |s| {
                let mut a = s[..32].to_vec();
                a.push(x0);
                let mut b = s[32..].to_vec();
                b.push(x1);
                black_box(raw::combine(&[a, b]).ok());
            },
        );
    }
    measure("raw split 2-of-3 (secret 32 B)", count / 4, 32, |s| {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        black_box(raw::split(s, 2, 3, &mut rng).ok());
    });
    measure(
        "envelope split + combine 2-of-3 (32 B)",
        count / 20,
        32,
        |s| {
            let mut rng = ChaCha20Rng::seed_from_u64(4);
            if let Ok(shares) = keysplit::split(s, 2, 3, &mut rng) {
                black_box(keysplit::combine(&shares[..2]).ok());
            }
        },
    );
}
