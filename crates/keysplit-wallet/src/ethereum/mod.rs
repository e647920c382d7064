//! Ethereum: addresses with the EIP-55 checksum, EIP-191 `personal_sign`, EIP-712 digests,
//! and recoverable ECDSA signatures (`r || s || v`, low-s, RFC 6979 nonces).

#[cfg(feature = "requests")]
#[cfg_attr(docsrs, doc(cfg(feature = "requests")))]
pub mod typed_data;

use alloc::string::String;
use core::fmt;
use core::str::FromStr;

use k256::ecdsa::{RecoveryId, Signature, VerifyingKey};
use sha3::{Digest, Keccak256};

use crate::bip32::{ExtendedPrivateKey, ExtendedPublicKey};
use crate::error::Error;

#[cfg(feature = "requests")]
#[cfg_attr(docsrs, doc(cfg(feature = "requests")))]
pub mod transaction;

/// Keccak-256.
pub fn keccak256(data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(&Keccak256::digest(data));
    out
}

/// A 20-byte Ethereum address. `Display` renders the EIP-55 checksummed form.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct EthereumAddress(pub [u8; 20]);

impl EthereumAddress {
    /// The address of an uncompressed SEC1 public key (`04 || x || y`): the last 20 bytes
    /// of Keccak-256 of `x || y`.
    pub fn from_uncompressed_public_key(key: &[u8; 65]) -> EthereumAddress {
        let hash = keccak256(&key[1..]);
        let mut out = [0u8; 20];
        out.copy_from_slice(&hash[12..]);
        EthereumAddress(out)
    }

    /// The address of an extended public key.
    pub fn from_extended_public_key(key: &ExtendedPublicKey) -> EthereumAddress {
        Self::from_uncompressed_public_key(&key.uncompressed_public_key_bytes())
    }

    /// The EIP-55 mixed-case checksummed form, `0x`-prefixed.
    pub fn to_checksum(&self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut lower = [0u8; 40];
        for (i, byte) in self.0.iter().enumerate() {
            lower[2 * i] = HEX[usize::from(byte >> 4)];
            lower[2 * i + 1] = HEX[usize::from(byte & 15)];
        }
        let hash = keccak256(&lower);
        let mut out = String::with_capacity(42);
        out.push_str("0x");
        for (i, c) in lower.iter().enumerate() {
            let nibble = (hash[i / 2] >> (if i % 2 == 0 { 4 } else { 0 })) & 15;
            out.push(if nibble >= 8 {
                char::from(c.to_ascii_uppercase())
            } else {
                char::from(*c)
            });
        }
        out
    }
}

impl FromStr for EthereumAddress {
    type Err = Error;

    /// Parses `0x` + 40 hex digits. All-lower or all-upper case is accepted as is; mixed
    /// case must match the EIP-55 checksum.
    fn from_str(text: &str) -> Result<Self, Error> {
        let digits = text
            .strip_prefix("0x")
            .or_else(|| text.strip_prefix("0X"))
            .ok_or(Error::InvalidAddress)?;
        // Exactly 40 hex digits: `decode_hex` skips whitespace, so a length check alone
        // would let "\n" through and leave fewer than 20 bytes (found by `fuzz/wallet_text`).
        if digits.len() != 40 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::InvalidAddress);
        }
        let bytes = keysplit::hazmat::decode_hex(digits).map_err(|_| Error::InvalidAddress)?;
        let out: [u8; 20] = bytes[..].try_into().map_err(|_| Error::InvalidAddress)?;
        let address = EthereumAddress(out);
        let has_lower = digits.bytes().any(|b| b.is_ascii_lowercase());
        let has_upper = digits.bytes().any(|b| b.is_ascii_uppercase());
        if has_lower && has_upper && address.to_checksum()[2..] != *digits {
            return Err(Error::InvalidAddress);
        }
        Ok(address)
    }
}

impl fmt::Display for EthereumAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_checksum())
    }
}

impl fmt::Debug for EthereumAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EthereumAddress({})", self.to_checksum())
    }
}

/// The EIP-191 version 0x45 digest `personal_sign` signs:
/// `keccak256("\x19Ethereum Signed Message:\n" || len(message) || message)`.
pub fn personal_message_digest(message: &[u8]) -> [u8; 32] {
    let mut hasher = Keccak256::new();
    hasher.update(b"\x19Ethereum Signed Message:\n");
    let mut len = [0u8; 20];
    let mut at = len.len();
    let mut n = message.len();
    loop {
        at -= 1;
        len[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 || at == 0 {
            break;
        }
    }
    hasher.update(&len[at..]);
    hasher.update(message);
    let mut out = [0u8; 32];
    out.copy_from_slice(&hasher.finalize());
    out
}

/// The EIP-712 digest `keccak256(0x19 || 0x01 || domainSeparator || hashStruct(message))`.
///
/// [`typed_data::TypedData`] computes both from the JSON of `eth_signTypedData_v4`.
pub fn typed_data_digest(domain_separator: &[u8; 32], struct_hash: &[u8; 32]) -> [u8; 32] {
    let mut hasher = Keccak256::new();
    hasher.update([0x19, 0x01]);
    hasher.update(domain_separator);
    hasher.update(struct_hash);
    let mut out = [0u8; 32];
    out.copy_from_slice(&hasher.finalize());
    out
}

/// Signs a 32-byte digest: deterministic (RFC 6979) recoverable ECDSA with low s,
/// returned as `r || s || v` with `v = 27 + recovery id` (what ethers and `personal_sign`
/// produce).
pub fn sign_digest(key: &ExtendedPrivateKey, digest: &[u8; 32]) -> Result<[u8; 65], Error> {
    sign_with(&key.signing_key(), digest)
}

/// [`sign_digest`] with a bare 32-byte secp256k1 private key (hazmat: for keys that do
/// not come from this crate's derivation, such as test vectors).
pub fn sign_digest_with_secret_key(
    secret_key: &[u8; 32],
    digest: &[u8; 32],
) -> Result<[u8; 65], Error> {
    let signing_key =
        k256::ecdsa::SigningKey::from_slice(secret_key).map_err(|_| Error::InvalidChildKey)?;
    sign_with(&signing_key, digest)
}

fn sign_with(signing_key: &k256::ecdsa::SigningKey, digest: &[u8; 32]) -> Result<[u8; 65], Error> {
    let (signature, recovery_id) = signing_key.sign_prehash_recoverable(digest);
    let mut out = [0u8; 65];
    out[..64].copy_from_slice(&signature.to_bytes());
    out[64] = 27 + recovery_id.to_byte();
    Ok(out)
}

/// The address that signed `digest`, from a 65-byte `r || s || v` signature
/// (`v` may be 0/1 or 27/28).
pub fn recover_address(digest: &[u8; 32], signature: &[u8; 65]) -> Result<EthereumAddress, Error> {
    let v = match signature[64] {
        v @ (0 | 1) => v,
        v @ (27 | 28) => v - 27,
        _ => return Err(Error::InvalidSignature),
    };
    let sig = Signature::from_slice(&signature[..64]).map_err(|_| Error::InvalidSignature)?;
    let recovery_id = RecoveryId::from_byte(v).ok_or(Error::InvalidSignature)?;
    let key = VerifyingKey::recover_from_prehash(digest, &sig, recovery_id)
        .map_err(|_| Error::InvalidSignature)?;
    let encoded = k256::elliptic_curve::sec1::ToSec1Point::to_sec1_point(key.as_affine(), false);
    let mut uncompressed = [0u8; 65];
    uncompressed.copy_from_slice(
        encoded
            .as_bytes()
            .get(..65)
            .ok_or(Error::InvalidSignature)?,
    );
    Ok(EthereumAddress::from_uncompressed_public_key(&uncompressed))
}
