//! The two encryption layers of the server.
//!
//! * At rest: each stored auth-share key is encrypted under the server's master key with
//!   XChaCha20-Poly1305 (random 24-byte nonce), the wallet id and epoch in the associated
//!   data, so a sealed key cannot be moved to another wallet or epoch, and a database dump
//!   without the master key opens nothing.
//! * In transit to the wallet iframe: RFC 9180 HPKE, base mode, suite
//!   DHKEM(P-256, HKDF-SHA256) / HKDF-SHA256 / ChaCha20-Poly1305, to an ephemeral public
//!   key the iframe sent with the request; the request digest is the AEAD's associated
//!   data, so the sealed share opens only for the request it was released for. That
//!   channel lives in `keysplit_wallet::custody` (one implementation for the server and
//!   its clients); the HPKE functions here are thin wrappers kept for this crate's tests.

use chacha20poly1305::aead::AeadInOut;
use chacha20poly1305::{KeyInit, Tag, XChaCha20Poly1305, XNonce};
use hpke::Kem as _;
use keysplit_wallet::custody;
use keysplit_wallet::WalletId;
use zeroize::Zeroizing;

use crate::config::MasterKey;

pub use keysplit_wallet::custody::{
    HpkeAead, HpkeKdf, HpkeKem, RECOVERY_KEY_INFO_LABEL, RELEASE_INFO_LABEL,
};
/// The label at the start of the associated data of a stored auth-share key.
const AT_REST_LABEL: &[u8] = b"keysplit-server/v1/auth-key-at-rest";
/// The label at the start of the associated data of a stored recovery key (automatic
/// recovery), so that neither stored key opens as the other.
const RECOVERY_AT_REST_LABEL: &[u8] = b"keysplit-server/v1/recovery-key-at-rest";

/// A failure of one of the layers (details stay out of responses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CryptoError {
    /// No randomness from the OS.
    Rng,
    /// A stored key did not open under the master key (wrong master key or tampering).
    AtRestOpen,
    /// The HPKE public key is not a P-256 point.
    BadPublicKey,
    /// HPKE sealing failed.
    Seal,
}

fn at_rest_aad(label: &[u8], wallet_id: &[u8; 16], epoch: u32) -> Vec<u8> {
    let mut aad = Vec::with_capacity(label.len() + 20);
    aad.extend_from_slice(label);
    aad.extend_from_slice(wallet_id);
    aad.extend_from_slice(&epoch.to_be_bytes());
    aad
}

/// Encrypts an auth-share key for storage: nonce (24) || ciphertext (32) || tag (16).
pub fn seal_at_rest(
    master: &MasterKey,
    wallet_id: &[u8; 16],
    epoch: u32,
    key: &[u8; 32],
) -> Result<Vec<u8>, CryptoError> {
    seal_labeled(AT_REST_LABEL, master, wallet_id, epoch, key)
}

/// Encrypts a recovery key (automatic recovery) for storage, as [`seal_at_rest`] under
/// its own label.
pub fn seal_recovery_key_at_rest(
    master: &MasterKey,
    wallet_id: &[u8; 16],
    epoch: u32,
    key: &[u8; 32],
) -> Result<Vec<u8>, CryptoError> {
    seal_labeled(RECOVERY_AT_REST_LABEL, master, wallet_id, epoch, key)
}

/// Opens what [`seal_recovery_key_at_rest`] made for the same wallet id and epoch.
pub fn open_recovery_key_at_rest(
    master: &MasterKey,
    wallet_id: &[u8; 16],
    epoch: u32,
    sealed: &[u8],
) -> Result<Zeroizing<[u8; 32]>, CryptoError> {
    open_labeled(RECOVERY_AT_REST_LABEL, master, wallet_id, epoch, sealed)
}

/// The HPKE `info` of a recovery-key release: label || wallet id (16) || epoch (4,
/// big-endian). Another label than an auth-share release's, so neither answer opens as
/// the other.
/// (`keysplit_wallet::custody::recovery_key_info`, which the wallet iframe opens with.)
pub fn recovery_key_info(wallet_id: &[u8; 16], epoch: u32) -> Vec<u8> {
    custody::recovery_key_info(&WalletId(*wallet_id), epoch)
}

fn seal_labeled(
    label: &[u8],
    master: &MasterKey,
    wallet_id: &[u8; 16],
    epoch: u32,
    key: &[u8; 32],
) -> Result<Vec<u8>, CryptoError> {
    let mut rng = keysplit::os_rng().map_err(|_| CryptoError::Rng)?;
    let mut nonce = [0u8; 24];
    rand_core::Rng::fill_bytes(&mut rng, &mut nonce);
    let cipher = XChaCha20Poly1305::new_from_slice(&master.0[..]).map_err(|_| CryptoError::Seal)?;
    let mut buffer = Zeroizing::new(*key);
    let tag = cipher
        .encrypt_inout_detached(
            &XNonce::from(nonce),
            &at_rest_aad(label, wallet_id, epoch),
            (&mut buffer[..]).into(),
        )
        .map_err(|_| CryptoError::Seal)?;
    let mut out = Vec::with_capacity(72);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&buffer[..]);
    out.extend_from_slice(&tag);
    Ok(out)
}

/// Opens what [`seal_at_rest`] made for the same wallet id and epoch.
pub fn open_at_rest(
    master: &MasterKey,
    wallet_id: &[u8; 16],
    epoch: u32,
    sealed: &[u8],
) -> Result<Zeroizing<[u8; 32]>, CryptoError> {
    open_labeled(AT_REST_LABEL, master, wallet_id, epoch, sealed)
}

fn open_labeled(
    label: &[u8],
    master: &MasterKey,
    wallet_id: &[u8; 16],
    epoch: u32,
    sealed: &[u8],
) -> Result<Zeroizing<[u8; 32]>, CryptoError> {
    if sealed.len() != 72 {
        return Err(CryptoError::AtRestOpen);
    }
    let (nonce, rest) = sealed.split_at(24);
    let (ciphertext, tag) = rest.split_at(32);
    let nonce = XNonce::try_from(nonce).map_err(|_| CryptoError::AtRestOpen)?;
    let tag = Tag::try_from(tag).map_err(|_| CryptoError::AtRestOpen)?;
    let cipher =
        XChaCha20Poly1305::new_from_slice(&master.0[..]).map_err(|_| CryptoError::AtRestOpen)?;
    let mut key = Zeroizing::new([0u8; 32]);
    key.copy_from_slice(ciphertext);
    cipher
        .decrypt_inout_detached(
            &nonce,
            &at_rest_aad(label, wallet_id, epoch),
            (&mut key[..]).into(),
            &tag,
        )
        .map_err(|_| CryptoError::AtRestOpen)?;
    Ok(key)
}

/// Reads an HPKE public key: an uncompressed SEC1 P-256 point (65 bytes).
pub fn hpke_public_key(bytes: &[u8]) -> Result<<HpkeKem as hpke::Kem>::PublicKey, CryptoError> {
    custody::HpkePublicKey::from_bytes(bytes)
        .map(custody::HpkePublicKey::into_hpke)
        .map_err(|_| CryptoError::BadPublicKey)
}

/// The HPKE `info` of a release: label || wallet id (16) || epoch (4, big-endian).
pub fn release_info(wallet_id: &[u8; 16], epoch: u32) -> Vec<u8> {
    custody::release_info(&WalletId(*wallet_id), epoch)
}

/// Seals a release (`auth_key || sealed auth share`) to `recipient` for the wallet, epoch
/// and request digest: `keysplit_wallet::custody::seal_release` with the OS generator.
/// Returns (encapsulated key, ciphertext || tag).
pub fn seal_release(
    recipient: &custody::HpkePublicKey,
    wallet_id: &[u8; 16],
    epoch: u32,
    request_digest: &[u8; 32],
    auth_key: &[u8; 32],
    sealed_auth_share: &[u8],
) -> Result<(Vec<u8>, Vec<u8>), CryptoError> {
    let mut rng = keysplit::os_rng().map_err(|_| CryptoError::Rng)?;
    let sealed = custody::seal_release(
        recipient,
        &WalletId(*wallet_id),
        epoch,
        request_digest,
        auth_key,
        sealed_auth_share,
        &mut rng,
    )
    .map_err(|_| CryptoError::Seal)?;
    Ok((sealed.enc.to_vec(), sealed.ciphertext))
}

/// Seals a recovery key (automatic recovery) to `recipient` for the wallet, epoch and
/// request digest: `keysplit_wallet::custody::seal_recovery_key` with the OS generator.
/// Returns (encapsulated key, ciphertext || tag).
pub fn seal_recovery_key(
    recipient: &custody::HpkePublicKey,
    wallet_id: &[u8; 16],
    epoch: u32,
    request_digest: &[u8; 32],
    recovery_key: &[u8; 32],
) -> Result<(Vec<u8>, Vec<u8>), CryptoError> {
    let mut rng = keysplit::os_rng().map_err(|_| CryptoError::Rng)?;
    let sealed = custody::seal_recovery_key(
        recipient,
        &WalletId(*wallet_id),
        epoch,
        request_digest,
        recovery_key,
        &mut rng,
    )
    .map_err(|_| CryptoError::Seal)?;
    Ok((sealed.enc.to_vec(), sealed.ciphertext))
}

/// HPKE base-mode single-shot seal; returns (encapsulated key, ciphertext || tag).
pub fn hpke_seal(
    recipient: &<HpkeKem as hpke::Kem>::PublicKey,
    info: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<(Vec<u8>, Vec<u8>), CryptoError> {
    let mut rng = keysplit::os_rng().map_err(|_| CryptoError::Rng)?;
    let sealed = custody::hpke_seal(recipient, info, aad, plaintext, &mut rng)
        .map_err(|_| CryptoError::Seal)?;
    Ok((sealed.enc.to_vec(), sealed.ciphertext))
}

/// A fresh HPKE key pair (the client side; used by tests and examples).
pub fn hpke_keypair() -> Result<
    (
        <HpkeKem as hpke::Kem>::PrivateKey,
        <HpkeKem as hpke::Kem>::PublicKey,
    ),
    CryptoError,
> {
    let mut rng = keysplit::os_rng().map_err(|_| CryptoError::Rng)?;
    Ok(HpkeKem::gen_keypair_with_rng(&mut rng))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_rest_binds_wallet_and_epoch() {
        let master = MasterKey::from_bytes(&[1; 32]);
        let key = [0x33u8; 32];
        let sealed = seal_at_rest(&master, &[9; 16], 4, &key).unwrap();
        assert_eq!(sealed.len(), 72);
        assert!(!sealed.windows(32).any(|w| w == key));
        assert_eq!(*open_at_rest(&master, &[9; 16], 4, &sealed).unwrap(), key);
        // Another wallet, another epoch, another master key, a flipped bit: refused.
        assert!(open_at_rest(&master, &[8; 16], 4, &sealed).is_err());
        assert!(open_at_rest(&master, &[9; 16], 5, &sealed).is_err());
        let other = MasterKey::from_bytes(&[2; 32]);
        assert!(open_at_rest(&other, &[9; 16], 4, &sealed).is_err());
        let mut flipped = sealed.clone();
        flipped[40] ^= 1;
        assert!(open_at_rest(&master, &[9; 16], 4, &flipped).is_err());
        assert!(open_at_rest(&master, &[9; 16], 4, &sealed[..71]).is_err());
    }

    /// A stored recovery key and a stored auth key never open as each other.
    #[test]
    fn at_rest_labels_separate_the_two_keys() {
        let master = MasterKey::from_bytes(&[1; 32]);
        let key = [0x44u8; 32];
        let recovery = seal_recovery_key_at_rest(&master, &[9; 16], 4, &key).unwrap();
        assert_eq!(
            *open_recovery_key_at_rest(&master, &[9; 16], 4, &recovery).unwrap(),
            key
        );
        assert!(open_at_rest(&master, &[9; 16], 4, &recovery).is_err());
        assert!(open_recovery_key_at_rest(&master, &[9; 16], 5, &recovery).is_err());
        let auth = seal_at_rest(&master, &[9; 16], 4, &key).unwrap();
        assert!(open_recovery_key_at_rest(&master, &[9; 16], 4, &auth).is_err());
        assert_ne!(recovery_key_info(&[9; 16], 4), release_info(&[9; 16], 4));
        assert!(
            recovery_key_info(&[9; 16], 4).starts_with(b"keysplit-server/v1/recovery-key-release")
        );
    }

    #[test]
    fn hpke_public_key_is_checked() {
        let (_, public) = hpke_keypair().unwrap();
        let bytes = hpke::Serializable::to_bytes(&public);
        assert!(hpke_public_key(&bytes).is_ok());
        assert!(hpke_public_key(&bytes[..64]).is_err());
        let mut compressed_tag = bytes.to_vec();
        compressed_tag[0] = 2;
        assert!(hpke_public_key(&compressed_tag).is_err());
        let mut off_curve = bytes.to_vec();
        off_curve[64] ^= 1;
        assert!(hpke_public_key(&off_curve).is_err());
        assert!(hpke_public_key(&[4u8; 65]).is_err());
    }
}
