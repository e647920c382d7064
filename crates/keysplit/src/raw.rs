//! Hazmat: raw shares, byte-compatible with Privy's `shamir-secret-sharing` (0.0.4) and
//! HashiCorp Vault's `shamir` package.
//!
//! A raw share is `y_0 .. y_{L-1} || x`: the share's values for each secret byte, then
//! its x-coordinate as the **last** byte, in GF(2^8) with the polynomial 0x11B.
//!
//! # What this format cannot do
//! Raw shares carry no threshold, no set id and no checksum. keysplit still refuses
//! everything it can see is wrong (x = 0, duplicate x, unequal lengths, fewer than two
//! shares), but it cannot tell too few shares, a corrupted share, or shares of two
//! different splits from good ones: those give a wrong secret without an error. Use the
//! envelope format ([`crate::split`], [`crate::combine`]) unless you need compatibility.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::backend::Backend;
use crate::envelope::check_distinct_x;
use crate::error::{DecodeError, Error};
use crate::poly;
use crate::text;

/// A raw share (`y bytes || x`), wiped on drop and redacted in `Debug`.
#[derive(Clone)]
pub struct RawShare {
    bytes: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for RawShare {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawShare")
            .field("x", &self.x())
            .field("len", &self.bytes.len())
            .field("y", &"<redacted>")
            .finish()
    }
}

impl RawShare {
    /// Wraps raw share bytes after checking their shape (at least 2 bytes, x != 0).
    pub fn from_bytes(bytes: &[u8]) -> Result<RawShare, Error> {
        validate(bytes).map_err(Error::Decode)?;
        Ok(RawShare {
            bytes: Zeroizing::new(bytes.to_vec()),
        })
    }

    /// Parses a hex raw share (whitespace ignored).
    pub fn from_hex(text: &str) -> Result<RawShare, Error> {
        let bytes = text::decode_hex(text.trim()).map_err(Error::Decode)?;
        RawShare::from_bytes(&bytes)
    }

    /// The share bytes, `y || x`.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Lower-case hex of the share bytes.
    pub fn to_hex(&self) -> Zeroizing<String> {
        text::encode_hex(&self.bytes)
    }

    /// The x-coordinate (the last byte).
    pub fn x(&self) -> u8 {
        self.bytes.last().copied().unwrap_or(0)
    }
}

impl AsRef<[u8]> for RawShare {
    fn as_ref(&self) -> &[u8] {
        &self.bytes
    }
}

fn validate(bytes: &[u8]) -> Result<(), DecodeError> {
    match bytes.last() {
        _ if bytes.len() < 2 => Err(DecodeError::TooShort { found: bytes.len() }),
        Some(0) => Err(DecodeError::ZeroX),
        _ => Ok(()),
    }
}

/// Splits `secret` into `shares` raw shares, any `threshold` of which rebuild it.
pub fn split<R: CryptoRng + ?Sized>(
    secret: &[u8],
    threshold: usize,
    shares: usize,
    rng: &mut R,
) -> Result<Vec<RawShare>, Error> {
    split_with_backend(secret, threshold, shares, rng, Backend::detect())
}

/// [`split`] with an explicit field backend.
pub fn split_with_backend<R: CryptoRng + ?Sized>(
    secret: &[u8],
    threshold: usize,
    shares: usize,
    rng: &mut R,
    backend: Backend,
) -> Result<Vec<RawShare>, Error> {
    poly::check_parameters(threshold, shares)?;
    if secret.is_empty() {
        return Err(Error::EmptySecret);
    }
    let len = secret.len();
    let total = len.checked_add(1).ok_or(Error::TooLarge)?;
    let xs = poly::random_xs(shares, rng)?;
    let mut buffers: Vec<Zeroizing<Vec<u8>>> = xs
        .iter()
        .map(|&x| {
            let mut b = Zeroizing::new(vec![0u8; total]);
            b[len] = x;
            b
        })
        .collect();
    {
        let mut outputs: Vec<&mut [u8]> = buffers.iter_mut().map(|b| &mut b[..len]).collect();
        poly::split_parts(&[secret], &xs, threshold, rng, &mut outputs, backend);
    }
    Ok(buffers
        .into_iter()
        .map(|bytes| RawShare { bytes })
        .collect())
}

/// Rebuilds a secret from raw shares by Lagrange interpolation at 0.
///
/// Refuses: no shares, a single share, a share shorter than 2 bytes, x = 0, duplicate x
/// and unequal lengths. It cannot detect too few shares or foreign shares (see the
/// module docs).
pub fn combine<S: AsRef<[u8]>>(shares: &[S]) -> Result<Zeroizing<Vec<u8>>, Error> {
    combine_with_backend(shares, Backend::detect())
}

/// [`combine`] with an explicit field backend.
pub fn combine_with_backend<S: AsRef<[u8]>>(
    shares: &[S],
    backend: Backend,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let Some(first) = shares.first() else {
        return Err(Error::NoShares);
    };
    let expected = first.as_ref().len();
    for (index, share) in shares.iter().enumerate() {
        let bytes = share.as_ref();
        match validate(bytes) {
            Err(DecodeError::ZeroX) => return Err(Error::ZeroX { index }),
            Err(cause) => return Err(Error::BadShare { index, cause }),
            Ok(()) => {}
        }
        if bytes.len() != expected {
            return Err(Error::LengthMismatch {
                index,
                expected: expected as u64,
                found: bytes.len() as u64,
            });
        }
    }
    let xs: Vec<u8> = shares
        .iter()
        .map(|s| s.as_ref().last().copied().unwrap_or(0))
        .collect();
    check_distinct_x(xs.iter().copied().enumerate())?;
    if shares.len() < 2 {
        return Err(Error::BelowThreshold {
            needed: 2,
            got: shares.len(),
        });
    }
    let len = expected - 1;
    let ys: Vec<&[u8]> = shares.iter().map(|s| &s.as_ref()[..len]).collect();
    let mut secret = Zeroizing::new(vec![0u8; len]);
    poly::interpolate_into(&mut secret, &ys, &poly::lagrange_weights(&xs, 0), backend);
    Ok(secret)
}
