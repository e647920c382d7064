//! The Shamir engine shared by the raw and envelope formats: choosing x-coordinates,
//! evaluating random polynomials block by block, and Lagrange interpolation.
//!
//! # Randomness consumption (normative: test vectors depend on it)
//! 1. x-coordinates: a partial Fisher–Yates shuffle of `[1, 2, ..., 255]`. For position
//!    `i` in `0..n`, an index is drawn uniformly from `0..255-i` by reading one byte `b`
//!    at a time and accepting it when `b < 256 - (256 mod m)` (`m = 255 - i`), giving
//!    `b mod m`; position `i` is swapped with position `i + index`. `x_i` is then `pool[i]`.
//! 2. Coefficients: the payload is cut into blocks of [`BLOCK`] bytes (the last may be
//!    shorter). For each block of length `len`, `(t - 1) * len` bytes are read in one run;
//!    the `j`-th run of `len` bytes (j = 1..t-1) are the coefficients of x^j for the bytes
//!    of that block. Every byte value 0..=255 is allowed, zero included.
//!
//! Why zero is allowed: a Shamir polynomial of degree t-1 is a uniformly random polynomial
//! with the given constant term. Forbidding a zero top coefficient makes it non-uniform,
//! so t-1 shares are no longer independent of the secret: with coefficients in 1..=255, a
//! share byte never equals the secret byte when t = 2 (RUSTSEC-2024-0398), and re-sharing
//! the same secret often enough reveals it. Privy's library reverted exactly that in 0.0.4.

mod eval;
mod lagrange;
#[cfg(test)]
mod tests;
mod x_coords;

#[cfg(feature = "std")] // for the streaming module
pub(crate) use eval::{evaluate_share, powers_of, Evaluator};
pub use eval::{split_parts, BackToBack, ShareValues};
#[cfg(test)]
use lagrange::interpolate;
pub use lagrange::{interpolate_at, interpolate_with, lagrange_weights, lagrange_weights_into};
pub use x_coords::{random_xs, random_xs_into};

use crate::error::Error;
use crate::field::public;

/// Block size in payload bytes: coefficients for one block stay in L1.
pub const BLOCK: usize = 4096;

/// Validates `2 <= threshold <= shares <= 255`.
pub fn check_parameters(threshold: usize, shares: usize) -> Result<(), Error> {
    if !(2..=255).contains(&shares) {
        return Err(Error::InvalidShareCount { shares });
    }
    if threshold < 2 || threshold > shares {
        return Err(Error::InvalidThreshold { threshold, shares });
    }
    Ok(())
}

/// `product * factor`, where no product yet means 1 (saves a multiplication by 1).
#[inline]
fn times(product: Option<u8>, factor: u8) -> u8 {
    match product {
        Some(p) => public::mul(p, factor),
        None => factor,
    }
}
