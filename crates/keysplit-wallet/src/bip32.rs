//! BIP-32 hierarchical deterministic keys on secp256k1, and derivation paths.
//!
//! Written on `k256` 0.14 + `hmac` 0.13 + `sha2` 0.11 + `ripemd` 0.2 rather than taken from a
//! BIP-32 crate: the maintained ones (`bip32`, `coins-bip32`) still depend on `k256` 0.13,
//! which pulls `getrandom` 0.2 and a second `rand_core` into the build and breaks the
//! `wasm32-unknown-unknown` target. The code is short and checked against every official
//! BIP-32 vector (1-5, valid and invalid).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::str::FromStr;

use hmac::{Hmac, KeyInit, Mac};
use k256::elliptic_curve::ff::PrimeField;
use k256::elliptic_curve::sec1::ToSec1Point;
use k256::{AffinePoint, FieldBytes, NonZeroScalar, ProjectivePoint, PublicKey, Scalar};
use sha2::{Digest, Sha256, Sha512};
use zeroize::Zeroizing;

use crate::error::{Error, ExtendedKeyError};
use crate::mnemonic::Seed;

const HARDENED: u32 = 1 << 31;
const XPRV_VERSION: [u8; 4] = [0x04, 0x88, 0xAD, 0xE4];
const XPUB_VERSION: [u8; 4] = [0x04, 0x88, 0xB2, 0x1E];

/// One step of a derivation path: an index below 2^31, hardened or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChildNumber(u32);

impl ChildNumber {
    /// A normal (non-hardened) child; `None` if `index >= 2^31`.
    pub const fn normal(index: u32) -> Option<ChildNumber> {
        if index < HARDENED {
            Some(ChildNumber(index))
        } else {
            None
        }
    }

    /// A hardened child; `None` if `index >= 2^31`.
    pub const fn hardened(index: u32) -> Option<ChildNumber> {
        if index < HARDENED {
            Some(ChildNumber(index | HARDENED))
        } else {
            None
        }
    }

    /// The 32-bit form used in serialization (hardened indices have the top bit set).
    pub const fn from_u32(raw: u32) -> ChildNumber {
        ChildNumber(raw)
    }

    /// The 32-bit form used in serialization.
    pub const fn to_u32(self) -> u32 {
        self.0
    }

    /// Whether this is a hardened step.
    pub const fn is_hardened(self) -> bool {
        self.0 & HARDENED != 0
    }

    /// The index without the hardened bit.
    pub const fn index(self) -> u32 {
        self.0 & !HARDENED
    }
}

impl fmt::Display for ChildNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_hardened() {
            write!(f, "{}'", self.index())
        } else {
            write!(f, "{}", self.index())
        }
    }
}

/// A derivation path such as `m/44'/60'/0'/0/0` (`h` or `H` also mark hardened steps).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct DerivationPath(Vec<ChildNumber>);

impl DerivationPath {
    /// The steps from the master key.
    pub fn steps(&self) -> &[ChildNumber] {
        &self.0
    }

    /// A path from its steps.
    pub fn from_steps(steps: Vec<ChildNumber>) -> DerivationPath {
        DerivationPath(steps)
    }

    /// `m/44'/60'/0'/0/index`: the Ethereum account that MetaMask, ethers and Privy use.
    pub fn ethereum(index: u32) -> Result<DerivationPath, Error> {
        let last = ChildNumber::normal(index).ok_or(Error::InvalidPath)?;
        Ok(DerivationPath(alloc::vec![
            ChildNumber(44 | HARDENED),
            ChildNumber(60 | HARDENED),
            ChildNumber(HARDENED),
            ChildNumber(0),
            last,
        ]))
    }

    /// `m/44'/501'/index'/0'`: the Solana account Phantom, Solflare and Privy use.
    pub fn solana(index: u32) -> Result<DerivationPath, Error> {
        let account = ChildNumber::hardened(index).ok_or(Error::InvalidPath)?;
        Ok(DerivationPath(alloc::vec![
            ChildNumber(44 | HARDENED),
            ChildNumber(501 | HARDENED),
            account,
            ChildNumber(HARDENED),
        ]))
    }
}

impl FromStr for DerivationPath {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        let mut parts = text.trim().split('/');
        if parts.next() != Some("m") {
            return Err(Error::InvalidPath);
        }
        let mut steps = Vec::new();
        for part in parts {
            let (digits, hardened) = match part.strip_suffix(['\'', 'h', 'H']) {
                Some(digits) => (digits, true),
                None => (part, false),
            };
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Error::InvalidPath);
            }
            let index: u32 = digits.parse().map_err(|_| Error::InvalidPath)?;
            let step = if hardened {
                ChildNumber::hardened(index)
            } else {
                ChildNumber::normal(index)
            };
            steps.push(step.ok_or(Error::InvalidPath)?);
        }
        Ok(DerivationPath(steps))
    }
}

impl fmt::Display for DerivationPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("m")?;
        for step in &self.0 {
            write!(f, "/{step}")?;
        }
        Ok(())
    }
}

/// HMAC-SHA512 into a zeroizing buffer.
pub(crate) fn hmac_sha512(key: &[u8], parts: &[&[u8]]) -> Zeroizing<[u8; 64]> {
    let mut mac = match <Hmac<Sha512> as KeyInit>::new_from_slice(key) {
        Ok(mac) => mac,
        // HMAC accepts keys of any length; this arm is unreachable.
        Err(_) => return Zeroizing::new([0u8; 64]),
    };
    for part in parts {
        mac.update(part);
    }
    let mut out = Zeroizing::new([0u8; 64]);
    out.copy_from_slice(&mac.finalize().into_bytes());
    out
}

/// RIPEMD-160(SHA-256(data)), the BIP-32 key identifier.
pub(crate) fn hash160(data: &[u8]) -> [u8; 20] {
    let sha = Sha256::digest(data);
    let mut out = [0u8; 20];
    out.copy_from_slice(&ripemd::Ripemd160::digest(sha));
    out
}

fn compressed(point: &AffinePoint) -> [u8; 33] {
    let encoded = point.to_sec1_point(true);
    let mut out = [0u8; 33];
    if let Some(bytes) = encoded.as_bytes().get(..33) {
        out.copy_from_slice(bytes);
    }
    out
}

/// The metadata BIP-32 serializes beside a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Position {
    depth: u8,
    parent_fingerprint: [u8; 4],
    child_number: ChildNumber,
}

impl Position {
    /// The position of `child` under the key at this position whose compressed public
    /// key is `parent`.
    fn child(&self, parent: &[u8; 33], child: ChildNumber) -> Result<Position, Error> {
        let mut parent_fingerprint = [0u8; 4];
        parent_fingerprint.copy_from_slice(&hash160(parent)[..4]);
        Ok(Position {
            depth: self.depth.checked_add(1).ok_or(Error::InvalidPath)?,
            parent_fingerprint,
            child_number: child,
        })
    }
}

/// A BIP-32 extended private key. Wiped on drop; `Debug` shows only public parts.
#[derive(Clone)]
pub struct ExtendedPrivateKey {
    key: NonZeroScalar,
    chain_code: Zeroizing<[u8; 32]>,
    position: Position,
}

impl fmt::Debug for ExtendedPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExtendedPrivateKey")
            .field("depth", &self.position.depth)
            .field("child_number", &self.position.child_number)
            .field("key", &"redacted")
            .finish()
    }
}

impl Drop for ExtendedPrivateKey {
    fn drop(&mut self) {
        // NonZeroScalar's zeroize wipes the scalar, then writes 1 to keep its invariant.
        zeroize::Zeroize::zeroize(&mut self.key);
    }
}

impl ExtendedPrivateKey {
    /// The master key of a seed (`HMAC-SHA512(key = "Bitcoin seed", seed)`).
    pub fn new_master(seed: &Seed) -> Result<ExtendedPrivateKey, Error> {
        Self::from_seed_bytes(seed.as_bytes())
    }

    /// The master key of seed bytes of any length (BIP-32 allows 16..=64).
    pub fn from_seed_bytes(seed: &[u8]) -> Result<ExtendedPrivateKey, Error> {
        let i = hmac_sha512(b"Bitcoin seed", &[seed]);
        let (il, ir) = i.split_at(32);
        let key = scalar_from(il).ok_or(Error::InvalidChildKey)?;
        let mut chain_code = Zeroizing::new([0u8; 32]);
        chain_code.copy_from_slice(ir);
        Ok(ExtendedPrivateKey {
            key,
            chain_code,
            position: Position {
                depth: 0,
                parent_fingerprint: [0; 4],
                child_number: ChildNumber(0),
            },
        })
    }

    /// The key at `path` below this one.
    pub fn derive_path(&self, path: &DerivationPath) -> Result<ExtendedPrivateKey, Error> {
        let mut key = self.clone();
        for step in path.steps() {
            key = key.derive_child(*step)?;
        }
        Ok(key)
    }

    /// One derivation step (CKDpriv).
    pub fn derive_child(&self, child: ChildNumber) -> Result<ExtendedPrivateKey, Error> {
        let public = self.public_key_bytes();
        let index = child.to_u32().to_be_bytes();
        let i = if child.is_hardened() {
            let secret = self.private_key_bytes();
            hmac_sha512(&self.chain_code[..], &[&[0u8], &secret[..], &index])
        } else {
            hmac_sha512(&self.chain_code[..], &[&public, &index])
        };
        let (il, ir) = i.split_at(32);
        let tweak = Option::<Scalar>::from(Scalar::from_repr(field_bytes(il)))
            .ok_or(Error::InvalidChildKey)?;
        let sum = tweak + self.key.as_ref();
        let key =
            Option::<NonZeroScalar>::from(NonZeroScalar::new(sum)).ok_or(Error::InvalidChildKey)?;
        let mut chain_code = Zeroizing::new([0u8; 32]);
        chain_code.copy_from_slice(ir);
        Ok(ExtendedPrivateKey {
            key,
            chain_code,
            position: self.position.child(&public, child)?,
        })
    }

    /// The 32-byte private key.
    pub fn private_key_bytes(&self) -> Zeroizing<[u8; 32]> {
        let mut out = Zeroizing::new([0u8; 32]);
        out.copy_from_slice(&self.key.to_repr());
        out
    }

    /// The chain code.
    pub fn chain_code(&self) -> &[u8; 32] {
        &self.chain_code
    }

    /// The compressed (33-byte SEC1) public key.
    pub fn public_key_bytes(&self) -> [u8; 33] {
        compressed(&self.public_point())
    }

    fn public_point(&self) -> AffinePoint {
        (ProjectivePoint::GENERATOR * self.key.as_ref()).to_affine()
    }

    /// The ECDSA signing key.
    pub(crate) fn signing_key(&self) -> k256::ecdsa::SigningKey {
        k256::ecdsa::SigningKey::from(self.key)
    }

    /// The first 4 bytes of HASH160 of the public key.
    pub fn fingerprint(&self) -> [u8; 4] {
        let mut out = [0u8; 4];
        out.copy_from_slice(&hash160(&self.public_key_bytes())[..4]);
        out
    }

    /// Depth below the master key.
    pub fn depth(&self) -> u8 {
        self.position.depth
    }

    /// The matching extended public key.
    pub fn to_extended_public_key(&self) -> ExtendedPublicKey {
        ExtendedPublicKey {
            point: self.public_point(),
            chain_code: *self.chain_code,
            position: self.position,
        }
    }

    /// The `xprv...` string (mainnet version bytes).
    pub fn to_xprv(&self) -> Zeroizing<String> {
        let mut payload = Zeroizing::new([0u8; 78]);
        write_header(&mut payload, XPRV_VERSION, &self.position, &self.chain_code);
        payload[46..].copy_from_slice(&self.key.to_repr());
        base58check_encode(&payload[..])
    }

    /// Reads an `xprv...` string.
    pub fn from_xprv(text: &str) -> Result<ExtendedPrivateKey, Error> {
        let (payload, position, chain_code) = decode_extended(text, XPRV_VERSION, XPUB_VERSION)?;
        if payload[45] != 0 {
            return Err(ExtendedKeyError::KeyPrefix.into());
        }
        let key = scalar_from(&payload[46..]).ok_or(ExtendedKeyError::PrivateKeyRange)?;
        Ok(ExtendedPrivateKey {
            key,
            chain_code: Zeroizing::new(chain_code),
            position,
        })
    }
}

/// A BIP-32 extended public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtendedPublicKey {
    point: AffinePoint,
    chain_code: [u8; 32],
    position: Position,
}

impl ExtendedPublicKey {
    /// One normal derivation step (CKDpub); hardened steps need the private key.
    pub fn derive_child(&self, child: ChildNumber) -> Result<ExtendedPublicKey, Error> {
        if child.is_hardened() {
            return Err(Error::HardenedFromPublic);
        }
        let public = compressed(&self.point);
        let i = hmac_sha512(&self.chain_code, &[&public, &child.to_u32().to_be_bytes()]);
        let (il, ir) = i.split_at(32);
        let tweak = Option::<Scalar>::from(Scalar::from_repr(field_bytes(il)))
            .ok_or(Error::InvalidChildKey)?;
        let point =
            (ProjectivePoint::GENERATOR * tweak + ProjectivePoint::from(self.point)).to_affine();
        if point == AffinePoint::IDENTITY {
            return Err(Error::InvalidChildKey);
        }
        let mut chain_code = [0u8; 32];
        chain_code.copy_from_slice(ir);
        Ok(ExtendedPublicKey {
            point,
            chain_code,
            position: self.position.child(&public, child)?,
        })
    }

    /// The key at `path` (normal steps only) below this one.
    pub fn derive_path(&self, path: &DerivationPath) -> Result<ExtendedPublicKey, Error> {
        let mut key = self.clone();
        for step in path.steps() {
            key = key.derive_child(*step)?;
        }
        Ok(key)
    }

    /// The compressed (33-byte SEC1) public key.
    pub fn public_key_bytes(&self) -> [u8; 33] {
        compressed(&self.point)
    }

    /// The uncompressed (65-byte SEC1, `04 || x || y`) public key.
    pub fn uncompressed_public_key_bytes(&self) -> [u8; 65] {
        let encoded = self.point.to_sec1_point(false);
        let mut out = [0u8; 65];
        if let Some(bytes) = encoded.as_bytes().get(..65) {
            out.copy_from_slice(bytes);
        }
        out
    }

    /// The chain code.
    pub fn chain_code(&self) -> &[u8; 32] {
        &self.chain_code
    }

    /// Depth below the master key.
    pub fn depth(&self) -> u8 {
        self.position.depth
    }

    /// The `xpub...` string (mainnet version bytes).
    pub fn to_xpub(&self) -> String {
        let mut payload = [0u8; 78];
        write_header(&mut payload, XPUB_VERSION, &self.position, &self.chain_code);
        payload[45..].copy_from_slice(&compressed(&self.point));
        String::from(base58check_encode(&payload).as_str())
    }

    /// Reads an `xpub...` string.
    pub fn from_xpub(text: &str) -> Result<ExtendedPublicKey, Error> {
        let (payload, position, chain_code) = decode_extended(text, XPUB_VERSION, XPRV_VERSION)?;
        if payload[45] != 2 && payload[45] != 3 {
            return Err(ExtendedKeyError::KeyPrefix.into());
        }
        let key = PublicKey::from_sec1_bytes(&payload[45..])
            .map_err(|_| ExtendedKeyError::PublicKeyPoint)?;
        Ok(ExtendedPublicKey {
            point: *key.as_affine(),
            chain_code,
            position,
        })
    }
}

fn field_bytes(bytes: &[u8]) -> FieldBytes {
    let mut out = FieldBytes::default();
    out.copy_from_slice(bytes);
    out
}

/// A non-zero scalar below the order, or `None`.
fn scalar_from(bytes: &[u8]) -> Option<NonZeroScalar> {
    let mut repr = field_bytes(bytes);
    let scalar = Option::<NonZeroScalar>::from(NonZeroScalar::from_repr(repr));
    zeroize::Zeroize::zeroize(repr.as_mut_slice());
    scalar
}

fn write_header(out: &mut [u8; 78], version: [u8; 4], position: &Position, chain: &[u8; 32]) {
    out[..4].copy_from_slice(&version);
    out[4] = position.depth;
    out[5..9].copy_from_slice(&position.parent_fingerprint);
    out[9..13].copy_from_slice(&position.child_number.to_u32().to_be_bytes());
    out[13..45].copy_from_slice(chain);
}

/// A decoded extended key: its 78 bytes, position in the tree and chain code.
type DecodedKey = (Zeroizing<[u8; 78]>, Position, [u8; 32]);

/// An extended key string of version `want`: its 78 bytes, position and chain code. The
/// other kind's version (`xpub` for `xprv` and back) is a key-prefix error, any other an
/// unknown version.
fn decode_extended(text: &str, want: [u8; 4], other: [u8; 4]) -> Result<DecodedKey, Error> {
    let payload = base58check_decode(text)?;
    let (version, position, chain_code) = read_header(&payload)?;
    if version == other {
        return Err(ExtendedKeyError::KeyPrefix.into());
    }
    if version != want {
        return Err(ExtendedKeyError::UnknownVersion.into());
    }
    Ok((payload, position, chain_code))
}

fn read_header(payload: &[u8; 78]) -> Result<([u8; 4], Position, [u8; 32]), Error> {
    let mut version = [0u8; 4];
    version.copy_from_slice(&payload[..4]);
    let mut parent_fingerprint = [0u8; 4];
    parent_fingerprint.copy_from_slice(&payload[5..9]);
    let mut child = [0u8; 4];
    child.copy_from_slice(&payload[9..13]);
    let mut chain_code = [0u8; 32];
    chain_code.copy_from_slice(&payload[13..45]);
    let position = Position {
        depth: payload[4],
        parent_fingerprint,
        child_number: ChildNumber(u32::from_be_bytes(child)),
    };
    if position.depth == 0 && (parent_fingerprint != [0; 4] || position.child_number.0 != 0) {
        return Err(ExtendedKeyError::BadMaster.into());
    }
    Ok((version, position, chain_code))
}

fn checksum(payload: &[u8]) -> [u8; 4] {
    let twice = Sha256::digest(Sha256::digest(payload));
    let mut out = [0u8; 4];
    out.copy_from_slice(&twice[..4]);
    out
}

fn base58check_encode(payload: &[u8]) -> Zeroizing<String> {
    let mut data = Zeroizing::new(Vec::with_capacity(payload.len() + 4));
    data.extend_from_slice(payload);
    data.extend_from_slice(&checksum(payload));
    Zeroizing::new(bs58::encode(&data[..]).into_string())
}

fn base58check_decode(text: &str) -> Result<Zeroizing<[u8; 78]>, Error> {
    let data = Zeroizing::new(
        bs58::decode(text.trim())
            .into_vec()
            .map_err(|_| ExtendedKeyError::Encoding)?,
    );
    if data.len() != 82 {
        return Err(ExtendedKeyError::Encoding.into());
    }
    let (payload, check) = data.split_at(78);
    if checksum(payload) != check {
        return Err(ExtendedKeyError::Checksum.into());
    }
    let mut out = Zeroizing::new([0u8; 78]);
    out.copy_from_slice(payload);
    Ok(out)
}
