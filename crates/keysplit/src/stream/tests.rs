use super::*;
use crate::envelope::{CHECKSUM_LEN, HEADER_LEN};
use crate::error::{DecodeError, Error};
use crate::ChaCha20Rng;
use alloc::vec;
use alloc::vec::Vec;
use rand_core::{Rng, SeedableRng};
use sha2::Digest;

fn secret(len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    ChaCha20Rng::seed_from_u64(len as u64).fill_bytes(&mut bytes);
    bytes
}

fn stream_split(data: &[u8], t: usize, n: usize, seed: u64) -> Vec<Vec<u8>> {
    let mut outputs = vec![Vec::new(); n];
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    split(data, data.len() as u64, t, &mut outputs, &mut rng).unwrap();
    outputs
}

/// Review finding: the library panicked ("the keysplit hashing thread stopped early")
/// when the second thread ended before the reader. Whenever it ends, split and
/// combine return `HashingThreadStopped` (code `INTERNAL`), never a panic and never a
/// share or secret built from half-hashed lanes.
#[test]
fn a_hashing_thread_that_stops_early_is_an_error_not_a_panic() {
    let data = secret(3 << 20);
    let shares = stream_split(&data, 2, 3, 9);
    let mut stopped = 0;
    for stop_after in [0, 1, 2, 3, 4, 5, 8, 13, 40, 1000, usize::MAX] {
        super::pipeline::WORKER_STOPS_AFTER.with(|c| c.set(stop_after));
        let mut outputs = vec![Vec::new(); 3];
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        let split_result = split(&data[..], data.len() as u64, 2, &mut outputs, &mut rng);
        let mut rebuilt = Vec::new();
        let mut inputs: Vec<&[u8]> = shares.iter().map(Vec::as_slice).collect();
        let combine_result = combine(&mut inputs, &mut rebuilt);
        super::pipeline::WORKER_STOPS_AFTER.with(|c| c.set(usize::MAX));
        match split_result {
            Ok(_) => assert_eq!(outputs, shares, "stop after {stop_after}"),
            Err(e) => {
                assert!(matches!(e, StreamError::HashingThreadStopped), "{e:?}");
                assert_eq!(e.code(), "INTERNAL");
                stopped += 1;
            }
        }
        match combine_result {
            Ok(_) => assert_eq!(rebuilt, data, "stop after {stop_after}"),
            Err(e) => {
                assert!(matches!(e, StreamError::HashingThreadStopped), "{e:?}");
                stopped += 1;
            }
        }
    }
    // The early stops were really exercised, and the late ones really finished.
    assert!(stopped >= 10, "only {stopped} runs stopped early");
}

/// Re-seals an envelope after its bytes were edited (as a forger would).
fn reseal(bytes: &mut [u8]) {
    let body = bytes.len() - CHECKSUM_LEN;
    let sum = sha2::Sha256::digest(&bytes[..body]);
    bytes[body..].copy_from_slice(&sum[..CHECKSUM_LEN]);
}

#[test]
fn streamed_shares_equal_in_memory_shares() {
    let lengths = [
        1usize, 31, 32, 33, 4063, 4064, 4065, 4096, 8160, 8192, 10_000,
    ];
    for len in lengths {
        for (t, n) in [(2, 3), (3, 5), (5, 5)] {
            let data = secret(len);
            let streamed = stream_split(&data, t, n, 9);
            let memory = crate::split(&data, t, n, &mut ChaCha20Rng::seed_from_u64(9)).unwrap();
            for (a, b) in streamed.iter().zip(&memory) {
                assert!(a[..] == *b.as_bytes(), "len={len} t={t} n={n}");
            }
        }
    }
}

/// Secrets from 1 MiB on are hashed on a second thread, in batches: the bytes must
/// not change (batch edges, the digest tail, many shares with a small chunk).
#[test]
fn threaded_streamed_shares_equal_in_memory_shares() {
    let mib = 1usize << 20;
    for (len, t, n) in [
        (mib, 2, 3),
        (mib + 1, 3, 5),
        (mib + 4064, 2, 2),
        (mib + 4065, 4, 4),
        (3 * mib + 17, 2, 3),
        (mib + 5000, 2, 255),
    ] {
        let data = secret(len);
        let streamed = stream_split(&data, t, n, 11);
        let memory = crate::split(&data, t, n, &mut ChaCha20Rng::seed_from_u64(11)).unwrap();
        for (a, b) in streamed.iter().zip(&memory) {
            assert!(a[..] == *b.as_bytes(), "len={len} t={t} n={n}");
        }
        let mut out = Vec::new();
        let mut inputs: Vec<&[u8]> = streamed.iter().rev().map(|s| &s[..]).collect();
        let report = combine(&mut inputs, &mut out).unwrap();
        assert!(out == data, "len={len} t={t} n={n}");
        assert!(report.inconsistent().is_empty());
    }
}

#[test]
fn threaded_combine_reports_errors_and_forgeries() {
    let data = secret((1 << 20) + 300);
    let shares = stream_split(&data, 2, 3, 12);
    let mut forged = shares[2].clone();
    forged[HEADER_LEN + 700_000] ^= 1;
    reseal(&mut forged);
    let mut out = Vec::new();
    let mut inputs: Vec<&[u8]> = vec![&shares[0], &shares[1], &forged];
    let report = combine(&mut inputs, &mut out).unwrap();
    assert!(out == data);
    assert_eq!(report.inconsistent(), &[2]);

    let err = combine_err(&[&shares[0], &forged]);
    assert_eq!(refusal(err), Error::IntegrityCheck);
    let mut corrupted = shares[1].clone();
    corrupted[HEADER_LEN + 900_000] ^= 0x80;
    let err = combine_err(&[&shares[0], &corrupted]);
    assert_eq!(bad_share(err), (1, DecodeError::Checksum));
    // The first share's checksum changes threads a third of the way in: a flipped
    // bit before or after that point is still caught.
    for at in [1_000, 300_000, 800_000] {
        let mut corrupted = shares[0].clone();
        corrupted[HEADER_LEN + at] ^= 0x01;
        let err = combine_err(&[&corrupted, &shares[1]]);
        assert_eq!(bad_share(err), (0, DecodeError::Checksum), "at {at}");
    }
    // Cut off mid-stream, while the hashing thread is busy.
    let err = combine_err(&[&shares[0], &shares[1][..600_000]]);
    assert!(matches!(
        bad_share(err),
        (1, DecodeError::Truncated { found: 600_000, .. })
    ));
}

#[test]
fn threaded_split_of_a_wrong_length_stream_is_an_error() {
    let data = secret(3 << 20);
    let mut rng = ChaCha20Rng::seed_from_u64(13);
    let mut outputs = vec![Vec::new(); 3];
    let err = split(&data[..], (3 << 20) + 1, 2, &mut outputs, &mut rng).unwrap_err();
    assert!(
        matches!(err, StreamError::SecretTooShort { found, .. } if found == 3 << 20),
        "{err}"
    );
    let mut outputs = vec![Vec::new(); 3];
    let err = split(&data[..], 2 << 20, 2, &mut outputs, &mut rng).unwrap_err();
    assert!(
        matches!(err, StreamError::SecretTooLong { expected } if expected == 2 << 20),
        "{err}"
    );
}

#[test]
fn streamed_raw_shares_equal_in_memory_raw_shares() {
    for len in [1usize, 32, 4095, 4096, 4097, 10_000] {
        let data = secret(len);
        let mut outputs = vec![Vec::new(); 4];
        let mut rng = ChaCha20Rng::seed_from_u64(6);
        split_raw(
            &data[..],
            len as u64,
            3,
            &mut outputs,
            &mut rng,
            Backend::detect(),
        )
        .unwrap();
        let memory = crate::raw::split(&data, 3, 4, &mut ChaCha20Rng::seed_from_u64(6)).unwrap();
        for (a, b) in outputs.iter().zip(&memory) {
            assert!(a[..] == *b.as_bytes(), "len={len}");
        }
    }
}

#[test]
fn streamed_raw_combine_equals_in_memory_raw_combine() {
    for len in [1usize, 4096, 70_000, (1 << 20) + 3] {
        let data = secret(len);
        let memory = crate::raw::split(&data, 3, 5, &mut ChaCha20Rng::seed_from_u64(8)).unwrap();
        for picked in [[0usize, 1, 2], [4, 2, 0]] {
            let mut readers: Vec<io::Cursor<&[u8]>> = picked
                .iter()
                .map(|&i| io::Cursor::new(memory[i].as_bytes()))
                .collect();
            let mut out = Vec::new();
            let n = combine_raw(&mut readers, &mut out, Backend::detect()).unwrap();
            assert_eq!(n, len as u64);
            let chosen: Vec<&[u8]> = picked.iter().map(|&i| memory[i].as_bytes()).collect();
            assert!(out[..] == crate::raw::combine(&chosen).unwrap()[..]);
            assert!(out == data, "len={len}");
        }
    }
}

#[test]
fn raw_combine_refuses_what_it_can_see() {
    let data = secret(100);
    let shares = crate::raw::split(&data, 2, 3, &mut ChaCha20Rng::seed_from_u64(3)).unwrap();
    let run = |inputs: &[&[u8]]| {
        let mut readers: Vec<io::Cursor<&[u8]>> =
            inputs.iter().map(|b| io::Cursor::new(*b)).collect();
        combine_raw(&mut readers, io::sink(), Backend::detect()).unwrap_err()
    };
    let (a, b) = (shares[0].as_bytes(), shares[1].as_bytes());
    let mut zero = b.to_vec();
    *zero.last_mut().unwrap() = 0;
    let cases: [(&[&[u8]], &str); 6] = [
        (&[], "NO_SHARES"),
        (&[a], "BELOW_THRESHOLD"),
        (&[a, a], "DUPLICATE_X"),
        (&[a, &zero], "ZERO_X"),
        (&[a, &b[1..]], "LENGTH_MISMATCH"),
        (&[a, &[7]], "SHARE_TOO_SHORT"),
    ];
    for (inputs, code) in cases {
        let err = run(inputs);
        assert_eq!(err.code(), code, "{err}");
    }
}

#[test]
fn combine_rebuilds_from_any_threshold_subset_and_checks_extras() {
    for len in [1usize, 100, 4064, 4065, 9000] {
        let data = secret(len);
        let shares = stream_split(&data, 3, 5, 1);
        let mut out = Vec::new();
        let mut inputs: Vec<&[u8]> = vec![&shares[4], &shares[1], &shares[2], &shares[0]];
        let report = combine(&mut inputs, &mut out).unwrap();
        assert_eq!(out, data, "len={len}");
        assert_eq!(report.used(), &[0, 1, 2]);
        assert!(report.inconsistent().is_empty());
        assert_eq!(report.secret_len(), len as u64);
    }
}

#[test]
fn a_forged_extra_share_is_reported() {
    let data = secret(5000);
    let mut shares = stream_split(&data, 2, 4, 2);
    shares[3][HEADER_LEN + 4500] ^= 1;
    reseal(&mut shares[3]);
    let mut out = Vec::new();
    let mut inputs: Vec<&[u8]> = shares.iter().map(|s| &s[..]).collect();
    let report = combine(&mut inputs, &mut out).unwrap();
    assert_eq!(out, data);
    assert_eq!(report.inconsistent(), &[3]);
}

fn combine_err(inputs: &[&[u8]]) -> StreamError {
    let mut inputs = inputs.to_vec();
    combine(&mut inputs, io::sink()).unwrap_err()
}

/// The refusal inside `err`; fails the test if `err` is not a `StreamError::Shares`.
#[track_caller]
fn refusal(err: StreamError) -> Error {
    match err {
        StreamError::Shares(refusal) => refusal,
        other => panic!("expected a refusal of the shares, got {other:?}"),
    }
}

/// The share index and cause of a `BadShare` refusal; fails the test on any other error.
#[track_caller]
fn bad_share(err: StreamError) -> (usize, DecodeError) {
    match refusal(err) {
        Error::BadShare { index, cause } => (index, cause),
        other => panic!("expected a bad share, got {other:?}"),
    }
}

#[test]
fn bad_shares_are_refused_with_the_share_named() {
    let data = secret(300);
    let shares = stream_split(&data, 2, 3, 3);
    let other = stream_split(&data, 2, 3, 4);

    let mut corrupted = shares[1].clone();
    corrupted[HEADER_LEN + 10] ^= 0x40;
    let err = combine_err(&[&shares[0], &corrupted]);
    assert_eq!(bad_share(err), (1, DecodeError::Checksum));

    let mut forged = shares[1].clone();
    forged[HEADER_LEN + 10] ^= 0x40;
    reseal(&mut forged);
    let err = combine_err(&[&shares[0], &forged]);
    assert_eq!(refusal(err), Error::IntegrityCheck);

    let truncated = &shares[1][..shares[1].len() - 1];
    let err = combine_err(&[&shares[0], truncated]);
    assert!(matches!(bad_share(err), (1, DecodeError::Truncated { .. })));

    let mut trailing = shares[1].clone();
    trailing.push(0);
    let err = combine_err(&[&shares[0], &trailing]);
    assert!(matches!(
        bad_share(err),
        (1, DecodeError::TrailingBytes { .. })
    ));

    let err = combine_err(&[&shares[0], &other[1]]);
    assert_eq!(refusal(err), Error::SetMismatch { index: 1 });

    let err = combine_err(&[&shares[0]]);
    assert_eq!(refusal(err), Error::BelowThreshold { needed: 2, got: 1 });

    let err = combine_err(&[&shares[0], &shares[0]]);
    assert!(matches!(refusal(err), Error::DuplicateX { .. }));

    let err = combine_err(&[&shares[0], b"XY"]);
    assert_eq!(bad_share(err), (1, DecodeError::BadMagic));

    let err = combine_err(&[&shares[0], &shares[1][..10]]);
    assert!(matches!(bad_share(err), (1, DecodeError::Truncated { .. })));
}

#[test]
fn a_secret_of_the_wrong_length_is_an_error() {
    let data = secret(100);
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let mut outputs = vec![Vec::new(); 3];
    let err = split(&data[..], 101, 2, &mut outputs, &mut rng).unwrap_err();
    assert!(
        matches!(
            err,
            StreamError::SecretTooShort {
                expected: 101,
                found: 100
            }
        ),
        "{err}"
    );
    let err = split(&data[..], 99, 2, &mut outputs, &mut rng).unwrap_err();
    assert!(
        matches!(err, StreamError::SecretTooLong { expected: 99 }),
        "{err}"
    );
    let err = split(&data[..0], 0, 2, &mut outputs, &mut rng).unwrap_err();
    assert_eq!(refusal(err), Error::EmptySecret);
    let err = split(&data[..], 100, 4, &mut outputs, &mut rng).unwrap_err();
    assert!(matches!(refusal(err), Error::InvalidThreshold { .. }));
}
