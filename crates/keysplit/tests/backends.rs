//! Differential tests: every backend this machine can run must agree with the portable
//! backend byte for byte, on random data of many lengths and alignments and for all 256
//! constants. The portable backend itself is checked against scalar field multiplication
//! (which is checked against long division and FIPS-197 products in `src/field/tests.rs`).
//!
//! On a machine without SIMD backends the differential tests have nothing to compare and
//! pass. So that CI notices a runner that lost (or never had) the instructions it is
//! meant to test, set **`KEYSPLIT_EXPECT_BACKENDS`** to the comma-separated backend names
//! the machine must have (names of `Backend::NAMES`, e.g.
//! `KEYSPLIT_EXPECT_BACKENDS=avx2,avx512,gfni,ssse3`): then every test here that uses
//! the SIMD backends, and `expected_backends_are_available`, fails if one of them is
//! missing or is not a backend name. Unset or empty, nothing is expected. (With the
//! `force-portable` feature only `portable` is available: do not set it then.)

use chacha20::ChaCha20Rng;
use keysplit::hazmat::{field, Backend};
use rand_core::{Rng, SeedableRng};

fn random_bytes(rng: &mut ChaCha20Rng, len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    rng.fill_bytes(&mut bytes);
    bytes
}

/// The backends `KEYSPLIT_EXPECT_BACKENDS` names (see the module docs).
fn expected_backend_names() -> Vec<String> {
    std::env::var("KEYSPLIT_EXPECT_BACKENDS")
        .unwrap_or_default()
        .split(',')
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
        .collect()
}

/// Panics unless every backend `KEYSPLIT_EXPECT_BACKENDS` names runs on this machine.
fn assert_expected_backends_available() {
    let available: Vec<&str> = Backend::available().iter().map(|b| b.name()).collect();
    for name in expected_backend_names() {
        assert!(
            Backend::NAMES.contains(&name.as_str()),
            "KEYSPLIT_EXPECT_BACKENDS names {name:?}, which is not a backend (one of {:?})",
            Backend::NAMES
        );
        assert!(
            available.contains(&name.as_str()),
            "KEYSPLIT_EXPECT_BACKENDS expects the {name} backend, but this machine has only \
             {available:?}"
        );
    }
}

#[test]
fn expected_backends_are_available() {
    assert_expected_backends_available();
}

fn simd_backends() -> Vec<Backend> {
    assert_expected_backends_available();
    let backends: Vec<Backend> = Backend::available()
        .into_iter()
        .filter(|b| *b != Backend::portable())
        .collect();
    let names: Vec<&str> = backends.iter().map(|b| b.name()).collect();
    eprintln!("backends under test besides portable: {names:?}");
    backends
}

/// Runs `backend` and the scalar oracle on the same sub-slices and compares everything,
/// including the bytes around the sub-slice (which must stay untouched).
fn check(backend: Backend, rng: &mut ChaCha20Rng, len: usize, src_at: usize, dst_at: usize, c: u8) {
    let src = random_bytes(rng, src_at + len + 3);
    let dst_before = random_bytes(rng, dst_at + len + 3);
    let mut expected = dst_before.clone();
    for i in 0..len {
        expected[dst_at + i] ^= field::mul(c, src[src_at + i]);
    }
    let mut got = dst_before.clone();
    backend.mul_add(
        &mut got[dst_at..dst_at + len],
        &src[src_at..src_at + len],
        c,
    );
    assert_eq!(
        got,
        expected,
        "{} differs: len={len} src_at={src_at} dst_at={dst_at} c={c:#04x}",
        backend.name()
    );
}

#[test]
fn portable_matches_scalar_field_multiplication() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    for len in 0..=300 {
        for c in 0..=255u8 {
            check(
                Backend::portable(),
                &mut rng,
                len,
                len % 8,
                (len / 8) % 8,
                c,
            );
        }
    }
}

#[test]
fn every_backend_matches_portable_for_short_lengths_and_all_constants() {
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    for backend in simd_backends() {
        for len in 0..=300 {
            for c in 0..=255u8 {
                // Offsets move the start across every alignment of a 64-byte vector.
                let src_at = (len * 7 + usize::from(c)) % 64;
                let dst_at = (len * 13 + usize::from(c) * 3) % 64;
                check(backend, &mut rng, len, src_at, dst_at, c);
            }
        }
    }
}

#[test]
fn every_backend_matches_portable_on_large_buffers() {
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    for backend in simd_backends() {
        for len in [4095, 4096, 4097, 65_536 + 63, (1 << 20) + 5] {
            for c in [0x01, 0x02, 0x53, 0x80, 0xCA, 0xFF, 0x00] {
                check(backend, &mut rng, len, 1, 3, c);
                let mut portable_dst = random_bytes(&mut rng, len);
                let mut simd_dst = portable_dst.clone();
                let src = random_bytes(&mut rng, len);
                Backend::portable().mul_add(&mut portable_dst, &src, c);
                backend.mul_add(&mut simd_dst, &src, c);
                assert!(
                    portable_dst == simd_dst,
                    "{} len={len} c={c}",
                    backend.name()
                );
            }
        }
    }
}

#[test]
fn unequal_lengths_use_the_shorter() {
    let mut rng = ChaCha20Rng::seed_from_u64(4);
    for backend in Backend::available() {
        for (dst_len, src_len) in [(10, 100), (100, 10), (33, 64), (64, 33), (0, 5)] {
            let src = random_bytes(&mut rng, src_len);
            let before = random_bytes(&mut rng, dst_len);
            let mut got = before.clone();
            backend.mul_add(&mut got, &src, 0x57);
            let n = dst_len.min(src_len);
            for i in 0..dst_len {
                let want = if i < n {
                    before[i] ^ field::mul(0x57, src[i])
                } else {
                    before[i]
                };
                assert_eq!(
                    got[i],
                    want,
                    "{} dst_len={dst_len} src_len={src_len} i={i}",
                    backend.name()
                );
            }
        }
    }
}

#[test]
fn split_and_combine_give_identical_bytes_on_every_backend() {
    for len in [
        1usize,
        15,
        16,
        31,
        32,
        33,
        64,
        100,
        4096 - 32,
        4096,
        5000,
        9000,
    ] {
        let secret = random_bytes(&mut ChaCha20Rng::seed_from_u64(len as u64), len);
        let reference = keysplit::with_backend::split(
            &secret,
            3,
            5,
            &mut ChaCha20Rng::seed_from_u64(99),
            Backend::portable(),
        )
        .unwrap();
        let raw_reference = keysplit::with_backend::raw::split(
            &secret,
            3,
            5,
            &mut ChaCha20Rng::seed_from_u64(98),
            Backend::portable(),
        )
        .unwrap();
        for backend in Backend::available() {
            let shares = keysplit::with_backend::split(
                &secret,
                3,
                5,
                &mut ChaCha20Rng::seed_from_u64(99),
                backend,
            )
            .unwrap();
            for (a, b) in shares.iter().zip(&reference) {
                assert!(a.as_bytes() == b.as_bytes(), "{} len={len}", backend.name());
            }
            let recovery =
                keysplit::with_backend::combine_detailed(&shares[1..4], backend).unwrap();
            assert!(
                recovery.secret() == &secret[..],
                "{} len={len}",
                backend.name()
            );

            let raw = keysplit::with_backend::raw::split(
                &secret,
                3,
                5,
                &mut ChaCha20Rng::seed_from_u64(98),
                backend,
            )
            .unwrap();
            for (a, b) in raw.iter().zip(&raw_reference) {
                assert!(
                    a.as_bytes() == b.as_bytes(),
                    "raw {} len={len}",
                    backend.name()
                );
            }
            let back = keysplit::with_backend::raw::combine(&raw[2..5], backend).unwrap();
            assert!(back[..] == secret[..], "raw {} len={len}", backend.name());
        }
    }
}

#[test]
fn forcing_a_backend_the_cpu_lacks_is_refused() {
    // On x86_64 NEON never exists and vice versa; simd128 only on wasm32.
    #[cfg(target_arch = "x86_64")]
    assert_eq!(Backend::neon(), None);
    #[cfg(not(target_arch = "x86_64"))]
    assert_eq!(Backend::avx2(), None);
    #[cfg(not(target_arch = "wasm32"))]
    assert_eq!(Backend::simd128(), None);
    assert!(Backend::available().contains(&Backend::detect()));
}

/// The fused two-source kernel (`dst = a*src_a ^ b*src_b`, overwriting `dst`) against the
/// scalar field, on every backend (portable included), with `a = 1` (split's payload
/// term) and arbitrary pairs (combine's first two shares), across lengths and offsets.
#[test]
fn fused_two_source_kernel_matches_scalar_field_multiplication() {
    let mut rng = ChaCha20Rng::seed_from_u64(4);
    for backend in Backend::available() {
        for len in 0..=200 {
            for step in 0..40u32 {
                let a = if step % 4 == 0 {
                    1
                } else {
                    (step * 37 + len as u32) as u8
                };
                let b = (step * 101 + len as u32 * 7) as u8;
                let (a_at, b_at, dst_at) = (len % 7, (len + step as usize) % 32, len % 13);
                let src_a = random_bytes(&mut rng, a_at + len + 2);
                let src_b = random_bytes(&mut rng, b_at + len + 2);
                let before = random_bytes(&mut rng, dst_at + len + 5);
                let mut expected = before.clone();
                for i in 0..len {
                    expected[dst_at + i] =
                        field::mul(a, src_a[a_at + i]) ^ field::mul(b, src_b[b_at + i]);
                }
                let mut got = before.clone();
                backend.mul2(
                    &mut got[dst_at..dst_at + len],
                    &src_a[a_at..a_at + len],
                    a,
                    &src_b[b_at..b_at + len],
                    b,
                );
                assert_eq!(
                    got,
                    expected,
                    "{} mul2 differs: len={len} a={a:#04x} b={b:#04x}",
                    backend.name()
                );
            }
        }
    }
}

/// `mul2_in_place` (combine written over its first share) against the scalar field on
/// every backend, across the vector widths and the fallback's 1 KiB chunks.
#[test]
fn in_place_two_source_kernel_matches_scalar_field_multiplication() {
    let mut rng = ChaCha20Rng::seed_from_u64(6);
    for backend in Backend::available() {
        for len in (0..=70).chain([1023, 1024, 1025, 3000]) {
            for (wa, wb) in [(1u8, 2u8), (0x53, 0xCA), (0, 7), ((len * 31) as u8, 255)] {
                let b_at = len % 9;
                let before = random_bytes(&mut rng, len + 2);
                let b = random_bytes(&mut rng, b_at + len + 3);
                let mut expected = before.clone();
                for i in 0..len {
                    expected[i] = field::mul(wa, before[i]) ^ field::mul(wb, b[b_at + i]);
                }
                let mut got = before.clone();
                backend.mul2_in_place(&mut got[..len], wa, &b[b_at..b_at + len], wb);
                assert_eq!(
                    got,
                    expected,
                    "{} mul2_in_place differs: len={len} wa={wa:#04x} wb={wb:#04x}",
                    backend.name()
                );
            }
        }
    }
}

/// Backends with a fast inverse for public values agree with the scalar field on all 256.
#[test]
fn inverse_of_public_values_matches_the_field() {
    for backend in Backend::available() {
        for d in 0..=255u8 {
            if let Some(inverse) = backend.inverse_of_public(d) {
                assert_eq!(inverse, field::inv(d), "{} inverse of {d}", backend.name());
            }
        }
    }
}
