//! Choosing the x-coordinates: a partial Fisher–Yates shuffle of `1..=255` driven by
//! rejection sampling of single bytes (step 1 of the randomness consumption in the
//! module docs of `poly`).

use alloc::vec;
use alloc::vec::Vec;

use rand_core::CryptoRng;

use crate::error::Error;

/// How many rejected bytes in a row mean the RNG is broken (a CSPRNG rejects a byte with
/// probability below 1/2, so 128 rejections in a row has probability below 2^-128).
const MAX_REJECTIONS: usize = 128;

/// Uniform index in `0..m` for `1 <= m <= 255` by rejection sampling of single bytes.
fn uniform_below<R: CryptoRng + ?Sized>(m: usize, rng: &mut R) -> Result<usize, Error> {
    let m = m.clamp(1, 255);
    let limit = rejection_limit(m);
    for _ in 0..MAX_REJECTIONS {
        let mut byte = [0u8; 1];
        rng.fill_bytes(&mut byte);
        let b = usize::from(byte[0]);
        if b < limit {
            return Ok(remainder(b, m));
        }
    }
    Err(Error::Rng)
}

/// `256 - (256 mod m)`: the bytes below it are accepted when drawing from `0..m` (a
/// multiple of `m`, so `b mod m` is uniform).
#[cfg(not(target_arch = "wasm32"))]
#[inline]
pub(super) fn rejection_limit(m: usize) -> usize {
    usize::from(REJECTION_LIMIT[m])
}

/// On wasm32, where the module size is budgeted, the divisions instead of the tables.
#[cfg(target_arch = "wasm32")]
#[inline]
pub(super) fn rejection_limit(m: usize) -> usize {
    256 - 256 % m
}

/// `b mod m` for a byte `b` and `1 <= m <= 255`.
#[cfg(target_arch = "wasm32")]
#[inline]
pub(super) fn remainder(b: usize, m: usize) -> usize {
    b % m
}

/// `REJECTION_LIMIT[m] = 256 - (256 mod m)`, see [`rejection_limit`].
#[cfg(not(target_arch = "wasm32"))]
const REJECTION_LIMIT: [u16; 256] = {
    let mut limits = [256u16; 256];
    let mut m = 1;
    while m < 256 {
        limits[m] = (256 - 256 % m) as u16;
        m += 1;
    }
    limits
};

/// `RECIPROCAL[m] = ceil(2^16 / m)`: `b / m = (b * RECIPROCAL[m]) >> 16` exactly for every
/// byte `b` (the rounding error, below `b / 2^16 < 2^-8`, never reaches the next integer
/// because `b / m` is at least `1/m > 2^-8` short of it). A division costs more than the
/// rest of drawing an x-coordinate.
#[cfg(not(target_arch = "wasm32"))]
const RECIPROCAL: [u32; 256] = {
    let mut reciprocals = [0u32; 256];
    let mut m = 1;
    while m < 256 {
        reciprocals[m] = 65536u32.div_ceil(m as u32);
        m += 1;
    }
    reciprocals
};

/// `b mod m` for a byte `b` and `1 <= m <= 255`, without a division instruction.
#[cfg(not(target_arch = "wasm32"))]
#[inline]
pub(super) fn remainder(b: usize, m: usize) -> usize {
    let quotient = (b * RECIPROCAL[m] as usize) >> 16;
    b - quotient * m
}

/// `n` distinct x-coordinates chosen uniformly from 1..=255 (see the module docs).
///
/// # Errors
/// [`Error::Rng`] if the generator returns 128 rejected bytes in a row (a broken generator).
pub fn random_xs<R: CryptoRng + ?Sized>(n: usize, rng: &mut R) -> Result<Vec<u8>, Error> {
    let mut xs = vec![0u8; n.min(255)];
    random_xs_into(&mut xs, rng)?;
    Ok(xs)
}

/// `[1, 2, ..., 255]`, the pool the x-coordinates are drawn from.
const ALL_XS: [u8; 255] = {
    let mut pool = [0u8; 255];
    let mut i = 0;
    while i < 255 {
        pool[i] = (i + 1) as u8;
        i += 1;
    }
    pool
};

/// [`random_xs`] into a caller's buffer: `xs.len()` (at most 255) distinct x-coordinates.
///
/// # Errors
/// As [`random_xs`].
pub fn random_xs_into<R: CryptoRng + ?Sized>(xs: &mut [u8], rng: &mut R) -> Result<(), Error> {
    // (One code path on wasm32, where the module size is budgeted.)
    if xs.len() <= FEW_XS && cfg!(not(target_arch = "wasm32")) {
        few_random_xs_into(xs, rng)
    } else {
        pool_random_xs_into(xs, rng)
    }
}

/// [`random_xs_into`] on a copy of the whole pool.
pub(super) fn pool_random_xs_into<R: CryptoRng + ?Sized>(
    xs: &mut [u8],
    rng: &mut R,
) -> Result<(), Error> {
    let mut pool = ALL_XS;
    for (i, x) in xs.iter_mut().enumerate().take(255) {
        let j = i + uniform_below(255 - i, rng)?;
        pool.swap(i, j);
        *x = pool[i];
    }
    Ok(())
}

/// Up to this many x-coordinates are drawn without copying the 255-entry pool.
pub(super) const FEW_XS: usize = 16;

/// [`random_xs_into`] for a few x's: the same shuffle, with the same draws and results,
/// but the pool is kept as the list of positions the swaps have changed (position `p`
/// holds `p + 1` unless listed). Copying the whole pool costs more than a 2-of-3 split's
/// other x work.
pub(super) fn few_random_xs_into<R: CryptoRng + ?Sized>(
    xs: &mut [u8],
    rng: &mut R,
) -> Result<(), Error> {
    // (position, value) for positions above the current one that a swap has changed.
    let mut changed = [(0u8, 0u8); FEW_XS];
    let mut changed_count = 0;
    for (i, x) in xs.iter_mut().enumerate().take(FEW_XS) {
        let j = i + uniform_below(255 - i, rng)?;
        let at = |position: usize| {
            changed[..changed_count]
                .iter()
                .rev()
                .find(|&&(p, _)| usize::from(p) == position)
                .map_or(position as u8 + 1, |&(_, value)| value)
        };
        let (value_i, value_j) = (at(i), at(j));
        *x = value_j;
        if j != i && changed_count < FEW_XS {
            // Position j now holds what position i held (position i is never read again).
            changed[changed_count] = (j as u8, value_i);
            changed_count += 1;
        }
    }
    Ok(())
}
