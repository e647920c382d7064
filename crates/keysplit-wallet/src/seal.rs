//! Sealing a share: XChaCha20-Poly1305 under a key-encryption key (KEK), with the
//! wallet id, role, epoch and format version as associated data.
//!
//! Sealed share format, version 1 (all integers big-endian):
//!
//! | bytes   | field                                                          |
//! |---------|----------------------------------------------------------------|
//! | 0..4    | magic `KSWS`                                                   |
//! | 4       | format version, 1                                              |
//! | 5       | role: 1 device, 2 auth, 3 recovery                             |
//! | 6       | KEK source: 0 random 32-byte key, 1 Argon2id(password, salt)   |
//! | 7..19   | Argon2id memory KiB, passes, lanes (u32 each; 0 for a key)     |
//! | 19..35  | Argon2id salt (zeros for a key)                                |
//! | 35..51  | wallet id                                                      |
//! | 51..55  | epoch                                                          |
//! | 55..71  | key check: HMAC-SHA256(KEK, "keysplit-wallet/v1/key-check")[..16] |
//! | 71..95  | XChaCha20 nonce (random)                                       |
//! | 95..    | ciphertext of the keysplit envelope share, then the 16-byte tag |
//!
//! The encryption key is HMAC-SHA256(KEK, "keysplit-wallet/v1/share-key") and the whole
//! header (bytes 0..95) is the associated data, so changing any header byte (role, epoch,
//! wallet id, KDF parameters) makes decryption fail. The key check lets a wrong password
//! be told apart from a tampered ciphertext; it reveals nothing the tag would not (both
//! let an attacker test a password guess, at the full Argon2id cost per guess), and it
//! makes the AEAD key-committing.

use alloc::vec::Vec;
use core::fmt;

use chacha20poly1305::aead::AeadInOut;
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, KeyInit, Mac};
use rand_core::CryptoRng;
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::error::{Error, SealedShareFormatError};
use crate::info::WalletId;
use crate::role::Role;

const MAGIC: [u8; 4] = *b"KSWS";
const VERSION: u8 = 1;
const HEADER_LEN: usize = 95;
const TAG_LEN: usize = 16;
/// Larger than any keysplit envelope of 32 bytes of entropy.
const MAX_PLAINTEXT: usize = 512;
const KDF_KEY: u8 = 0;
const KDF_ARGON2ID: u8 = 1;

/// A 32-byte key that seals a share (device, auth, or a random recovery key).
/// Wiped on drop, never printed.
#[derive(Clone)]
pub struct ShareKey(Zeroizing<[u8; 32]>);

impl fmt::Debug for ShareKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ShareKey(redacted)")
    }
}

impl ShareKey {
    /// A fresh random key.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> ShareKey {
        let mut key = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(&mut key[..]);
        ShareKey(key)
    }

    /// A key from its 32 bytes.
    pub fn from_bytes(bytes: &[u8; 32]) -> ShareKey {
        ShareKey(Zeroizing::new(*bytes))
    }

    /// The key's bytes (to store it where the share's holder keeps keys).
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// Argon2id cost parameters for password-sealed recovery shares.
///
/// The default is OWASP's first recommendation, m = 19 MiB, t = 2, p = 1, workable
/// natively and in a browser's WebAssembly. It is also the floor: [`Protection::Password`] refuses weaker costs ([`Error::KdfBelowFloor`]).
/// Raise `memory_kib` where the platform allows; every sealed share stores its own
/// parameters, so shares sealed with different costs open alike.
///
/// # Security
/// The costs of a new seal must come from the sealer's own configuration, never from an
/// existing share's header: a header is only authenticated once that share is opened, so
/// copying it would let whoever can write the stored share choose the cost of the next one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Argon2Params {
    /// Memory in KiB (at least 8 per lane; at most 256 MiB).
    pub memory_kib: u32,
    /// Passes over memory (1..=64; memory times passes at most 1 GiB).
    pub iterations: u32,
    /// Lanes (1..=16); WebAssembly computes them one after another.
    pub parallelism: u32,
}

impl Default for Argon2Params {
    fn default() -> Self {
        Argon2Params {
            memory_kib: Self::MIN_MEMORY_KIB,
            iterations: Self::MIN_ITERATIONS,
            parallelism: 1,
        }
    }
}

impl Argon2Params {
    /// Least memory a new password seal may use: 19 MiB (OWASP's Argon2id minimum).
    pub const MIN_MEMORY_KIB: u32 = 19 * 1024;
    /// Fewest passes a new password seal may use: 2 (OWASP's Argon2id minimum).
    pub const MIN_ITERATIONS: u32 = 2;
    /// Most memory a sealed share may ask for: 256 MiB. The KDF runs before anything is
    /// authenticated, so this is what a forged share can cost an opener at most; in
    /// WebAssembly, memory once grown never shrinks, so the cap is also the module's.
    pub const MAX_MEMORY_KIB: u32 = 256 * 1024;
    /// Most total work (memory in KiB times passes) a sealed share may ask for: 1 GiB
    /// of memory traffic (256 MiB x 4 passes), about a second natively.
    pub const MAX_WORK_KIB: u64 = 1024 * 1024;

    /// The limits enforced on opening, because a sealed share is untrusted input: the KDF
    /// runs before anything is authenticated, so whoever stores a recovery share could
    /// otherwise make every open cost gigabytes and minutes. Sealing checks these too, so
    /// no share is made that could not be opened.
    ///
    /// # Errors
    /// [`Error::KdfParams`] when a parameter is out of range.
    pub fn check(&self) -> Result<(), Error> {
        let ok = (1..=16).contains(&self.parallelism)
            && (1..=64).contains(&self.iterations)
            && self.memory_kib >= 8 * self.parallelism
            && self.memory_kib <= Self::MAX_MEMORY_KIB
            && u64::from(self.memory_kib) * u64::from(self.iterations) <= Self::MAX_WORK_KIB;
        if ok {
            Ok(())
        } else {
            Err(Error::KdfParams {
                memory_kib: self.memory_kib,
                iterations: self.iterations,
                parallelism: self.parallelism,
            })
        }
    }

    /// [`Argon2Params::check`] plus the floor every new password seal must meet: at least
    /// [`Argon2Params::MIN_MEMORY_KIB`] and [`Argon2Params::MIN_ITERATIONS`].
    ///
    /// # Errors
    /// [`Error::KdfParams`] when a parameter is out of range, else
    /// [`Error::KdfBelowFloor`] when the cost is below the floor.
    pub fn check_for_sealing(&self) -> Result<(), Error> {
        self.check()?;
        if self.memory_kib < Self::MIN_MEMORY_KIB || self.iterations < Self::MIN_ITERATIONS {
            return Err(Error::KdfBelowFloor {
                memory_kib: self.memory_kib,
                iterations: self.iterations,
            });
        }
        Ok(())
    }

    fn derive(&self, password: &[u8], salt: &[u8; 16]) -> Result<Zeroizing<[u8; 32]>, Error> {
        self.check()?;
        let params =
            argon2::Params::new(self.memory_kib, self.iterations, self.parallelism, Some(32))
                .map_err(|_| Error::KdfParams {
                    memory_kib: self.memory_kib,
                    iterations: self.iterations,
                    parallelism: self.parallelism,
                })?;
        let argon =
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let mut kek = Zeroizing::new([0u8; 32]);
        argon
            .hash_password_into(password, salt, &mut kek[..])
            .map_err(|_| Error::Kdf)?;
        Ok(kek)
    }
}

/// How a share is sealed.
#[derive(Clone, Copy, Debug)]
pub enum Protection<'a> {
    /// Under a random 32-byte key.
    Key(&'a ShareKey),
    /// Under a key derived from a password with Argon2id (fresh random salt per seal).
    /// The costs must meet the floor ([`Argon2Params::check_for_sealing`]).
    Password {
        /// The password's bytes, used as given: pass text through
        /// [`crate::normalize_password`] (NFKD) first so that it opens on every device.
        password: &'a [u8],
        /// Argon2id costs, from the sealer's configuration (see [`Argon2Params`]).
        params: Argon2Params,
    },
    /// **Tests and demos only.** Like [`Protection::Password`] but without the cost floor,
    /// so a test suite can seal thousands of shares quickly. A share sealed this way falls
    /// to an offline guessing attack in a fraction of the time; never use it for a real
    /// wallet.
    InsecureFastPassword {
        /// The password's bytes.
        password: &'a [u8],
        /// Argon2id costs, checked only against [`Argon2Params::check`].
        params: Argon2Params,
    },
}

/// How a sealed share is opened: with its key, or with its password (the Argon2id
/// parameters and salt come from the sealed share).
#[derive(Clone, Copy)]
pub enum Unlock<'a> {
    /// The share's key.
    Key(&'a ShareKey),
    /// The share's password.
    Password(&'a [u8]),
}

impl fmt::Debug for Unlock<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unlock::Key(_) => f.write_str("Unlock::Key(redacted)"),
            Unlock::Password(_) => f.write_str("Unlock::Password(redacted)"),
        }
    }
}

/// A share sealed for one role, wallet and epoch. Public: it may be stored anywhere.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedShare {
    bytes: Vec<u8>,
}

impl fmt::Debug for SealedShare {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SealedShare")
            .field("role", &self.role())
            .field("wallet_id", &self.wallet_id())
            .field("epoch", &self.epoch())
            .field("password", &self.is_password_sealed())
            .finish()
    }
}

fn hmac_label(kek: &[u8; 32], label: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut out = Zeroizing::new([0u8; 32]);
    if let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(kek) {
        mac.update(label);
        out.copy_from_slice(&mac.finalize().into_bytes());
    }
    out
}

fn read_u32(bytes: &[u8], at: usize) -> u32 {
    let mut word = [0u8; 4];
    if let Some(src) = bytes.get(at..at + 4) {
        word.copy_from_slice(src);
    }
    u32::from_be_bytes(word)
}

impl SealedShare {
    /// Seals `share` (a keysplit envelope) for `role` of wallet `wallet_id` at `epoch`.
    pub fn seal<R: CryptoRng + ?Sized>(
        share: &keysplit::Share,
        role: Role,
        wallet_id: &WalletId,
        epoch: u32,
        protection: Protection<'_>,
        rng: &mut R,
    ) -> Result<SealedShare, Error> {
        let plaintext = share.as_bytes();
        if plaintext.len() > MAX_PLAINTEXT {
            return Err(SealedShareFormatError::BadLength {
                found: plaintext.len(),
            }
            .into());
        }
        let mut header = [0u8; HEADER_LEN];
        header[..4].copy_from_slice(&MAGIC);
        header[4] = VERSION;
        header[5] = role.to_byte();
        let kek = match protection {
            Protection::Key(key) => {
                header[6] = KDF_KEY;
                Zeroizing::new(*key.as_bytes())
            }
            Protection::Password { password, params }
            | Protection::InsecureFastPassword { password, params } => {
                if matches!(protection, Protection::Password { .. }) {
                    params.check_for_sealing()?;
                }
                header[6] = KDF_ARGON2ID;
                header[7..11].copy_from_slice(&params.memory_kib.to_be_bytes());
                header[11..15].copy_from_slice(&params.iterations.to_be_bytes());
                header[15..19].copy_from_slice(&params.parallelism.to_be_bytes());
                let mut salt = [0u8; 16];
                rng.fill_bytes(&mut salt);
                header[19..35].copy_from_slice(&salt);
                params.derive(password, &salt)?
            }
        };
        header[35..51].copy_from_slice(&wallet_id.0);
        header[51..55].copy_from_slice(&epoch.to_be_bytes());
        let check = hmac_label(&kek, b"keysplit-wallet/v1/key-check");
        header[55..71].copy_from_slice(&check[..16]);
        rng.fill_bytes(&mut header[71..95]);

        let key = hmac_label(&kek, b"keysplit-wallet/v1/share-key");
        let cipher = XChaCha20Poly1305::new_from_slice(&key[..]).map_err(|_| Error::Rng)?;
        let nonce = XNonce::try_from(&header[71..95]).map_err(|_| Error::Rng)?;
        // Holds the plaintext share until it is encrypted in place: wiped if anything fails.
        let mut bytes = Zeroizing::new(Vec::with_capacity(HEADER_LEN + plaintext.len() + TAG_LEN));
        bytes.extend_from_slice(&header);
        bytes.extend_from_slice(plaintext);
        let tag = cipher
            .encrypt_inout_detached(&nonce, &header, (&mut bytes[HEADER_LEN..]).into())
            .map_err(|_| SealedShareFormatError::BadLength {
                found: plaintext.len(),
            })?;
        bytes.extend_from_slice(&tag);
        Ok(SealedShare {
            bytes: core::mem::take(&mut *bytes),
        })
    }

    /// Reads a sealed share, checking its structure (not its authenticity: that needs the
    /// key, see [`SealedShare::open`]).
    pub fn from_bytes(bytes: &[u8]) -> Result<SealedShare, Error> {
        let found = bytes.len();
        if !(HEADER_LEN + TAG_LEN + 1..=HEADER_LEN + MAX_PLAINTEXT + TAG_LEN).contains(&found) {
            return Err(SealedShareFormatError::BadLength { found }.into());
        }
        if bytes[..4] != MAGIC {
            return Err(SealedShareFormatError::BadMagic.into());
        }
        if bytes[4] != VERSION {
            return Err(SealedShareFormatError::UnsupportedVersion { version: bytes[4] }.into());
        }
        Role::from_byte(bytes[5]).ok_or(SealedShareFormatError::UnknownRole { role: bytes[5] })?;
        if bytes[6] != KDF_KEY && bytes[6] != KDF_ARGON2ID {
            return Err(SealedShareFormatError::UnknownKdf { kdf: bytes[6] }.into());
        }
        Ok(SealedShare {
            bytes: bytes.to_vec(),
        })
    }

    /// Reads the hex text form.
    pub fn from_hex(text: &str) -> Result<SealedShare, Error> {
        let bytes = keysplit::hazmat::decode_hex(text.trim())
            .map_err(|_| SealedShareFormatError::InvalidHex)?;
        Self::from_bytes(&bytes)
    }

    /// The sealed bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The hex text form.
    pub fn to_hex(&self) -> alloc::string::String {
        alloc::string::String::from(keysplit::hazmat::encode_hex(&self.bytes).as_str())
    }

    /// The role the share was sealed for.
    pub fn role(&self) -> Role {
        Role::from_byte(self.bytes[5]).unwrap_or(Role::Device)
    }

    /// The wallet the share was sealed for.
    pub fn wallet_id(&self) -> WalletId {
        let mut id = [0u8; 16];
        id.copy_from_slice(&self.bytes[35..51]);
        WalletId(id)
    }

    /// The epoch the share was sealed for.
    pub fn epoch(&self) -> u32 {
        read_u32(&self.bytes, 51)
    }

    /// Whether the share needs a password (rather than a key) to open.
    pub fn is_password_sealed(&self) -> bool {
        self.bytes[6] == KDF_ARGON2ID
    }

    /// The Argon2id parameters of a password-sealed share.
    pub fn argon2_params(&self) -> Option<Argon2Params> {
        self.is_password_sealed().then(|| Argon2Params {
            memory_kib: read_u32(&self.bytes, 7),
            iterations: read_u32(&self.bytes, 11),
            parallelism: read_u32(&self.bytes, 15),
        })
    }

    /// Decrypts the share. The header's claims (role, wallet, epoch) are only trusted
    /// after the tag is verified, which this does; checking them against what the caller
    /// expects is [`crate::open`]'s job.
    pub fn open(&self, unlock: Unlock<'_>) -> Result<keysplit::Share, Error> {
        let role = self.role();
        let (kek, wrong) = match (unlock, self.argon2_params()) {
            (Unlock::Key(key), None) => (Zeroizing::new(*key.as_bytes()), Error::WrongKey { role }),
            (Unlock::Password(password), Some(params)) => {
                let mut salt = [0u8; 16];
                salt.copy_from_slice(&self.bytes[19..35]);
                (
                    params.derive(password, &salt)?,
                    Error::WrongPassword { role },
                )
            }
            (Unlock::Key(_), Some(_)) => {
                return Err(Error::UnlockKind {
                    role,
                    needs_password: true,
                })
            }
            (Unlock::Password(_), None) => {
                return Err(Error::UnlockKind {
                    role,
                    needs_password: false,
                })
            }
        };
        let check = hmac_label(&kek, b"keysplit-wallet/v1/key-check");
        if !bool::from(check[..16].ct_eq(&self.bytes[55..71])) {
            return Err(wrong);
        }
        let key = hmac_label(&kek, b"keysplit-wallet/v1/share-key");
        let cipher =
            XChaCha20Poly1305::new_from_slice(&key[..]).map_err(|_| Error::Tampered { role })?;
        let (header, body) = self.bytes.split_at(HEADER_LEN);
        let nonce = XNonce::try_from(&header[71..95]).map_err(|_| Error::Tampered { role })?;
        let (ciphertext, tag) = body.split_at(body.len() - TAG_LEN);
        let tag = chacha20poly1305::Tag::try_from(tag).map_err(|_| Error::Tampered { role })?;
        let mut plaintext = Zeroizing::new(ciphertext.to_vec());
        cipher
            .decrypt_inout_detached(&nonce, header, (&mut plaintext[..]).into(), &tag)
            .map_err(|_| Error::Tampered { role })?;
        // Authentic but not a share: the sealer sealed something else; report the core's reason.
        keysplit::Share::from_bytes(&plaintext).map_err(Error::from)
    }
}
