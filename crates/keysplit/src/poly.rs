//! The Shamir engine shared by the raw and envelope formats: choosing x-coordinates,
//! evaluating random polynomials block by block, and Lagrange interpolation.
//!
//! # Randomness consumption (normative: test vectors depend on it)
//! 1. x-coordinates: a partial Fisher–Yates shuffle of `[1, 2, ..., 255]`. For position
//!    `i` in `0..n`, an index is drawn uniformly from `0..255-i` by reading one byte `b`
//!    at a time and accepting it when `b < 256 - (256 mod m)` (`m = 255 - i`), giving
//!    `b mod m`; position `i` is swapped with position `i + index`. `x_i` is then pool[i].
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

use alloc::vec;
use alloc::vec::Vec;

use rand_core::CryptoRng;
use zeroize::{Zeroize, Zeroizing};

use crate::backend::Backend;
use crate::error::Error;

/// Block size in payload bytes: coefficients for one block stay in L1.
pub const BLOCK: usize = 4096;

/// How many rejected bytes in a row mean the RNG is broken (a CSPRNG rejects a byte with
/// probability below 1/2, so 128 rejections in a row has probability below 2^-128).
const MAX_REJECTIONS: usize = 128;

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

/// Uniform index in `0..m` for `1 <= m <= 255` by rejection sampling of single bytes.
fn uniform_below<R: CryptoRng + ?Sized>(m: usize, rng: &mut R) -> Result<usize, Error> {
    let limit = 256 - (256 % m);
    for _ in 0..MAX_REJECTIONS {
        let mut byte = [0u8; 1];
        rng.fill_bytes(&mut byte);
        let b = usize::from(byte[0]);
        if b < limit {
            return Ok(b % m);
        }
    }
    Err(Error::Rng)
}

/// `n` distinct x-coordinates chosen uniformly from 1..=255 (see the module docs).
pub fn random_xs<R: CryptoRng + ?Sized>(n: usize, rng: &mut R) -> Result<Vec<u8>, Error> {
    let mut pool: [u8; 255] = core::array::from_fn(|i| (i + 1) as u8);
    let mut xs = Vec::with_capacity(n);
    for i in 0..n.min(255) {
        let j = i + uniform_below(255 - i, rng)?;
        pool.swap(i, j);
        xs.push(pool[i]);
    }
    Ok(xs)
}

/// A byte buffer that lives inside its owner when small (no allocation for the common
/// 16-64 byte secrets) and on the heap otherwise. With `wipe`, zeroized on drop.
struct Scratch<const INLINE: usize> {
    inline: [u8; INLINE],
    heap: Vec<u8>,
    len: usize,
    wipe: bool,
}

impl<const INLINE: usize> Scratch<INLINE> {
    fn new(len: usize, wipe: bool) -> Self {
        Scratch {
            inline: [0u8; INLINE],
            heap: if len > INLINE {
                vec![0u8; len]
            } else {
                Vec::new()
            },
            len,
            wipe,
        }
    }

    fn as_slice(&self) -> &[u8] {
        if self.len <= INLINE {
            &self.inline[..self.len]
        } else {
            &self.heap
        }
    }

    fn as_mut_slice(&mut self) -> &mut [u8] {
        if self.len <= INLINE {
            &mut self.inline[..self.len]
        } else {
            &mut self.heap
        }
    }
}

impl<const INLINE: usize> Drop for Scratch<INLINE> {
    fn drop(&mut self) {
        if self.wipe {
            self.inline[..self.len.min(INLINE)].zeroize();
            self.heap.zeroize();
        }
    }
}

/// Evaluates one random polynomial per payload byte at every x, a block at a time.
pub struct Evaluator {
    threshold: usize,
    /// `powers[i * (t - 1) + (j - 1)] = x_i^j` for j = 1..t-1 (public).
    powers: Scratch<64>,
    /// Coefficients for the current block; wiped on drop and overwritten every block.
    /// Sized for the largest block actually evaluated, so a 32-byte secret does not pay
    /// for (or wipe) a 4 KiB-per-coefficient buffer.
    coefficients: Scratch<128>,
    backend: Backend,
}

impl Evaluator {
    /// Prepares evaluation at `xs` for polynomials of degree `threshold - 1`, for blocks
    /// of at most `max_block` (itself at most [`BLOCK`]) bytes.
    pub fn new(xs: &[u8], threshold: usize, backend: Backend, max_block: usize) -> Self {
        let degree = threshold.saturating_sub(1);
        let mut powers = Scratch::new(xs.len() * degree, false);
        for (&x, row) in xs
            .iter()
            .zip(powers.as_mut_slice().chunks_exact_mut(degree.max(1)))
        {
            let mut power = 1u8;
            for slot in row {
                power = public::mul(power, x);
                *slot = power;
            }
        }
        Evaluator {
            threshold,
            powers,
            coefficients: Scratch::new(degree * max_block.min(BLOCK), true),
            backend,
        }
    }

    /// For a block of at most `max_block` payload bytes, draws fresh coefficients and
    /// writes share `i`'s values for the block into `outputs[i][at..at + block.len()]`.
    pub fn eval_block<R: CryptoRng + ?Sized>(
        &mut self,
        block: &[u8],
        rng: &mut R,
        outputs: &mut [&mut [u8]],
        at: usize,
    ) {
        let degree = self.threshold.saturating_sub(1);
        // Callers validate 2 <= threshold and pass one output per x-coordinate; were that
        // ever broken, an output must stay unwritten rather than receive the plaintext.
        debug_assert!(degree >= 1, "threshold below 2 reached the evaluator");
        debug_assert!(outputs.len() * degree <= self.powers.as_slice().len());
        if degree == 0 {
            return;
        }
        let len = block.len().min(self.coefficients.len / degree);
        let block = &block[..len];
        let coefficients = &mut self.coefficients.as_mut_slice()[..degree * len];
        rng.fill_bytes(coefficients);
        let all_powers = self.powers.as_slice();
        for (i, out) in outputs.iter_mut().enumerate() {
            let Some(powers) = all_powers.get(i * degree..(i + 1) * degree) else {
                continue;
            };
            let Some(out) = out.get_mut(at..at + len) else {
                continue;
            };
            out.copy_from_slice(block);
            for (row, &power) in coefficients.chunks_exact(len).zip(powers) {
                self.backend.mul_add(out, row, power);
            }
        }
    }
}

/// Shares the logical concatenation of `parts` (the payload): `outputs[i]` receives share
/// `i`'s values for the whole payload and must be exactly as long as it.
///
/// Blocks that fall inside one part are read in place; only a block straddling two parts
/// is assembled in a zeroized staging buffer, so the secret is never copied whole.
pub fn split_parts<R: CryptoRng + ?Sized>(
    parts: &[&[u8]],
    xs: &[u8],
    threshold: usize,
    rng: &mut R,
    outputs: &mut [&mut [u8]],
    backend: Backend,
) {
    let total: usize = parts.iter().map(|p| p.len()).sum();
    let mut evaluator = Evaluator::new(xs, threshold, backend, total);
    // Allocated on first use: only a block straddling two parts needs it.
    let mut staging: Option<Zeroizing<Vec<u8>>> = None;
    let mut offset = 0;
    while offset < total {
        let len = BLOCK.min(total - offset);
        match contiguous(parts, offset, len) {
            Some(block) => evaluator.eval_block(block, rng, outputs, offset),
            None => {
                // Sized to the payload: wiping a 4 KiB buffer would cost more than a small
                // split itself.
                let buffer =
                    staging.get_or_insert_with(|| Zeroizing::new(vec![0u8; BLOCK.min(total)]));
                gather(parts, offset, &mut buffer[..len]);
                evaluator.eval_block(&buffer[..len], rng, outputs, offset);
            }
        }
        offset += len;
    }
}

/// The payload bytes `offset..offset+len` if they lie within one part.
fn contiguous<'a>(parts: &[&'a [u8]], offset: usize, len: usize) -> Option<&'a [u8]> {
    let mut start = 0;
    for part in parts {
        let end = start + part.len();
        if offset >= start && offset < end {
            return part.get(offset - start..offset - start + len);
        }
        start = end;
    }
    None
}

/// Copies payload bytes `offset..offset+out.len()` from the parts into `out`.
fn gather(parts: &[&[u8]], offset: usize, out: &mut [u8]) {
    let mut position = 0;
    let mut written = 0;
    for part in parts {
        let end = position + part.len();
        let want = offset + written;
        if written < out.len() && want < end {
            let from = want - position;
            let n = (part.len() - from).min(out.len() - written);
            out[written..written + n].copy_from_slice(&part[from..from + n]);
            written += n;
        }
        position = end;
    }
}

/// Lagrange basis values `L_i(at)` for distinct public `xs`:
/// `L_i(at) = prod_{j != i} (at - x_j) / (x_i - x_j)` (subtraction is XOR).
///
/// Computed once per combine (O(k^2)), then applied to whole buffers.
pub fn lagrange_weights(xs: &[u8], at: u8) -> Vec<u8> {
    let mut weights = vec![0u8; xs.len()];
    lagrange_weights_into(xs, at, &mut weights);
    weights
}

/// [`lagrange_weights`] into a caller's buffer (`weights.len() == xs.len()`).
///
/// x-coordinates and weights are public, so this uses the branching (table-free)
/// arithmetic of [`public`]; inversion stays table-free as for secret data.
pub fn lagrange_weights_into(xs: &[u8], at: u8, weights: &mut [u8]) {
    for (i, (&xi, weight)) in xs.iter().zip(weights.iter_mut()).enumerate() {
        let mut numerator = 1u8;
        let mut denominator = 1u8;
        for (j, &xj) in xs.iter().enumerate() {
            if i != j {
                numerator = public::mul(numerator, at ^ xj);
                denominator = public::mul(denominator, xi ^ xj);
            }
        }
        // Equal x's (a caller error) make the denominator 0; inv(0) = 0 gives weight 0
        // rather than a panic.
        *weight = public::mul(numerator, public::inv(denominator));
    }
}

/// Arithmetic on **public** field elements only (x-coordinates, their powers, Lagrange
/// weights). It may branch on its operands, which is faster than the fixed-length loops
/// of [`crate::field::mul`] and [`crate::field::inv`] that anything secret must use.
/// Nothing derived from a secret, a coefficient or a share's y values may come here.
/// It uses no table, so no memory address depends on any field element anywhere in
/// keysplit: nobody has to check which values are public to trust the access pattern.
pub mod public {

    /// Product of two public elements (shift-and-add; branches on the public bits).
    #[inline]
    pub fn mul(mut a: u8, mut b: u8) -> u8 {
        let mut product = 0u8;
        while a != 0 && b != 0 {
            if b & 1 == 1 {
                product ^= a;
            }
            a = crate::field::xtime(a);
            b >>= 1;
        }
        product
    }

    /// Degree of a non-zero polynomial over GF(2) held in the low bits of `p`.
    #[inline]
    fn degree(p: u16) -> u32 {
        15 - p.leading_zeros()
    }

    /// Inverse of a public non-zero element by the extended Euclidean algorithm on
    /// polynomials over GF(2) (about a dozen shift/XOR steps); `inv(0) = 0`.
    #[inline]
    pub fn inv(a: u8) -> u8 {
        if a == 0 {
            return 0;
        }
        // Invariant: s * a = r (mod 0x11B) for both (r, s) pairs.
        let (mut r0, mut s0): (u16, u16) = (0x11B, 0);
        let (mut r1, mut s1): (u16, u16) = (u16::from(a), 1);
        while r1 != 1 {
            if degree(r0) < degree(r1) {
                core::mem::swap(&mut r0, &mut r1);
                core::mem::swap(&mut s0, &mut s1);
                continue;
            }
            let shift = degree(r0) - degree(r1);
            r0 ^= r1 << shift;
            s0 ^= s1 << shift;
            if r0 == 1 {
                r1 = r0;
                s1 = s0;
            }
        }
        // s1 has degree below 8 here: reduce defensively all the same.
        let mut s = u32::from(s1);
        for bit in (8..16).rev() {
            if (s >> bit) & 1 == 1 {
                s ^= 0x11B << (bit - 8);
            }
        }
        s as u8
    }
}

/// `out ^= sum_i weights[i] * ys[i]` over the first `out.len()` bytes of each `ys[i]`.
pub fn interpolate_into(out: &mut [u8], ys: &[&[u8]], weights: &[u8], backend: Backend) {
    for (y, &w) in ys.iter().zip(weights) {
        backend.mul_add(out, y, w);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field;

    struct CountingRng(u8);
    impl rand_core::TryRng for CountingRng {
        type Error = core::convert::Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
            let mut b = [0; 4];
            self.try_fill_bytes(&mut b)?;
            Ok(u32::from_le_bytes(b))
        }
        fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
            let mut b = [0; 8];
            self.try_fill_bytes(&mut b)?;
            Ok(u64::from_le_bytes(b))
        }
        fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
            for d in dst {
                *d = self.0;
                self.0 = self.0.wrapping_add(1);
            }
            Ok(())
        }
    }
    impl rand_core::TryCryptoRng for CountingRng {}

    struct StuckRng;
    impl rand_core::TryRng for StuckRng {
        type Error = core::convert::Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
            Ok(u32::MAX)
        }
        fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
            Ok(u64::MAX)
        }
        fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
            dst.fill(0xFF);
            Ok(())
        }
    }
    impl rand_core::TryCryptoRng for StuckRng {}

    #[test]
    fn xs_are_distinct_and_nonzero_for_every_count() {
        let mut rng = CountingRng(7);
        for n in 1..=255 {
            let xs = random_xs(n, &mut rng).unwrap();
            assert_eq!(xs.len(), n);
            let mut seen = [false; 256];
            for &x in &xs {
                assert_ne!(x, 0);
                assert!(!seen[x as usize], "duplicate x {x} for n={n}");
                seen[x as usize] = true;
            }
        }
    }

    #[test]
    fn a_stuck_rng_is_an_error_not_a_hang() {
        // 0xFF is always rejected when drawing from 0..255 (limit 255).
        assert_eq!(random_xs(3, &mut StuckRng), Err(Error::Rng));
    }

    #[test]
    fn public_arithmetic_agrees_with_the_constant_time_field() {
        for a in 0..=255u8 {
            assert_eq!(public::inv(a), field::inv(a), "inverse of {a}");
            for b in 0..=255u8 {
                assert_eq!(public::mul(a, b), field::mul(a, b), "{a} * {b}");
            }
        }
    }

    /// The textbook formula with the constant-time field, as an oracle for the tables.
    fn lagrange_reference(xs: &[u8], at: u8) -> Vec<u8> {
        xs.iter()
            .enumerate()
            .map(|(i, &xi)| {
                let (mut num, mut den) = (1u8, 1u8);
                for (j, &xj) in xs.iter().enumerate() {
                    if i != j {
                        num = field::mul(num, at ^ xj);
                        den = field::mul(den, xi ^ xj);
                    }
                }
                field::div(num, den)
            })
            .collect()
    }

    #[test]
    fn lagrange_weights_match_the_textbook_formula() {
        let mut rng = CountingRng(1);
        for k in 1..=20 {
            let xs = random_xs(k, &mut rng).unwrap();
            for at in [0u8, 1, 7, 255, xs[0]] {
                assert_eq!(lagrange_weights(&xs, at), lagrange_reference(&xs, at));
            }
        }
        let all: Vec<u8> = (1..=255).collect();
        assert_eq!(lagrange_weights(&all, 0), lagrange_reference(&all, 0));
    }

    #[test]
    fn lagrange_weights_at_zero_sum_to_one() {
        // The constant polynomial 1 interpolates to 1, so the weights sum (XOR) to 1.
        let xs = [3u8, 77, 200, 41];
        let w = lagrange_weights(&xs, 0);
        assert_eq!(w.iter().fold(0, |a, &b| a ^ b), 1);
    }

    #[test]
    fn parameter_bounds() {
        assert!(check_parameters(2, 2).is_ok());
        assert!(check_parameters(255, 255).is_ok());
        assert_eq!(
            check_parameters(1, 3),
            Err(Error::InvalidThreshold {
                threshold: 1,
                shares: 3
            })
        );
        assert_eq!(
            check_parameters(0, 3),
            Err(Error::InvalidThreshold {
                threshold: 0,
                shares: 3
            })
        );
        assert_eq!(
            check_parameters(4, 3),
            Err(Error::InvalidThreshold {
                threshold: 4,
                shares: 3
            })
        );
        assert_eq!(
            check_parameters(2, 256),
            Err(Error::InvalidShareCount { shares: 256 })
        );
        assert_eq!(
            check_parameters(2, 1),
            Err(Error::InvalidShareCount { shares: 1 })
        );
    }
}
