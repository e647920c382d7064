//! The in-place GF(256) kernel of the raw combine ([`crate::engine`]):
//! [`mul2_in_place`], combine's first two terms, `a = wa * a ^ wb * b`, written over the
//! first staged share (no output buffer to allocate and wipe). The core's `Backend::mul2`
//! cannot write over one of its sources.
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
