//! Solana: SLIP-0010 ed25519 derivation, base58 addresses, ed25519 message signatures.

#[cfg(feature = "requests")]
#[cfg_attr(docsrs, doc(cfg(feature = "requests")))]
pub mod transaction;

use alloc::string::String;
use core::fmt;

use ed25519_dalek::{Signer, SigningKey};
use zeroize::Zeroizing;

use crate::bip32::{hmac_sha512, DerivationPath};
use crate::error::Error;
use crate::mnemonic::Seed;

/// A SLIP-0010 ed25519 private key with its chain code. Wiped on drop.
#[derive(Clone)]
pub struct Ed25519ExtendedKey {
    key: Zeroizing<[u8; 32]>,
    chain_code: Zeroizing<[u8; 32]>,
}

impl fmt::Debug for Ed25519ExtendedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Ed25519ExtendedKey(redacted)")
    }
}

impl Ed25519ExtendedKey {
    /// The master key of a seed (`HMAC-SHA512(key = "ed25519 seed", seed)`).
    pub fn new_master(seed: &Seed) -> Ed25519ExtendedKey {
        Self::from_seed_bytes(seed.as_bytes())
    }

    /// The master key of seed bytes of any length.
    pub fn from_seed_bytes(seed: &[u8]) -> Ed25519ExtendedKey {
        Self::from_hmac(&hmac_sha512(b"ed25519 seed", &[seed]))
    }

    fn from_hmac(i: &[u8; 64]) -> Ed25519ExtendedKey {
        let mut key = Zeroizing::new([0u8; 32]);
        let mut chain_code = Zeroizing::new([0u8; 32]);
        key.copy_from_slice(&i[..32]);
        chain_code.copy_from_slice(&i[32..]);
        Ed25519ExtendedKey { key, chain_code }
    }

    /// The key at `path`, whose steps must all be hardened (SLIP-0010 ed25519).
    pub fn derive_path(&self, path: &DerivationPath) -> Result<Ed25519ExtendedKey, Error> {
        let mut key = self.clone();
        for step in path.steps() {
            if !step.is_hardened() {
                return Err(Error::Ed25519NeedsHardened);
            }
            let i = hmac_sha512(
                &key.chain_code[..],
                &[&[0u8], &key.key[..], &step.to_u32().to_be_bytes()],
            );
            key = Self::from_hmac(&i);
        }
        Ok(key)
    }

    /// The 32-byte private key (the ed25519 seed).
    pub fn private_key_bytes(&self) -> &[u8; 32] {
        &self.key
    }

    /// The chain code.
    pub fn chain_code(&self) -> &[u8; 32] {
        &self.chain_code
    }

    /// The 32-byte ed25519 public key.
    pub fn public_key_bytes(&self) -> [u8; 32] {
        SigningKey::from_bytes(&self.key).verifying_key().to_bytes()
    }

    /// An ed25519 signature of `message` (RFC 8032, deterministic).
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        SigningKey::from_bytes(&self.key).sign(message).to_bytes()
    }
}

/// A Solana address: an ed25519 public key, rendered in base58.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SolanaAddress(pub [u8; 32]);

impl SolanaAddress {
    /// Parses the base58 form.
    pub fn parse(text: &str) -> Result<SolanaAddress, Error> {
        let mut out = [0u8; 32];
        let len = bs58::decode(text.trim())
            .onto(&mut out[..])
            .map_err(|_| Error::InvalidAddress)?;
        if len != 32 {
            return Err(Error::InvalidAddress);
        }
        Ok(SolanaAddress(out))
    }

    /// The base58 form.
    pub fn to_base58(&self) -> String {
        bs58::encode(&self.0).into_string()
    }

    /// Checks an ed25519 signature by this address.
    pub fn verify(&self, message: &[u8], signature: &[u8; 64]) -> Result<(), Error> {
        let key = ed25519_dalek::VerifyingKey::from_bytes(&self.0)
            .map_err(|_| Error::InvalidSignature)?;
        key.verify_strict(message, &ed25519_dalek::Signature::from_bytes(signature))
            .map_err(|_| Error::InvalidSignature)
    }
}

impl fmt::Display for SolanaAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base58())
    }
}

impl fmt::Debug for SolanaAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SolanaAddress({})", self.to_base58())
    }
}
