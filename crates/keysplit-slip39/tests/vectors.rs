//! The official SLIP-0039 test vectors (`vectors.json` of trezor/python-shamir-mnemonic,
//! see test-vectors/README.md): every valid one combines to its master secret with the
//! passphrase "TREZOR", every invalid one is refused; and the master secret, used as the
//! BIP-32 seed (as Trezor does), gives the vectors' xprv.

use keysplit_slip39::{combine_mnemonics, Share};

type Vector = (String, Vec<String>, String, String);

fn vectors() -> Vec<Vector> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../test-vectors/slip39-vectors.json"
    ))
    .expect("test-vectors/slip39-vectors.json");
    let json: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    json.as_array()
        .expect("a list")
        .iter()
        .map(|v| {
            let name = v[0].as_str().expect("name").to_string();
            let mnemonics = v[1]
                .as_array()
                .expect("mnemonics")
                .iter()
                .map(|m| m.as_str().expect("mnemonic").to_string())
                .collect();
            let secret = v[2].as_str().expect("secret").to_string();
            (
                name,
                mnemonics,
                secret,
                v[3].as_str().expect("xprv").to_string(),
            )
        })
        .collect()
}

#[test]
fn all_official_vectors() {
    let all = vectors();
    assert_eq!(all.len(), 45);
    let (mut valid, mut invalid) = (0, 0);
    for (name, mnemonics, secret, _) in &all {
        let result = combine_mnemonics(mnemonics, b"TREZOR");
        if secret.is_empty() {
            let err = result.expect_err(name);
            eprintln!("{name}: refused: {err}");
            invalid += 1;
        } else {
            let got = result.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(hex::encode(&got[..]), *secret, "{name}");
            valid += 1;
        }
    }
    assert_eq!((valid, invalid), (15, 30));
}

/// Re-encoding a decoded valid share gives back the same words (decode and encode agree
/// with the reference's encoder, which made the vectors).
#[test]
fn valid_shares_reencode_identically() {
    for (name, mnemonics, secret, _) in vectors() {
        if secret.is_empty() {
            continue;
        }
        for m in &mnemonics {
            let share = Share::from_mnemonic(m).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(&share.to_mnemonic()[..], m.as_str(), "{name}");
            let upper = m.to_uppercase();
            let again = Share::from_mnemonic(&upper).expect("any case");
            assert_eq!(&again.to_mnemonic()[..], m.as_str(), "{name}");
        }
    }
}

/// The refusals the reference makes, with the error naming the share that caused them.
#[test]
fn invalid_vectors_give_the_reference_reason() {
    use keysplit_slip39::Error::*;
    let all = vectors();
    let code = |n: usize| {
        let (_, mnemonics, _, _) = &all[n - 1];
        combine_mnemonics(mnemonics, b"TREZOR").unwrap_err()
    };
    assert_eq!(code(2), Checksum { share: 0 });
    assert_eq!(code(3), Padding { share: 0 });
    assert_eq!(code(21), Checksum { share: 0 });
    assert_eq!(code(22), Padding { share: 0 });
    assert_eq!(
        code(39),
        TooFewWords {
            share: 0,
            words: 19
        }
    );
    assert_eq!(
        code(40),
        InvalidLength {
            share: 0,
            words: 21
        }
    );
    assert_eq!(code(13).code(), "digest");
    assert_eq!(code(32).code(), "digest");
    assert_eq!(code(6).code(), "mismatch");
    assert_eq!(code(7).code(), "mismatch");
    assert_eq!(code(11), DuplicateIndex { share: 1 });
    assert_eq!(code(12).code(), "mismatch");
    assert_eq!(code(10).code(), "group_threshold_above_count");
    assert_eq!(code(14).code(), "too_few_groups");
    assert_eq!(code(15).code(), "too_few_groups");
    assert_eq!(code(16).code(), "wrong_member_count");
    assert_eq!(code(5).code(), "wrong_member_count");
}

/// A SLIP-39 wallet's BIP-32 seed is the master secret itself: the master key derived from
/// it matches the vectors' xprv (made by python-shamir-mnemonic with the `bip32` package).
#[test]
fn master_secret_as_bip32_seed_gives_the_vectors_xprv() {
    let mut checked = 0;
    for (name, mnemonics, secret, xprv) in vectors() {
        if secret.is_empty() {
            continue;
        }
        let master = combine_mnemonics(&mnemonics, b"TREZOR").expect("valid vector");
        let key = keysplit_wallet::ExtendedPrivateKey::from_seed_bytes(&master).expect("seed");
        assert_eq!(&key.to_xprv()[..], xprv.as_str(), "{name}");
        checked += 1;
    }
    assert_eq!(checked, 15);
}
