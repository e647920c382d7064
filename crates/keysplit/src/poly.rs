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

use crate::backend::Backend;
use crate::error::Error;
use crate::secret::{wipe, SecretBytes, SmallSecret};

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
fn rejection_limit(m: usize) -> usize {
    usize::from(REJECTION_LIMIT[m])
}

/// On wasm32, where the module size is budgeted, the divisions instead of the tables.
#[cfg(target_arch = "wasm32")]
#[inline]
fn rejection_limit(m: usize) -> usize {
    256 - 256 % m
}

/// `b mod m` for a byte `b` and `1 <= m <= 255`.
#[cfg(target_arch = "wasm32")]
#[inline]
fn remainder(b: usize, m: usize) -> usize {
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
fn remainder(b: usize, m: usize) -> usize {
    let quotient = (b * RECIPROCAL[m] as usize) >> 16;
    b - quotient * m
}

/// `n` distinct x-coordinates chosen uniformly from 1..=255 (see the module docs).
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
pub fn random_xs_into<R: CryptoRng + ?Sized>(xs: &mut [u8], rng: &mut R) -> Result<(), Error> {
    // (One code path on wasm32, where the module size is budgeted.)
    if xs.len() <= FEW_XS && cfg!(not(target_arch = "wasm32")) {
        few_random_xs_into(xs, rng)
    } else {
        pool_random_xs_into(xs, rng)
    }
}

/// [`random_xs_into`] on a copy of the whole pool.
fn pool_random_xs_into<R: CryptoRng + ?Sized>(xs: &mut [u8], rng: &mut R) -> Result<(), Error> {
    let mut pool = ALL_XS;
    for (i, x) in xs.iter_mut().enumerate().take(255) {
        let j = i + uniform_below(255 - i, rng)?;
        pool.swap(i, j);
        *x = pool[i];
    }
    Ok(())
}

/// Up to this many x-coordinates are drawn without copying the 255-entry pool.
const FEW_XS: usize = 16;

/// [`random_xs_into`] for a few x's: the same shuffle, with the same draws and results,
/// but the pool is kept as the list of positions the swaps have changed (position `p`
/// holds `p + 1` unless listed). Copying the whole pool costs more than a 2-of-3 split's
/// other x work.
fn few_random_xs_into<R: CryptoRng + ?Sized>(xs: &mut [u8], rng: &mut R) -> Result<(), Error> {
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

/// Evaluates one random polynomial per payload byte at every x, a block at a time.
pub struct Evaluator {
    threshold: usize,
    /// `powers[i * (t - 1) + (j - 1)] = x_i^j` for j = 1..t-1 (public).
    powers: SmallSecret<64>,
    /// Coefficients for the current block; wiped on drop and overwritten every block.
    /// Sized for the largest block actually evaluated, so a 32-byte secret does not pay
    /// for (or wipe) a 4 KiB-per-coefficient buffer.
    coefficients: SmallSecret<64>,
    /// Length of the block whose coefficients were drawn last.
    drawn: usize,
    backend: Backend,
}

impl Evaluator {
    /// Prepares evaluation at `xs` for polynomials of degree `threshold - 1`, for blocks
    /// of at most `max_block` (itself at most [`BLOCK`]) bytes.
    pub fn new(xs: &[u8], threshold: usize, backend: Backend, max_block: usize) -> Self {
        let degree = threshold.saturating_sub(1);
        let mut powers = SmallSecret::zeroed(xs.len() * degree);
        for (&x, row) in xs
            .iter()
            .zip(powers.as_mut_slice().chunks_exact_mut(degree.max(1)))
        {
            for (slot, power) in row.iter_mut().zip(powers_of(x)) {
                *slot = power;
            }
        }
        Evaluator {
            threshold,
            powers,
            coefficients: SmallSecret::zeroed(degree * max_block.min(BLOCK)),
            drawn: 0,
            backend,
        }
    }

    /// The degree `t - 1` of the polynomials.
    fn degree(&self) -> usize {
        self.threshold.saturating_sub(1)
    }

    /// Draws fresh coefficients for the next block of `len` payload bytes (at most
    /// `max_block`); returns how many bytes the block may have (`len`, unless too long).
    pub fn draw<R: CryptoRng + ?Sized>(&mut self, len: usize, rng: &mut R) -> usize {
        let degree = self.degree();
        if degree == 0 {
            return 0;
        }
        let len = len.min(self.coefficients.as_slice().len() / degree);
        rng.fill_bytes(&mut self.coefficients.as_mut_slice()[..degree * len]);
        self.drawn = len;
        len
    }

    /// Share `index`'s values for the block whose coefficients were drawn last:
    /// `out = block + sum_j a_j * x^j`, over `min(block, out, drawn)` bytes.
    pub fn evaluate(&self, index: usize, block: &[u8], out: &mut [u8]) {
        let degree = self.degree();
        // Callers validate 2 <= threshold and pass one output per x-coordinate; were that
        // ever broken, an output must stay unwritten rather than receive the plaintext.
        debug_assert!(degree >= 1, "threshold below 2 reached the evaluator");
        let Some(powers) = self
            .powers
            .as_slice()
            .get(index * degree..(index + 1) * degree)
        else {
            return;
        };
        let len = self.drawn.min(block.len()).min(out.len());
        if degree == 0 || len == 0 {
            return;
        }
        let coefficients = &self.coefficients.as_slice()[..degree * self.drawn];
        let rows = coefficients.chunks_exact(self.drawn).map(|row| &row[..len]);
        let terms = rows.zip(powers.iter().copied());
        evaluate_share(self.backend, &mut out[..len], &block[..len], terms);
    }

    /// For a block of at most `max_block` payload bytes, draws fresh coefficients and
    /// writes share `i`'s values for the block into `outputs[i][at..at + block.len()]`.
    #[cfg_attr(not(feature = "std"), allow(dead_code))] // the streaming module's
    pub fn eval_block<R: CryptoRng + ?Sized>(
        &mut self,
        block: &[u8],
        rng: &mut R,
        outputs: &mut [&mut [u8]],
        at: usize,
    ) {
        let len = self.draw(block.len(), rng);
        for (i, out) in outputs.iter_mut().enumerate() {
            if let Some(out) = out.get_mut(at..at + len) {
                self.evaluate(i, block, out);
            }
        }
    }
}

/// One share's values for one block: `out = block + sum_j row_j * power_j` over
/// `out.len()` bytes, for the `(row_j, x^j)` terms in order (the format's polynomial). The
/// first term is fused with the copy of the payload (`mul2(out, block, 1, row_1, x)`).
/// Evaluator, the small-secret split and the streaming split all come here.
#[inline(always)]
pub(crate) fn evaluate_share<'a>(
    backend: Backend,
    out: &mut [u8],
    block: &[u8],
    terms: impl IntoIterator<Item = (&'a [u8], u8)>,
) {
    let mut terms = terms.into_iter();
    if let Some((row, power)) = terms.next() {
        backend.mul2(out, block, 1, row, power);
    }
    for (row, power) in terms {
        backend.mul_add(out, row, power);
    }
}

/// `x, x^2, x^3, ...` (public), each computed only when asked for (`successors` would
/// compute one more than is taken: a multiplication per share of a 2-of-n split).
#[inline(always)]
pub(crate) fn powers_of(x: u8) -> impl Iterator<Item = u8> {
    let mut last = None;
    core::iter::from_fn(move || {
        let power = times(last, x);
        last = Some(power);
        Some(power)
    })
}

/// Something split can write one share's values into (its payload region).
pub trait ShareValues {
    /// The bytes that receive the share's values, as long as the payload.
    fn values_mut(&mut self) -> &mut [u8];
}

impl ShareValues for &mut [u8] {
    fn values_mut(&mut self) -> &mut [u8] {
        self
    }
}

/// Where split writes the shares' values: share `index`'s payload region.
pub trait ShareOutputs {
    /// Share `index`'s values (as long as the payload), if there is such a share.
    fn values_mut(&mut self, index: usize) -> Option<&mut [u8]>;
}

impl<S: ShareValues> ShareOutputs for [S] {
    #[inline]
    fn values_mut(&mut self, index: usize) -> Option<&mut [u8]> {
        self.get_mut(index).map(ShareValues::values_mut)
    }
}

/// Raw shares back to back in one buffer: `len` values, then one byte (the x), each.
pub struct BackToBack<'a> {
    /// The shares, `len + 1` bytes each.
    pub bytes: &'a mut [u8],
    /// Values per share (the payload length).
    pub len: usize,
}

impl ShareOutputs for BackToBack<'_> {
    #[inline]
    fn values_mut(&mut self, index: usize) -> Option<&mut [u8]> {
        let start = index.checked_mul(self.len.checked_add(1)?)?;
        self.bytes.get_mut(start..start.checked_add(self.len)?)
    }
}

/// Shares the logical concatenation of `parts` (the payload): `outputs.values_mut(i)`
/// receives share `i`'s values for the whole payload and must be exactly as long as it.
///
/// Blocks that fall inside one part are read in place; only a block straddling two parts
/// is assembled in a zeroized staging buffer, so the secret is never copied whole.
pub fn split_parts<R: CryptoRng + ?Sized, O: ShareOutputs + ?Sized>(
    parts: &[&[u8]],
    xs: &[u8],
    threshold: usize,
    rng: &mut R,
    outputs: &mut O,
    backend: Backend,
) {
    let total: usize = parts.iter().map(|p| p.len()).sum();
    let degree = threshold.saturating_sub(1);
    if degree == 0 {
        return; // threshold below 2: nothing is written (see `Evaluator::evaluate`)
    }
    // (Not on wasm32, where the module size is budgeted: one code path there.)
    if total * degree <= SMALL && cfg!(not(target_arch = "wasm32")) {
        return split_small(parts, total, xs, degree, rng, outputs, backend);
    }
    let mut evaluator = Evaluator::new(xs, threshold, backend, total);
    // Allocated on first use: only a block straddling two parts needs it.
    let mut staging: Option<SecretBytes> = None;
    let mut offset = 0;
    while offset < total {
        let len = evaluator.draw(BLOCK.min(total - offset), rng);
        if len == 0 {
            return; // threshold below 2: nothing is written (see `evaluate`)
        }
        let block = match contiguous(parts, offset, len) {
            Some(block) => block,
            None => {
                // Sized to the payload: wiping a 4 KiB buffer would cost more than a small
                // split itself.
                let buffer = staging.get_or_insert_with(|| SecretBytes::zeroed(BLOCK.min(total)));
                gather(parts, offset, &mut buffer[..len]);
                &buffer[..len]
            }
        };
        for i in 0..xs.len() {
            if let Some(out) = outputs
                .values_mut(i)
                .and_then(|values| values.get_mut(offset..offset + len))
            {
                evaluator.evaluate(i, block, out);
            }
        }
        offset += len;
    }
}

/// Payloads whose coefficients fit in this many bytes (wallet secrets, for any usual
/// threshold) are split with stack buffers only.
const SMALL: usize = 256;

/// [`split_parts`] for `total * degree <= SMALL`: one block, so the same randomness is
/// consumed in the same order, with no allocation and no evaluator set-up.
fn split_small<R: CryptoRng + ?Sized, O: ShareOutputs + ?Sized>(
    parts: &[&[u8]],
    total: usize,
    xs: &[u8],
    degree: usize,
    rng: &mut R,
    outputs: &mut O,
    backend: Backend,
) {
    let mut coefficients = [0u8; SMALL];
    let coefficients = &mut coefficients[..total * degree];
    rng.fill_bytes(coefficients);
    // Only a payload in several parts needs staging (zeroing it would cost a tenth of a
    // small split).
    let mut staging: Option<[u8; SMALL]> = None;
    let block: &[u8] = match contiguous(parts, 0, total) {
        Some(block) => block,
        None => {
            let staging = staging.insert([0u8; SMALL]);
            gather(parts, 0, &mut staging[..total]);
            &staging[..total]
        }
    };
    for (i, &x) in xs.iter().enumerate() {
        let Some(out) = outputs
            .values_mut(i)
            .and_then(|values| values.get_mut(..total))
        else {
            continue;
        };
        evaluate_share(
            backend,
            out,
            block,
            coefficients.chunks_exact(total).zip(powers_of(x)),
        );
    }
    wipe(coefficients);
    if let Some(staging) = staging.as_mut() {
        wipe(&mut staging[..total]);
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
    lagrange_weights_into(xs, at, &mut weights, Backend::detect());
    weights
}

/// [`lagrange_weights`] into a caller's buffer (`weights.len() == xs.len()`, at most 255).
///
/// x-coordinates and weights are public, so this uses the arithmetic of [`public`].
/// Two savings make a 2-share combine cost one inversion and one multiplication:
/// the basis polynomials sum to 1 at every point, so the last weight is 1 minus the
/// others; and one inversion serves all the others (Montgomery's batch inversion: with
/// denominators `D_i` and `P_i = D_0 ... D_i`, going down from `1/P_{m-1}`,
/// `1/D_i = P_{i-1} * (1/P_i)` and `1/P_{i-1} = D_i * (1/P_i)`).
///
/// Equal x's are a caller error (combine refuses them first): the weights are then
/// meaningless, but there is no panic.
pub fn lagrange_weights_into(xs: &[u8], at: u8, weights: &mut [u8], backend: Backend) {
    let k = xs.len().min(weights.len()).min(255);
    let (xs, weights) = (&xs[..k], &mut weights[..k]);
    if cfg!(target_arch = "wasm32") {
        // Where the module size is budgeted: the textbook formula, one inversion per weight
        // (the same weights; combines in the browser are of a few shares).
        for (i, (&xi, weight)) in xs.iter().zip(weights.iter_mut()).enumerate() {
            let (mut numerator, mut denominator) = (1u8, 1u8);
            for (j, &xj) in xs.iter().enumerate() {
                if i != j {
                    numerator = public::mul(numerator, at ^ xj);
                    denominator = public::mul(denominator, xi ^ xj);
                }
            }
            *weight = public::mul(numerator, public::inv(denominator));
        }
        return;
    }
    // Two shares, the wallet case: `L_0(at) = (at - x_1) / (x_0 - x_1)`, and `L_1` is
    // `1 - L_0` (see above): one inversion, one multiplication.
    if let ([x0, x1], [w0, w1]) = (xs, &mut *weights) {
        let difference = x0 ^ x1;
        let inverse = backend
            .inverse_of_public(difference)
            .unwrap_or_else(|| public::inv(difference));
        *w0 = public::mul(at ^ x1, inverse);
        *w1 = 1 ^ *w0;
        return;
    }
    // Scratch on the stack, sized for the usual few shares when that is enough.
    if k <= 17 {
        weights_with_scratch::<16>(xs, at, weights, backend);
    } else {
        weights_with_scratch::<254>(xs, at, weights, backend);
    }
}

/// [`lagrange_weights_into`] with room for `M >= xs.len() - 1` intermediate values.
fn weights_with_scratch<const M: usize>(xs: &[u8], at: u8, weights: &mut [u8], backend: Backend) {
    let Some((last, others)) = weights.split_last_mut() else {
        return;
    };
    let count = others.len().min(M);
    let others = &mut others[..count];
    let mut prefix = [0u8; M];
    let mut denominators = [0u8; M];
    let mut running = 1u8;
    for (i, (&xi, weight)) in xs.iter().zip(others.iter_mut()).enumerate() {
        let mut numerator = None;
        let mut denominator = None;
        for (j, &xj) in xs.iter().enumerate() {
            if i != j {
                numerator = Some(times(numerator, at ^ xj));
                denominator = Some(times(denominator, xi ^ xj));
            }
        }
        *weight = numerator.unwrap_or(1);
        denominators[i] = denominator.unwrap_or(1);
        running = if i == 0 {
            denominators[0]
        } else {
            public::mul(running, denominators[i])
        };
        prefix[i] = running;
    }
    // 1/P_i, for i going down from m-1. The only inversion: the backend may have a
    // faster way (AVX2 tries all 256 candidates at once).
    let mut inverse = backend
        .inverse_of_public(running)
        .unwrap_or_else(|| public::inv(running));
    for i in (0..others.len()).rev() {
        let inverse_of_denominator = if i == 0 {
            inverse
        } else {
            let value = public::mul(inverse, prefix[i - 1]);
            inverse = public::mul(inverse, denominators[i]);
            value
        };
        others[i] = public::mul(others[i], inverse_of_denominator);
    }
    *last = others.iter().fold(1, |sum, &w| sum ^ w);
}

/// `product * factor`, where no product yet means 1 (saves a multiplication by 1).
#[inline]
fn times(product: Option<u8>, factor: u8) -> u8 {
    match product {
        Some(p) => public::mul(p, factor),
        None => factor,
    }
}

/// Arithmetic on **public** field elements only (x-coordinates, their powers, Lagrange
/// weights). It needs no fixed running time. On x86_64 and aarch64, [`public::mul`] looks
/// the product up in the SIMD backends' nibble tables (the only tables in keysplit, and
/// only ever indexed by public values); elsewhere it is a carry-less product whose eight
/// terms are independent, several times faster than [`crate::field::mul`]'s serial loop.
/// The inverse is table-free everywhere.
pub mod public {

    /// Reduces a carry-less product of two bytes (below 2^15) modulo 0x11B:
    /// `x^8 = x^4 + x^3 + x + 1`, applied twice.
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    #[inline(always)]
    fn reduce(product: u32) -> u8 {
        let high = product >> 8;
        let product = (product & 0xFF) ^ high ^ (high << 1) ^ (high << 3) ^ (high << 4);
        let high = product >> 8;
        ((product & 0xFF) ^ high ^ (high << 1) ^ (high << 3) ^ (high << 4)) as u8
    }

    /// Product of two public elements: two lookups in `a`'s nibble tables (both indices
    /// public), six instructions instead of the carry-less loop's ~45. (Where the SIMD
    /// backends link those tables anyway.)
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    #[inline]
    pub fn mul(a: u8, b: u8) -> u8 {
        let tables = crate::backend::nibble_tables(a);
        let (low, high) = (usize::from(b & 0x0F), usize::from(b >> 4));
        tables.low.get(low).copied().unwrap_or(0) ^ tables.high.get(high).copied().unwrap_or(0)
    }

    /// Product of two public elements, the carry-less product. (Elsewhere the 8 KiB of
    /// nibble tables are not linked: on wasm32 the module size is budgeted, and small
    /// targets have only the portable backend.)
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    #[inline]
    pub fn mul(a: u8, b: u8) -> u8 {
        let (a, b) = (u32::from(a), u32::from(b));
        let mut product = 0u32;
        for i in 0..8 {
            product ^= (a << i) & 0u32.wrapping_sub((b >> i) & 1);
        }
        reduce(product)
    }

    /// Degree of a non-zero polynomial over GF(2) held in the low bits of `p`.
    #[inline]
    fn degree(p: u16) -> u32 {
        15 - p.leading_zeros()
    }

    /// Inverse of a public element by the extended Euclidean algorithm on polynomials
    /// over GF(2) (about a dozen shift/XOR steps; faster here than the 11 products of
    /// `a^254`); `inv(0) = 0`.
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

/// `out = sum_i weights[i] * ys[i]` (overwriting `out`), the first two terms in one pass.
pub fn interpolate(out: &mut [u8], ys: &[&[u8]], weights: &[u8], backend: Backend) {
    interpolate_with(out, weights, |i| ys.get(i).copied().unwrap_or(&[]), backend);
}

/// `out = f(at)` for the polynomial `f` through the points `(xs[i], ys[i])`, byte by byte:
/// [`lagrange_weights`] at any public `at` (SLIP-39 reads its secret at 255 and its digest
/// at 254, not at 0), then the constant-time multiply-accumulate of the detected backend.
/// The caller guarantees distinct x's, one `ys` entry per x, each at least `out.len()`
/// bytes long (otherwise the result is meaningless, but there is no panic).
pub fn interpolate_at(xs: &[u8], ys: &[&[u8]], at: u8, out: &mut [u8]) {
    let backend = Backend::detect();
    let mut weights = vec![0u8; xs.len().min(255)];
    lagrange_weights_into(xs, at, &mut weights, backend);
    interpolate(out, ys, &weights, backend);
}

/// Bytes of the output a combine finishes before moving on: with three or more shares,
/// every share's pass over a chunk finds the chunk still in L1 (a 1 MiB secret does not
/// fit in L2).
const INTERPOLATE_CHUNK: usize = 16 * 1024;

/// [`interpolate`] with share `i`'s values given by `y(i)` (for `i < weights.len()`, at
/// least `out.len()` bytes each), chunk by chunk.
pub fn interpolate_with<'a>(
    out: &mut [u8],
    weights: &[u8],
    y: impl Fn(usize) -> &'a [u8],
    backend: Backend,
) {
    let chunk = |i: usize, at: usize, len: usize| y(i).get(at..at + len).unwrap_or(&[]);
    let mut at = 0;
    for out in out.chunks_mut(INTERPOLATE_CHUNK) {
        let len = out.len();
        match weights {
            [w0, w1, rest @ ..] => {
                backend.mul2(out, chunk(0, at, len), *w0, chunk(1, at, len), *w1);
                for (i, &w) in rest.iter().enumerate() {
                    backend.mul_add(out, chunk(i + 2, at, len), w);
                }
            }
            _ => {
                out.fill(0);
                for (i, &w) in weights.iter().enumerate() {
                    backend.mul_add(out, chunk(i, at, len), w);
                }
            }
        }
        at += len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field;
    use chacha20::ChaCha20Rng;
    use rand_core::{Rng, SeedableRng};

    /// A test generator serving the bytes `next_byte` makes, one at a time (a plain byte
    /// stream: words are read as their little-endian bytes).
    struct ByteRng<F: FnMut() -> u8>(F);
    impl<F: FnMut() -> u8> rand_core::TryRng for ByteRng<F> {
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
            dst.fill_with(&mut self.0);
            Ok(())
        }
    }
    impl<F: FnMut() -> u8> rand_core::TryCryptoRng for ByteRng<F> {}

    /// `start, start + 1, ...` (wrapping).
    fn counting_rng(start: u8) -> ByteRng<impl FnMut() -> u8> {
        let mut next = start;
        ByteRng(move || {
            let byte = next;
            next = next.wrapping_add(1);
            byte
        })
    }

    /// Only 0xFF, which every x draw rejects.
    fn stuck_rng() -> ByteRng<impl FnMut() -> u8> {
        ByteRng(|| 0xFF)
    }

    /// A continuous byte stream (xorshift), biased high so that rejections are common.
    fn biased_stream(seed: u64) -> ByteRng<impl FnMut() -> u8> {
        let mut state = seed;
        ByteRng(move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let byte = (state >> 32) as u8;
            if state & 3 == 0 {
                byte | 0xF8
            } else {
                byte
            }
        })
    }

    #[test]
    fn xs_are_distinct_and_nonzero_for_every_count() {
        let mut rng = counting_rng(7);
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

    /// The normative order, literally: one byte per generator call.
    fn one_byte_per_call_xs<R: CryptoRng>(n: usize, rng: &mut R) -> Vec<u8> {
        let mut pool: Vec<u8> = (1..=255).collect();
        for i in 0..n {
            let m = 255 - i;
            let index = loop {
                let mut b = [0u8; 1];
                rng.fill_bytes(&mut b);
                if usize::from(b[0]) < 256 - 256 % m {
                    break usize::from(b[0]) % m;
                }
            };
            pool.swap(i, i + index);
        }
        pool.truncate(n);
        pool
    }

    #[test]
    fn xs_follow_the_normative_byte_order_including_rejections() {
        for n in 1..=255 {
            for seed in 1..20u64 {
                let mut ours = biased_stream(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
                let mut reference = biased_stream(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
                let got = random_xs(n, &mut ours).unwrap();
                assert_eq!(got, one_byte_per_call_xs(n, &mut reference), "n={n}");
                // Nothing read beyond what the draws used.
                assert_eq!(ours.next_u64(), reference.next_u64(), "n={n} over-read");
            }
        }
    }

    #[test]
    fn few_xs_are_the_same_shuffle_as_the_whole_pool() {
        for n in 0..=FEW_XS {
            for seed in 0..200u64 {
                let (mut few, mut pool) = ([0u8; FEW_XS], [0u8; FEW_XS]);
                let mut rng = ChaCha20Rng::seed_from_u64(seed);
                few_random_xs_into(&mut few[..n], &mut rng).unwrap();
                let mut rng = ChaCha20Rng::seed_from_u64(seed);
                pool_random_xs_into(&mut pool[..n], &mut rng).unwrap();
                assert_eq!(few, pool, "n={n} seed={seed}");
            }
        }
    }

    #[test]
    fn remainder_without_division_is_exact_for_every_byte_and_modulus() {
        for m in 1..=255usize {
            assert_eq!(rejection_limit(m), 256 - 256 % m);
            for b in 0..=255usize {
                assert_eq!(remainder(b, m), b % m, "{b} mod {m}");
            }
        }
    }

    #[test]
    fn a_stuck_rng_is_an_error_not_a_hang() {
        // 0xFF is always rejected when drawing from 0..255 (limit 255).
        assert_eq!(random_xs(3, &mut stuck_rng()), Err(Error::Rng));
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

    /// Also covers the last weight, which the code derives from the others (the basis
    /// sums to 1) while the textbook formula computes it directly.
    #[test]
    fn lagrange_weights_match_the_textbook_formula() {
        let mut rng = counting_rng(1);
        for k in 1..=20 {
            let xs = random_xs(k, &mut rng).unwrap();
            for at in [0u8, 1, 7, 255, xs[0]] {
                assert_eq!(lagrange_weights(&xs, at), lagrange_reference(&xs, at));
                let mut portable = vec![0u8; k];
                lagrange_weights_into(&xs, at, &mut portable, Backend::portable());
                assert_eq!(portable, lagrange_reference(&xs, at));
            }
        }
        let all: Vec<u8> = (1..=255).collect();
        assert_eq!(lagrange_weights(&all, 0), lagrange_reference(&all, 0));
    }

    #[test]
    fn chunked_interpolation_matches_the_scalar_sum_for_every_share_count() {
        use rand_core::{Rng, SeedableRng};
        let mut rng = chacha20::ChaCha20Rng::seed_from_u64(9);
        let len = 2 * INTERPOLATE_CHUNK + 333; // two full chunks and a short one
        for k in [1usize, 2, 3, 5] {
            let ys: Vec<Vec<u8>> = (0..k)
                .map(|_| {
                    let mut y = vec![0u8; len];
                    rng.fill_bytes(&mut y);
                    y
                })
                .collect();
            let weights: Vec<u8> = (0..k)
                .map(|i| 0x53u8.wrapping_add((i as u8).wrapping_mul(77)))
                .collect();
            let expected: Vec<u8> = (0..len)
                .map(|at| (0..k).fold(0, |sum, i| sum ^ field::mul(weights[i], ys[i][at])))
                .collect();
            for backend in Backend::available() {
                let mut out = vec![0xEEu8; len];
                let slices: Vec<&[u8]> = ys.iter().map(|y| &y[..]).collect();
                interpolate(&mut out, &slices, &weights, backend);
                assert_eq!(out, expected, "k={k} backend {}", backend.name());
            }
        }
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
