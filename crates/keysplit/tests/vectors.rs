//! Runs every JSON file in `test-vectors/` written by an independent implementation:
//! `generate/reference.py` (Python, from the spec) and `generate/privy.mjs` (Privy's
//! shamir-secret-sharing@0.0.4). None of the expected values come from this crate.

use std::path::PathBuf;

use keysplit::hazmat::field;
use keysplit::{raw, Share};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn load(name: &str) -> Value {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "..", "..", "test-vectors", name]
        .iter()
        .collect();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn hex_of(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("hex string")).expect("valid hex")
}

fn usize_of(v: &Value) -> usize {
    v.as_u64().expect("number") as usize
}

/// The documented test RNG: the ChaCha20 keystream (RFC 8439, key = seed, zero nonce,
/// counter from 0) read as one continuous byte stream, however the reads are sized.
fn keystream_rng(seed: &[u8]) -> impl rand_core::CryptoRng {
    keysplit_testkit::chacha20_keystream(seed.try_into().expect("32-byte seed"))
}

#[test]
fn gf256_products_and_inverses() {
    let v = load("gf256.json");
    let mut table = Vec::with_capacity(65536);
    for a in 0..=255u8 {
        for b in 0..=255u8 {
            table.push(field::mul(a, b));
        }
    }
    assert_eq!(
        hex::encode(Sha256::digest(&table)),
        v["products_sha256"].as_str().unwrap()
    );
    let inverses = hex_of(&v["inverses"]["hex"]);
    assert_eq!(inverses.len(), 255);
    for (i, &expected) in inverses.iter().enumerate() {
        assert_eq!(field::inv(i as u8 + 1), expected, "inverse of {}", i + 1);
    }
    for sample in v["sample_products"].as_array().unwrap() {
        let [a, b, p] = [&sample[0], &sample[1], &sample[2]].map(|x| x.as_u64().unwrap() as u8);
        assert_eq!(field::mul(a, b), p, "{a} * {b}");
    }
}

#[test]
fn raw_split_known_answers() {
    let v = load("split-raw.json");
    let vectors = v["vectors"].as_array().unwrap();
    assert!(vectors.len() >= 5);
    for case in vectors {
        let label = case["label"].as_str().unwrap();
        let secret = hex_of(&case["secret"]);
        let (t, n) = (usize_of(&case["threshold"]), usize_of(&case["shares"]));
        let mut rng = keystream_rng(&hex_of(&case["rng_seed"]));
        let shares = raw::split(&secret, t, n, &mut rng).unwrap();
        let expected: Vec<Vec<u8>> = case["raw_shares"]
            .as_array()
            .unwrap()
            .iter()
            .map(hex_of)
            .collect();
        assert_eq!(shares.len(), expected.len(), "{label}");
        for (i, (got, want)) in shares.iter().zip(&expected).enumerate() {
            assert_eq!(got.as_bytes(), &want[..], "{label}: share {i}");
        }
        // split_into from the same seed: the same shares, back to back.
        let mut rng = keystream_rng(&hex_of(&case["rng_seed"]));
        let size = raw::split_into_len(secret.len(), t, n).unwrap();
        assert_eq!(size, n * (secret.len() + 1), "{label}");
        let mut back_to_back = vec![0u8; size];
        raw::split_into(&secret, t, n, &mut rng, &mut back_to_back).unwrap();
        assert_eq!(back_to_back, expected.concat(), "{label}: split_into");
        // Combine: the last t shares, and the first t in reverse order.
        let tail: Vec<&Vec<u8>> = expected[n - t..].iter().collect();
        assert_eq!(&raw::combine(&tail).unwrap()[..], &secret[..], "{label}");
        let head: Vec<&Vec<u8>> = expected[..t].iter().rev().collect();
        assert_eq!(&raw::combine(&head).unwrap()[..], &secret[..], "{label}");
        assert_eq!(raw::check_shares(&head), Ok(secret.len()), "{label}");
        let mut rebuilt = vec![0u8; secret.len()];
        raw::combine_into(&head, &mut rebuilt).unwrap();
        assert_eq!(rebuilt, secret, "{label}: combine_into");
    }
}

#[test]
fn envelope_split_known_answers() {
    let v = load("split-envelope.json");
    for case in v["vectors"].as_array().unwrap() {
        let label = case["label"].as_str().unwrap();
        let secret = hex_of(&case["secret"]);
        let (t, n) = (usize_of(&case["threshold"]), usize_of(&case["shares"]));
        let mut rng = keystream_rng(&hex_of(&case["rng_seed"]));
        let shares = keysplit::split(&secret, t, n, &mut rng).unwrap();
        let expected: Vec<Vec<u8>> = case["envelopes_hex"]
            .as_array()
            .unwrap()
            .iter()
            .map(hex_of)
            .collect();
        for (i, (got, want)) in shares.iter().zip(&expected).enumerate() {
            assert_eq!(got.as_bytes(), &want[..], "{label}: envelope {i}");
            assert_eq!(
                hex::encode(got.set_id().0),
                case["set_id"].as_str().unwrap()
            );
        }
        if let Some(texts) = case["envelopes_text"].as_array() {
            for (i, (got, want)) in shares.iter().zip(texts).enumerate() {
                assert_eq!(
                    got.to_text().as_str(),
                    want.as_str().unwrap(),
                    "{label}: text {i}"
                );
                let parsed = Share::from_text(want.as_str().unwrap()).unwrap();
                assert_eq!(parsed.as_bytes(), &expected[i][..]);
            }
        }
        let decoded: Vec<Share> = expected[n - t..]
            .iter()
            .map(|b| Share::from_bytes(b).unwrap())
            .collect();
        assert_eq!(
            &keysplit::combine(&decoded).unwrap()[..],
            &secret[..],
            "{label}"
        );
    }
}

#[test]
fn privy_shares_combine() {
    let v = load("privy-raw.json");
    assert_eq!(
        v["library"].as_str().unwrap(),
        "shamir-secret-sharing@0.0.4"
    );
    for case in v["vectors"].as_array().unwrap() {
        let secret = hex_of(&case["secret"]);
        let t = usize_of(&case["threshold"]);
        let shares: Vec<Vec<u8>> = case["shares"]
            .as_array()
            .unwrap()
            .iter()
            .map(hex_of)
            .collect();
        // Sliding windows of t shares over the whole set, so every share is used.
        let n = shares.len();
        for start in 0..=(n - t).min(20) {
            let subset = &shares[start..start + t];
            assert_eq!(&raw::combine(subset).unwrap()[..], &secret[..]);
            let mut rebuilt = vec![0u8; secret.len()];
            raw::combine_into(subset, &mut rebuilt).unwrap();
            assert_eq!(rebuilt, secret);
        }
        // Fewer than t shares give the wrong secret (raw has no integrity), never a panic.
        if t > 2 {
            let short = raw::combine(&shares[..t - 1]).unwrap();
            assert_ne!(&short[..], &secret[..]);
        }
    }
}

#[test]
fn invalid_inputs_give_their_error() {
    let v = load("invalid.json");
    let cases = v["cases"].as_array().unwrap();
    assert!(cases.len() >= 15);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let expected = case["error"].as_str().unwrap();
        let shares: Vec<&str> = case["shares"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        let result = match case["format"].as_str().unwrap() {
            "raw_hex" => {
                let bytes: Vec<Vec<u8>> = shares.iter().map(|s| hex::decode(s).unwrap()).collect();
                let result = raw::combine(&bytes).map(|_| ());
                // combine_into refuses the same way (with a buffer of the secret's length
                // where there is one), and leaves the buffer untouched.
                let len = bytes.first().map_or(0, |b| b.len().saturating_sub(1));
                let mut out = vec![0xA5u8; len];
                let into = raw::combine_into(&bytes, &mut out);
                assert_eq!(into, result, "{name}: combine_into");
                assert_eq!(
                    raw::check_shares(&bytes).map(|_| ()),
                    result,
                    "{name}: check"
                );
                assert!(out.iter().all(|&b| b == 0xA5), "{name}: buffer written");
                result
            }
            "envelope_hex" => {
                let bytes: Vec<Vec<u8>> = shares.iter().map(|s| hex::decode(s).unwrap()).collect();
                keysplit::combine_encoded(&bytes).map(|_| ())
            }
            "text" => keysplit::combine_text(&shares).map(|_| ()),
            other => panic!("unknown format {other}"),
        };
        match result {
            Ok(()) => panic!("{name}: accepted, expected {expected}"),
            Err(e) => assert_eq!(e.code(), expected, "{name}: {e}"),
        }
    }
}
