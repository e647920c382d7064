//! keysplit side by side with the Shamir crates people use, in one run.
//!
//! Every keysplit backend this CPU has is measured separately, plus the dispatched
//! default (`Backend::detect()`). keysplit and the peers that take an RNG get a seeded
//! ChaCha (ChaCha20 for keysplit, the peers' own ChaCha flavour otherwise); gf256 and
//! shamirsecretsharing draw from the OS and cannot be seeded.
//!
//! Results are dropped outside the timed loop (`iter_with_large_drop`) for every
//! implementation alike: keysplit wipes its shares and secrets on drop (a volatile
//! byte-by-byte write, about as costly as a 1 MiB split itself), the peers mostly do not.
//!
//! `./scripts/bench.sh` runs this and prints a markdown table (src/bin/bench-table.rs).

use std::hint::black_box;
use std::time::Duration;

use chacha20::{ChaCha12Rng, ChaCha20Rng, ChaCha8Rng};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use keysplit::hazmat::Backend;
use rand_core::{Rng, SeedableRng};

const SMALL: usize = 32;
const LARGE: usize = 1 << 20;

fn secret(len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    ChaCha20Rng::seed_from_u64(7).fill_bytes(&mut bytes);
    bytes
}

/// `("dispatch", detected)` then every backend this CPU can run.
fn backends() -> Vec<(String, Backend)> {
    let mut all = vec![(
        format!("dispatch={}", Backend::detect().name()),
        Backend::detect(),
    )];
    all.extend(
        Backend::available()
            .into_iter()
            .map(|b| (b.name().to_string(), b)),
    );
    all
}

fn keysplit_split(c: &mut Criterion, group_name: &str, len: usize, t: usize, n: usize) {
    let data = secret(len);
    let mut group = c.benchmark_group(group_name);
    group.throughput(Throughput::Bytes(len as u64));
    for (label, backend) in backends() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        group.bench_function(BenchmarkId::new("keysplit-raw", &label), |b| {
            b.iter_with_large_drop(|| {
                keysplit::raw::split_with_backend(black_box(&data), t, n, &mut rng, backend)
            })
        });
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        group.bench_function(BenchmarkId::new("keysplit-envelope", &label), |b| {
            b.iter_with_large_drop(|| {
                keysplit::split_with_backend(black_box(&data), t, n, &mut rng, backend)
            })
        });
    }
    peers_split(&mut group, &data, t, n);
    group.finish();
}

fn peers_split(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    data: &[u8],
    t: usize,
    n: usize,
) {
    let mut rng03 =
        <rand_chacha_03::ChaCha20Rng as rand_chacha_03::rand_core::SeedableRng>::seed_from_u64(1);
    group.bench_function("sharks", |b| {
        let dealer = sharks::Sharks(t as u8);
        b.iter_with_large_drop(|| {
            dealer
                .dealer_rng(black_box(data), &mut rng03)
                .take(n)
                .collect::<Vec<_>>()
        })
    });
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    group.bench_function("blahaj", |b| {
        let dealer = blahaj::Sharks(t as u8);
        b.iter_with_large_drop(|| {
            dealer
                .dealer_rng(black_box(data), &mut rng)
                .take(n)
                .collect::<Vec<_>>()
        })
    });
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    group.bench_function("vsss-rs", |b| {
        b.iter_with_large_drop(|| {
            vsss_rs::Gf256::split_array(t, n, black_box(data), &mut rng).unwrap()
        })
    });
    group.bench_function("gf256", |b| {
        b.iter_with_large_drop(|| gf256::shamir::shamir::generate(black_box(data), n, t))
    });
    if data.len() == shamirsecretsharing::hazmat::KEY_SIZE {
        group.bench_function("shamirsecretsharing", |b| {
            b.iter_with_large_drop(|| {
                shamirsecretsharing::hazmat::create_keyshares(black_box(data), n as u8, t as u8)
                    .unwrap()
            })
        });
    }
}

fn keysplit_combine(c: &mut Criterion, group_name: &str, len: usize, t: usize, n: usize) {
    let data = secret(len);
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let raw = keysplit::raw::split(&data, t, n, &mut rng).unwrap();
    let envelopes = keysplit::split(&data, t, n, &mut rng).unwrap();
    let mut group = c.benchmark_group(group_name);
    group.throughput(Throughput::Bytes(len as u64));
    for (label, backend) in backends() {
        group.bench_function(BenchmarkId::new("keysplit-raw", &label), |b| {
            b.iter_with_large_drop(|| {
                keysplit::raw::combine_with_backend(black_box(&raw[..t]), backend).unwrap()
            })
        });
        group.bench_function(BenchmarkId::new("keysplit-envelope", &label), |b| {
            b.iter_with_large_drop(|| {
                keysplit::combine_with_backend(black_box(&envelopes[..t]), backend).unwrap()
            })
        });
    }

    let mut rng03 =
        <rand_chacha_03::ChaCha20Rng as rand_chacha_03::rand_core::SeedableRng>::seed_from_u64(1);
    let dealer = sharks::Sharks(t as u8);
    let shares: Vec<_> = dealer.dealer_rng(&data, &mut rng03).take(n).collect();
    group.bench_function("sharks", |b| {
        b.iter_with_large_drop(|| dealer.recover(black_box(&shares[..t])).unwrap())
    });
    let dealer = blahaj::Sharks(t as u8);
    let shares: Vec<_> = dealer.dealer_rng(&data, &mut rng).take(n).collect();
    group.bench_function("blahaj", |b| {
        b.iter_with_large_drop(|| dealer.recover(black_box(&shares[..t])).unwrap())
    });
    let shares = vsss_rs::Gf256::split_array(t, n, &data, &mut rng).unwrap();
    group.bench_function("vsss-rs", |b| {
        b.iter_with_large_drop(|| vsss_rs::Gf256::combine_array(black_box(&shares[..t])).unwrap())
    });
    let shares = gf256::shamir::shamir::generate(&data, n, t);
    group.bench_function("gf256", |b| {
        b.iter_with_large_drop(|| gf256::shamir::shamir::reconstruct(black_box(&shares[..t])))
    });
    if len == shamirsecretsharing::hazmat::KEY_SIZE {
        let shares =
            shamirsecretsharing::hazmat::create_keyshares(&data, n as u8, t as u8).unwrap();
        group.bench_function("shamirsecretsharing", |b| {
            b.iter_with_large_drop(|| {
                shamirsecretsharing::hazmat::combine_keyshares(black_box(&shares[..t])).unwrap()
            })
        });
    }
    group.finish();
}

/// What bounds split on this machine: producing 1 MiB per coefficient row from the RNG
/// (ChaCha20 is what keysplit uses; ChaCha12/8 for comparison), and copying the secret
/// into each share without any multiply (the memory floor).
fn limits(c: &mut Criterion) {
    let mut group = c.benchmark_group("limits 1 MiB");
    group.throughput(Throughput::Bytes(LARGE as u64));
    let mut buffer = vec![0u8; LARGE];
    let mut rng20 = ChaCha20Rng::seed_from_u64(3);
    group.bench_function("chacha20-fill", |b| {
        b.iter(|| rng20.fill_bytes(black_box(&mut buffer)))
    });
    let mut rng12 = ChaCha12Rng::seed_from_u64(3);
    group.bench_function("chacha12-fill", |b| {
        b.iter(|| rng12.fill_bytes(black_box(&mut buffer)))
    });
    let mut rng8 = ChaCha8Rng::seed_from_u64(3);
    group.bench_function("chacha8-fill", |b| {
        b.iter(|| rng8.fill_bytes(black_box(&mut buffer)))
    });
    let data = secret(LARGE);
    group.bench_function("copy-into-3-fresh-buffers", |b| {
        b.iter_with_large_drop(|| {
            (0..3)
                .map(|_| black_box(&data).to_vec())
                .collect::<Vec<_>>()
        })
    });
    let mut dst = vec![0u8; LARGE];
    for backend in Backend::available() {
        group.bench_function(BenchmarkId::new("mul_add", backend.name()), |b| {
            b.iter(|| backend.mul_add(black_box(&mut dst), black_box(&data), 0x53))
        });
    }
    group.finish();
}

fn small(c: &mut Criterion) {
    keysplit_split(c, "split 32 B 2-of-3", SMALL, 2, 3);
    keysplit_combine(c, "combine 32 B from 2", SMALL, 2, 3);
}

fn large(c: &mut Criterion) {
    keysplit_split(c, "split 1 MiB 2-of-3", LARGE, 2, 3);
    keysplit_combine(c, "combine 1 MiB from 2", LARGE, 2, 3);
    keysplit_split(c, "split 1 MiB 5-of-10", LARGE, 5, 10);
    keysplit_combine(c, "combine 1 MiB from 5", LARGE, 5, 10);
}

criterion_group! {
    name = small_benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = small
}
criterion_group! {
    name = large_benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = large, limits
}
criterion_main!(small_benches, large_benches);
