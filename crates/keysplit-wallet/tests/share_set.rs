//! Share set operations: every pair opens, every wrong input is refused with its own error.

use keysplit_wallet::{
    ethereum, Argon2Params, Error, Protection, Protections, Role, SealedShare, ShareInput,
    ShareKey, ShareSet, Strength, Unlock, Wallet, WalletInfo,
};
use rand_core::SeedableRng;

const PASSWORD: &[u8] = b"correct horse battery staple";
/// Small costs so tests stay fast; the defaults are checked separately.
const TEST_ARGON2: Argon2Params = Argon2Params {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};

struct Keys {
    device: ShareKey,
    auth: ShareKey,
}

fn rng(seed: u8) -> keysplit::ChaCha20Rng {
    keysplit::ChaCha20Rng::from_seed([seed; 32])
}

fn keys(rng: &mut keysplit::ChaCha20Rng) -> Keys {
    Keys {
        device: ShareKey::generate(rng),
        auth: ShareKey::generate(rng),
    }
}

fn protections(keys: &Keys) -> Protections<'_> {
    Protections {
        device: Protection::Key(&keys.device),
        auth: Protection::Key(&keys.auth),
        recovery: Protection::InsecureFastPassword {
            password: PASSWORD,
            params: TEST_ARGON2,
        },
    }
}

fn input<'a>(set: &'a ShareSet, keys: &'a Keys, role: Role) -> ShareInput<'a> {
    let unlock = match role {
        Role::Device => Unlock::Key(&keys.device),
        Role::Auth => Unlock::Key(&keys.auth),
        Role::Recovery => Unlock::Password(PASSWORD),
    };
    ShareInput::new(role, set.share(role), unlock)
}

fn new_wallet(seed: u8) -> (ShareSet, Keys) {
    let mut rng = rng(seed);
    let keys = keys(&mut rng);
    let set = keysplit_wallet::create(Strength::Bits128, &protections(&keys), &mut rng).unwrap();
    (set, keys)
}

fn open_err(info: &WalletInfo, a: ShareInput<'_>, b: ShareInput<'_>) -> Error {
    keysplit_wallet::open(info, a, b).map(|_| ()).unwrap_err()
}

#[test]
fn every_pair_opens_the_same_wallet() {
    let (set, keys) = new_wallet(1);
    assert_eq!(set.info.epoch, 0);
    let pairs = [
        (Role::Device, Role::Auth),
        (Role::Device, Role::Recovery),
        (Role::Auth, Role::Recovery),
        (Role::Recovery, Role::Device),
    ];
    let mut mnemonics = Vec::new();
    for (a, b) in pairs {
        let wallet =
            keysplit_wallet::open(&set.info, input(&set, &keys, a), input(&set, &keys, b)).unwrap();
        assert_eq!(
            wallet.ethereum_address(0).unwrap(),
            set.info.ethereum_address
        );
        assert_eq!(wallet.solana_address(0).unwrap(), set.info.solana_address);
        assert_eq!(wallet.entropy().as_bytes().len(), 16);
        mnemonics.push(wallet.mnemonic().to_string());
    }
    assert!(mnemonics.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(mnemonics[0].split(' ').count(), 12);
}

#[test]
fn strength_256_gives_24_words() {
    let mut rng = rng(2);
    let keys = keys(&mut rng);
    let set = keysplit_wallet::create(Strength::Bits256, &protections(&keys), &mut rng).unwrap();
    let wallet = keysplit_wallet::open(
        &set.info,
        input(&set, &keys, Role::Device),
        input(&set, &keys, Role::Auth),
    )
    .unwrap();
    assert_eq!(wallet.mnemonic().split(' ').count(), 24);
}

#[test]
fn signatures_recover_to_the_wallet_address() {
    let (set, keys) = new_wallet(3);
    let wallet = keysplit_wallet::open(
        &set.info,
        input(&set, &keys, Role::Device),
        input(&set, &keys, Role::Auth),
    )
    .unwrap();
    let message = b"keysplit says hello";
    let signature = wallet.sign_personal_message(0, message).unwrap();
    assert!(signature[64] == 27 || signature[64] == 28);
    let digest = ethereum::personal_message_digest(message);
    assert_eq!(
        ethereum::recover_address(&digest, &signature).unwrap(),
        set.info.ethereum_address
    );
    // Deterministic (RFC 6979): the same message gives the same signature.
    assert_eq!(wallet.sign_personal_message(0, message).unwrap(), signature);
    // Low s: s <= n/2.
    let half_order =
        hex::decode("7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0").unwrap();
    assert!(signature[32..64] <= half_order[..]);
    // Another account signs for another address.
    let other = wallet.sign_personal_message(1, message).unwrap();
    assert_eq!(
        ethereum::recover_address(&digest, &other).unwrap(),
        wallet.ethereum_address(1).unwrap()
    );
    assert_ne!(
        wallet.ethereum_address(1).unwrap(),
        set.info.ethereum_address
    );
    // EIP-712 digest signing.
    let typed = keysplit_wallet::hazmat::sign_typed_data_hashes(&wallet, 0, &[1u8; 32], &[2u8; 32])
        .unwrap();
    let typed_digest = ethereum::typed_data_digest(&[1u8; 32], &[2u8; 32]);
    assert_eq!(
        ethereum::recover_address(&typed_digest, &typed).unwrap(),
        set.info.ethereum_address
    );
    // Solana.
    let solana_signature = wallet.sign_solana_message(0, message).unwrap();
    set.info
        .solana_address
        .verify(message, &solana_signature)
        .unwrap();
    assert_eq!(
        set.info
            .solana_address
            .verify(b"other", &solana_signature)
            .unwrap_err(),
        Error::InvalidSignature
    );
}

#[test]
fn personal_message_digest_matches_the_eip191_layout() {
    // keccak256("\x19Ethereum Signed Message:\n5hello"), spelled out by hand.
    let expected = ethereum::keccak256(b"\x19Ethereum Signed Message:\n5hello");
    assert_eq!(ethereum::personal_message_digest(b"hello"), expected);
    let long = vec![b'a'; 1234];
    let mut framed = b"\x19Ethereum Signed Message:\n1234".to_vec();
    framed.extend_from_slice(&long);
    assert_eq!(
        ethereum::personal_message_digest(&long),
        ethereum::keccak256(&framed)
    );
    assert_eq!(
        ethereum::personal_message_digest(b""),
        ethereum::keccak256(b"\x19Ethereum Signed Message:\n0")
    );
}

#[test]
fn shares_of_another_wallet_are_refused() {
    let (set, keys) = new_wallet(4);
    let (other, other_keys) = new_wallet(5);
    let err = open_err(
        &set.info,
        input(&set, &keys, Role::Device),
        input(&other, &other_keys, Role::Auth),
    );
    assert_eq!(err, Error::WalletMismatch { role: Role::Auth });
    assert_eq!(err.code(), "WALLET_MISMATCH");
}

#[test]
fn rotation_makes_a_new_epoch_and_refuses_the_old_one() {
    let (set, keys) = new_wallet(6);
    let mut rng = rng(60);
    let next = keysplit_wallet::rotate(
        &set.info,
        input(&set, &keys, Role::Device),
        input(&set, &keys, Role::Recovery),
        &protections(&keys),
        &mut rng,
    )
    .unwrap();
    assert_eq!(next.info.epoch, 1);
    assert_eq!(next.info.wallet_id, set.info.wallet_id);
    assert_eq!(next.info.ethereum_address, set.info.ethereum_address);
    assert_ne!(next.info.share_set_id, set.info.share_set_id);
    // Old device share with the new auth share: refused by epoch.
    let err = open_err(
        &next.info,
        input(&set, &keys, Role::Device),
        input(&next, &keys, Role::Auth),
    );
    assert_eq!(
        err,
        Error::EpochMismatch {
            role: Role::Device,
            expected: 1,
            found: 0
        }
    );
    // A new share against the old metadata: refused as newer.
    let err = open_err(
        &set.info,
        input(&next, &keys, Role::Device),
        input(&set, &keys, Role::Auth),
    );
    assert_eq!(err.code(), "EPOCH_MISMATCH");
    // The new set opens with every pair.
    for (a, b) in [
        (Role::Device, Role::Auth),
        (Role::Auth, Role::Recovery),
        (Role::Device, Role::Recovery),
    ] {
        keysplit_wallet::open(&next.info, input(&next, &keys, a), input(&next, &keys, b)).unwrap();
    }
}

#[test]
fn recovery_on_a_new_device() {
    let (set, keys) = new_wallet(7);
    let mut rng = rng(70);
    let new_keys = Keys {
        device: ShareKey::generate(&mut rng),
        auth: keys.auth.clone(),
    };
    let next = keysplit_wallet::recover(
        &set.info,
        input(&set, &keys, Role::Auth),
        input(&set, &keys, Role::Recovery),
        &protections(&new_keys),
        &mut rng,
    )
    .unwrap();
    assert_eq!(next.info.epoch, 1);
    keysplit_wallet::open(
        &next.info,
        input(&next, &new_keys, Role::Device),
        input(&next, &new_keys, Role::Auth),
    )
    .unwrap();
    // The old device key does not open the new device share.
    let err = open_err(
        &next.info,
        input(&next, &keys, Role::Device),
        input(&next, &keys, Role::Auth),
    );
    assert_eq!(err, Error::WrongKey { role: Role::Device });
    // Recovery insists on auth + recovery.
    let err = keysplit_wallet::recover(
        &set.info,
        input(&set, &keys, Role::Device),
        input(&set, &keys, Role::Auth),
        &protections(&keys),
        &mut rng,
    )
    .unwrap_err();
    assert_eq!(err, Error::RecoverNeedsAuthAndRecovery);
}

#[test]
fn wrong_password_wrong_key_and_wrong_unlock_kind() {
    let (set, keys) = new_wallet(8);
    let err = open_err(
        &set.info,
        input(&set, &keys, Role::Device),
        ShareInput::new(
            Role::Recovery,
            &set.recovery,
            Unlock::Password(b"wrong password"),
        ),
    );
    assert_eq!(
        err,
        Error::WrongPassword {
            role: Role::Recovery
        }
    );
    let err = open_err(
        &set.info,
        ShareInput::new(Role::Device, &set.device, Unlock::Key(&keys.auth)),
        input(&set, &keys, Role::Auth),
    );
    assert_eq!(err, Error::WrongKey { role: Role::Device });
    let err = open_err(
        &set.info,
        ShareInput::new(Role::Device, &set.device, Unlock::Password(PASSWORD)),
        input(&set, &keys, Role::Auth),
    );
    assert_eq!(
        err,
        Error::UnlockKind {
            role: Role::Device,
            needs_password: false
        }
    );
    let err = open_err(
        &set.info,
        input(&set, &keys, Role::Device),
        ShareInput::new(Role::Recovery, &set.recovery, Unlock::Key(&keys.device)),
    );
    assert_eq!(
        err,
        Error::UnlockKind {
            role: Role::Recovery,
            needs_password: true
        }
    );
}

#[test]
fn swapped_roles_and_duplicates_are_refused() {
    let (set, keys) = new_wallet(9);
    // The recovery share offered as the device share.
    let err = open_err(
        &set.info,
        ShareInput::new(Role::Device, &set.recovery, Unlock::Password(PASSWORD)),
        input(&set, &keys, Role::Auth),
    );
    assert_eq!(
        err,
        Error::RoleMismatch {
            expected: Role::Device,
            found: Role::Recovery
        }
    );
    let err = open_err(
        &set.info,
        input(&set, &keys, Role::Auth),
        input(&set, &keys, Role::Auth),
    );
    assert_eq!(err, Error::DuplicateRole { role: Role::Auth });
}

/// Rewrites one header byte of a sealed share (bypassing the structural check).
fn with_byte(share: &SealedShare, at: usize, value: u8) -> Result<SealedShare, Error> {
    let mut bytes = share.as_bytes().to_vec();
    bytes[at] = value;
    SealedShare::from_bytes(&bytes)
}

#[test]
fn moving_a_ciphertext_to_another_role_or_epoch_fails_authentication() {
    let (set, keys) = new_wallet(10);
    // Relabel the device share as an auth share (role byte 5): with the device key it
    // decrypts nothing, because the role is associated data.
    let relabelled = with_byte(&set.device, 5, Role::Auth.to_byte()).unwrap();
    let err = open_err(
        &set.info,
        input(&set, &keys, Role::Device),
        ShareInput::new(Role::Auth, &relabelled, Unlock::Key(&keys.device)),
    );
    assert_eq!(err, Error::Tampered { role: Role::Auth });
    // Move the auth share to epoch 1 and present it with epoch-1 metadata.
    let mut info = set.info.clone();
    info.epoch = 1;
    let moved = with_byte(&set.auth, 54, 1).unwrap();
    assert_eq!(moved.epoch(), 1);
    let err = open_err(
        &info,
        ShareInput::new(Role::Auth, &moved, Unlock::Key(&keys.auth)),
        ShareInput::new(
            Role::Device,
            &with_byte(&set.device, 54, 1).unwrap(),
            Unlock::Key(&keys.device),
        ),
    );
    assert_eq!(err.code(), "TAMPERED");
}

#[test]
fn every_single_bit_flip_is_refused() {
    let (set, keys) = new_wallet(11);
    let original = set.device.as_bytes().to_vec();
    let mut tampered_errors = 0;
    for at in 0..original.len() {
        for bit in [0x01u8, 0x80] {
            let mut bytes = original.clone();
            bytes[at] ^= bit;
            let share = match SealedShare::from_bytes(&bytes) {
                Ok(share) => share,
                Err(e) => {
                    assert_eq!(e.code(), "SEALED_SHARE_FORMAT", "byte {at}");
                    continue;
                }
            };
            let result = keysplit_wallet::open(
                &set.info,
                ShareInput::new(Role::Device, &share, Unlock::Key(&keys.device)),
                input(&set, &keys, Role::Auth),
            );
            let err = result.map(|_| ()).unwrap_err();
            if at >= 95 {
                // Ciphertext and tag: always detected by the AEAD.
                assert_eq!(err, Error::Tampered { role: Role::Device }, "byte {at}");
                tampered_errors += 1;
            }
        }
    }
    assert!(tampered_errors > 100);
}

#[test]
fn metadata_that_does_not_match_the_shares_is_refused() {
    let (set, keys) = new_wallet(12);
    let mut info = set.info.clone();
    info.ethereum_address.0[0] ^= 1;
    let err = open_err(
        &info,
        input(&set, &keys, Role::Device),
        input(&set, &keys, Role::Auth),
    );
    assert_eq!(err, Error::AddressMismatch);
    let mut info = set.info.clone();
    info.share_set_id.0[0] ^= 1;
    let err = open_err(
        &info,
        input(&set, &keys, Role::Device),
        input(&set, &keys, Role::Auth),
    );
    assert_eq!(err, Error::ShareSetMismatch { role: Role::Device });
}

#[test]
fn import_keeps_the_mnemonic_and_random_recovery_keys_work() {
    let mut rng = rng(13);
    let keys = keys(&mut rng);
    let recovery_key = ShareKey::generate(&mut rng);
    let protect = Protections {
        device: Protection::Key(&keys.device),
        auth: Protection::Key(&keys.auth),
        recovery: Protection::Key(&recovery_key),
    };
    let phrase = "test test test test test test test test test test test junk";
    let set = keysplit_wallet::import(phrase, &protect, &mut rng).unwrap();
    assert_eq!(
        set.info.ethereum_address.to_checksum(),
        "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    );
    let wallet = keysplit_wallet::open(
        &set.info,
        ShareInput::new(Role::Auth, &set.auth, Unlock::Key(&keys.auth)),
        ShareInput::new(Role::Recovery, &set.recovery, Unlock::Key(&recovery_key)),
    )
    .unwrap();
    assert_eq!(wallet.mnemonic().as_str(), phrase);
    assert!(!set.recovery.is_password_sealed());
}

#[test]
fn argon2_parameters_are_bounded_and_stored() {
    assert_eq!(
        Argon2Params::default(),
        Argon2Params {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1
        }
    );
    let (set, _) = new_wallet(14);
    assert_eq!(set.recovery.argon2_params(), Some(TEST_ARGON2));
    let mut rng = rng(15);
    let keys = keys(&mut rng);
    for params in [
        Argon2Params {
            memory_kib: 4,
            iterations: 1,
            parallelism: 1,
        },
        Argon2Params {
            memory_kib: 64,
            iterations: 0,
            parallelism: 1,
        },
        Argon2Params {
            memory_kib: 64,
            iterations: 65,
            parallelism: 1,
        },
        Argon2Params {
            memory_kib: u32::MAX,
            iterations: 1,
            parallelism: 1,
        },
        Argon2Params {
            memory_kib: 64,
            iterations: 1,
            parallelism: 0,
        },
    ] {
        let protect = Protections {
            recovery: Protection::Password {
                password: PASSWORD,
                params,
            },
            ..protections(&keys)
        };
        let err = keysplit_wallet::create(Strength::Bits128, &protect, &mut rng).unwrap_err();
        assert_eq!(err.code(), "KDF_PARAMS", "{params:?}");
    }
    // A forged header asking for 256 MiB + 1 KiB is refused before any allocation, and so
    // is one asking for 256 MiB x 5 passes (more than 1 GiB of work).
    let mut bytes = set.recovery.as_bytes().to_vec();
    bytes[7..11].copy_from_slice(&(256 * 1024 + 1u32).to_be_bytes());
    let forged = SealedShare::from_bytes(&bytes).unwrap();
    assert_eq!(
        forged.open(Unlock::Password(PASSWORD)).unwrap_err().code(),
        "KDF_PARAMS"
    );
    let mut bytes = set.recovery.as_bytes().to_vec();
    bytes[7..11].copy_from_slice(&(256 * 1024u32).to_be_bytes());
    bytes[11..15].copy_from_slice(&5u32.to_be_bytes());
    let forged = SealedShare::from_bytes(&bytes).unwrap();
    assert_eq!(
        forged.open(Unlock::Password(PASSWORD)).unwrap_err().code(),
        "KDF_PARAMS"
    );
}

#[test]
fn password_seals_below_the_owasp_floor_are_refused() {
    assert_eq!(Argon2Params::MIN_MEMORY_KIB, 19 * 1024);
    assert_eq!(Argon2Params::MIN_ITERATIONS, 2);
    let mut rng = rng(17);
    let keys = keys(&mut rng);
    let seal = |params: Argon2Params, rng: &mut keysplit::ChaCha20Rng| {
        let protect = Protections {
            recovery: Protection::Password {
                password: PASSWORD,
                params,
            },
            ..protections(&keys)
        };
        keysplit_wallet::create(Strength::Bits128, &protect, rng)
    };
    // Each is valid Argon2id (check passes) but cheaper than the floor in one dimension.
    for (memory_kib, iterations) in [(64, 1), (19 * 1024 - 1, 2), (19 * 1024, 1), (8, 64)] {
        let params = Argon2Params {
            memory_kib,
            iterations,
            parallelism: 1,
        };
        params.check().unwrap();
        let err = seal(params, &mut rng).unwrap_err();
        assert_eq!(err.code(), "KDF_TOO_WEAK", "{params:?}");
        assert_eq!(
            err,
            Error::KdfBelowFloor {
                memory_kib,
                iterations
            }
        );
    }
    // The floor itself, and above it, seal; the stored costs are the ones asked for.
    for params in [
        Argon2Params::default(),
        Argon2Params {
            memory_kib: 20 * 1024,
            iterations: 3,
            parallelism: 2,
        },
    ] {
        let set = seal(params, &mut rng).unwrap();
        assert_eq!(set.recovery.argon2_params(), Some(params));
    }
    // The explicit test-only variant skips the floor, and only the floor.
    let protect = Protections {
        recovery: Protection::InsecureFastPassword {
            password: PASSWORD,
            params: TEST_ARGON2,
        },
        ..protections(&keys)
    };
    keysplit_wallet::create(Strength::Bits128, &protect, &mut rng).unwrap();
    let protect = Protections {
        recovery: Protection::InsecureFastPassword {
            password: PASSWORD,
            params: Argon2Params {
                memory_kib: 256 * 1024 + 1,
                iterations: 1,
                parallelism: 1,
            },
        },
        ..protections(&keys)
    };
    assert_eq!(
        keysplit_wallet::create(Strength::Bits128, &protect, &mut rng)
            .unwrap_err()
            .code(),
        "KDF_PARAMS"
    );
}

#[test]
fn malformed_sealed_shares_are_refused_with_reasons() {
    let (set, _) = new_wallet(16);
    let bytes = set.device.as_bytes();
    assert_eq!(
        SealedShare::from_bytes(&[]).unwrap_err().code(),
        "SEALED_SHARE_FORMAT"
    );
    assert_eq!(
        SealedShare::from_bytes(&bytes[..bytes.len() - 40]).map(|_| ()),
        Ok(())
    );
    let mut wrong_magic = bytes.to_vec();
    wrong_magic[0] = b'X';
    assert_eq!(
        SealedShare::from_bytes(&wrong_magic).unwrap_err(),
        Error::SealedShareFormat(keysplit_wallet::SealedShareFormatError::BadMagic)
    );
    assert_eq!(
        SealedShare::from_hex("zz").unwrap_err().code(),
        "SEALED_SHARE_FORMAT"
    );
    let hex = set.device.to_hex();
    assert_eq!(SealedShare::from_hex(&hex).unwrap(), set.device);
}

#[test]
fn nothing_secret_in_debug_output() {
    let (set, keys) = new_wallet(17);
    let wallet = keysplit_wallet::open(
        &set.info,
        input(&set, &keys, Role::Device),
        input(&set, &keys, Role::Auth),
    )
    .unwrap();
    let mnemonic = wallet.mnemonic().to_string();
    let entropy_hex = hex::encode(wallet.entropy().as_bytes());
    let key_hex = hex::encode(keys.device.as_bytes());
    let private_hex = hex::encode(*wallet.ethereum_key(0).unwrap().private_key_bytes());
    let debug = format!(
        "{wallet:?} {:?} {:?} {:?} {:?} {:?} {:?}",
        wallet.entropy(),
        keys.device,
        wallet.ethereum_key(0).unwrap(),
        wallet.solana_key(0).unwrap(),
        set,
        Unlock::Password(PASSWORD)
    );
    let first_word = mnemonic.split(' ').next().unwrap();
    assert!(!debug.contains(&entropy_hex));
    assert!(!debug.contains(&key_hex));
    assert!(!debug.contains(&private_hex));
    assert!(!debug.contains(&mnemonic));
    assert!(!debug.contains(std::str::from_utf8(PASSWORD).unwrap()));
    assert!(debug.contains("redacted"));
    let _ = first_word;
    let _: &Wallet = &wallet;
}

#[test]
fn errors_have_distinct_codes_and_messages() {
    let errors = [
        Error::WrongKey { role: Role::Device },
        Error::WrongPassword {
            role: Role::Recovery,
        },
        Error::Tampered { role: Role::Auth },
        Error::WalletMismatch { role: Role::Auth },
        Error::EpochMismatch {
            role: Role::Device,
            expected: 2,
            found: 1,
        },
        Error::RoleMismatch {
            expected: Role::Device,
            found: Role::Recovery,
        },
        Error::DuplicateRole { role: Role::Auth },
        Error::ShareSetMismatch { role: Role::Auth },
        Error::AddressMismatch,
    ];
    let codes: std::collections::HashSet<_> = errors.iter().map(Error::code).collect();
    assert_eq!(codes.len(), errors.len());
    assert_eq!(
        Error::EpochMismatch {
            role: Role::Device,
            expected: 2,
            found: 1
        }
        .to_string(),
        "the device share is from epoch 1, replaced since; the wallet is at epoch 2"
    );
    assert_eq!(
        Error::from(keysplit::Error::IntegrityCheck).code(),
        "INTEGRITY_CHECK"
    );
}

#[test]
fn recover_accepts_the_recovery_share_first() {
    let (set, keys) = new_wallet(21);
    let mut rng = rng(22);
    let next = keysplit_wallet::recover(
        &set.info,
        input(&set, &keys, Role::Recovery),
        input(&set, &keys, Role::Auth),
        &protections(&keys),
        &mut rng,
    )
    .unwrap();
    assert_eq!(next.info.epoch, 1);
    assert_eq!(next.info.ethereum_address, set.info.ethereum_address);
}
