//! The GF(256) kernels of the raw fast paths ([`crate::engine`]), fused across shares.
//!
//! * [`eval_row`]: one coefficient row for every share in one pass: share `i` gets
//!   `x_i^j * row` (added to the secret for the first row, to its running value after).
//!   Each 16-byte vector of coefficients is loaded and cut into nibbles once, not once per
//!   share as `Backend::mul2` / `mul_add` per share would.
//! * [`mul2_in_place`]: combine's first two terms, `a = wa * a ^ wb * b`, written over the
//!   first staged share (no output buffer to allocate and wipe).
//!
//! The method is the core's simd128 backend's: `i8x16.swizzle` of 16-entry nibble tables
//! of the public constant, so secret bytes are swizzle operands, never addresses or
//! conditions. The last `len % 16` bytes go through `field::mul` (constant time, no table).
//! Builds without simd128 (native checks of this crate) use `field::mul` throughout.

use keysplit::hazmat::field;

/// Bytes per vector.
pub const LANES: usize = 16;

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use core::arch::wasm32::{
        u16x8_shr, u8x16, u8x16_eq, u8x16_shr, u8x16_splat, u8x16_swizzle, v128, v128_and,
        v128_load, v128_store, v128_xor,
    };

    use super::LANES;

    /// The nibble tables of a public constant `c`: `c * n` and `c * (n << 4)`, n < 16.
    pub type Tables = (v128, v128);

    /// The tables of `c`, computed in registers: `c * n` is the XOR of `c * x^i` over
    /// the set bits `i` of `n` (masks, not branches). The same as the core's backend.
    #[inline(always)]
    pub fn tables(c: u8) -> Tables {
        let nibbles = u8x16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        let one = u8x16_splat(1);
        let (mut low, mut high) = (u8x16_splat(0), u8x16_splat(0));
        let mut power = c; // c * x^i
        for i in 0..8u32 {
            let selected = u8x16_eq(v128_and(u8x16_shr(nibbles, i % 4), one), one);
            let term = v128_and(selected, u8x16_splat(power));
            if i < 4 {
                low = v128_xor(low, term);
            } else {
                high = v128_xor(high, term);
            }
            power = keysplit::hazmat::field::xtime(power);
        }
        (low, high)
    }

    /// The low and high nibbles of each byte of `v`. The high ones by a 16-bit shift and a
    /// mask: V8 has no byte shift and expands `i8x16.shr_u` to five instructions.
    #[inline(always)]
    pub fn nibbles(v: v128) -> (v128, v128) {
        let mask = u8x16_splat(0x0F);
        (v128_and(v, mask), v128_and(u16x8_shr(v, 4), mask))
    }

    /// `c * v` from `c`'s tables and `v`'s nibbles.
    #[inline(always)]
    pub fn product(t: &Tables, (low, high): (v128, v128)) -> v128 {
        v128_xor(u8x16_swizzle(t.0, low), u8x16_swizzle(t.1, high))
    }

    /// The 16 bytes at `at` of `bytes` (zeros if they are not all inside: the callers'
    /// loops never ask for those). A length check rather than slice indexing: this crate
    /// is built for size, where `bytes[at..at + 16]` is an out-of-line call per vector.
    #[inline(always)]
    #[allow(unsafe_code)]
    pub fn load(bytes: &[u8], at: usize) -> v128 {
        if at < bytes.len() && bytes.len() - at >= LANES {
            // SAFETY: bytes `at..at + 16` are inside `bytes` (checked just above);
            // v128_load has no alignment requirement.
            unsafe { v128_load(bytes.as_ptr().wrapping_add(at).cast()) }
        } else {
            u8x16_splat(0)
        }
    }

    /// The vector part of [`super::mul2_in_place`] (equal lengths, a multiple of 16).
    #[allow(unsafe_code)]
    pub fn mul2_pass(a: &mut [u8], wa: u8, b: &[u8], wb: u8) {
        let len = a.len();
        if b.len() != len || !len.is_multiple_of(LANES) {
            return;
        }
        let (ta, tb) = (tables(wa), tables(wb));
        let (pa, pb) = (a.as_mut_ptr(), b.as_ptr());
        let mut k = 0;
        while k < len {
            // SAFETY: k + 16 <= len = a.len() = b.len(), so both 16-byte ranges are inside
            // their slices; v128_load and v128_store have no alignment requirement.
            unsafe {
                let x = product(&ta, nibbles(v128_load(pa.wrapping_add(k).cast())));
                let y = product(&tb, nibbles(v128_load(pb.wrapping_add(k).cast())));
                v128_store(pa.wrapping_add(k).cast(), v128_xor(x, y));
            }
            k += LANES;
        }
    }

    /// The vector part of [`super::eval_row`] (its first `whole` bytes, a multiple of 16),
    /// share `i` being `out[i * stride..]`, one per multiplier.
    pub fn row_pass(
        out: &mut [u8],
        stride: usize,
        at: usize,
        whole: usize,
        row: &[u8],
        secret: Option<&[u8]>,
        multipliers: &[Tables],
    ) {
        // Everything the stores below rely on, checked once rather than per vector.
        let fits = |bytes: usize| bytes >= whole;
        let in_bounds = multipliers
            .len()
            .checked_mul(stride)
            .is_some_and(|n| n <= out.len())
            && at.checked_add(whole).is_some_and(|end| end <= stride)
            && fits(row.len())
            && secret.is_none_or(|s| fits(s.len()))
            && whole.is_multiple_of(LANES);
        if !in_bounds {
            return;
        }
        // Groups of up to four shares whose tables stay in registers for the whole row.
        let mut first = 0;
        while first < multipliers.len() {
            let group = &multipliers[first..multipliers.len().min(first + 4)];
            // Inside `out`: `first < multipliers.len()` and `multipliers.len() * stride
            // <= out.len()` (checked above).
            let base = out.as_mut_ptr().wrapping_add(first * stride);
            let row = &row[..whole];
            match *group {
                [a, b, c, d] => group_pass(base, stride, at, row, secret, [a, b, c, d]),
                [a, b, c] => group_pass(base, stride, at, row, secret, [a, b, c]),
                [a, b] => group_pass(base, stride, at, row, secret, [a, b]),
                [a] => group_pass(base, stride, at, row, secret, [a]),
                _ => {}
            }
            first += 4;
        }
    }

    /// [`row_pass`] for `G` shares starting at `base` (checked by the caller: `G` shares
    /// of `stride` bytes from `base` lie inside the output, `at + row.len() <= stride`,
    /// `row.len()` is a multiple of 16 and `secret`, if any, is at least as long).
    #[inline(always)]
    #[allow(unsafe_code)]
    fn group_pass<const G: usize>(
        base: *mut u8,
        stride: usize,
        at: usize,
        row: &[u8],
        secret: Option<&[u8]>,
        tables: [Tables; G],
    ) {
        let whole = row.len();
        let mut k = 0;
        while k < whole {
            let nibbles = nibbles(load(row, k));
            // Share g's vector: g * stride + at + k, inside the output (see above).
            if let Some(secret) = secret {
                let first = load(secret, k);
                for (g, t) in tables.iter().enumerate() {
                    let value = v128_xor(first, product(t, nibbles));
                    // SAFETY: `g * stride + at + k + 16 <= G * stride`, inside the output
                    // (see above); v128_store has no alignment requirement.
                    unsafe { v128_store(base.wrapping_add(g * stride + at + k).cast(), value) };
                }
            } else {
                for (g, t) in tables.iter().enumerate() {
                    // SAFETY: as above; v128_load and v128_store have no alignment
                    // requirement.
                    unsafe {
                        let at = base.wrapping_add(g * stride + at + k).cast();
                        v128_store(at, v128_xor(v128_load(at), product(t, nibbles)));
                    }
                }
            }
            k += LANES;
        }
    }
}

/// Per-share multipliers of one coefficient row, in the form the kernel uses.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub type Multiplier = simd::Tables;
/// Per-share multipliers of one coefficient row, in the form the kernel uses.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub type Multiplier = u8;

/// The kernel's form of the public constant `c`.
#[inline]
pub fn multiplier(c: u8) -> Multiplier {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        simd::tables(c)
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    {
        c
    }
}

/// One coefficient row for every share: for share `i` (the `stride` bytes at
/// `i * stride` of `out`, `multipliers[i]` its constant `x_i^j`), bytes `at..at + row.len()`
/// become `base ^ x_i^j * row`, where `base` is `secret` (the first row: pass it) or the
/// bytes already there (`secret` = `None`). `secret`, when given, has `row.len()` bytes.
/// Out-of-range parts are skipped (the caller sizes them; nothing here panics).
pub fn eval_row(
    out: &mut [u8],
    stride: usize,
    at: usize,
    row: &[u8],
    secret: Option<&[u8]>,
    multipliers: &[Multiplier],
) {
    let len = match secret {
        Some(secret) => row.len().min(secret.len()),
        None => row.len(),
    };
    let shares = multipliers.len().min(out.len() / stride.max(1));
    if at.saturating_add(len) > stride {
        return;
    }
    let whole = len - len % LANES;
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    simd::row_pass(out, stride, at, whole, row, secret, &multipliers[..shares]);
    let scalar_from = if cfg!(all(target_arch = "wasm32", target_feature = "simd128")) {
        whole
    } else {
        0
    };
    // The tail (and everything without simd128): the constant-time scalar product.
    for i in 0..shares {
        let c = scalar(&multipliers[i]);
        let share = &mut out[i * stride + at..i * stride + at + len];
        for k in scalar_from..len {
            let base = match secret {
                Some(s) => s[k],
                None => share[k],
            };
            share[k] = base ^ field::mul(c, row[k]);
        }
    }
}

/// `a[i] = wa * a[i] ^ wb * b[i]` for `i < min(a.len(), b.len())`, `wa`, `wb` public.
pub fn mul2_in_place(a: &mut [u8], wa: u8, b: &[u8], wb: u8) {
    let len = a.len().min(b.len());
    let whole = len - len % LANES;
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        simd::mul2_pass(&mut a[..whole], wa, &b[..whole], wb);
    }
    let scalar_from = if cfg!(all(target_arch = "wasm32", target_feature = "simd128")) {
        whole
    } else {
        0
    };
    for k in scalar_from..len {
        a[k] = field::mul(wa, a[k]) ^ field::mul(wb, b[k]);
    }
}

/// The constant behind a multiplier, for the scalar tail.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn scalar(m: &Multiplier) -> u8 {
    // The table of `c * n` holds `c` at n = 1.
    core::arch::wasm32::u8x16_extract_lane::<1>(m.0)
}
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn scalar(m: &Multiplier) -> u8 {
    *m
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn bytes(len: usize, seed: u8) -> Vec<u8> {
        (0..len)
            .map(|i| (i as u8).wrapping_mul(73).wrapping_add(seed) ^ (i >> 8) as u8)
            .collect()
    }

    #[test]
    fn eval_row_matches_the_scalar_field() {
        // Lengths across the 16-byte vector and its tail, at offsets inside the share.
        for (len, at, shares) in [
            (1, 0, 2),
            (15, 3, 3),
            (16, 0, 5),
            (17, 1, 1),
            (100, 7, 4),
            (4096, 0, 3),
        ] {
            let stride = at + len + 2;
            let xs: Vec<u8> = (0..shares)
                .map(|i| (i as u8 + 1).wrapping_mul(29) | 1)
                .collect();
            let multipliers: Vec<Multiplier> = xs.iter().map(|&x| multiplier(x)).collect();
            let (row, secret) = (bytes(len, 11), bytes(len, 200));
            let mut out = bytes(shares * stride, 5);
            let before = out.clone();
            eval_row(&mut out, stride, at, &row, Some(&secret), &multipliers);
            let mut expected = before.clone();
            for (i, &x) in xs.iter().enumerate() {
                for k in 0..len {
                    expected[i * stride + at + k] = secret[k] ^ field::mul(x, row[k]);
                }
            }
            assert_eq!(
                out, expected,
                "first row, {len} bytes at {at}, {shares} shares"
            );
            // A second row adds to what is there.
            let row2 = bytes(len, 99);
            eval_row(&mut out, stride, at, &row2, None, &multipliers);
            for (i, &x) in xs.iter().enumerate() {
                for k in 0..len {
                    expected[i * stride + at + k] ^= field::mul(x, row2[k]);
                }
            }
            assert_eq!(
                out, expected,
                "second row, {len} bytes at {at}, {shares} shares"
            );
        }
    }

    #[test]
    fn eval_row_leaves_out_of_range_requests_alone() {
        let multipliers = [multiplier(3), multiplier(5)];
        let mut out = bytes(40, 1);
        let before = out.clone();
        // The row does not fit in a 20-byte share at offset 10.
        eval_row(
            &mut out,
            20,
            10,
            &bytes(16, 2),
            Some(&bytes(16, 3)),
            &multipliers,
        );
        assert_eq!(out, before);
    }

    #[test]
    fn mul2_in_place_matches_the_scalar_field() {
        for len in [0usize, 1, 15, 16, 17, 33, 1000] {
            for (wa, wb) in [(1u8, 2u8), (0x53, 0xCA), (255, 7)] {
                let mut a = bytes(len, 17);
                let b = bytes(len + 3, 42);
                let expected: Vec<u8> = (0..len)
                    .map(|k| field::mul(wa, a[k]) ^ field::mul(wb, b[k]))
                    .collect();
                mul2_in_place(&mut a, wa, &b, wb);
                assert_eq!(a, expected, "{len} bytes, weights {wa} {wb}");
            }
        }
    }
}
