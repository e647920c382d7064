//! keysplit side by side with the Shamir crates people use, in one run.
//!
//! Every keysplit backend this CPU has is measured separately, plus the dispatched
//! default (`Backend::detect()`). keysplit and the peers that take an RNG get a seeded
//! ChaCha (ChaCha20 for keysplit, the peers' own ChaCha flavour otherwise); gf256 and
//! shamirsecretsharing draw from the OS and cannot be seeded.
//!
//! 1 MiB results are dropped outside the timed loop (`iter_with_large_drop`) for every
//! implementation alike: keysplit wipes its shares and secrets on drop (volatile writes
//! over every byte), the peers mostly do not.
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

/// Times `routine`; for 1 MiB results the drop (keysplit's wipe, the peers' free) is
/// left out of the timing, for small ones it is kept (collecting small results for a
/// later drop costs more than dropping them).
fn timed<O>(b: &mut criterion::Bencher<'_>, routine: impl FnMut() -> O) {
    if LARGE_DROP.with(|flag| flag.get()) {
        b.iter_with_large_drop(routine)
    } else {
        b.iter(routine)
    }
}

thread_local! {
    static LARGE_DROP: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Which streamed split a benchmark runs: raw shares or envelopes.
#[derive(Clone, Copy)]
enum StreamFormat {
    Raw,
    Envelope,
}

/// A streamed split of `data` into `n` sinks with the caller's `rng`: the engine without
/// fresh share buffers (fresh 1 MiB buffers cost page faults no implementation avoids).
#[allow(clippy::too_many_arguments)]
fn bench_stream_split<R: rand_core::CryptoRng>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    id: BenchmarkId,
    format: StreamFormat,
    data: &[u8],
    t: usize,
    n: usize,
    mut rng: R,
    backend: Backend,
) {
    group.bench_function(id, |b| {
        b.iter(|| {
            let mut sinks: Vec<std::io::Sink> = (0..n).map(|_| std::io::sink()).collect();
            let (data, len) = (black_box(data), data.len() as u64);
            match format {
                StreamFormat::Raw => {
                    keysplit::stream::split_raw(data, len, t, &mut sinks, &mut rng, backend)
                        .map(|_| ())
                }
                StreamFormat::Envelope => keysplit::with_backend::stream::split(
                    data, len, t, &mut sinks, &mut rng, backend,
                )
                .map(|_| ()),
            }
            .unwrap()
        })
    });
}

fn keysplit_split(c: &mut Criterion, group_name: &str, len: usize, t: usize, n: usize) {
    let data = secret(len);
    let mut group = c.benchmark_group(group_name);
    group.throughput(Throughput::Bytes(len as u64));
    for (label, backend) in backends() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        group.bench_function(BenchmarkId::new("keysplit-raw", &label), |b| {
            timed(b, || {
                keysplit::with_backend::raw::split(black_box(&data), t, n, &mut rng, backend)
            })
        });
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        group.bench_function(BenchmarkId::new("keysplit-envelope", &label), |b| {
            timed(b, || {
                keysplit::with_backend::split(black_box(&data), t, n, &mut rng, backend)
            })
        });
    }
    // The caller's RNG is the bound on large splits: reduced-round ChaCha (rand's StdRng
    // is ChaCha12) makes more keystream per second than ChaCha20, keysplit's default.
    let mut rng8 = ChaCha8Rng::seed_from_u64(1);
    group.bench_function(BenchmarkId::new("keysplit-raw", "default-chacha8"), |b| {
        timed(b, || {
            keysplit::raw::split(black_box(&data), t, n, &mut rng8)
        })
    });
    // Into one reused buffer of the caller's, wiped after each split (it holds shares).
    let mut out = vec![0u8; n * (len + 1)];
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    group.bench_function(BenchmarkId::new("keysplit-raw-into", "default"), |b| {
        timed(b, || {
            let result = keysplit::raw::split_into(black_box(&data), t, n, &mut rng, &mut out);
            black_box(&mut out);
            keysplit::hazmat::wipe(&mut out);
            result.unwrap()
        })
    });
    if len == LARGE {
        let (raw, detected) = (StreamFormat::Raw, Backend::detect());
        let id = |name: &str| BenchmarkId::new("keysplit-raw-stream", name);
        let rng12 = ChaCha12Rng::seed_from_u64(1);
        bench_stream_split(
            &mut group,
            id("default-chacha12"),
            raw,
            &data,
            t,
            n,
            rng12,
            detected,
        );
        let rng8 = ChaCha8Rng::seed_from_u64(1);
        bench_stream_split(
            &mut group,
            id("default-chacha8"),
            raw,
            &data,
            t,
            n,
            rng8,
            detected,
        );
    }
    if len == LARGE {
        for (label, backend) in backends() {
            for (name, format) in [
                ("keysplit-raw-stream", StreamFormat::Raw),
                ("keysplit-envelope-stream", StreamFormat::Envelope),
            ] {
                let id = BenchmarkId::new(name, &label);
                let rng = ChaCha20Rng::seed_from_u64(1);
                bench_stream_split(&mut group, id, format, &data, t, n, rng, backend);
            }
        }
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
        timed(b, || {
            dealer
                .dealer_rng(black_box(data), &mut rng03)
                .take(n)
                .collect::<Vec<_>>()
        })
    });
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    group.bench_function("blahaj", |b| {
        let dealer = blahaj::Sharks(t as u8);
        timed(b, || {
            dealer
                .dealer_rng(black_box(data), &mut rng)
                .take(n)
                .collect::<Vec<_>>()
        })
    });
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    group.bench_function("vsss-rs", |b| {
        timed(b, || {
            vsss_rs::Gf256::split_array(t, n, black_box(data), &mut rng).unwrap()
        })
    });
    group.bench_function("gf256", |b| {
        timed(b, || gf256::shamir::shamir::generate(black_box(data), n, t))
    });
    if data.len() == shamirsecretsharing::hazmat::KEY_SIZE {
        group.bench_function("shamirsecretsharing", |b| {
            timed(b, || {
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
            timed(b, || {
                keysplit::with_backend::raw::combine(black_box(&raw[..t]), backend).unwrap()
            })
        });
        group.bench_function(BenchmarkId::new("keysplit-envelope", &label), |b| {
            timed(b, || {
                keysplit::with_backend::combine_detailed(black_box(&envelopes[..t]), backend)
                    .unwrap()
            })
        });
    }

    let mut out = vec![0u8; len];
    group.bench_function(BenchmarkId::new("keysplit-raw-into", "default"), |b| {
        timed(b, || {
            let result = keysplit::raw::combine_into(black_box(&raw[..t]), &mut out);
            black_box(&mut out);
            keysplit::hazmat::wipe(&mut out);
            result.unwrap()
        })
    });

    if len == LARGE {
        let encoded: Vec<&[u8]> = envelopes[..t].iter().map(|s| s.as_bytes()).collect();
        for (label, backend) in backends() {
            group.bench_function(BenchmarkId::new("keysplit-envelope-stream", &label), |b| {
                b.iter(|| {
                    let mut inputs = encoded.clone();
                    keysplit::with_backend::stream::combine(&mut inputs, std::io::sink(), backend)
                        .unwrap()
                })
            });
        }
    }

    let mut rng03 =
        <rand_chacha_03::ChaCha20Rng as rand_chacha_03::rand_core::SeedableRng>::seed_from_u64(1);
    let dealer = sharks::Sharks(t as u8);
    let shares: Vec<_> = dealer.dealer_rng(&data, &mut rng03).take(n).collect();
    group.bench_function("sharks", |b| {
        timed(b, || dealer.recover(black_box(&shares[..t])).unwrap())
    });
    let dealer = blahaj::Sharks(t as u8);
    let shares: Vec<_> = dealer.dealer_rng(&data, &mut rng).take(n).collect();
    group.bench_function("blahaj", |b| {
        timed(b, || dealer.recover(black_box(&shares[..t])).unwrap())
    });
    let shares = vsss_rs::Gf256::split_array(t, n, &data, &mut rng).unwrap();
    group.bench_function("vsss-rs", |b| {
        timed(b, || {
            vsss_rs::Gf256::combine_array(black_box(&shares[..t])).unwrap()
        })
    });
    let shares = gf256::shamir::shamir::generate(&data, n, t);
    group.bench_function("gf256", |b| {
        timed(b, || {
            gf256::shamir::shamir::reconstruct(black_box(&shares[..t]))
        })
    });
    if len == shamirsecretsharing::hazmat::KEY_SIZE {
        let shares =
            shamirsecretsharing::hazmat::create_keyshares(&data, n as u8, t as u8).unwrap();
        group.bench_function("shamirsecretsharing", |b| {
            timed(b, || {
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
        timed(b, || {
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

/// The embedded wallet end to end (keysplit-wallet has no peer here): a new 128-bit
/// wallet sealed into three 2-of-3 shares, and opening it from two shares to sign one
/// EIP-191 message. All three shares are key-protected: a password share would add one
/// Argon2id run (19 MiB, 2 passes by default), which would be most of the time.
fn wallet(c: &mut Criterion) {
    use keysplit_wallet::{Protection, Protections, Role, ShareInput, ShareKey, Strength, Unlock};
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    let keys = [
        ShareKey::generate(&mut rng),
        ShareKey::generate(&mut rng),
        ShareKey::generate(&mut rng),
    ];
    let protect = Protections {
        device: Protection::Key(&keys[0]),
        auth: Protection::Key(&keys[1]),
        recovery: Protection::Key(&keys[2]),
    };
    let mut group = c.benchmark_group("wallet");
    group.bench_function(
        "keysplit-wallet create (entropy + BIP-32 address + 3 sealed shares)",
        |b| b.iter(|| keysplit_wallet::create(Strength::Bits128, &protect, &mut rng).unwrap()),
    );
    let set = keysplit_wallet::create(Strength::Bits128, &protect, &mut rng).unwrap();
    group.bench_function("keysplit-wallet open (device + auth) + sign EIP-191", |b| {
        b.iter(|| {
            let wallet = keysplit_wallet::open(
                &set.info,
                ShareInput::new(Role::Device, &set.device, Unlock::Key(&keys[0])),
                ShareInput::new(Role::Auth, &set.auth, Unlock::Key(&keys[1])),
            )
            .unwrap();
            wallet
                .sign_personal_message(0, black_box(b"hello"))
                .unwrap()
        })
    });
    group.finish();
}

fn small(c: &mut Criterion) {
    LARGE_DROP.with(|flag| flag.set(false));
    keysplit_split(c, "split 32 B 2-of-3", SMALL, 2, 3);
    keysplit_combine(c, "combine 32 B from 2", SMALL, 2, 3);
}

fn large(c: &mut Criterion) {
    LARGE_DROP.with(|flag| flag.set(true));
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
    targets = small, wallet
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
