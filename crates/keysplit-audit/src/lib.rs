//! The invariants keysplit's fuzz targets check, as plain functions of the fuzzer's bytes.
//!
//! ```
//! // Every function takes arbitrary bytes and panics only when an invariant is broken.
//! keysplit_audit::decode_envelope(b"KS\x01 not really a share");
//! keysplit_audit::split_roundtrip(&[3, 5, 0, 1, 2, 42, 42, 42]);
//! ```
//!
//! The same functions run in three places: the cargo-fuzz targets in `fuzz/` (libFuzzer,
//! nightly), the replay of every committed corpus file in `tests/corpus_replay.rs` (stable,
//! part of `cargo test`), and anywhere an auditor wants to re-run a single input. A crash
//! found by fuzzing is added to `fuzz/corpus/<target>/` and stays a regression test.
//!
//! Invariants, for every input:
//! * no panic, no hang: every library call returns `Ok` or a typed error;
//! * decoders accept only what re-encodes to the same bytes;
//! * split then combine of any threshold-sized subset returns exactly the secret, with
//!   every backend, in raw, envelope and streaming forms; fewer shares are refused;
//! * every SIMD backend computes exactly what the portable backend computes;
//! * Solana messages decode only when they re-encode to the same bytes, and only their
//!   required signers get a summary;
//! * the wallet opens, rotates and recovers only with two distinct genuine shares of
//!   the current epoch and their right keys, and never returns a different wallet.
//!
//! # Security
//! Test tooling only (`publish = false`); it never handles real secrets.

#![forbid(unsafe_code)]

mod authz;
mod ethereum_tx;
mod policy;
mod slip39;
mod solana;
mod typed_data;
mod wallet;
pub use authz::{base64_p1363, decode_authz, fixture_authz};
pub use ethereum_tx::decode_ethereum_transaction;
pub use policy::decode_policy;
pub use slip39::decode_slip39;
pub use solana::decode_solana_message;
pub use typed_data::decode_typed_data;
pub use wallet::{decode_sealed, fixture_sealed_shares, wallet_open, wallet_text};

use chacha20::ChaCha20Rng;
use keysplit::hazmat::{field, Backend};
use keysplit::{raw, Error, Share};
use rand_core::SeedableRng;

/// Names of the fuzz targets, each the name of a function here and of a directory in
/// `fuzz/corpus/`.
pub const TARGETS: &[&str] = &[
    "decode_raw",
    "decode_envelope",
    "decode_text",
    "combine_arbitrary",
    "split_roundtrip",
    "backend_differential",
    "reshare_arbitrary",
    "stream_combine",
    "decode_sealed",
    "wallet_text",
    "wallet_open",
    "decode_slip39",
    "decode_solana_message",
    "decode_typed_data",
    "decode_ethereum_transaction",
    "decode_policy",
    "decode_authz",
];

/// Runs the named target on `data`; false if there is no such target.
pub fn run_target(name: &str, data: &[u8]) -> bool {
    let f: fn(&[u8]) = match name {
        "decode_raw" => decode_raw,
        "decode_envelope" => decode_envelope,
        "decode_text" => decode_text,
        "combine_arbitrary" => combine_arbitrary,
        "split_roundtrip" => split_roundtrip,
        "backend_differential" => backend_differential,
        "reshare_arbitrary" => reshare_arbitrary,
        "stream_combine" => stream_combine,
        "decode_sealed" => decode_sealed,
        "wallet_text" => wallet_text,
        "wallet_open" => wallet_open,
        "decode_slip39" => decode_slip39,
        "decode_solana_message" => decode_solana_message,
        "decode_typed_data" => decode_typed_data,
        "decode_ethereum_transaction" => decode_ethereum_transaction,
        "decode_policy" => decode_policy,
        "decode_authz" => decode_authz,
        _ => return false,
    };
    f(data);
    true
}

/// Cuts fuzzer bytes into a list of items: each item is a little-endian u16 length and
/// that many bytes (a short final item takes what is left). At most 64 items.
pub fn items(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    while rest.len() >= 2 && out.len() < 64 {
        let len = usize::from(u16::from_le_bytes([rest[0], rest[1]]));
        rest = &rest[2..];
        let take = len.min(rest.len());
        out.push(&rest[..take]);
        rest = &rest[take..];
    }
    out
}

/// The inverse of [`items`], for building corpus files.
pub fn join_items<T: AsRef<[u8]>>(list: &[T]) -> Vec<u8> {
    let mut out = Vec::new();
    for item in list {
        let item = item.as_ref();
        let len = u16::try_from(item.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&item[..usize::from(len)]);
    }
    out
}

/// Raw share decoding: `RawShare::from_bytes` and `from_hex`.
pub fn decode_raw(data: &[u8]) {
    if let Ok(share) = raw::RawShare::from_bytes(data) {
        assert_eq!(share.as_bytes(), data, "raw share bytes changed on decode");
        assert!(
            data.len() >= 2 && share.x() != 0,
            "accepted a malformed raw share"
        );
        let again = raw::RawShare::from_hex(&share.to_hex()).expect("own hex must decode");
        assert_eq!(again.as_bytes(), data);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(share) = raw::RawShare::from_hex(text) {
            assert_ne!(share.x(), 0, "accepted x = 0 from hex");
        }
    }
}

fn check_envelope(share: &Share, original: Option<&[u8]>) {
    let bytes = share.as_bytes();
    if let Some(original) = original {
        assert_eq!(bytes, original, "envelope bytes changed on decode");
    }
    assert!(share.threshold() >= 2, "accepted threshold < 2");
    assert_ne!(share.x(), 0, "accepted x = 0");
    let overhead = keysplit::envelope_layout::OVERHEAD as u64;
    assert_eq!(
        share.secret_len().checked_add(overhead),
        Some(bytes.len() as u64),
        "length field disagrees with the envelope size"
    );
    let from_hex = Share::from_text(&share.to_hex()).expect("own hex form must decode");
    let from_ks1 = Share::from_text(&share.to_text()).expect("own ks1 form must decode");
    assert_eq!(from_hex.as_bytes(), bytes);
    assert_eq!(from_ks1.as_bytes(), bytes);
}

/// Binary envelope decoding.
pub fn decode_envelope(data: &[u8]) {
    if let Ok(share) = Share::from_bytes(data) {
        check_envelope(&share, Some(data));
    }
}

/// Text decoding (hex and `ks1...`), including the hazmat codecs.
pub fn decode_text(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(share) = Share::from_text(&text) {
        check_envelope(&share, None);
    }
    if let Ok(bytes) = keysplit::encoding::decode_hex(&text) {
        let hex = keysplit::encoding::encode_hex(&bytes);
        let again = keysplit::encoding::decode_hex(&hex).expect("own hex must decode");
        assert_eq!(&again[..], &bytes[..], "hex round trip");
    }
    if let Ok(bytes) = keysplit::encoding::decode_bech32m(&text, "ks") {
        let again = keysplit::encoding::encode_bech32m(&bytes);
        let back = keysplit::encoding::decode_bech32m(&again, "ks").expect("own ks1 must decode");
        assert_eq!(&back[..], &bytes[..], "bech32m round trip");
    }
}

/// Combine on an arbitrary list of inputs, as envelopes (binary and text) and as raw
/// shares: `Ok` or a typed error, never a panic or a hang.
pub fn combine_arbitrary(data: &[u8]) {
    let list = items(data);
    let secret_len_of = |shares: &[Share]| shares.first().map(|s| s.secret_len());
    match keysplit::combine_encoded(&list) {
        Ok(recovery) => {
            let decoded: Vec<Share> = recovery
                .used()
                .iter()
                .map(|&i| Share::from_bytes(list[i]).expect("used shares decode"))
                .collect();
            assert!(decoded.len() >= usize::from(recovery.threshold()));
            assert_eq!(
                Some(recovery.secret().len() as u64),
                secret_len_of(&decoded),
                "recovered secret has the wrong length"
            );
        }
        Err(error) => assert!(!error.code().is_empty()),
    }
    let texts: Vec<String> = list
        .iter()
        .map(|i| String::from_utf8_lossy(i).into_owned())
        .collect();
    if let Err(error) = keysplit::combine_text(&texts) {
        assert!(!error.code().is_empty());
    }
    let raw_result = raw::combine(&list);
    // combine_into gives the same answer or the same refusal, and writes nothing when it
    // refuses.
    let len = list
        .first()
        .map_or(0, |share| share.len().saturating_sub(1));
    let mut into = vec![0xA5u8; len];
    match (&raw_result, raw::combine_into(&list, &mut into)) {
        (Ok(secret), Ok(())) => assert_eq!(&secret[..], &into[..], "combine_into differs"),
        (Err(a), Err(b)) => {
            assert_eq!(a, &b, "combine_into refuses differently");
            assert!(
                into.iter().all(|&b| b == 0xA5),
                "refused combine_into wrote"
            );
        }
        (a, b) => panic!("combine {a:?} but combine_into {b:?}"),
    }
    match raw_result {
        Ok(secret) => {
            assert!(list.len() >= 2);
            assert_eq!(secret.len() + 1, list[0].len(), "raw secret length");
        }
        Err(error) => assert!(!error.code().is_empty()),
    }
}

/// Fuzzer-chosen parameters for a split.
struct SplitCase<'a> {
    threshold: usize,
    count: usize,
    subset: Vec<usize>,
    seed: [u8; 32],
    secret: &'a [u8],
}

/// `[t, n, seed byte, order bytes..., secret...]`: t in 2..=n, n in 2..=16, the first
/// `n` order bytes choose a permutation of the shares, the rest is the secret.
fn split_case(data: &[u8]) -> Option<SplitCase<'_>> {
    let (&n_byte, rest) = data.split_first()?;
    let (&t_byte, rest) = rest.split_first()?;
    let (&seed_byte, rest) = rest.split_first()?;
    let count = 2 + usize::from(n_byte) % 15;
    let threshold = 2 + usize::from(t_byte) % (count - 1);
    let order_len = count.min(rest.len());
    let (order, secret) = rest.split_at(order_len);
    if secret.is_empty() {
        return None;
    }
    // Fisher–Yates driven by the order bytes.
    let mut subset: Vec<usize> = (0..count).collect();
    for (i, &b) in order.iter().enumerate() {
        let j = i + usize::from(b) % (count - i);
        subset.swap(i, j);
    }
    let mut seed = [seed_byte; 32];
    seed[..order.len().min(32)].copy_from_slice(&order[..order.len().min(32)]);
    Some(SplitCase {
        threshold,
        count,
        subset,
        seed,
        secret,
    })
}

/// Split then combine with fuzzer-chosen secret, threshold, share count and subset:
/// the secret comes back exactly, from every threshold-sized subset, with every
/// backend; one share fewer is refused (envelope) or gives another value (raw).
pub fn split_roundtrip(data: &[u8]) {
    let Some(case) = split_case(data) else {
        return;
    };
    let t = case.threshold;
    let chosen = &case.subset[..t];
    let mut reference: Option<Vec<Vec<u8>>> = None;
    for backend in Backend::available() {
        let mut rng = ChaCha20Rng::from_seed(case.seed);
        let shares = keysplit::with_backend::split(case.secret, t, case.count, &mut rng, backend)
            .expect("valid parameters must split");
        assert_eq!(shares.len(), case.count);
        // Same randomness, same shares, whatever the backend.
        let bytes: Vec<Vec<u8>> = shares.iter().map(|s| s.as_bytes().to_vec()).collect();
        match &reference {
            None => reference = Some(bytes),
            Some(r) => assert_eq!(r, &bytes, "backend {} split differs", backend.name()),
        }
        let subset: Vec<Share> = chosen.iter().map(|&i| shares[i].clone()).collect();
        let recovered =
            keysplit::with_backend::combine_detailed(&subset, backend).expect("combine");
        assert_eq!(recovered.secret(), case.secret, "envelope round trip");
        assert_eq!(
            keysplit::combine(&subset[..t - 1]).err(),
            Some(Error::BelowThreshold {
                needed: t,
                got: t - 1
            })
        );

        let mut rng = ChaCha20Rng::from_seed(case.seed);
        let raw_shares =
            keysplit::with_backend::raw::split(case.secret, t, case.count, &mut rng, backend)
                .expect("raw split");
        let raw_subset: Vec<&[u8]> = chosen.iter().map(|&i| raw_shares[i].as_bytes()).collect();
        let recovered =
            keysplit::with_backend::raw::combine(&raw_subset, backend).expect("raw combine");
        assert_eq!(&recovered[..], case.secret, "raw round trip");
        // split_into: the same shares back to back from the same seed.
        let mut rng = ChaCha20Rng::from_seed(case.seed);
        let mut out = vec![0u8; case.count * (case.secret.len() + 1)];
        keysplit::with_backend::raw::split_into(
            case.secret,
            t,
            case.count,
            &mut rng,
            &mut out,
            backend,
        )
        .expect("raw split_into");
        let stride = case.secret.len() + 1;
        for (share, chunk) in raw_shares.iter().zip(out.chunks_exact(stride)) {
            assert_eq!(share.as_bytes(), chunk, "split_into differs from split");
        }
    }
    // Streaming split produces shares the in-memory combine accepts.
    let mut rng = ChaCha20Rng::from_seed(case.seed);
    let mut outputs: Vec<Vec<u8>> = vec![Vec::new(); case.count];
    keysplit::stream::split(
        case.secret,
        case.secret.len() as u64,
        t,
        &mut outputs,
        &mut rng,
    )
    .expect("stream split");
    let streamed: Vec<&[u8]> = chosen.iter().map(|&i| outputs[i].as_slice()).collect();
    let recovery = keysplit::combine_encoded(&streamed).expect("combine streamed shares");
    assert_eq!(recovery.secret(), case.secret, "stream split round trip");
    let mut readers: Vec<&[u8]> = streamed.clone();
    let mut secret_out = Vec::new();
    keysplit::stream::combine(&mut readers, &mut secret_out).expect("stream combine");
    assert_eq!(secret_out, case.secret, "stream combine round trip");
}

/// Every backend this machine runs computes `dst ^= c * src` exactly as the scalar field
/// multiplication does, at every length and alignment the fuzzer picks.
pub fn backend_differential(data: &[u8]) {
    let Some((&c, rest)) = data.split_first() else {
        return;
    };
    let Some((&offset, rest)) = rest.split_first() else {
        return;
    };
    let half = rest.len() / 2;
    let (dst_bytes, src_bytes) = rest.split_at(half);
    // A misaligned start, so backends' unaligned paths run too.
    let skip = usize::from(offset % 8).min(half);
    let expected: Vec<u8> = dst_bytes[skip..]
        .iter()
        .zip(&src_bytes[skip..])
        .map(|(&d, &s)| d ^ field::mul(c, s))
        .collect();
    for backend in Backend::available() {
        let mut dst = dst_bytes.to_vec();
        backend.mul_add(&mut dst[skip..], &src_bytes[skip..half.max(skip)], c);
        assert_eq!(
            &dst[..skip],
            &dst_bytes[..skip],
            "{} wrote before dst",
            backend.name()
        );
        assert_eq!(&dst[skip..], &expected[..], "{} differs", backend.name());
    }
    // The fused kernel: dst = a*dst_bytes ^ c*src_bytes (a = 1 when offset is even, as in
    // split), overwriting dst; and the backends' inverse of a public value.
    let a = if offset % 2 == 0 { 1 } else { offset };
    let fused: Vec<u8> = dst_bytes[skip..]
        .iter()
        .zip(&src_bytes[skip..])
        .map(|(&d, &s)| field::mul(a, d) ^ field::mul(c, s))
        .collect();
    for backend in Backend::available() {
        let mut dst = vec![0x5Au8; fused.len()];
        backend.mul2(&mut dst, &dst_bytes[skip..], a, &src_bytes[skip..], c);
        assert_eq!(dst, fused, "{} mul2 differs", backend.name());
        if let Some(inverse) = backend.inverse_of_public(c) {
            assert_eq!(inverse, field::inv(c), "{} inverse of {c}", backend.name());
        }
    }
}

/// Reshare an arbitrary list of envelopes: if it succeeds, the new shares rebuild what
/// the old ones rebuild, under a new set id, and never combine with the old ones.
pub fn reshare_arbitrary(data: &[u8]) {
    let Some((&params, rest)) = data.split_first() else {
        return;
    };
    let list = items(rest);
    let shares: Vec<Share> = list
        .iter()
        .filter_map(|b| Share::from_bytes(b).ok())
        .collect();
    let new_n = 2 + usize::from(params >> 4);
    let new_t = 2 + usize::from(params & 0x0F) % (new_n - 1);
    let mut rng = ChaCha20Rng::from_seed([params; 32]);
    match keysplit::reshare(&shares, new_t, new_n, &mut rng) {
        Ok(fresh) => {
            let old = keysplit::combine(&shares).expect("reshare succeeded, so combine does");
            let new = keysplit::combine(&fresh[..new_t]).expect("fresh shares combine");
            assert_eq!(old, new, "reshare changed the secret");
            assert_ne!(
                fresh[0].set_id(),
                shares[0].set_id(),
                "reshare kept the set id"
            );
            let mixed = [shares[0].clone(), fresh[0].clone()];
            assert!(
                keysplit::combine(&mixed).is_err(),
                "old and new shares mixed"
            );
        }
        Err(error) => assert!(!error.code().is_empty()),
    }
}

/// Streaming combine on arbitrary readers: `Ok` or a typed error; on `Ok`, the output
/// is what the in-memory combine gives for the same shares.
pub fn stream_combine(data: &[u8]) {
    let list = items(data);
    let mut readers: Vec<&[u8]> = list.clone();
    let mut out = Vec::new();
    match keysplit::stream::combine(&mut readers, &mut out) {
        Ok(recovery) => {
            assert_eq!(out.len() as u64, recovery.secret_len());
            let used: Vec<&[u8]> = recovery.used().iter().map(|&i| list[i]).collect();
            let memory = keysplit::combine_encoded(&used).expect("in-memory combine agrees");
            assert_eq!(
                memory.secret(),
                &out[..],
                "stream and memory combine differ"
            );
        }
        Err(error) => assert!(!error.code().is_empty()),
    }
}
