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
//!
//! # Without allocating
//! [`split_into`] writes the shares back to back into a buffer of the caller's (sized by
//! [`split_into_len`]) and [`combine_into`] the secret into another, with the same
//! refusals (and one more, [`Error::OutputLength`]); [`check_shares`] tells what
//! [`combine`] would refuse before anything is copied or combined.

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
    ///
    /// # Errors
    /// [`Error::Decode`] with [`DecodeError::TooShort`] or [`DecodeError::ZeroX`].
    pub fn from_bytes(bytes: &[u8]) -> Result<RawShare, Error> {
        validate(bytes).map_err(Error::Decode)?;
        Ok(RawShare {
            bytes: SmallSecret::copy_of(bytes),
        })
    }

    /// Parses a hex raw share (whitespace ignored).
    ///
    /// # Errors
    /// [`Error::Decode`] with [`DecodeError::InvalidHex`], then as [`RawShare::from_bytes`].
    pub fn from_hex(text: &str) -> Result<RawShare, Error> {
        // No `trim()`: it would branch on the first digit, which is a secret y byte;
        // decode_hex skips ASCII whitespace anywhere without branching on the digits.
        let bytes = text::decode_hex(text).map_err(Error::Decode)?;
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
///
/// # Errors
/// [`Error::InvalidShareCount`] or [`Error::InvalidThreshold`] unless
/// `2 <= threshold <= shares <= 255`; [`Error::EmptySecret`]; [`Error::TooLarge`] if the
/// shares' length overflows `usize`; [`Error::Rng`] if the generator keeps returning bytes
/// the x-coordinate draw must reject (a broken generator).
pub fn split<R: CryptoRng + ?Sized>(
    secret: &[u8],
    threshold: usize,
    shares: usize,
    rng: &mut R,
) -> Result<Vec<RawShare>, Error> {
    on_backend::split(secret, threshold, shares, rng, Backend::detect())
}

/// Splits `secret` into `shares` raw shares written back to back into `out`, any
/// `threshold` of which rebuild it: share `i` is `out[i * (L + 1)..(i + 1) * (L + 1)]`
/// for a secret of `L` bytes, so `out` must be exactly `shares * (L + 1)` bytes long.
///
/// The same shares, from the same generator state, as [`split`], without allocating:
/// for callers that keep shares in their own (for example pinned or wiped) memory. The
/// buffer then holds secret shares: wipe it when done ([`crate::hazmat::wipe`]).
///
/// ```
/// # fn main() -> Result<(), keysplit::Error> {
/// use keysplit::{raw, ChaCha20Rng, Rng};
/// use rand_core::SeedableRng;
/// let secret = [7u8; 16];
/// let mut out = [0u8; 3 * 17];
/// raw::split_into(&secret, 2, 3, &mut ChaCha20Rng::seed_from_u64(1), &mut out)?;
/// let (first, rest) = out.split_at(17);
/// let mut rebuilt = [0u8; 16];
/// raw::combine_into(&[first, &rest[17..]], &mut rebuilt)?;
/// assert_eq!(rebuilt, secret);
/// # Ok(()) }
/// ```
///
/// Refuses what [`split`] refuses, then an `out` of the wrong length
/// ([`Error::OutputLength`]); `out` is left untouched on every refusal.
///
/// # Errors
/// As [`split`], then [`Error::OutputLength`] (see above).
pub fn split_into<R: CryptoRng + ?Sized>(
    secret: &[u8],
    threshold: usize,
    shares: usize,
    rng: &mut R,
    out: &mut [u8],
) -> Result<(), Error> {
    on_backend::split_into(secret, threshold, shares, rng, out, Backend::detect())
}

/// The length of the buffer [`split_into`] needs for `shares` shares of a secret of
/// `secret_len` bytes (`shares * (secret_len + 1)`), or the refusal [`split`] gives for
/// these parameters.
///
/// # Errors
/// [`Error::InvalidShareCount`], [`Error::InvalidThreshold`], [`Error::EmptySecret`] or
/// [`Error::TooLarge`], as [`split`].
pub fn split_into_len(secret_len: usize, threshold: usize, shares: usize) -> Result<usize, Error> {
    poly::check_parameters(threshold, shares)?;
    if secret_len == 0 {
        return Err(Error::EmptySecret);
    }
    secret_len
        .checked_add(1)
        .and_then(|stride| stride.checked_mul(shares))
        .ok_or(Error::TooLarge)
}

/// Writes the secret from `2 <= shares.len() <= K` raw shares that passed
/// [`check_shares`], of `len` y bytes, into `out` (`out.len() == len` checked here), with
/// x's and weights in stack arrays of `K`.
fn interpolate_at_zero<const K: usize, S: AsRef<[u8]>>(
    shares: &[S],
    len: usize,
    out: &mut [u8],
    backend: Backend,
) -> Result<(), Error> {
    let k = shares.len().min(K);
    let mut xs = [0u8; K];
    for (x, share) in xs.iter_mut().zip(shares) {
        *x = share.as_ref().last().copied().unwrap_or(0);
    }
    let xs = &xs[..k];
    if out.len() != len {
        return Err(Error::OutputLength {
            expected: len as u64,
            found: out.len() as u64,
        });
    }
    let mut weights = [0u8; K];
    let weights = &mut weights[..k];
    poly::lagrange_weights_into(xs, 0, weights, backend);
    let y = |i: usize| shares.get(i).map_or(&[][..], |s| &s.as_ref()[..len]);
    poly::interpolate_with(out, weights, y, backend);
    Ok(())
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
///
/// # Errors
/// What [`check_shares`] refuses.
pub fn combine<S: AsRef<[u8]>>(shares: &[S]) -> Result<SecretBytes, Error> {
    on_backend::combine(shares, Backend::detect())
}

/// [`combine`] into a caller's buffer of exactly the secret's length (the shares' length
/// minus one), without allocating. The buffer then holds the secret: wipe it when done
/// ([`crate::hazmat::wipe`]).
///
/// Refuses what [`combine`] refuses, in the same order, then an `out` of the wrong length
/// ([`Error::OutputLength`]); `out` is left untouched on every refusal.
///
/// # Errors
/// As [`combine`], then [`Error::OutputLength`].
pub fn combine_into<S: AsRef<[u8]>>(shares: &[S], out: &mut [u8]) -> Result<(), Error> {
    on_backend::combine_into(shares, out, Backend::detect())
}

/// What [`combine`] refuses in `shares`, in its order (no shares, a share under 2 bytes,
/// x = 0, unequal lengths, a single share, a repeated x), without combining them; the
/// secret's length when nothing is wrong. For callers that must size a buffer for
/// [`combine_into`], or refuse before copying shares somewhere.
///
/// # Errors
/// [`Error::NoShares`]; [`Error::BadShare`] with [`DecodeError::TooShort`];
/// [`Error::ZeroX`]; [`Error::LengthMismatch`]; [`Error::BelowThreshold`] for a single
/// share; [`Error::DuplicateX`].
pub fn check_shares<S: AsRef<[u8]>>(shares: &[S]) -> Result<usize, Error> {
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
    // (256 or more shares cannot have distinct non-zero x: this names the first repeat.)
    check_distinct_x(
        shares
            .iter()
            .map(|s| s.as_ref().last().copied().unwrap_or(0))
            .enumerate(),
    )?;
    Ok(expected - 1)
}

/// The interpolation of shares that passed [`check_shares`] into `out` (refused unless
/// it is the secret's length).
fn interpolate<S: AsRef<[u8]>>(
    shares: &[S],
    out: &mut [u8],
    backend: Backend,
) -> Result<(), Error> {
    // At most 255 shares here (more would have a repeated x, refused by check_shares).
    let k = shares.len().min(255);
    let len = shares
        .first()
        .map_or(0, |share| share.as_ref().len().saturating_sub(1));
    // (One instantiation on wasm32, where the module size is budgeted.)
    if k <= 16 && cfg!(not(target_arch = "wasm32")) {
        interpolate_at_zero::<16, S>(&shares[..k], len, out, backend)
    } else {
        interpolate_at_zero::<255, S>(&shares[..k], len, out, backend)
    }
}

/// The functions on an explicit backend, public as [`crate::with_backend::raw`]: each
/// takes its namesake's parameters, then `backend` (the bounds in a `where` clause).
pub(crate) mod on_backend {
    use super::*;

    /// [`crate::raw::split`] on `backend`.
    ///
    /// # Errors
    /// As [`crate::raw::split`].
    pub fn split<R>(
        secret: &[u8],
        threshold: usize,
        shares: usize,
        rng: &mut R,
        backend: Backend,
    ) -> Result<Vec<RawShare>, Error>
    where
        R: CryptoRng + ?Sized,
    {
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
        poly::split_parts(&[secret], xs, threshold, rng, &mut out[..], backend);
        Ok(out)
    }

    /// [`crate::raw::split_into`] on `backend`.
    ///
    /// # Errors
    /// As [`crate::raw::split_into`].
    pub fn split_into<R>(
        secret: &[u8],
        threshold: usize,
        shares: usize,
        rng: &mut R,
        out: &mut [u8],
        backend: Backend,
    ) -> Result<(), Error>
    where
        R: CryptoRng + ?Sized,
    {
        let expected = split_into_len(secret.len(), threshold, shares)?;
        let len = secret.len();
        if out.len() != expected {
            return Err(Error::OutputLength {
                expected: expected as u64,
                found: out.len() as u64,
            });
        }
        let mut xs = [0u8; 255];
        let xs = &mut xs[..shares];
        poly::random_xs_into(xs, rng)?;
        for (share, &x) in out.chunks_exact_mut(len + 1).zip(xs.iter()) {
            if let Some(last) = share.last_mut() {
                *last = x;
            }
        }
        let mut outputs = poly::BackToBack { bytes: out, len };
        poly::split_parts(&[secret], xs, threshold, rng, &mut outputs, backend);
        Ok(())
    }

    /// [`crate::raw::combine`] on `backend`.
    ///
    /// # Errors
    /// As [`crate::raw::combine`].
    pub fn combine<S: AsRef<[u8]>>(shares: &[S], backend: Backend) -> Result<SecretBytes, Error> {
        let len = check_shares(shares)?;
        let mut secret = SecretBytes::zeroed(len);
        interpolate(shares, &mut secret, backend)?;
        Ok(secret)
    }

    /// [`crate::raw::combine_into`] on `backend`.
    ///
    /// # Errors
    /// As [`crate::raw::combine_into`].
    pub fn combine_into<S: AsRef<[u8]>>(
        shares: &[S],
        out: &mut [u8],
        backend: Backend,
    ) -> Result<(), Error> {
        check_shares(shares)?;
        interpolate(shares, out, backend)
    }
}
