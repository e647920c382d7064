//! Official test vectors: BIP-39 (trezor/python-mnemonic, passphrase "TREZOR"), BIP-32
//! vectors 1-5, SLIP-0010 ed25519, EIP-55; plus the well-known Ethereum test accounts.

use std::str::FromStr;

use keysplit_wallet::{
    DerivationPath, Ed25519ExtendedKey, Entropy, Error, EthereumAddress, ExtendedPrivateKey,
    ExtendedPublicKey, Seed, Wallet,
};
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = format!("{}/../../test-vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn seed_from_hex(hex_seed: &str) -> Vec<u8> {
    hex::decode(hex_seed).unwrap()
}

#[test]
fn bip39_trezor_english_vectors() {
    let vectors = load("bip39-trezor-english.json");
    let english = vectors["english"].as_array().unwrap();
    assert_eq!(english.len(), 24);
    for case in english {
        let [entropy_hex, phrase, seed_hex, xprv] = [0, 1, 2, 3].map(|i| case[i].as_str().unwrap());
        let entropy = Entropy::from_bytes(&hex::decode(entropy_hex).unwrap()).unwrap();
        assert_eq!(entropy.to_mnemonic().as_str(), phrase);
        let back = Entropy::from_mnemonic(phrase).unwrap();
        assert_eq!(back.as_bytes(), entropy.as_bytes());
        let seed = entropy.to_seed("TREZOR").unwrap();
        assert_eq!(hex::encode(seed.as_bytes()), seed_hex);
        let seed_again = Seed::from_mnemonic(phrase, "TREZOR").unwrap();
        assert_eq!(seed_again.as_bytes(), seed.as_bytes());
        let master = ExtendedPrivateKey::new_master(&seed).unwrap();
        assert_eq!(master.to_xprv().as_str(), xprv);
    }
}

#[test]
fn bip39_parsing_is_forgiving_about_case_and_spaces_only() {
    let phrase = "  Abandon abandon\tabandon abandon abandon abandon abandon abandon abandon abandon abandon ABOUT\n";
    assert_eq!(
        keysplit_wallet::normalize_mnemonic(phrase).unwrap().as_str(),
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
    );
    let bad_checksum = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon";
    assert_eq!(
        Entropy::from_mnemonic(bad_checksum).unwrap_err().code(),
        "MNEMONIC_CHECKSUM"
    );
    assert_eq!(
        Entropy::from_mnemonic("abandon abandon abandon")
            .unwrap_err()
            .code(),
        "MNEMONIC_WORD_COUNT"
    );
    let unknown = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abouz";
    assert!(matches!(
        Entropy::from_mnemonic(unknown),
        Err(Error::Mnemonic(
            keysplit_wallet::MnemonicError::UnknownWord { index: 11 }
        ))
    ));
    assert_eq!(
        Entropy::from_bytes(&[0u8; 15]).unwrap_err(),
        Error::EntropyLength { len: 15 }
    );
}

#[cfg(feature = "unicode")]
#[test]
fn non_ascii_passphrases_are_nfkd_normalised() {
    // "é" precomposed (U+00E9) and decomposed (e + U+0301) are the same NFKD passphrase.
    let phrase = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
    let composed = Seed::from_mnemonic(phrase, "caf\u{e9}").unwrap();
    let decomposed = Seed::from_mnemonic(phrase, "cafe\u{301}").unwrap();
    assert_eq!(composed.as_bytes(), decomposed.as_bytes());
    assert_eq!(
        keysplit_wallet::normalize_password("caf\u{e9}")
            .unwrap()
            .as_str(),
        "cafe\u{301}"
    );
    let plain = Seed::from_mnemonic(phrase, "cafe").unwrap();
    assert_ne!(composed.as_bytes(), plain.as_bytes());
}

#[cfg(not(feature = "unicode"))]
#[test]
fn non_ascii_passphrases_are_refused_without_unicode() {
    let phrase = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
    assert_eq!(
        Seed::from_mnemonic(phrase, "caf\u{e9}").unwrap_err(),
        Error::NonAsciiNeedsUnicode
    );
    assert_eq!(
        keysplit_wallet::normalize_password("caf\u{e9}").unwrap_err(),
        Error::NonAsciiNeedsUnicode
    );
    assert_eq!(
        keysplit_wallet::normalize_password("plain")
            .unwrap()
            .as_str(),
        "plain"
    );
}

#[test]
fn bip32_valid_vectors_1_to_4() {
    let vectors = load("bip32-vectors.json");
    let valid = vectors["valid"].as_array().unwrap();
    assert_eq!(valid.len(), 4);
    let mut checked = 0;
    for vector in valid {
        let seed = seed_from_hex(vector["seed"].as_str().unwrap());
        let master = ExtendedPrivateKey::from_seed_bytes(&seed).unwrap();
        for chain in vector["chains"].as_array().unwrap() {
            let path = DerivationPath::from_str(chain["path"].as_str().unwrap()).unwrap();
            let key = master.derive_path(&path).unwrap();
            let xprv = chain["xprv"].as_str().unwrap();
            let xpub = chain["xpub"].as_str().unwrap();
            assert_eq!(key.to_xprv().as_str(), xprv, "xprv at {path}");
            assert_eq!(
                key.to_extended_public_key().to_xpub(),
                xpub,
                "xpub at {path}"
            );
            // Round trips through the serialized forms.
            assert_eq!(
                ExtendedPrivateKey::from_xprv(xprv)
                    .unwrap()
                    .to_xprv()
                    .as_str(),
                xprv
            );
            assert_eq!(ExtendedPublicKey::from_xpub(xpub).unwrap().to_xpub(), xpub);
            checked += 1;
        }
    }
    assert_eq!(checked, 6 + 6 + 2 + 3);
}

#[test]
fn bip32_public_derivation_matches_private_for_normal_steps() {
    let vectors = load("bip32-vectors.json");
    // Vector 2: m/0 -> m/0/2147483647' is hardened, so check the normal step m -> m/0
    // and m/0/2147483647'/1 from its parent xpub.
    let vector = &vectors["valid"][1];
    let chains = vector["chains"].as_array().unwrap();
    let parent = ExtendedPublicKey::from_xpub(chains[0]["xpub"].as_str().unwrap()).unwrap();
    let child = parent
        .derive_child(keysplit_wallet::ChildNumber::normal(0).unwrap())
        .unwrap();
    assert_eq!(child.to_xpub(), chains[1]["xpub"].as_str().unwrap());
    let parent = ExtendedPublicKey::from_xpub(chains[2]["xpub"].as_str().unwrap()).unwrap();
    let child = parent
        .derive_child(keysplit_wallet::ChildNumber::normal(1).unwrap())
        .unwrap();
    assert_eq!(child.to_xpub(), chains[3]["xpub"].as_str().unwrap());
    assert_eq!(
        parent
            .derive_child(keysplit_wallet::ChildNumber::hardened(1).unwrap())
            .unwrap_err(),
        Error::HardenedFromPublic
    );
}

#[test]
fn bip32_vector_5_invalid_keys_are_refused() {
    let vectors = load("bip32-vectors.json");
    let xpubs = vectors["invalid"]["xpub"].as_array().unwrap();
    let xprvs = vectors["invalid"]["xprv"].as_array().unwrap();
    assert!(xpubs.len() >= 8 && xprvs.len() >= 10);
    for text in xpubs {
        let text = text.as_str().unwrap();
        let err = ExtendedPublicKey::from_xpub(text).unwrap_err();
        assert!(
            matches!(err, Error::InvalidExtendedKey(_)),
            "{text}: {err:?}"
        );
    }
    for text in xprvs {
        let text = text.as_str().unwrap();
        let err = ExtendedPrivateKey::from_xprv(text).unwrap_err();
        assert!(
            matches!(err, Error::InvalidExtendedKey(_)),
            "{text}: {err:?}"
        );
    }
}

#[test]
fn derivation_paths_parse_and_refuse() {
    let path = DerivationPath::from_str("m/44'/60'/0'/0/0").unwrap();
    assert_eq!(path, DerivationPath::ethereum(0).unwrap());
    assert_eq!(path.to_string(), "m/44'/60'/0'/0/0");
    assert_eq!(
        DerivationPath::from_str("m/44h/501H/3'/0'").unwrap(),
        DerivationPath::solana(3).unwrap()
    );
    for bad in [
        "",
        "44'/0",
        "m/",
        "m//1",
        "m/2147483648",
        "m/-1",
        "m/1''",
        "m/0x10",
        "n/0",
    ] {
        assert_eq!(
            DerivationPath::from_str(bad).unwrap_err(),
            Error::InvalidPath,
            "{bad:?}"
        );
    }
}

#[test]
fn slip10_ed25519_vectors() {
    let vectors = load("slip10-ed25519.json");
    let mut checked = 0;
    for vector in vectors["vectors"].as_array().unwrap() {
        let seed = seed_from_hex(vector["seed"].as_str().unwrap());
        let master = Ed25519ExtendedKey::from_seed_bytes(&seed);
        for chain in vector["chains"].as_array().unwrap() {
            let path = DerivationPath::from_str(chain["path"].as_str().unwrap()).unwrap();
            let key = master.derive_path(&path).unwrap();
            assert_eq!(
                hex::encode(key.chain_code()),
                chain["chain_code"].as_str().unwrap()
            );
            assert_eq!(
                hex::encode(key.private_key_bytes()),
                chain["private"].as_str().unwrap()
            );
            let public = format!("00{}", hex::encode(key.public_key_bytes()));
            assert_eq!(
                public,
                chain["public"].as_str().unwrap(),
                "public at {path}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 12);
    let master = Ed25519ExtendedKey::from_seed_bytes(&[0u8; 16]);
    assert_eq!(
        master
            .derive_path(&DerivationPath::from_str("m/0").unwrap())
            .unwrap_err(),
        Error::Ed25519NeedsHardened
    );
}

#[test]
fn eip55_vectors() {
    let vectors = load("eip55-checksum.json");
    for text in vectors["addresses"].as_array().unwrap() {
        let text = text.as_str().unwrap();
        let address = EthereumAddress::from_str(text).unwrap();
        assert_eq!(address.to_checksum(), text);
        assert_eq!(
            EthereumAddress::from_str(&text.to_lowercase()).unwrap(),
            address
        );
        // Flip the case of one letter: the checksum must catch it.
        let mut chars: Vec<char> = text.chars().collect();
        let i = chars
            .iter()
            .skip(2)
            .position(|c| c.is_ascii_alphabetic())
            .unwrap()
            + 2;
        chars[i] = if chars[i].is_ascii_uppercase() {
            chars[i].to_ascii_lowercase()
        } else {
            chars[i].to_ascii_uppercase()
        };
        let typo: String = chars.into_iter().collect();
        assert_eq!(
            EthereumAddress::from_str(&typo).unwrap_err(),
            Error::InvalidAddress
        );
    }
}

#[test]
fn well_known_ethereum_accounts() {
    let abandon = Wallet::from_mnemonic(
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
    )
    .unwrap();
    assert_eq!(
        abandon.ethereum_address(0).unwrap().to_checksum(),
        "0x9858EfFD232B4033E47d90003D41EC34EcaEda94"
    );
    let hardhat =
        Wallet::from_mnemonic("test test test test test test test test test test test junk")
            .unwrap();
    assert_eq!(
        hardhat.ethereum_address(0).unwrap().to_checksum(),
        "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    );
}

/// The other languages of the same file (all with passphrase "TREZOR"): Japanese
/// ideographic spaces, accented Spanish/French/Czech words and Korean exercise NFKD.
#[cfg(all(feature = "all-languages", feature = "unicode"))]
#[test]
fn bip39_trezor_vectors_in_every_language() {
    let vectors = load("bip39-trezor-all-languages.json");
    let mut checked = 0;
    for (language, cases) in vectors.as_object().unwrap() {
        for case in cases.as_array().unwrap() {
            let [entropy_hex, phrase, seed_hex, xprv] =
                [0, 1, 2, 3].map(|i| case[i].as_str().unwrap());
            let entropy = Entropy::from_mnemonic(phrase)
                .unwrap_or_else(|e| panic!("{language}: {phrase}: {e}"));
            assert_eq!(hex::encode(entropy.as_bytes()), entropy_hex, "{language}");
            let seed = Seed::from_mnemonic(phrase, "TREZOR").unwrap();
            assert_eq!(
                hex::encode(seed.as_bytes()),
                seed_hex,
                "{language}: {phrase}"
            );
            let master = ExtendedPrivateKey::new_master(&seed).unwrap();
            assert_eq!(master.to_xprv().as_str(), xprv, "{language}");
            checked += 1;
        }
    }
    assert_eq!(checked, 240);
}

/// The worked example of EIP-712 (ethereum/EIPs `assets/eip-712/Example.js`, the "Ether
/// Mail" message): domain separator and struct hash -> digest, and the signature by the
/// private key keccak256("cow").
#[test]
fn eip712_mail_example() {
    use keysplit_wallet::ethereum;
    let unhex32 = |s: &str| -> [u8; 32] { hex::decode(s).unwrap().try_into().unwrap() };
    let domain = unhex32("f2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f");
    let message = unhex32("c52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e");
    let digest = ethereum::typed_data_digest(&domain, &message);
    assert_eq!(
        hex::encode(digest),
        "be609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2"
    );
    let cow = ethereum::keccak256(b"cow");
    let signature = ethereum::sign_digest_with_secret_key(&cow, &digest).unwrap();
    assert_eq!(
        hex::encode(&signature[..32]),
        "4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d"
    );
    assert_eq!(
        hex::encode(&signature[32..64]),
        "07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b91562"
    );
    assert_eq!(signature[64], 28);
    assert_eq!(
        ethereum::recover_address(&digest, &signature)
            .unwrap()
            .to_checksum()
            .to_lowercase(),
        "0xcd2a3d9f938e13cd947ec05abc7fe734df8dd826"
    );
}
