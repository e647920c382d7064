//! Untrusted input never panics: arbitrary bytes and strings into every parser, and
//! arbitrary sealed shares into `open`.

use std::str::FromStr;

use keysplit_wallet::{
    DerivationPath, Entropy, EthereumAddress, ExtendedPrivateKey, ExtendedPublicKey, Role,
    SealedShare, ShareInput, ShareKey, SolanaAddress, Unlock,
};
use proptest::prelude::*;
use rand_core::SeedableRng;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parsers_never_panic(text in ".{0,200}") {
        let _ = ExtendedPrivateKey::from_xprv(&text);
        let _ = ExtendedPublicKey::from_xpub(&text);
        let _ = DerivationPath::from_str(&text);
        let _ = EthereumAddress::from_str(&text);
        let _ = SolanaAddress::parse(&text);
        let _ = Entropy::from_mnemonic(&text);
        let _ = SealedShare::from_hex(&text);
        let _ = keysplit_wallet::normalize_password(&text);
    }

    #[test]
    fn paths_of_digits_and_marks_never_panic(text in "m(/[0-9]{1,11}['hH]?){0,300}") {
        if let Ok(path) = DerivationPath::from_str(&text) {
            let master = ExtendedPrivateKey::from_seed_bytes(&[7u8; 32]).unwrap();
            // Depth is one byte: deeper paths are refused, not wrapped.
            let derived = master.derive_path(&path);
            prop_assert_eq!(derived.is_ok(), path.steps().len() <= 255);
        }
    }

    #[test]
    fn sealed_shares_of_random_bytes_are_refused(
        bytes in proptest::collection::vec(any::<u8>(), 0..700),
        keep_header in any::<bool>(),
    ) {
        let mut rng = keysplit::ChaCha20Rng::from_seed([3; 32]);
        let device = ShareKey::generate(&mut rng);
        let auth = ShareKey::generate(&mut rng);
        let protect = keysplit_wallet::Protections {
            device: keysplit_wallet::Protection::Key(&device),
            auth: keysplit_wallet::Protection::Key(&auth),
            recovery: keysplit_wallet::Protection::Key(&auth),
        };
        let set = keysplit_wallet::create(keysplit_wallet::Strength::Bits128, &protect, &mut rng).unwrap();
        // Either wholly random bytes, or the real header followed by random bytes.
        let mut candidate = bytes.clone();
        if keep_header {
            candidate = set.device.as_bytes()[..95].to_vec();
            candidate.extend_from_slice(&bytes);
        }
        if let Ok(share) = SealedShare::from_bytes(&candidate) {
            let result = keysplit_wallet::open(
                &set.info,
                ShareInput::new(Role::Device, &share, Unlock::Key(&device)),
                ShareInput::new(Role::Auth, &set.auth, Unlock::Key(&auth)),
            );
            prop_assert!(result.is_err());
        }
    }
}
