//! P-256 authorization keys in Privy's text forms.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use base64ct::{Base64, Encoding};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use p256::elliptic_curve::Generate;
use p256::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::payload::RequestPayload;
use super::signature::AuthorizationSignature;
use crate::Error;

/// The prefix Privy puts before the base64 PKCS#8 DER of an authorization private key.
pub const WALLET_AUTH_PREFIX: &str = "wallet-auth:";

/// Longest private or public key text read (a PEM key with headers is far below this).
const MAX_KEY_TEXT: usize = 4096;

/// A P-256 authorization private key. Wiped on drop; `Debug` shows only the public key.
#[derive(Clone)]
pub struct AuthorizationKey {
    signing: SigningKey,
}

impl AuthorizationKey {
    /// A fresh key from a cryptographic random number generator.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        Self {
            signing: SigningKey::generate_from_rng(rng),
        }
    }

    /// Reads a private key: Privy's `wallet-auth:` + base64(PKCS#8 DER), the bare base64
    /// PKCS#8 DER (what WebCrypto's `exportKey('pkcs8')` gives, in base64), or a
    /// `-----BEGIN PRIVATE KEY-----` PEM block. Surrounding whitespace is ignored.
    pub fn from_text(text: &str) -> Result<Self, Error> {
        let text = text.trim();
        if text.len() > MAX_KEY_TEXT {
            return Err(Error::InvalidAuthorizationKey);
        }
        let signing = if text.starts_with("-----BEGIN") {
            SigningKey::from_pkcs8_pem(text).map_err(|_| Error::InvalidAuthorizationKey)?
        } else {
            let b64 = text.strip_prefix(WALLET_AUTH_PREFIX).unwrap_or(text);
            let der = Zeroizing::new(
                Base64::decode_vec(b64).map_err(|_| Error::InvalidAuthorizationKey)?,
            );
            SigningKey::from_pkcs8_der(&der).map_err(|_| Error::InvalidAuthorizationKey)?
        };
        Ok(Self { signing })
    }

    /// Privy's form: `wallet-auth:` + base64(PKCS#8 DER). Secret: handle with care.
    pub fn to_wallet_auth(&self) -> Result<Zeroizing<String>, Error> {
        let der = self
            .signing
            .to_pkcs8_der()
            .map_err(|_| Error::InvalidAuthorizationKey)?;
        let mut out = Zeroizing::new(String::from(WALLET_AUTH_PREFIX));
        let b64 = Zeroizing::new(Base64::encode_string(der.as_bytes()));
        out.push_str(&b64);
        Ok(out)
    }

    /// The matching public key.
    pub fn public_key(&self) -> AuthorizationPublicKey {
        AuthorizationPublicKey::from_verifying_key(*self.signing.verifying_key())
    }

    /// Signs a request payload: ECDSA P-256 over SHA-256 of its RFC 8785 bytes (RFC 6979
    /// deterministic nonce), low-s normalized.
    pub fn sign(&self, payload: &RequestPayload) -> AuthorizationSignature {
        self.sign_bytes(payload.canonical_bytes())
    }

    /// Signs arbitrary bytes (already canonical) the same way as [`Self::sign`].
    pub fn sign_bytes(&self, message: &[u8]) -> AuthorizationSignature {
        let signature: Signature = self.signing.sign(message);
        AuthorizationSignature::from_signature(signature.normalize_s())
    }
}

impl fmt::Debug for AuthorizationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizationKey")
            .field("public_key", &self.public_key())
            .finish_non_exhaustive()
    }
}

/// A P-256 authorization public key, read from and printed as base64 SPKI DER (what
/// WebCrypto's `exportKey('spki')` and Node's `export({type: 'spki', format: 'der'})` give).
#[derive(Clone)]
pub struct AuthorizationPublicKey {
    key: VerifyingKey,
    /// Compressed SEC1 point: the identity of the key, whatever encoding it came in.
    sec1: [u8; 33],
}

impl AuthorizationPublicKey {
    fn from_verifying_key(key: VerifyingKey) -> Self {
        let point = key.to_sec1_point(true);
        let mut sec1 = [0u8; 33];
        // A compressed P-256 point is always 33 bytes.
        if let Some(dst) = sec1.get_mut(..point.as_bytes().len()) {
            dst.copy_from_slice(point.as_bytes());
        }
        Self { key, sec1 }
    }

    /// Reads base64 SPKI DER (or a `-----BEGIN PUBLIC KEY-----` PEM block).
    pub fn from_text(text: &str) -> Result<Self, Error> {
        let text = text.trim();
        if text.len() > MAX_KEY_TEXT {
            return Err(Error::InvalidAuthorizationPublicKey);
        }
        let key = if text.starts_with("-----BEGIN") {
            VerifyingKey::from_public_key_pem(text)
        } else {
            let der = Base64::decode_vec(text).map_err(|_| Error::InvalidAuthorizationPublicKey)?;
            VerifyingKey::from_public_key_der(&der)
        }
        .map_err(|_| Error::InvalidAuthorizationPublicKey)?;
        Ok(Self::from_verifying_key(key))
    }

    /// Reads SPKI DER bytes.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, Error> {
        VerifyingKey::from_public_key_der(der)
            .map(Self::from_verifying_key)
            .map_err(|_| Error::InvalidAuthorizationPublicKey)
    }

    /// SPKI DER bytes.
    pub fn to_spki_der(&self) -> Vec<u8> {
        // Encoding a valid key as SPKI cannot fail; an empty vector would never verify.
        self.key
            .to_public_key_der()
            .map(|doc| doc.as_bytes().to_vec())
            .unwrap_or_default()
    }

    /// Base64 SPKI DER, the form Privy and this crate print public keys in.
    pub fn to_base64(&self) -> String {
        Base64::encode_string(&self.to_spki_der())
    }

    /// The compressed SEC1 encoding (33 bytes).
    pub fn to_sec1_compressed(&self) -> [u8; 33] {
        self.sec1
    }

    /// Whether `signature` is this key's ECDSA P-256/SHA-256 signature of `message`
    /// (high-s accepted, see the module documentation).
    pub fn verify_bytes(&self, message: &[u8], signature: &AuthorizationSignature) -> bool {
        use p256::ecdsa::signature::Verifier;
        self.key.verify(message, signature.as_signature()).is_ok()
    }

    /// Whether `signature` signs the payload's canonical bytes under this key.
    pub fn verify(&self, payload: &RequestPayload, signature: &AuthorizationSignature) -> bool {
        self.verify_bytes(payload.canonical_bytes(), signature)
    }
}

impl PartialEq for AuthorizationPublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.sec1 == other.sec1
    }
}

impl Eq for AuthorizationPublicKey {}

impl fmt::Debug for AuthorizationPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AuthorizationPublicKey")
            .field(&self.to_base64())
            .finish()
    }
}

impl fmt::Display for AuthorizationPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64())
    }
}
