//! The share-release channel between keysplit-server and the wallet iframe, in one place:
//! RFC 9180 HPKE, base mode, suite DHKEM(P-256, HKDF-SHA256) / HKDF-SHA256 /
//! ChaCha20-Poly1305 (the `hpke` crate).
//!
//! * A release: the client makes a fresh [`ReleaseKey`] per request and sends its
//!   [`ReleaseKey::public_key`] with the request; the server answers with
//!   [`seal_release`]: `auth_key (32) || sealed auth share`, sealed to that key with
//!   `info` = [`release_info`] (label || wallet id || epoch) and the request digest
//!   ([`request_digest`]: SHA-256 of the RFC 8785 form of the signed request payload) as
//!   the associated data. [`ReleaseKey::open`] opens it only with the client's *own*
//!   digest, wallet id and epoch, so a release made for another request, wallet or epoch,
//!   or to another key, is [`Error::ReleaseRejected`].
//! * A recovery-key release (automatic recovery): [`seal_recovery_key`] seals the
//!   wallet's 32-byte recovery key the same way with `info` = [`recovery_key_info`]
//!   ([`RECOVERY_KEY_INFO_LABEL`] || wallet id || epoch); [`ReleaseKey::open_recovery_key`]
//!   opens it with the client's own digest, wallet id and epoch.
//! * An encrypted export: [`seal_to_recipient`] seals a plaintext (the mnemonic) to a
//!   recipient's P-256 public key with `info` = `keysplit/v1/mnemonic-export` || wallet
//!   id and empty associated data; [`open_from_sender`] is the recipient's side.
//!
//! ```
//! # fn main() -> Result<(), keysplit_wallet::Error> {
//! use keysplit_wallet::custody::{self, HpkePublicKey, ReleaseKey};
//! use keysplit_wallet::WalletId;
//!
//! let mut rng = keysplit::os_rng()?;
//! let wallet = WalletId([7; 16]);
//! let digest = [0x42; 32]; // custody::request_digest(&payload) in practice
//!
//! // Client: one key per release.
//! let key = ReleaseKey::generate(&mut rng);
//! // Server: seals the auth-share key and the sealed auth share to it.
//! let recipient = HpkePublicKey::from_bytes(&key.public_key())?;
//! # let share = keysplit::split(&[1u8; 16], 2, 3, &mut rng)?.remove(0);
//! # let sealed_share = keysplit_wallet::SealedShare::seal(&share, keysplit_wallet::Role::Auth,
//! #     &wallet, 3, keysplit_wallet::Protection::Key(&keysplit_wallet::ShareKey::from_bytes(&[9; 32])), &mut rng)?;
//! let sealed = custody::seal_release(&recipient, &wallet, 3, &digest, &[9; 32], sealed_share.as_bytes(), &mut rng)?;
//! // Client: opens with its own digest, wallet id and epoch.
//! let mut answer = custody::ReleaseAnswer {
//!     wallet_id: &wallet, epoch: 3, request_digest: &digest,
//!     enc: &sealed.enc, ciphertext: &sealed.ciphertext,
//! };
//! let released = key.open(&answer)?;
//! assert_eq!(*released.auth_key, [9; 32]);
//! answer.epoch = 4; // an answer for another epoch (or digest, wallet, key) does not open
//! assert_eq!(key.open(&answer).unwrap_err().code(), "RELEASE_REJECTED");
//! # Ok(()) }
//! ```

use alloc::vec::Vec;
use core::fmt;

use hpke::{Deserializable, Kem as _, Serializable};
use rand_core::CryptoRng;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::authz::RequestPayload;
use crate::error::Error;
use crate::info::WalletId;
use crate::role::Role;
use crate::seal::SealedShare;

/// The text whose EIP-191 signature by the wallet's index-0 Ethereum key proves an upload
/// of the share set `info` describes ([`crate::upload_proof::statement`]).
pub use crate::upload_proof::statement as upload_statement;

/// The HPKE KEM: DHKEM(P-256, HKDF-SHA256) (the `hpke` crate's type).
pub type HpkeKem = hpke::kem::DhP256HkdfSha256;
/// The HPKE KDF: HKDF-SHA256.
pub type HpkeKdf = hpke::kdf::HkdfSha256;
/// The HPKE AEAD: ChaCha20-Poly1305.
pub type HpkeAead = hpke::aead::ChaCha20Poly1305;

/// The label at the start of the HPKE `info` of a share release.
pub const RELEASE_INFO_LABEL: &[u8] = b"keysplit-server/v1/auth-share-release";
/// The label at the start of the HPKE `info` of a recovery-key release (automatic
/// recovery): another label than [`RELEASE_INFO_LABEL`], so neither answer opens as the
/// other.
pub const RECOVERY_KEY_INFO_LABEL: &[u8] = b"keysplit-server/v1/recovery-key-release";
/// Bytes of a recovery key (automatic recovery): the plaintext of a recovery-key release.
pub const RECOVERY_KEY_LEN: usize = 32;
/// The label at the start of the HPKE `info` of an encrypted mnemonic export.
pub const EXPORT_INFO_LABEL: &[u8] = b"keysplit/v1/mnemonic-export";
/// Bytes of an HPKE public key (and of an encapsulated key): an uncompressed SEC1 point.
pub const PUBLIC_KEY_LEN: usize = 65;
/// Bytes of the AEAD tag at the end of every ciphertext.
pub const TAG_LEN: usize = 16;
/// Bytes of the auth-share key at the start of a release's plaintext.
pub const AUTH_KEY_LEN: usize = 32;

/// The HPKE `info` of a release: label || wallet id (16) || epoch (4, big-endian).
pub fn release_info(wallet_id: &WalletId, epoch: u32) -> Vec<u8> {
    labelled_info(RELEASE_INFO_LABEL, wallet_id, epoch)
}

/// The HPKE `info` of a recovery-key release: [`RECOVERY_KEY_INFO_LABEL`] || wallet id
/// (16) || epoch (4, big-endian).
pub fn recovery_key_info(wallet_id: &WalletId, epoch: u32) -> Vec<u8> {
    labelled_info(RECOVERY_KEY_INFO_LABEL, wallet_id, epoch)
}

/// `label || wallet id (16) || epoch (4, big-endian)`.
fn labelled_info(label: &[u8], wallet_id: &WalletId, epoch: u32) -> Vec<u8> {
    let mut info = Vec::with_capacity(label.len() + 20);
    info.extend_from_slice(label);
    info.extend_from_slice(&wallet_id.0);
    info.extend_from_slice(&epoch.to_be_bytes());
    info
}

/// The HPKE `info` of an encrypted export: label || wallet id (16).
pub fn export_info(wallet_id: &WalletId) -> Vec<u8> {
    let mut info = Vec::with_capacity(EXPORT_INFO_LABEL.len() + 16);
    info.extend_from_slice(EXPORT_INFO_LABEL);
    info.extend_from_slice(&wallet_id.0);
    info
}

/// The request digest: SHA-256 of the RFC 8785 (JCS) canonical bytes of a signed request
/// payload, the associated data of the release made for it.
pub fn request_digest(payload: &RequestPayload) -> [u8; 32] {
    Sha256::digest(payload.canonical_bytes()).into()
}

/// A recipient's HPKE public key: a P-256 point, read from its uncompressed SEC1 form only.
#[derive(Clone, PartialEq, Eq)]
pub struct HpkePublicKey(<HpkeKem as hpke::Kem>::PublicKey);

impl HpkePublicKey {
    /// Reads an uncompressed SEC1 P-256 point (65 bytes, `0x04 || x || y`).
    ///
    /// # Errors
    /// [`Error::InvalidHpkePublicKey`] for any other length, a compressed or hybrid form,
    /// or coordinates that are not a point on P-256.
    pub fn from_bytes(bytes: &[u8]) -> Result<HpkePublicKey, Error> {
        if bytes.len() != PUBLIC_KEY_LEN || bytes.first() != Some(&4) {
            return Err(Error::InvalidHpkePublicKey);
        }
        <HpkeKem as hpke::Kem>::PublicKey::from_bytes(bytes)
            .map(HpkePublicKey)
            .map_err(|_| Error::InvalidHpkePublicKey)
    }

    /// The uncompressed SEC1 form.
    pub fn to_bytes(&self) -> [u8; PUBLIC_KEY_LEN] {
        let mut out = [0u8; PUBLIC_KEY_LEN];
        out.copy_from_slice(&self.0.to_bytes());
        out
    }

    /// The `hpke` crate's key (for [`hpke_seal`]).
    pub fn as_hpke(&self) -> &<HpkeKem as hpke::Kem>::PublicKey {
        &self.0
    }

    /// The `hpke` crate's key, by value.
    pub fn into_hpke(self) -> <HpkeKem as hpke::Kem>::PublicKey {
        self.0
    }
}

impl fmt::Debug for HpkePublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HpkePublicKey(")?;
        f.write_str(&keysplit::hazmat::encode_hex(&self.to_bytes()))?;
        f.write_str(")")
    }
}

/// What HPKE sealing gives: the encapsulated key and the ciphertext (with its tag).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sealed {
    /// The encapsulated key: the sender's ephemeral uncompressed P-256 point.
    pub enc: [u8; PUBLIC_KEY_LEN],
    /// The ciphertext, the 16-byte tag at its end.
    pub ciphertext: Vec<u8>,
}

/// HPKE base-mode single-shot seal of `plaintext` to `recipient` with this suite: the
/// primitive under [`seal_release`] and [`seal_to_recipient`].
///
/// # Errors
/// [`Error::InvalidHpkePublicKey`] when the encapsulation fails (it cannot for a key
/// [`HpkePublicKey::from_bytes`] accepted; the variant is the honest name if it did).
pub fn hpke_seal<R: CryptoRng + ?Sized>(
    recipient: &<HpkeKem as hpke::Kem>::PublicKey,
    info: &[u8],
    aad: &[u8],
    plaintext: &[u8],
    rng: &mut R,
) -> Result<Sealed, Error> {
    let (enc, ciphertext) = hpke::single_shot_seal_with_rng::<HpkeAead, HpkeKdf, HpkeKem>(
        &hpke::OpModeS::Base,
        recipient,
        info,
        plaintext,
        aad,
        &mut &mut *rng,
    )
    .map_err(|_| Error::InvalidHpkePublicKey)?;
    let mut out = [0u8; PUBLIC_KEY_LEN];
    out.copy_from_slice(&enc.to_bytes());
    Ok(Sealed {
        enc: out,
        ciphertext,
    })
}

/// HPKE base-mode single-shot open with this suite: the primitive under
/// [`ReleaseKey::open`] and [`open_from_sender`]. Returns `None` when `enc` is not a
/// P-256 point or the ciphertext does not open for this key, `info` and `aad` (HPKE does
/// not tell those apart).
pub fn hpke_open(
    secret: &<HpkeKem as hpke::Kem>::PrivateKey,
    enc: &[u8],
    info: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    if enc.len() != PUBLIC_KEY_LEN || enc.first() != Some(&4) || ciphertext.len() < TAG_LEN {
        return None;
    }
    let enc = <HpkeKem as hpke::Kem>::EncappedKey::from_bytes(enc).ok()?;
    hpke::single_shot_open::<HpkeAead, HpkeKdf, HpkeKem>(
        &hpke::OpModeR::Base,
        secret,
        &enc,
        info,
        ciphertext,
        aad,
    )
    .ok()
    .map(Zeroizing::new)
}

/// The server's side of a release: seals `auth_key || sealed_auth_share` to the client's
/// key for the wallet, epoch and request digest.
///
/// # Errors
/// [`Error::InvalidHpkePublicKey`] if the encapsulation fails (see [`hpke_seal`]).
pub fn seal_release<R: CryptoRng + ?Sized>(
    recipient: &HpkePublicKey,
    wallet_id: &WalletId,
    epoch: u32,
    request_digest: &[u8; 32],
    auth_key: &[u8; AUTH_KEY_LEN],
    sealed_auth_share: &[u8],
    rng: &mut R,
) -> Result<Sealed, Error> {
    let mut plaintext = Zeroizing::new(Vec::with_capacity(AUTH_KEY_LEN + sealed_auth_share.len()));
    plaintext.extend_from_slice(auth_key);
    plaintext.extend_from_slice(sealed_auth_share);
    hpke_seal(
        &recipient.0,
        &release_info(wallet_id, epoch),
        request_digest,
        &plaintext,
        rng,
    )
}

/// The server's side of a recovery-key release (automatic recovery): seals the 32-byte
/// recovery key to the client's key with `info` = [`recovery_key_info`] and the request
/// digest as the associated data.
///
/// # Errors
/// [`Error::InvalidHpkePublicKey`] if the encapsulation fails (see [`hpke_seal`]).
pub fn seal_recovery_key<R: CryptoRng + ?Sized>(
    recipient: &HpkePublicKey,
    wallet_id: &WalletId,
    epoch: u32,
    request_digest: &[u8; 32],
    recovery_key: &[u8; RECOVERY_KEY_LEN],
    rng: &mut R,
) -> Result<Sealed, Error> {
    hpke_seal(
        &recipient.0,
        &recovery_key_info(wallet_id, epoch),
        request_digest,
        recovery_key,
        rng,
    )
}

/// A release answer as its client checks it: the client's **own** wallet id, epoch and
/// request digest (never the ones the answer names) with the answer's `enc` and
/// ciphertext (public bytes).
#[derive(Clone, Copy, Debug)]
pub struct ReleaseAnswer<'a> {
    /// The wallet the client asked for.
    pub wallet_id: &'a WalletId,
    /// The epoch of the client's own share of that wallet.
    pub epoch: u32,
    /// SHA-256 of the request the client made ([`request_digest`]).
    pub request_digest: &'a [u8; 32],
    /// The answer's encapsulated key: an uncompressed P-256 point.
    pub enc: &'a [u8],
    /// The answer's ciphertext with its 16-byte tag.
    pub ciphertext: &'a [u8],
}

/// What a release holds, opened: the auth share's key and the sealed auth share.
pub struct Released {
    /// The key that opens the auth share.
    pub auth_key: Zeroizing<[u8; AUTH_KEY_LEN]>,
    /// The sealed auth share's bytes (checked: role auth, the wallet and the epoch asked).
    pub sealed_auth_share: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for Released {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Released")
            .field("auth_key", &"redacted")
            .field("sealed_auth_share_len", &self.sealed_auth_share.len())
            .finish()
    }
}

/// The client's ephemeral HPKE key for one release (or the recipient key of an encrypted
/// export). The private key never leaves it and is wiped on drop (`p256::SecretKey`'s
/// own zeroize-on-drop); `Debug` shows the public key only.
pub struct ReleaseKey {
    secret: <HpkeKem as hpke::Kem>::PrivateKey,
    public: [u8; PUBLIC_KEY_LEN],
}

impl fmt::Debug for ReleaseKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReleaseKey")
            .field(
                "public_key",
                &keysplit::hazmat::encode_hex(&self.public).as_str(),
            )
            .finish_non_exhaustive()
    }
}

impl ReleaseKey {
    /// A fresh key pair.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> ReleaseKey {
        let (secret, public) = HpkeKem::gen_keypair_with_rng(&mut &mut *rng);
        let mut bytes = [0u8; PUBLIC_KEY_LEN];
        bytes.copy_from_slice(&public.to_bytes());
        ReleaseKey {
            secret,
            public: bytes,
        }
    }

    /// The public key to send with the request: an uncompressed SEC1 P-256 point.
    pub fn public_key(&self) -> [u8; PUBLIC_KEY_LEN] {
        self.public
    }

    /// Opens a release with the caller's own wallet id, epoch and request digest (never
    /// the ones a server response names), and checks the plaintext is
    /// `auth_key (32) || sealed share` whose share is the auth share of that wallet and
    /// epoch.
    ///
    /// # Errors
    /// [`Error::ReleaseRejected`] when `enc` is not a P-256 point, the ciphertext is
    /// truncated or does not open (sealed to another key, for another request digest,
    /// wallet or epoch, or altered), or the plaintext is not an auth key followed by the
    /// auth share sealed for this wallet and epoch.
    pub fn open(&self, answer: &ReleaseAnswer<'_>) -> Result<Released, Error> {
        let ReleaseAnswer {
            wallet_id, epoch, ..
        } = *answer;
        let plaintext = self.open_labelled(
            answer,
            &release_info(wallet_id, epoch),
            "it does not open with this key for this request, wallet and epoch",
        )?;
        let not_a_release = Error::ReleaseRejected {
            reason: "its plaintext is not an auth key followed by this wallet's sealed auth share",
        };
        let (key, share) = plaintext
            .split_first_chunk::<AUTH_KEY_LEN>()
            .ok_or_else(|| not_a_release.clone())?;
        // Public bytes (a sealed share is ciphertext): its header must name the auth role
        // of this wallet and epoch.
        let parsed = SealedShare::from_bytes(share).map_err(|_| not_a_release.clone())?;
        if parsed.role() != Role::Auth
            || parsed.wallet_id() != *wallet_id
            || parsed.epoch() != epoch
        {
            return Err(not_a_release);
        }
        Ok(Released {
            auth_key: Zeroizing::new(*key),
            sealed_auth_share: Zeroizing::new(share.to_vec()),
        })
    }
}

impl ReleaseKey {
    /// HPKE-opens `answer` with this key, `info` and the request digest as associated
    /// data; `ReleaseRejected` with `reason` when it does not open.
    fn open_labelled(
        &self,
        answer: &ReleaseAnswer<'_>,
        info: &[u8],
        reason: &'static str,
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        hpke_open(
            &self.secret,
            answer.enc,
            info,
            answer.request_digest,
            answer.ciphertext,
        )
        .ok_or(Error::ReleaseRejected { reason })
    }

    /// Opens a recovery-key release (automatic recovery) with the caller's own wallet id,
    /// epoch and request digest, and checks the plaintext is a 32-byte key.
    ///
    /// # Errors
    /// [`Error::ReleaseRejected`] when `enc` is not a P-256 point, the ciphertext does not
    /// open (another key, request digest, wallet or epoch, an auth-share release's label,
    /// altered or truncated), or the plaintext is not 32 bytes.
    pub fn open_recovery_key(
        &self,
        answer: &ReleaseAnswer<'_>,
    ) -> Result<Zeroizing<[u8; RECOVERY_KEY_LEN]>, Error> {
        let plaintext = self.open_labelled(
            answer,
            &recovery_key_info(answer.wallet_id, answer.epoch),
            "it does not open with this key as a recovery key for this request, wallet and epoch",
        )?;
        let key: &[u8; RECOVERY_KEY_LEN] =
            plaintext[..]
                .try_into()
                .map_err(|_| Error::ReleaseRejected {
                    reason: "its plaintext is not a 32-byte recovery key",
                })?;
        Ok(Zeroizing::new(*key))
    }
}

/// Seals `plaintext` (a mnemonic) to a recipient's P-256 public key for an encrypted
/// export of wallet `wallet_id`: `info` = [`EXPORT_INFO_LABEL`] || wallet id, empty
/// associated data.
///
/// # Errors
/// [`Error::InvalidHpkePublicKey`] when `recipient_public_key` is not an uncompressed
/// P-256 point (65 bytes).
pub fn seal_to_recipient<R: CryptoRng + ?Sized>(
    recipient_public_key: &[u8],
    wallet_id: &WalletId,
    plaintext: &[u8],
    rng: &mut R,
) -> Result<Sealed, Error> {
    let recipient = HpkePublicKey::from_bytes(recipient_public_key)?;
    hpke_seal(&recipient.0, &export_info(wallet_id), &[], plaintext, rng)
}

/// The recipient's side of [`seal_to_recipient`].
///
/// # Errors
/// [`Error::ExportRejected`] when `enc` is not a P-256 point or the ciphertext does not
/// open with this key for this wallet (another recipient, another wallet, altered or
/// truncated).
pub fn open_from_sender(
    key: &ReleaseKey,
    wallet_id: &WalletId,
    enc: &[u8],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Error> {
    hpke_open(&key.secret, enc, &export_info(wallet_id), &[], ciphertext)
        .ok_or(Error::ExportRejected)
}

#[cfg(test)]
mod tests;
