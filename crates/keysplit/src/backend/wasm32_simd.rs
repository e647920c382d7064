//! wasm32 simd128 backend: 16 bytes per step with `i8x16.swizzle` nibble tables.
//!
//! The nibble-table method of the x86 shuffle backends: `u8x16_swizzle` selects, for each
//! of 16 source nibbles, an entry of a 16-byte table held in a v128 value. Secret bytes are
//! swizzle operands, never memory addresses. simd128 is a compile-time feature in
//! WebAssembly (a module either validates with it or not), so this backend exists exactly
//! when the crate is built with `-C target-feature=+simd128`.

use core::arch::wasm32::{
    u8x16_shr, u8x16_splat, u8x16_swizzle, v128, v128_and, v128_load, v128_store, v128_xor,
};

use super::nibble_tables;

const LANES: usize = 16;

#[inline(always)]
fn product(source: v128, low: v128, high: v128) -> v128 {
    let low_nibbles = v128_and(source, u8x16_splat(0x0F));
    let high_nibbles = u8x16_shr(source, 4);
    v128_xor(
        u8x16_swizzle(low, low_nibbles),
        u8x16_swizzle(high, high_nibbles),
    )
}

/// `dst[i] ^= c * src[i]` for `i < min(dst.len(), src.len())`.
pub(super) fn mul_add(dst: &mut [u8], src: &[u8], c: u8) {
    let len = dst.len().min(src.len());
    let (dst, src) = (&mut dst[..len], &src[..len]);
    let tables = nibble_tables(c);
    // SAFETY: each pointer points to the 16 bytes of a `[u8; 16]`; v128_load has no
    // alignment requirement.
    let (low, high) = unsafe {
        (
            v128_load(tables.low.as_ptr().cast()),
            v128_load(tables.high.as_ptr().cast()),
        )
    };
    let mut dst_chunks = dst.chunks_exact_mut(LANES);
    let mut src_chunks = src.chunks_exact(LANES);
    for (d, s) in (&mut dst_chunks).zip(&mut src_chunks) {
        // SAFETY: `chunks_exact` gives slices of exactly 16 bytes, so the loads and the
        // store stay inside `d` and `s`.
        unsafe {
            let source = v128_load(s.as_ptr().cast());
            let sum = v128_xor(v128_load(d.as_ptr().cast()), product(source, low, high));
            v128_store(d.as_mut_ptr().cast(), sum);
        }
    }
    let dst_tail = dst_chunks.into_remainder();
    if !dst_tail.is_empty() {
        // The last few bytes go through one padded vector on the stack (the length is
        // public), which is wiped afterwards.
        let mut tail = super::Tail::<LANES>::new(src_chunks.remainder());
        // SAFETY: both arrays are 16 bytes long.
        unsafe {
            let p = product(v128_load(tail.src.as_ptr().cast()), low, high);
            v128_store(tail.product.as_mut_ptr().cast(), p);
        }
        tail.finish(dst_tail);
    }
}
