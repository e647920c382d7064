use super::lagrange::INTERPOLATE_CHUNK;
use super::x_coords::{
    few_random_xs_into, pool_random_xs_into, rejection_limit, remainder, FEW_XS,
};
use super::*;
use crate::backend::Backend;
use crate::field;
use alloc::vec;
use alloc::vec::Vec;
use chacha20::ChaCha20Rng;
use rand_core::{CryptoRng, Rng, SeedableRng};

use keysplit_testkit::{constant, counting as counting_rng, from_fn, Bytes, TestRng};

/// Only 0xFF, which every x draw rejects.
fn stuck_rng() -> TestRng<impl Bytes> {
    constant(0xFF)
}

/// A continuous byte stream (xorshift), biased high so that rejections are common.
fn biased_stream(seed: u64) -> TestRng<impl Bytes> {
    let mut state = seed;
    from_fn(move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let byte = (state >> 32) as u8;
        if state & 3 == 0 {
            byte | 0xF8
        } else {
            byte
        }
    })
}

#[test]
fn xs_are_distinct_and_nonzero_for_every_count() {
    let mut rng = counting_rng(7);
    for n in 1..=255 {
        let xs = random_xs(n, &mut rng).unwrap();
        assert_eq!(xs.len(), n);
        let mut seen = [false; 256];
        for &x in &xs {
            assert_ne!(x, 0);
            assert!(!seen[x as usize], "duplicate x {x} for n={n}");
            seen[x as usize] = true;
        }
    }
}

/// The normative order, literally: one byte per generator call.
fn one_byte_per_call_xs<R: CryptoRng>(n: usize, rng: &mut R) -> Vec<u8> {
    let mut pool: Vec<u8> = (1..=255).collect();
    for i in 0..n {
        let m = 255 - i;
        let index = loop {
            let mut b = [0u8; 1];
            rng.fill_bytes(&mut b);
            if usize::from(b[0]) < 256 - 256 % m {
                break usize::from(b[0]) % m;
            }
        };
        pool.swap(i, i + index);
    }
    pool.truncate(n);
    pool
}

#[test]
fn xs_follow_the_normative_byte_order_including_rejections() {
    for n in 1..=255 {
        for seed in 1..20u64 {
            let mut ours = biased_stream(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let mut reference = biased_stream(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let got = random_xs(n, &mut ours).unwrap();
            assert_eq!(got, one_byte_per_call_xs(n, &mut reference), "n={n}");
            // Nothing read beyond what the draws used.
            assert_eq!(ours.next_u64(), reference.next_u64(), "n={n} over-read");
        }
    }
}

#[test]
fn few_xs_are_the_same_shuffle_as_the_whole_pool() {
    for n in 0..=FEW_XS {
        for seed in 0..200u64 {
            let (mut few, mut pool) = ([0u8; FEW_XS], [0u8; FEW_XS]);
            let mut rng = ChaCha20Rng::seed_from_u64(seed);
            few_random_xs_into(&mut few[..n], &mut rng).unwrap();
            let mut rng = ChaCha20Rng::seed_from_u64(seed);
            pool_random_xs_into(&mut pool[..n], &mut rng).unwrap();
            assert_eq!(few, pool, "n={n} seed={seed}");
        }
    }
}

#[test]
fn remainder_without_division_is_exact_for_every_byte_and_modulus() {
    for m in 1..=255usize {
        assert_eq!(rejection_limit(m), 256 - 256 % m);
        for b in 0..=255usize {
            assert_eq!(remainder(b, m), b % m, "{b} mod {m}");
        }
    }
}

#[test]
fn a_stuck_rng_is_an_error_not_a_hang() {
    // 0xFF is always rejected when drawing from 0..255 (limit 255).
    assert_eq!(random_xs(3, &mut stuck_rng()), Err(Error::Rng));
}

/// The textbook formula with the constant-time field, as an oracle for the tables.
fn lagrange_reference(xs: &[u8], at: u8) -> Vec<u8> {
    xs.iter()
        .enumerate()
        .map(|(i, &xi)| {
            let (mut num, mut den) = (1u8, 1u8);
            for (j, &xj) in xs.iter().enumerate() {
                if i != j {
                    num = field::mul(num, at ^ xj);
                    den = field::mul(den, xi ^ xj);
                }
            }
            field::div(num, den)
        })
        .collect()
}

/// Also covers the last weight, which the code derives from the others (the basis
/// sums to 1) while the textbook formula computes it directly.
#[test]
fn lagrange_weights_match_the_textbook_formula() {
    let mut rng = counting_rng(1);
    for k in 1..=20 {
        let xs = random_xs(k, &mut rng).unwrap();
        for at in [0u8, 1, 7, 255, xs[0]] {
            assert_eq!(lagrange_weights(&xs, at), lagrange_reference(&xs, at));
            let mut portable = vec![0u8; k];
            lagrange_weights_into(&xs, at, &mut portable, Backend::portable());
            assert_eq!(portable, lagrange_reference(&xs, at));
        }
    }
    let all: Vec<u8> = (1..=255).collect();
    assert_eq!(lagrange_weights(&all, 0), lagrange_reference(&all, 0));
}

#[test]
fn chunked_interpolation_matches_the_scalar_sum_for_every_share_count() {
    use rand_core::{Rng, SeedableRng};
    let mut rng = chacha20::ChaCha20Rng::seed_from_u64(9);
    let len = 2 * INTERPOLATE_CHUNK + 333; // two full chunks and a short one
    for k in [1usize, 2, 3, 5] {
        let ys: Vec<Vec<u8>> = (0..k)
            .map(|_| {
                let mut y = vec![0u8; len];
                rng.fill_bytes(&mut y);
                y
            })
            .collect();
        let weights: Vec<u8> = (0..k)
            .map(|i| 0x53u8.wrapping_add((i as u8).wrapping_mul(77)))
            .collect();
        let expected: Vec<u8> = (0..len)
            .map(|at| (0..k).fold(0, |sum, i| sum ^ field::mul(weights[i], ys[i][at])))
            .collect();
        for backend in Backend::available() {
            let mut out = vec![0xEEu8; len];
            let slices: Vec<&[u8]> = ys.iter().map(|y| &y[..]).collect();
            interpolate(&mut out, &slices, &weights, backend);
            assert_eq!(out, expected, "k={k} backend {}", backend.name());
        }
    }
}

#[test]
fn parameter_bounds() {
    assert!(check_parameters(2, 2).is_ok());
    assert!(check_parameters(255, 255).is_ok());
    assert_eq!(
        check_parameters(1, 3),
        Err(Error::InvalidThreshold {
            threshold: 1,
            shares: 3
        })
    );
    assert_eq!(
        check_parameters(0, 3),
        Err(Error::InvalidThreshold {
            threshold: 0,
            shares: 3
        })
    );
    assert_eq!(
        check_parameters(4, 3),
        Err(Error::InvalidThreshold {
            threshold: 4,
            shares: 3
        })
    );
    assert_eq!(
        check_parameters(2, 256),
        Err(Error::InvalidShareCount { shares: 256 })
    );
    assert_eq!(
        check_parameters(2, 1),
        Err(Error::InvalidShareCount { shares: 1 })
    );
}
