//! An embedded wallet on keysplit: 128-bit entropy -> BIP-39 mnemonic -> BIP-32 keys,
//! held as three sealed 2-of-3 Shamir shares (device, auth, recovery).
//!
//! ```
//! # fn main() -> Result<(), keysplit_wallet::Error> {
//! use keysplit_wallet::{Argon2Params, Protection, Protections, Role, ShareInput, ShareKey, Strength, Unlock};
//!
//! let mut rng = keysplit::os_rng()?;
//! let device_key = ShareKey::generate(&mut rng); // kept on the device
//! let auth_key = ShareKey::generate(&mut rng);   // kept by the app's backend
//! let password = b"correct horse battery staple";
//! # let argon2 = Argon2Params { memory_kib: 64, iterations: 1, parallelism: 1 };
//! # let recovery = Protection::InsecureFastPassword { password, params: argon2 };
//! # /*
//! let argon2 = Argon2Params::default(); // Argon2id, 19 MiB, 2 passes: the floor
//! let recovery = Protection::Password { password, params: argon2 };
//! # */
//! let protect = Protections {
//!     device: Protection::Key(&device_key),
//!     auth: Protection::Key(&auth_key),
//!     recovery,
//! };
//!
//! // A new wallet: public metadata and three sealed shares, safe to store anywhere.
//! let set = keysplit_wallet::create(Strength::Bits128, &protect, &mut rng)?;
//! println!("address {}", set.info.ethereum_address);
//!
//! // Any two shares rebuild it in memory, checked against the stored address.
//! let wallet = keysplit_wallet::open(
//!     &set.info,
//!     ShareInput::new(Role::Device, &set.device, Unlock::Key(&device_key)),
//!     ShareInput::new(Role::Auth, &set.auth, Unlock::Key(&auth_key)),
//! )?;
//! let signature = wallet.sign_personal_message(0, b"hello")?; // EIP-191, r || s || v
//! drop(wallet); // entropy, seed and keys are wiped
//!
//! // A new device: auth + recovery make a fresh set at epoch 1; old shares stop working.
//! let new_device_key = ShareKey::generate(&mut rng);
//! let protect = Protections { device: Protection::Key(&new_device_key), ..protect };
//! let next = keysplit_wallet::recover(
//!     &set.info,
//!     ShareInput::new(Role::Auth, &set.auth, Unlock::Key(&auth_key)),
//!     ShareInput::new(Role::Recovery, &set.recovery, Unlock::Password(password)),
//!     &protect,
//!     &mut rng,
//! )?;
//! assert_eq!(next.info.epoch, 1);
//! assert_eq!(next.info.ethereum_address, set.info.ethereum_address);
//! let stale = keysplit_wallet::open(
//!     &next.info,
//!     ShareInput::new(Role::Device, &set.device, Unlock::Key(&device_key)),
//!     ShareInput::new(Role::Auth, &next.auth, Unlock::Key(&auth_key)),
//! );
//! assert_eq!(stale.unwrap_err().code(), "EPOCH_MISMATCH");
//! # let _ = signature;
//! # Ok(()) }
//! ```
//!
//! # What is in here
//! * [`Entropy`], [`Seed`]: BIP-39 with the `bip39` crate (entropy in through
//!   `Mnemonic::from_entropy`; its own `rand` feature stays off). English always; other
//!   word lists with the `all-languages` feature.
//! * [`ExtendedPrivateKey`], [`ExtendedPublicKey`], [`DerivationPath`]: BIP-32 on
//!   secp256k1, written here on `k256` 0.14 (see the [`bip32`] module for why not a crate),
//!   `xprv`/`xpub` serialization.
//! * [`EthereumAddress`] (EIP-55), EIP-191 `personal_sign`, digest signing, EIP-712
//!   digests ([`ethereum::typed_data_digest`]); [`SolanaAddress`] and SLIP-0010 ed25519
//!   keys at `m/44'/501'/i'/0'` ([`Ed25519ExtendedKey`], `ed25519-dalek` 3).
//! * [`SealedShare`]: XChaCha20-Poly1305 with the wallet id, role, epoch and format
//!   version as associated data; [`Argon2Params`] for password-derived keys.
//! * [`create`], [`import`], [`open`], [`rotate`], [`recover`] and [`Wallet`].
//! * [`authz`]: P-256 authorization keys, RFC 8785 signed requests and key quorums,
//!   compatible with Privy's request signing.
//!
//! # Features
//! * `os-rng` (default): `keysplit::os_rng()` (getrandom 0.4). This crate never picks a
//!   getrandom backend; a browser build enables `getrandom/wasm_js` in the final crate.
//! * `unicode` (default): NFKD normalisation of non-ASCII passphrases and mnemonics,
//!   as BIP-39 requires. It adds large tables to a WebAssembly build. Without it,
//!   ASCII input (every English mnemonic, every ASCII passphrase) works unchanged, since
//!   ASCII is its own NFKD form, and non-ASCII input is refused with
//!   [`Error::NonAsciiNeedsUnicode`] rather than silently giving a different seed.
//! * `all-languages`: every BIP-39 word list of the `bip39` crate.
//!
//! # Security
//! * Entropy, seeds, private keys, chain codes, share keys, decrypted shares and
//!   passwords copied into this crate live in `Zeroizing` buffers or types wiped on drop;
//!   their `Debug` output is redacted. A [`Wallet`] is meant to live for one operation.
//! * Shamir splitting and combining is keysplit's constant-time core; shares carry a set
//!   id and an integrity digest, so mixed or corrupted shares are refused.
//! * Every opened wallet is checked against the addresses in its metadata before it is
//!   returned, so a wrong pair of shares can never sign.
//! * A sealed share cannot be moved to another wallet, role or epoch: those are the
//!   AEAD's associated data. Its key check commits to the key, so a wrong password
//!   ([`Error::WrongPassword`]) and a tampered ciphertext ([`Error::Tampered`]) are told
//!   apart; it lets nobody test a password faster than the tag already would.
//! * New password seals meet a floor of 19 MiB and 2 passes (OWASP's Argon2id minimum;
//!   [`Error::KdfBelowFloor`] otherwise), and their costs come from the caller, never from
//!   an existing share's unauthenticated header. Argon2id parameters read from a sealed
//!   share are bounded (at most 256 MiB, 64 passes, 16 lanes, memory x passes at most
//!   1 GiB) so a forged share cannot make an open cost more than that.
//! * ECDSA nonces are RFC 6979 deterministic and signatures low-s. Secret-dependent
//!   arithmetic is `k256`'s and `curve25519-dalek`'s constant-time code.
//! * Recovery passwords are hashed as bytes: pass text through [`normalize_password`]
//!   (NFKD) so the same password typed on another system opens the share.
//! * Limits: zeroizing cannot reach copies made by the allocator, the OS (swap, core
//!   dumps) or by the caller; `bip39` returns the seed by value on the stack before it is
//!   copied into a wiped buffer. BIP-39 itself looks words up by secret index in its
//!   2048-word list (mnemonic rendering and the PBKDF2 input), as every BIP-39
//!   implementation must; the Shamir, AEAD and curve arithmetic do not.

#![no_std]
// docs.rs builds with `--cfg docsrs` on nightly: label the items that need a feature.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

/// Compiles the example of this crate's README (its crates.io page) as a doctest.
#[cfg(all(doctest, feature = "os-rng"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

#[cfg(feature = "requests")]
#[cfg_attr(docsrs, doc(cfg(feature = "requests")))]
pub mod authz;
pub mod bip32;
mod error;
pub mod ethereum;
pub mod hazmat;
mod info;
mod mnemonic;
#[cfg(feature = "requests")]
#[cfg_attr(docsrs, doc(cfg(feature = "requests")))]
pub mod policy;
mod role;
mod seal;
mod share_set;
pub mod solana;
pub mod summary;
pub mod upload_proof;

pub use bip32::{ChildNumber, DerivationPath, ExtendedPrivateKey, ExtendedPublicKey};
pub use error::{Error, ExtendedKeyError, MnemonicError, SealedShareFormatError};
pub use ethereum::EthereumAddress;
pub use info::{WalletId, WalletInfo, WalletInfoText};
pub use mnemonic::{normalize_mnemonic, normalize_password, Entropy, Seed, Strength};
pub use role::{Role, UnknownRole};
pub use seal::{Argon2Params, Protection, SealedShare, ShareKey, Unlock};
pub use share_set::{
    check_recovery_roles, create, import, import_slip39, open, recover, rotate, Protections,
    ShareInput, ShareSet, Wallet,
};
pub use solana::{Ed25519ExtendedKey, SolanaAddress};
pub use summary::{ChainType, RequestSummary, U256};
