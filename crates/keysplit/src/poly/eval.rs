//! Evaluating the random polynomials: one per payload byte, at every x, a block at a time
//! (step 2 of the randomness consumption in the module docs of `poly`).

use rand_core::CryptoRng;

use super::{times, BLOCK};
use crate::backend::Backend;
use crate::secret::{wipe, SecretBytes, SmallSecret};

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
    // Only a payload in several parts needs staging (zeroing it is a noticeable part of
    // a small split).
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
