//! Property and behaviour tests of the safe API: round trips, every subset, refusals,
//! tolerance of a bad share among enough good ones, re-sharing, redaction.

use keysplit::{raw, ChaCha20Rng, DecodeError, Error, Share};
use proptest::prelude::*;
use rand_core::{Rng, SeedableRng};

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// A copy of `share` with `edit` applied to its bytes and the checksum recomputed: what an
/// attacker who can write a share (but does not know the secret) can produce.
fn forge(share: &Share, edit: impl FnOnce(&mut Vec<u8>)) -> Share {
    use sha2::{Digest, Sha256};
    let mut bytes = share.as_bytes().to_vec();
    edit(&mut bytes);
    let body = bytes.len() - 16;
    let sum = Sha256::digest(&bytes[..body]);
    bytes[body..].copy_from_slice(&sum[..16]);
    Share::from_bytes(&bytes).expect("forged share is well-formed")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn envelope_round_trip_any_subset(
        secret in proptest::collection::vec(any::<u8>(), 1..600),
        n in 2usize..12,
        t_pick in 0usize..100,
        seed in any::<u64>(),
        order_seed in any::<u64>(),
    ) {
        let t = 2 + t_pick % (n - 1);
        let mut r = rng(seed);
        let shares = keysplit::split(&secret, t, n, &mut r).unwrap();
        prop_assert_eq!(shares.len(), n);
        // A random t-subset in random order.
        let mut idx: Vec<usize> = (0..n).collect();
        let mut o = rng(order_seed);
        for i in (1..n).rev() {
            idx.swap(i, (o.next_u32() as usize) % (i + 1));
        }
        let subset: Vec<Share> = idx[..t].iter().map(|&i| shares[i].clone()).collect();
        let back = keysplit::combine(&subset).unwrap();
        prop_assert_eq!(&back[..], &secret[..]);
        // One fewer is refused with the count needed.
        prop_assert_eq!(
            keysplit::combine(&subset[..t - 1]).unwrap_err(),
            Error::BelowThreshold { needed: t, got: t - 1 }
        );
    }

    #[test]
    fn raw_round_trip_any_subset(
        secret in proptest::collection::vec(any::<u8>(), 1..600),
        n in 2usize..12,
        t_pick in 0usize..100,
        seed in any::<u64>(),
    ) {
        let t = 2 + t_pick % (n - 1);
        let shares = raw::split(&secret, t, n, &mut rng(seed)).unwrap();
        for s in &shares {
            prop_assert_eq!(s.as_bytes().len(), secret.len() + 1);
        }
        let start = (seed as usize) % (n - t + 1);
        let back = raw::combine(&shares[start..start + t]).unwrap();
        prop_assert_eq!(&back[..], &secret[..]);
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = Share::from_bytes(&bytes);
        let _ = raw::RawShare::from_bytes(&bytes);
        let _ = keysplit::combine_encoded(&[bytes.clone(), bytes.clone()]);
        let _ = raw::combine(&[bytes.clone(), bytes]);
    }

    #[test]
    fn decoding_arbitrary_text_never_panics(text in "\\PC{0,120}") {
        let _ = Share::from_text(&text);
        let _ = keysplit::combine_text(&[text.as_str(), text.as_str()]);
    }

    #[test]
    fn any_single_bit_flip_in_an_envelope_is_caught(pos_seed in any::<u64>(), bit in 0u8..8) {
        let shares = keysplit::split(b"wallet entropy!!", 2, 3, &mut rng(pos_seed)).unwrap();
        let mut bytes = shares[1].as_bytes().to_vec();
        let pos = (pos_seed as usize) % bytes.len();
        bytes[pos] ^= 1 << bit;
        prop_assert!(Share::from_bytes(&bytes).is_err(), "flip at {} accepted", pos);
    }
}

#[test]
fn every_threshold_subset_recovers() {
    let secret = b"every subset counts";
    for (t, n) in [(2, 2), (2, 3), (3, 5), (4, 6), (5, 7)] {
        let shares = keysplit::split(secret, t, n, &mut rng(t as u64 * 100 + n as u64)).unwrap();
        let raws = raw::split(secret, t, n, &mut rng(7)).unwrap();
        let mut count = 0;
        for mask in 0u32..(1 << n) {
            if mask.count_ones() as usize != t {
                continue;
            }
            let pick: Vec<usize> = (0..n).filter(|i| mask & (1 << i) != 0).collect();
            let subset: Vec<Share> = pick.iter().map(|&i| shares[i].clone()).collect();
            assert_eq!(
                &keysplit::combine(&subset).unwrap()[..],
                secret,
                "{t}-of-{n} {pick:?}"
            );
            let raw_subset: Vec<&raw::RawShare> = pick.iter().map(|&i| &raws[i]).collect();
            assert_eq!(&raw::combine(&raw_subset).unwrap()[..], secret);
            count += 1;
        }
        let expected = (0..t).fold(1usize, |acc, i| acc * (n - i) / (i + 1));
        assert_eq!(count, expected, "C({n},{t}) subsets");
    }
}

#[test]
fn parameter_errors() {
    let mut r = rng(1);
    assert_eq!(
        keysplit::split(b"s", 1, 3, &mut r).unwrap_err(),
        Error::InvalidThreshold {
            threshold: 1,
            shares: 3
        }
    );
    assert_eq!(
        keysplit::split(b"s", 0, 3, &mut r).unwrap_err(),
        Error::InvalidThreshold {
            threshold: 0,
            shares: 3
        }
    );
    assert_eq!(
        keysplit::split(b"s", 4, 3, &mut r).unwrap_err(),
        Error::InvalidThreshold {
            threshold: 4,
            shares: 3
        }
    );
    assert_eq!(
        keysplit::split(b"s", 2, 256, &mut r).unwrap_err(),
        Error::InvalidShareCount { shares: 256 }
    );
    assert_eq!(
        raw::split(b"s", 2, 1, &mut r).unwrap_err(),
        Error::InvalidShareCount { shares: 1 }
    );
    assert_eq!(
        keysplit::split(b"", 2, 3, &mut r).unwrap_err(),
        Error::EmptySecret
    );
    assert_eq!(
        raw::split(b"", 2, 3, &mut r).unwrap_err(),
        Error::EmptySecret
    );
    assert_eq!(keysplit::combine(&[]).unwrap_err(), Error::NoShares);
    assert_eq!(raw::combine::<Vec<u8>>(&[]).unwrap_err(), Error::NoShares);
}

#[test]
fn x_coordinates_are_distinct_nonzero_and_reach_every_value() {
    let mut seen = [0u32; 256];
    let mut r = rng(13);
    for _ in 0..2000 {
        let shares = raw::split(b"x", 2, 5, &mut r).unwrap();
        let xs: Vec<u8> = shares.iter().map(raw::RawShare::x).collect();
        for (i, &x) in xs.iter().enumerate() {
            assert_ne!(x, 0);
            assert!(!xs[..i].contains(&x), "duplicate x in {xs:?}");
            seen[x as usize] += 1;
        }
    }
    assert_eq!(seen[0], 0);
    // 10,000 draws over 255 values: P(some value never drawn) < 255 * (1 - 1/255)^10000
    // < 1e-14, so a miss means some x cannot be drawn.
    assert!(seen[1..].iter().all(|&c| c > 0), "some x never drawn");
}

#[test]
fn raw_refusals() {
    let shares = raw::split(b"secret", 2, 3, &mut rng(3)).unwrap();
    let a = shares[0].as_bytes().to_vec();
    let b = shares[1].as_bytes().to_vec();
    let mut zero = a.clone();
    *zero.last_mut().unwrap() = 0;
    assert_eq!(
        raw::combine(&[zero.clone(), b.clone()]).unwrap_err(),
        Error::ZeroX { index: 0 }
    );
    assert_eq!(
        raw::combine(&[b.clone(), zero]).unwrap_err(),
        Error::ZeroX { index: 1 }
    );
    // [A, A, B]: sharks and blahaj return a wrong secret here.
    assert!(matches!(
        raw::combine(&[a.clone(), a.clone(), b.clone()]).unwrap_err(),
        Error::DuplicateX {
            first: 0,
            second: 1,
            ..
        }
    ));
    assert_eq!(
        raw::combine(&[a.clone(), b[1..].to_vec()]).unwrap_err(),
        Error::LengthMismatch {
            index: 1,
            expected: 7,
            found: 6
        }
    );
    assert_eq!(
        raw::combine(std::slice::from_ref(&a)).unwrap_err(),
        Error::BelowThreshold { needed: 2, got: 1 }
    );
    assert_eq!(
        raw::combine(&[a, vec![5]]).unwrap_err(),
        Error::BadShare {
            index: 1,
            cause: DecodeError::TooShort { found: 1 }
        }
    );
}

#[test]
fn envelope_refusals_name_the_share() {
    let mut r = rng(4);
    let shares = keysplit::split(b"secret", 2, 3, &mut r).unwrap();
    let other = keysplit::split(b"secret", 2, 3, &mut r).unwrap();
    assert_eq!(
        keysplit::combine(&[shares[0].clone(), other[1].clone()]).unwrap_err(),
        Error::SetMismatch { index: 1 }
    );
    assert!(matches!(
        keysplit::combine(&[shares[2].clone(), shares[2].clone()]).unwrap_err(),
        Error::DuplicateX {
            first: 0,
            second: 1,
            ..
        }
    ));
    // A corrupted share among exactly threshold shares: named, by position.
    let mut bad = shares[1].as_bytes().to_vec();
    bad[35] ^= 0x40;
    let err = keysplit::combine_encoded(&[shares[0].as_bytes().to_vec(), bad.clone()]).unwrap_err();
    assert_eq!(
        err,
        Error::BadShare {
            index: 1,
            cause: DecodeError::Checksum
        }
    );
    assert!(err.to_string().starts_with("share #2:"), "{err}");
    // A forged share whose checksum was recomputed: only the shared digest can tell.
    let forged = forge(&shares[1], |b| b[30] ^= 1);
    assert_eq!(
        keysplit::combine(&[shares[0].clone(), forged.clone()]).unwrap_err(),
        Error::IntegrityCheck
    );
    // x = 0 with a recomputed checksum.
    let mut zero = shares[0].as_bytes().to_vec();
    zero[4] = 0;
    use sha2::{Digest, Sha256};
    let body = zero.len() - 16;
    let sum = Sha256::digest(&zero[..body]);
    zero[body..].copy_from_slice(&sum[..16]);
    assert_eq!(
        Share::from_bytes(&zero).unwrap_err(),
        Error::Decode(DecodeError::ZeroX)
    );
}

#[test]
fn a_wallet_with_one_bad_share_of_three_still_opens() {
    let secret = [0xA5u8; 16];
    let shares = keysplit::split(&secret, 2, 3, &mut rng(5)).unwrap();

    // Corrupted bytes (checksum fails): skipped, reported, secret recovered.
    let mut corrupted = shares[0].as_bytes().to_vec();
    corrupted[40] ^= 0xFF;
    let recovery = keysplit::combine_encoded(&[
        corrupted,
        shares[1].as_bytes().to_vec(),
        shares[2].as_bytes().to_vec(),
    ])
    .unwrap();
    assert_eq!(recovery.secret(), &secret);
    assert_eq!(recovery.rejected(), &[(0, DecodeError::Checksum)]);
    assert!(!recovery.is_clean());

    // A forged share with a valid checksum, in every position: the other two are found,
    // and the forged one is reported as inconsistent.
    for bad in 0..3 {
        let mut set: Vec<Share> = shares.clone();
        set[bad] = forge(&shares[bad], |b| b[29] ^= 0x01);
        let recovery = keysplit::combine_detailed(&set).unwrap();
        assert_eq!(recovery.secret(), &secret, "bad share {bad}");
        assert!(!recovery.used().contains(&bad));
        assert_eq!(recovery.inconsistent(), &[bad]);
    }

    // Two forged shares of three: no consistent pair exists.
    let set = vec![
        forge(&shares[0], |b| b[29] ^= 1),
        forge(&shares[1], |b| b[29] ^= 2),
        shares[2].clone(),
    ];
    assert_eq!(
        keysplit::combine(&set).unwrap_err(),
        Error::NoConsistentSubset { tried: 3 }
    );

    // All three good: clean.
    let recovery = keysplit::combine_detailed(&shares).unwrap();
    assert!(recovery.is_clean());
    assert_eq!(recovery.used(), &[0, 1]);
}

#[test]
fn reshare_makes_an_unrelated_set() {
    let secret = b"rotate me";
    let mut r = rng(6);
    let old = keysplit::split(secret, 2, 3, &mut r).unwrap();
    let new = keysplit::reshare(&old[1..], 3, 5, &mut r).unwrap();
    assert_eq!(new.len(), 5);
    assert_ne!(new[0].set_id(), old[0].set_id());
    assert_eq!(new[0].threshold(), 3);
    assert_eq!(&keysplit::combine(&new[2..]).unwrap()[..], secret);
    assert_eq!(
        keysplit::combine(&[old[0].clone(), new[0].clone(), new[1].clone()]).unwrap_err(),
        Error::SetMismatch { index: 1 }
    );
    assert_eq!(
        keysplit::reshare(&old[..1], 2, 3, &mut r).unwrap_err(),
        Error::BelowThreshold { needed: 2, got: 1 }
    );
    assert_eq!(
        keysplit::reshare(&old, 1, 3, &mut r).unwrap_err(),
        Error::InvalidThreshold {
            threshold: 1,
            shares: 3
        }
    );
}

#[test]
fn debug_output_never_contains_share_or_secret_bytes() {
    let secret = [0x3Cu8; 24];
    let shares = keysplit::split(&secret, 2, 3, &mut rng(8)).unwrap();
    let raws = raw::split(&secret, 2, 3, &mut rng(8)).unwrap();
    let recovery = keysplit::combine_detailed(&shares).unwrap();
    let y_hex = hex::encode(&shares[0].as_bytes()[29..45]);
    let raw_hex = hex::encode(&raws[0].as_bytes()[..16]);
    let printed = format!("{:?} {:?} {:?}", shares[0], raws[0], recovery);
    assert!(printed.contains("redacted"));
    assert!(!printed.contains(&y_hex));
    assert!(!printed.contains(&raw_hex));
    assert!(!printed.contains("3c3c3c"), "{printed}");
    assert!(!printed.contains("60, 60, 60"), "{printed}");
}

#[test]
fn text_forms_round_trip_and_tolerate_whitespace() {
    let shares = keysplit::split(b"write me down", 2, 2, &mut rng(9)).unwrap();
    let text = shares[0].to_text();
    let spaced: String = text
        .chars()
        .enumerate()
        .flat_map(|(i, c)| {
            if i > 0 && i % 4 == 0 {
                vec![' ', c]
            } else {
                vec![c]
            }
        })
        .collect();
    for form in [
        text.to_string(),
        text.to_uppercase(),
        spaced,
        shares[0].to_hex().to_string(),
        format!("  {}\n", shares[0].to_hex().to_uppercase()),
    ] {
        let parsed = Share::from_text(&form).unwrap();
        assert_eq!(parsed.as_bytes(), shares[0].as_bytes(), "{form}");
    }
    assert_eq!(
        Share::from_text("hello").unwrap_err(),
        Error::Decode(DecodeError::UnknownTextForm)
    );
    assert_eq!(
        Share::from_text("").unwrap_err(),
        Error::Decode(DecodeError::UnknownTextForm)
    );
}

#[test]
fn multi_megabyte_secret_round_trips() {
    let mut secret = vec![0u8; 5 * 1024 * 1024 + 17];
    rng(10).fill_bytes(&mut secret);
    let shares = keysplit::split(&secret, 3, 5, &mut rng(11)).unwrap();
    assert_eq!(
        shares[0].as_bytes().len(),
        secret.len() + keysplit::envelope_layout::OVERHEAD
    );
    let back = keysplit::combine(&shares[1..4]).unwrap();
    assert!(back[..] == secret[..]);
    let raws = raw::split(&secret, 2, 2, &mut rng(12)).unwrap();
    assert!(raw::combine(&raws).unwrap()[..] == secret[..]);
}

#[test]
fn error_codes_are_distinct_and_messages_nonempty() {
    let errors = [
        Error::InvalidThreshold {
            threshold: 1,
            shares: 2,
        },
        Error::InvalidShareCount { shares: 1 },
        Error::EmptySecret,
        Error::NoShares,
        Error::BelowThreshold { needed: 2, got: 1 },
        Error::ZeroX { index: 0 },
        Error::DuplicateX {
            x: 1,
            first: 0,
            second: 1,
        },
        Error::LengthMismatch {
            index: 1,
            expected: 1,
            found: 2,
        },
        Error::SetMismatch { index: 1 },
        Error::ThresholdMismatch {
            index: 1,
            expected: 2,
            found: 3,
        },
        Error::IntegrityCheck,
        Error::NoConsistentSubset { tried: 1 },
        Error::Rng,
        Error::TooLarge,
        Error::OutputLength {
            expected: 3,
            found: 2,
        },
    ];
    let mut codes: Vec<&str> = errors.iter().map(Error::code).collect();
    for e in &errors {
        assert!(e.to_string().len() > 15, "{e:?}");
    }
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), errors.len());
}

/// `split_into` writes what `split` returns, from the same generator state, for every
/// backend and for sizes on both sides of the small-split and block boundaries; what
/// `combine_into` writes is what `combine` returns.
#[test]
fn into_variants_match_the_allocating_calls() {
    use keysplit::hazmat::Backend;
    let mut sizes = rng(21);
    for backend in Backend::available() {
        for (len, t, n) in [
            (1, 2, 2),
            (32, 2, 3),
            (128, 3, 5),
            (129, 3, 5),
            (257, 2, 3),
            (4096, 2, 3),
            (4097, 4, 6),
            (9000, 2, 255),
        ] {
            let mut secret = vec![0u8; len];
            sizes.fill_bytes(&mut secret);
            let seed = sizes.next_u64();
            let shares =
                keysplit::with_backend::raw::split(&secret, t, n, &mut rng(seed), backend).unwrap();
            let mut out = vec![0u8; n * (len + 1)];
            keysplit::with_backend::raw::split_into(
                &secret,
                t,
                n,
                &mut rng(seed),
                &mut out,
                backend,
            )
            .unwrap();
            for (i, share) in shares.iter().enumerate() {
                assert_eq!(
                    &out[i * (len + 1)..(i + 1) * (len + 1)],
                    share.as_bytes(),
                    "{backend:?} {len} {t}-of-{n}: share {i}"
                );
            }
            let subset: Vec<&[u8]> = out.chunks_exact(len + 1).rev().take(t).collect();
            let mut rebuilt = vec![0u8; len];
            keysplit::with_backend::raw::combine_into(&subset, &mut rebuilt, backend).unwrap();
            assert_eq!(rebuilt, secret, "{backend:?} {len} {t}-of-{n}");
            assert_eq!(
                &keysplit::with_backend::raw::combine(&subset, backend).unwrap()[..],
                &rebuilt[..]
            );
        }
    }
}

/// The `_into` calls refuse what the allocating ones refuse, then a buffer of the wrong
/// length, and leave the buffer untouched when they refuse.
#[test]
fn into_variants_refuse_and_leave_the_buffer_untouched() {
    let untouched = |out: &[u8]| out.iter().all(|&b| b == 0xA5);
    for (secret, t, n, out_len, expected) in [
        (
            &b"s"[..],
            1,
            3,
            6,
            Error::InvalidThreshold {
                threshold: 1,
                shares: 3,
            },
        ),
        (
            &b"s"[..],
            2,
            256,
            512,
            Error::InvalidShareCount { shares: 256 },
        ),
        (&b""[..], 2, 3, 3, Error::EmptySecret),
        (
            &b"secret"[..],
            2,
            3,
            20,
            Error::OutputLength {
                expected: 21,
                found: 20,
            },
        ),
        (
            &b"secret"[..],
            2,
            3,
            22,
            Error::OutputLength {
                expected: 21,
                found: 22,
            },
        ),
        (
            &b"secret"[..],
            2,
            3,
            0,
            Error::OutputLength {
                expected: 21,
                found: 0,
            },
        ),
    ] {
        let mut out = vec![0xA5u8; out_len];
        let got = raw::split_into(secret, t, n, &mut rng(1), &mut out).unwrap_err();
        assert_eq!(got, expected);
        // split_into_len gives the parameter refusals, or the size the buffer lacked.
        match (raw::split_into_len(secret.len(), t, n), &expected) {
            (Ok(size), Error::OutputLength { expected, .. }) => assert_eq!(size as u64, *expected),
            (size, _) => assert_eq!(size, Err(expected.clone())),
        }
        assert!(untouched(&out), "{expected:?}: buffer written");
    }
    let shares = raw::split(b"secret", 2, 3, &mut rng(3)).unwrap();
    for out_len in [0, 5, 7, 100] {
        let mut out = vec![0xA5u8; out_len];
        assert_eq!(
            raw::combine_into(&shares[..2], &mut out).unwrap_err(),
            Error::OutputLength {
                expected: 6,
                found: out_len as u64
            }
        );
        assert!(untouched(&out));
    }
    assert_eq!(raw::split_into_len(usize::MAX, 2, 3), Err(Error::TooLarge));
    // A share refusal comes before the buffer's length, as in `combine`.
    let mut out = vec![0xA5u8; 1];
    assert!(matches!(
        raw::combine_into(&[&shares[0], &shares[0]], &mut out).unwrap_err(),
        Error::DuplicateX {
            first: 0,
            second: 1,
            ..
        }
    ));
    assert!(untouched(&out));
}
