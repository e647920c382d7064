//! Wallet sections (`keysplit-ctgrind check-wallet`): BIP-39, BIP-32, ECDSA and ed25519
//! signing, share sealing, and the whole `open` path, with the wallet's secrets marked.
//!
//! Unlike the core, the wallet's secret arithmetic is in dependencies (`bip39`, `k256`,
//! `ed25519-dalek`, `chacha20poly1305`, `argon2`), and some of them branch on values that
//! are public by design (an AEAD tag verdict, a derived public key or address) or are
//! known not to be constant-time (BIP-39 word lookup, Argon2id's data-dependent second
//! half). Those sites are listed, with the reason each is acceptable, in
//! `wallet.supp`; anything else valgrind reports fails the run.

use keysplit_wallet::{
    ethereum, Argon2Params, DerivationPath, Entropy, ExtendedPrivateKey, Protection, Protections,
    Role, SealedShare, ShareInput, ShareKey, Unlock,
};

use rand_core::SeedableRng;

use crate::kit::{reveal, secret, secret_rng, Section, SectionResult};
use crate::valgrind::{declassify, mark_secret};

fn wrong(what: &str) -> String {
    format!("{what}: wrong result")
}

/// The sections of `check-wallet`.
pub fn sections() -> Vec<Section> {
    vec![
        (
            "wallet: BIP-39 entropy -> mnemonic words".into(),
            Box::new(bip39_words),
        ),
        (
            "wallet: BIP-39 entropy -> seed (PBKDF2-HMAC-SHA512)".into(),
            Box::new(bip39_seed),
        ),
        (
            "wallet: BIP-32 master + m/0'/1/2'/2/1000000000 (k256)".into(),
            Box::new(bip32_derive),
        ),
        (
            "wallet: ECDSA sign_digest (k256, RFC 6979)".into(),
            Box::new(ecdsa_sign),
        ),
        (
            "wallet: SLIP-10 ed25519 derive + sign (ed25519-dalek)".into(),
            Box::new(ed25519_sign),
        ),
        (
            "wallet: seal/open under a share key (XChaCha20-Poly1305)".into(),
            Box::new(seal_key),
        ),
        (
            "wallet: seal/open under a password (Argon2id)".into(),
            Box::new(seal_password),
        ),
        (
            "wallet: open (unseal two shares, combine, derive, address check)".into(),
            Box::new(open_wallet),
        ),
    ]
}

fn bip39_words() -> SectionResult {
    let (entropy, _) = secret(16, 0x21);
    let entropy = Entropy::from_bytes(&entropy).map_err(|e| e.to_string())?;
    let words = entropy.to_mnemonic();
    let words = reveal(words.as_bytes());
    if words.split(|&b| b == b' ').count() != 12 {
        return Err(wrong("mnemonic"));
    }
    Ok(())
}

fn bip39_seed() -> SectionResult {
    // The all-zero entropy: "abandon x11 about", whose seed (no passphrase) is the BIP-39
    // vector 5eb00bbd...
    let mut zero = [0u8; 16];
    mark_secret(&mut zero);
    let entropy = Entropy::from_bytes(&zero).map_err(|e| e.to_string())?;
    let seed = entropy.to_seed("").map_err(|e| e.to_string())?;
    let seed = reveal(seed.as_bytes());
    if seed[..4] != [0x5e, 0xb0, 0x0b, 0xbd] {
        return Err(wrong("seed"));
    }
    Ok(())
}

/// The BIP-32 test vector 1 seed, marked secret.
fn vector1_seed() -> Vec<u8> {
    let mut seed: Vec<u8> = (0..16u8).collect();
    mark_secret(&mut seed);
    seed
}

fn bip32_derive() -> SectionResult {
    let master = ExtendedPrivateKey::from_seed_bytes(&vector1_seed()).map_err(|e| e.to_string())?;
    let path: DerivationPath = "m/0'/1/2'/2/1000000000"
        .parse()
        .map_err(|e| format!("{e}"))?;
    let child = master.derive_path(&path).map_err(|e| e.to_string())?;
    // BIP-32 vector 1, chain m/0H/1/2H/2/1000000000: private key 471b76e3...
    let key = reveal(&child.private_key_bytes()[..]);
    if key[..4] != [0x47, 0x1b, 0x76, 0xe3] {
        return Err(wrong("bip32"));
    }
    Ok(())
}

fn ecdsa_sign() -> SectionResult {
    let master = ExtendedPrivateKey::from_seed_bytes(&vector1_seed()).map_err(|e| e.to_string())?;
    let digest = ethereum::personal_message_digest(b"hello");
    let mut signature = ethereum::sign_digest(&master, &digest).map_err(|e| e.to_string())?;
    declassify(&mut signature);
    let signer = ethereum::recover_address(&digest, &signature).map_err(|e| e.to_string())?;
    let mut public = master.public_key_bytes();
    declassify(&mut public);
    let _ = signer;
    Ok(())
}

fn ed25519_sign() -> SectionResult {
    let master = keysplit_wallet::Ed25519ExtendedKey::from_seed_bytes(&vector1_seed());
    let path: DerivationPath = "m/0'/1'".parse().map_err(|e| format!("{e}"))?;
    let child = master.derive_path(&path).map_err(|e| e.to_string())?;
    let mut signature = child.sign(b"hello");
    declassify(&mut signature);
    let mut public = child.public_key_bytes();
    declassify(&mut public);
    keysplit_wallet::SolanaAddress(public)
        .verify(b"hello", &signature)
        .map_err(|e| e.to_string())
}

fn sealed_test_share(tag: u8) -> keysplit::Share {
    let (secret, _) = secret(16, tag);
    let mut rng = secret_rng(tag);
    keysplit::split(&secret, 2, 3, &mut rng)
        .ok()
        .and_then(|mut v| v.pop())
        .unwrap_or_else(|| unreachable!("split of 16 bytes"))
}

fn seal_key() -> SectionResult {
    let share = sealed_test_share(0x31);
    let mut key_bytes = [0x44u8; 32];
    mark_secret(&mut key_bytes);
    let key = ShareKey::from_bytes(&key_bytes);
    let id = keysplit_wallet::WalletId([7; 16]);
    let mut rng = secret_rng(0x31);
    let sealed = SealedShare::seal(
        &share,
        Role::Device,
        &id,
        3,
        Protection::Key(&key),
        &mut rng,
    )
    .map_err(|e| e.to_string())?;
    let opened = sealed.open(Unlock::Key(&key)).map_err(|e| e.to_string())?;
    if reveal(opened.as_bytes()) != reveal(share.as_bytes()) {
        return Err(wrong("seal/open"));
    }
    Ok(())
}

fn seal_password() -> SectionResult {
    let share = sealed_test_share(0x32);
    let (password, _) = secret(20, 0x32);
    let params = Argon2Params {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };
    let id = keysplit_wallet::WalletId([8; 16]);
    let mut rng = secret_rng(0x32);
    let sealed = SealedShare::seal(
        &share,
        Role::Recovery,
        &id,
        0,
        Protection::InsecureFastPassword {
            password: &password,
            params,
        },
        &mut rng,
    )
    .map_err(|e| e.to_string())?;
    let opened = sealed
        .open(Unlock::Password(&password))
        .map_err(|e| e.to_string())?;
    if reveal(opened.as_bytes()) != reveal(share.as_bytes()) {
        return Err(wrong("password seal/open"));
    }
    Ok(())
}

fn open_wallet() -> SectionResult {
    // A wallet created from public randomness, then opened with its keys marked secret:
    // the path a user's device runs for every signature.
    let mut rng = keysplit::ChaCha20Rng::seed_from_u64(5);
    let device_key = ShareKey::generate(&mut rng);
    let auth_key = ShareKey::generate(&mut rng);
    let protect = Protections {
        device: Protection::Key(&device_key),
        auth: Protection::Key(&auth_key),
        recovery: Protection::Key(&auth_key),
    };
    let set = keysplit_wallet::create(keysplit_wallet::Strength::Bits128, &protect, &mut rng)
        .map_err(|e| e.to_string())?;
    let mut device_bytes = *device_key.as_bytes();
    let mut auth_bytes = *auth_key.as_bytes();
    mark_secret(&mut device_bytes);
    mark_secret(&mut auth_bytes);
    let device_key = ShareKey::from_bytes(&device_bytes);
    let auth_key = ShareKey::from_bytes(&auth_bytes);
    let wallet = keysplit_wallet::open(
        &set.info,
        ShareInput::new(Role::Device, &set.device, Unlock::Key(&device_key)),
        ShareInput::new(Role::Auth, &set.auth, Unlock::Key(&auth_key)),
    )
    .map_err(|e| e.to_string())?;
    let mut signature = wallet
        .sign_personal_message(0, b"hi")
        .map_err(|e| e.to_string())?;
    declassify(&mut signature);
    Ok(())
}
