//! Lagrange interpolation over public x-coordinates: the weights, then the weighted sum
//! of the shares' values.

use alloc::vec;
use alloc::vec::Vec;

use super::times;
use crate::backend::Backend;
use crate::field::public;

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
pub(super) const INTERPOLATE_CHUNK: usize = 16 * 1024;

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
