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
use alloc::vec::Vec;
use core::fmt;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::backend::Backend;
use crate::envelope::check_distinct_x;
use crate::error::{DecodeError, Error};
use crate::poly;
use crate::secret::{SecretBytes, SmallSecret};
use crate::text;

/// Raw shares of secrets up to this many bytes live inside the `RawShare` value (no
/// allocation per share for wallet-sized secrets).
const INLINE: usize = 64;

/// A raw share (`y bytes || x`), wiped on drop and redacted in `Debug`.
#[derive(Clone)]
pub struct RawShare {
    bytes: SmallSecret<INLINE>,
}

impl fmt::Debug for RawShare {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawShare")
            .field("x", &self.x())
            .field("len", &self.as_bytes().len())
            .field("y", &"<redacted>")
            .finish()
    }
}

impl RawShare {
    /// Wraps raw share bytes after checking their shape (at least 2 bytes, x != 0).
    pub fn from_bytes(bytes: &[u8]) -> Result<RawShare, Error> {
        validate(bytes).map_err(Error::Decode)?;
        Ok(RawShare {
            bytes: SmallSecret::copy_of(bytes),
        })
    }

    /// Parses a hex raw share (whitespace ignored).
    pub fn from_hex(text: &str) -> Result<RawShare, Error> {
        let bytes = text::decode_hex(text.trim()).map_err(Error::Decode)?;
        RawShare::from_bytes(&bytes)
    }

    /// The share bytes, `y || x`.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.as_slice()
    }

    /// Lower-case hex of the share bytes.
    pub fn to_hex(&self) -> Zeroizing<String> {
        text::encode_hex(self.as_bytes())
    }

    /// The x-coordinate (the last byte).
    pub fn x(&self) -> u8 {
        self.as_bytes().last().copied().unwrap_or(0)
    }
}

impl AsRef<[u8]> for RawShare {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
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
    let mut xs = [0u8; 255];
    let xs = &mut xs[..shares];
    poly::random_xs_into(xs, rng)?;
    let mut out: Vec<RawShare> = xs
        .iter()
        .map(|&x| {
            let mut bytes = SmallSecret::zeroed(total);
            bytes.as_mut_slice()[len] = x;
            RawShare { bytes }
        })
        .collect();
    poly::split_parts(&[secret], xs, threshold, rng, &mut out, backend);
    Ok(out)
}

/// The secret from `2 <= shares.len() <= K` validated raw shares of `len` y bytes
/// (distinct x checked here), with x's and weights in stack arrays of `K`.
fn interpolate_at_zero<const K: usize, S: AsRef<[u8]>>(
    shares: &[S],
    len: usize,
    backend: Backend,
) -> Result<SecretBytes, Error> {
    let k = shares.len().min(K);
    let mut xs = [0u8; K];
    for (x, share) in xs.iter_mut().zip(shares) {
        *x = share.as_ref().last().copied().unwrap_or(0);
    }
    let xs = &xs[..k];
    check_distinct_x(xs.iter().copied().enumerate())?;
    let mut weights = [0u8; K];
    let weights = &mut weights[..k];
    poly::lagrange_weights_into(xs, 0, weights, backend);
    let mut secret = SecretBytes::zeroed(len);
    let y = |i: usize| shares.get(i).map_or(&[][..], |s| &s.as_ref()[..len]);
    poly::interpolate_with(&mut secret, weights, y, backend);
    Ok(secret)
}

impl poly::ShareValues for RawShare {
    fn values_mut(&mut self) -> &mut [u8] {
        let bytes = self.bytes.as_mut_slice();
        let len = bytes.len().saturating_sub(1);
        &mut bytes[..len]
    }
}

/// Rebuilds a secret from raw shares by Lagrange interpolation at 0.
///
/// Refuses: no shares, a single share, a share shorter than 2 bytes, x = 0, duplicate x
/// and unequal lengths. It cannot detect too few shares or foreign shares (see the
/// module docs).
pub fn combine<S: AsRef<[u8]>>(shares: &[S]) -> Result<SecretBytes, Error> {
    combine_with_backend(shares, Backend::detect())
}

/// [`combine`] with an explicit field backend.
pub fn combine_with_backend<S: AsRef<[u8]>>(
    shares: &[S],
    backend: Backend,
) -> Result<SecretBytes, Error> {
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
    if shares.len() < 2 {
        return Err(Error::BelowThreshold {
            needed: 2,
            got: shares.len(),
        });
    }
    if shares.len() > 255 {
        // 256 or more shares cannot have distinct non-zero x: name the first repeat.
        check_distinct_x(
            shares
                .iter()
                .map(|s| s.as_ref().last().copied().unwrap_or(0))
                .enumerate(),
        )?;
    }
    // At most 255 shares from here on (more would have a duplicate x, refused above).
    let k = shares.len().min(255);
    let len = expected - 1;
    // (One instantiation on wasm32, where the module size is budgeted.)
    let secret = if k <= 16 && cfg!(not(target_arch = "wasm32")) {
        interpolate_at_zero::<16, S>(&shares[..k], len, backend)?
    } else {
        interpolate_at_zero::<255, S>(&shares[..k], len, backend)?
    };
    Ok(secret)
}
