//! Authorization signatures: base64 DER (Privy, Node) or base64 IEEE P1363 r||s (WebCrypto).

use alloc::string::String;
use alloc::vec::Vec;

use base64ct::{Base64, Encoding};
use p256::ecdsa::Signature;

use crate::Error;

/// Longest signature text read: a DER P-256 signature is at most 72 bytes (96 in base64).
const MAX_SIGNATURE_TEXT: usize = 128;

/// Most signatures read from one comma-separated header value.
pub const MAX_SIGNATURES: usize = 64;

/// One ECDSA P-256 signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthorizationSignature {
    signature: Signature,
}

impl AuthorizationSignature {
    pub(crate) fn from_signature(signature: Signature) -> Self {
        Self { signature }
    }

    pub(crate) fn as_signature(&self) -> &Signature {
        &self.signature
    }

    /// Reads one base64 signature: ASN.1 DER `SEQUENCE { r, s }` (Privy's SDKs, Node's
    /// `crypto.sign`) or 64 raw bytes r||s (IEEE P1363, WebCrypto's `subtle.sign`).
    /// Surrounding whitespace is ignored.
    pub fn from_base64(text: &str) -> Result<Self, Error> {
        let text = text.trim();
        if text.is_empty() || text.len() > MAX_SIGNATURE_TEXT {
            return Err(Error::InvalidAuthorizationSignature);
        }
        let bytes = Base64::decode_vec(text).map_err(|_| Error::InvalidAuthorizationSignature)?;
        Self::from_bytes(&bytes)
    }

    /// Reads DER or 64-byte P1363 bytes. DER is tried first: a 64-byte P1363 signature
    /// could only be mistaken for DER if its first bytes were `30 3e 02`, and then it
    /// would fail to verify rather than verify wrongly.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        if let Ok(signature) = Signature::from_der(bytes) {
            return Ok(Self { signature });
        }
        if bytes.len() == 64 {
            if let Ok(signature) = Signature::from_slice(bytes) {
                return Ok(Self { signature });
            }
        }
        Err(Error::InvalidAuthorizationSignature)
    }

    /// DER bytes.
    pub fn to_der(&self) -> Vec<u8> {
        self.signature.to_der().as_bytes().to_vec()
    }

    /// Base64 DER, Privy's form.
    pub fn to_base64(&self) -> String {
        Base64::encode_string(&self.to_der())
    }

    /// 64 bytes r||s (IEEE P1363, WebCrypto's form).
    pub fn to_p1363(&self) -> [u8; 64] {
        self.signature.to_bytes().into()
    }
}

/// Splits a `privy-authorization-signature` header value (signatures separated by commas,
/// optional whitespace) into its signature texts. Empty items are skipped; more than
/// [`MAX_SIGNATURES`] items is an error. The texts are not decoded here: a quorum
/// check reports each malformed one instead of failing as a whole.
pub fn split_signature_header(value: &str) -> Result<Vec<&str>, Error> {
    let items: Vec<&str> = value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if items.len() > MAX_SIGNATURES {
        return Err(Error::TooManySignatures {
            max: MAX_SIGNATURES,
        });
    }
    Ok(items)
}
