//! Invariants of keysplit-wallet on untrusted input: sealed shares, mnemonics, extended
//! keys, paths and addresses, and open / rotate / recover with arbitrary shares.

use std::sync::OnceLock;

use chacha20::ChaCha20Rng;
use keysplit_wallet::{
    Argon2Params, DerivationPath, Entropy, EthereumAddress, ExtendedPrivateKey, ExtendedPublicKey,
    Protection, Protections, Role, SealedShare, ShareInput, ShareKey, ShareSet, SolanaAddress,
    Strength, Unlock,
};
use rand_core::SeedableRng;

use crate::items;

/// Argon2id costs small enough to fuzz with (the real default is 19 MiB, 2 passes).
const FUZZ_ARGON2: Argon2Params = Argon2Params {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};

/// Sealed shares whose header asks for more Argon2 memory than this are not opened
/// with a password here: the wallet allows up to 4 GiB by design, which is a cost, not
/// a bug, and would only make the fuzzer run out of memory.
const MAX_FUZZ_ARGON2_KIB: u32 = 1024;

const PASSWORD: &[u8] = b"fuzz password";

struct Fixture {
    set: ShareSet,
    device_key: ShareKey,
    auth_key: ShareKey,
    wrong_key: ShareKey,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let mut rng = ChaCha20Rng::seed_from_u64(6);
        let device_key = ShareKey::generate(&mut rng);
        let auth_key = ShareKey::generate(&mut rng);
        let wrong_key = ShareKey::generate(&mut rng);
        let protect = Protections {
            device: Protection::Key(&device_key),
            auth: Protection::Key(&auth_key),
            recovery: Protection::InsecureFastPassword {
                password: PASSWORD,
                params: FUZZ_ARGON2,
            },
        };
        let set =
            keysplit_wallet::create(Strength::Bits128, &protect, &mut rng).expect("fixture wallet");
        Fixture {
            set,
            device_key,
            auth_key,
            wrong_key,
        }
    })
}

/// The fixture wallet's sealed shares (device, auth, recovery), for building corpora.
pub fn fixture_sealed_shares() -> Vec<Vec<u8>> {
    let set = &fixture().set;
    [&set.device, &set.auth, &set.recovery]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect()
}

/// Sealed-share decoding: `Ok` only for bytes that re-encode identically; Argon2
/// parameters out of bounds are refused on open before any work (decoding is only
/// structural); opening with the wrong key or password never succeeds.
pub fn decode_sealed(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let candidates = [SealedShare::from_bytes(data), SealedShare::from_hex(&text)];
    for share in candidates.into_iter().flatten() {
        let again = SealedShare::from_hex(&share.to_hex()).expect("own hex must decode");
        assert_eq!(
            again.as_bytes(),
            share.as_bytes(),
            "sealed share round trip"
        );
        if let Some(params) = share.argon2_params() {
            assert!(share.is_password_sealed());
            if params.check().is_err() {
                // Decoding is structural; the bounds are enforced before any Argon2 work.
                let refused = share.open(Unlock::Password(b"any"));
                assert_eq!(
                    refused.err().map(|e| e.code()),
                    Some("KDF_PARAMS"),
                    "out-of-bounds Argon2 parameters were not refused on open"
                );
            } else if params.memory_kib <= MAX_FUZZ_ARGON2_KIB && params.iterations <= 4 {
                // Our fixture's password cannot open a share nobody sealed with it,
                // except the fixture's own recovery share.
                if share.open(Unlock::Password(b"not the password")).is_ok() {
                    panic!("a sealed share opened with a password it was not sealed with");
                }
            }
        } else if share.open(Unlock::Key(&fixture().wrong_key)).is_ok() {
            panic!("a sealed share opened with a key it was not sealed with");
        }
    }
}

/// Text inputs of the wallet: mnemonics (BIP-39), derivation paths, xprv/xpub, Ethereum
/// and Solana addresses. `Ok` results round-trip; nothing panics.
pub fn wallet_text(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(entropy) = Entropy::from_mnemonic(&text) {
        let phrase = entropy.to_mnemonic();
        let again = Entropy::from_mnemonic(&phrase).expect("own mnemonic must parse");
        assert_eq!(again.as_bytes(), entropy.as_bytes(), "mnemonic round trip");
        assert!(matches!(entropy.as_bytes().len(), 16 | 20 | 24 | 28 | 32));
    }
    let _ = keysplit_wallet::normalize_mnemonic(&text);
    if let Ok(path) = text.parse::<DerivationPath>() {
        let _ = path.steps().len();
    }
    if let Ok(key) = ExtendedPrivateKey::from_xprv(&text) {
        let again = ExtendedPrivateKey::from_xprv(&key.to_xprv()).expect("own xprv");
        assert_eq!(
            again.public_key_bytes(),
            key.public_key_bytes(),
            "xprv round trip"
        );
    }
    if let Ok(key) = ExtendedPublicKey::from_xpub(&text) {
        let again = ExtendedPublicKey::from_xpub(&key.to_xpub()).expect("own xpub");
        assert_eq!(
            again.public_key_bytes(),
            key.public_key_bytes(),
            "xpub round trip"
        );
    }
    if let Ok(address) = text.parse::<EthereumAddress>() {
        let again: EthereumAddress = address.to_checksum().parse().expect("own EIP-55");
        assert_eq!(again, address);
    }
    if let Ok(address) = SolanaAddress::parse(&text) {
        let again = SolanaAddress::parse(&address.to_base58()).expect("own base58");
        assert_eq!(again, address);
    }
}

fn role_of(byte: u8) -> Role {
    match byte % 3 {
        0 => Role::Device,
        1 => Role::Auth,
        _ => Role::Recovery,
    }
}

/// `[role a, role b, flags, items...]`. Flags: bit 0/1 replace share a/b with the next
/// fuzzer item (a forged or mutated sealed share), bit 2/3 unlock a/b with a wrong
/// key or password, bit 4 present metadata of a later epoch, bits 5-6 the operation
/// (open, rotate, recover). Invariant: success only with two distinct genuine shares of
/// the current epoch, their right keys and the right metadata, and then the wallet is
/// the fixture's wallet; every other combination is a typed error.
pub fn wallet_open(data: &[u8]) {
    let [a, b, flags, rest @ ..] = data else {
        return;
    };
    let fx = fixture();
    let roles = [role_of(*a), role_of(*b)];
    let mut supplied = items(rest).into_iter();
    let mut shares: Vec<SealedShare> = Vec::new();
    let mut genuine = [true, true];
    for (i, role) in roles.iter().enumerate() {
        let real = fx.set.share(*role).clone();
        if flags & (1 << i) != 0 {
            let bytes = supplied.next().unwrap_or(&[]);
            match SealedShare::from_bytes(bytes) {
                Ok(forged) => {
                    if let Some(p) = forged.argon2_params() {
                        if p.memory_kib > MAX_FUZZ_ARGON2_KIB || p.iterations > 4 {
                            return;
                        }
                    }
                    genuine[i] = forged.as_bytes() == real.as_bytes();
                    shares.push(forged);
                }
                Err(error) => {
                    assert!(!error.code().is_empty());
                    return;
                }
            }
        } else {
            shares.push(real);
        }
    }
    let unlock = |role: Role, wrong: bool| match (role, wrong) {
        (Role::Device, false) => Unlock::Key(&fx.device_key),
        (Role::Auth, false) => Unlock::Key(&fx.auth_key),
        (Role::Recovery, false) => Unlock::Password(PASSWORD),
        (Role::Recovery, true) => Unlock::Password(b"wrong password"),
        (_, true) => Unlock::Key(&fx.wrong_key),
    };
    let wrong = [flags & 4 != 0, flags & 8 != 0];
    let first = ShareInput::new(roles[0], &shares[0], unlock(roles[0], wrong[0]));
    let second = ShareInput::new(roles[1], &shares[1], unlock(roles[1], wrong[1]));
    let mut info = fx.set.info.clone();
    let stale_metadata = flags & 16 != 0;
    if stale_metadata {
        info.epoch += 1;
    }
    let should_open = genuine == [true, true]
        && wrong == [false, false]
        && roles[0] != roles[1]
        && !stale_metadata;

    let mut rng = ChaCha20Rng::seed_from_u64(u64::from(*flags));
    let new_device_key = ShareKey::generate(&mut rng);
    let protect = Protections {
        device: Protection::Key(&new_device_key),
        auth: Protection::Key(&fx.auth_key),
        recovery: Protection::InsecureFastPassword {
            password: PASSWORD,
            params: FUZZ_ARGON2,
        },
    };
    let operation = (flags >> 5) & 3;
    let outcome = match operation {
        0 => keysplit_wallet::open(&info, first, second).map(|wallet| {
            let address = wallet.ethereum_address(0).expect("address");
            assert_eq!(
                address, fx.set.info.ethereum_address,
                "opened the wrong wallet"
            );
            None
        }),
        1 => keysplit_wallet::rotate(&info, first, second, &protect, &mut rng).map(Some),
        _ => keysplit_wallet::recover(&info, first, second, &protect, &mut rng).map(Some),
    };
    match outcome {
        Ok(fresh) => {
            assert!(
                should_open,
                "opened with a forged share, wrong key, duplicate role or stale metadata"
            );
            if let Some(fresh) = fresh {
                assert_eq!(fresh.info.epoch, fx.set.info.epoch + 1);
                assert_eq!(fresh.info.ethereum_address, fx.set.info.ethereum_address);
                // The old shares do not open the new epoch.
                let stale = keysplit_wallet::open(
                    &fresh.info,
                    ShareInput::new(roles[0], &shares[0], unlock(roles[0], false)),
                    ShareInput::new(Role::Auth, &fresh.auth, Unlock::Key(&fx.auth_key)),
                );
                assert!(
                    stale.is_err(),
                    "a share of the old epoch opened the new one"
                );
            }
        }
        Err(error) => {
            assert!(!error.code().is_empty());
            let recover_roles_ok = operation < 2 || roles == [Role::Auth, Role::Recovery];
            assert!(
                !(should_open && recover_roles_ok),
                "refused two genuine shares with their keys: {error}"
            );
        }
    }
}
