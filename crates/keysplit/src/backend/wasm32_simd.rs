//! wasm32 simd128 backend: 16 bytes per step with `i8x16.swizzle` nibble tables.
//!
//! The nibble-table method of the x86 shuffle backends: `u8x16_swizzle` selects, for each
//! of 16 source nibbles, an entry of a 16-byte table held in a v128 value. Secret bytes are
//! swizzle operands, never memory addresses. simd128 is a compile-time feature in
//! WebAssembly (a module either validates with it or not), so this backend exists exactly
//! when the crate is built with `-C target-feature=+simd128`.

use core::arch::wasm32::{
    u16x8_shr, u8x16, u8x16_eq, u8x16_shr, u8x16_splat, u8x16_swizzle, v128, v128_and, v128_load,
    v128_store, v128_xor,
};

const LANES: usize = 16;

#[inline(always)]
fn product(source: v128, low: v128, high: v128) -> v128 {
    let mask = u8x16_splat(0x0F);
    let low_nibbles = v128_and(source, mask);
    // A 16-bit shift and a mask: V8 has no byte shift and expands `i8x16.shr_u` to five
    // instructions.
    let high_nibbles = v128_and(u16x8_shr(source, 4), mask);
    v128_xor(
        u8x16_swizzle(low, low_nibbles),
        u8x16_swizzle(high, high_nibbles),
    )
}

/// The two 16-entry nibble tables of the public constant `c` (`c * n` and `c * (n << 4)`),
/// computed in registers: `c * n` is the XOR of `c * x^i` over the set bits `i` of `n`.
/// The x86 backends read them from the 8 KiB static `NIBBLE_TABLES`; here the module's
/// size is budgeted, and this costs a few dozen vector operations per call.
#[inline(always)]
fn tables(c: u8) -> (v128, v128) {
    let nibbles = u8x16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    let one = u8x16_splat(1);
    let (mut low, mut high) = (u8x16_splat(0), u8x16_splat(0));
    let mut power = c; // c * x^i
    for i in 0..8u32 {
        // 0xFF in the lanes whose nibble has bit i % 4 set: a mask, not a branch.
        let selected = u8x16_eq(v128_and(u8x16_shr(nibbles, i % 4), one), one);
        let term = v128_and(selected, u8x16_splat(power));
        if i < 4 {
            low = v128_xor(low, term);
        } else {
            high = v128_xor(high, term);
        }
        power = crate::field::xtime(power);
    }
    (low, high)
}

/// The 16 bytes at `at` (`at + 16 <= bytes.len()`, checked).
#[inline(always)]
fn load(bytes: &[u8], at: usize) -> v128 {
    let lane = &bytes[at..at + LANES];
    // SAFETY: `lane` is exactly 16 readable bytes; v128_load has no alignment requirement.
    unsafe { v128_load(lane.as_ptr().cast()) }
}

/// Stores `value` into the 16 bytes at `at` (`at + 16 <= bytes.len()`, checked).
#[inline(always)]
fn store(bytes: &mut [u8], at: usize, value: v128) {
    let lane = &mut bytes[at..at + LANES];
    // SAFETY: `lane` is exactly 16 writable bytes; v128_store has no alignment requirement.
    unsafe { v128_store(lane.as_mut_ptr().cast(), value) }
}

// The loops index by position rather than zipping `chunks_exact` iterators: the module is
// built for size (opt-level "z"), where iterator adapters are not inlined and the kernel
// pays a call per step. Every slice is first cut to the common length and the loops run
// while `at + LANES <= len`, which lets the compiler prove each 16-byte access in bounds
// and drop the three bounds checks per step it otherwise emits.

/// `dst[i] ^= c * src[i]` for `i < min(dst.len(), src.len())`.
pub(super) fn mul_add(dst: &mut [u8], src: &[u8], c: u8) {
    let len = dst.len().min(src.len());
    let (dst, src) = (&mut dst[..len], &src[..len]);
    let (low, high) = tables(c);
    let whole = len - len % LANES;
    let mut at = 0;
    while at + LANES <= len {
        let sum = v128_xor(load(dst, at), product(load(src, at), low, high));
        store(dst, at, sum);
        at += LANES;
    }
    super::Tail::<LANES>::run(&mut dst[whole..], &src[whole..], |src, out| {
        store(out, 0, product(load(src, 0), low, high));
    });
}

/// `dst[i] = a * src_a[i] ^ b * src_b[i]` over equal lengths (the caller trims them).
pub(super) fn mul2(dst: &mut [u8], src_a: &[u8], a: u8, src_b: &[u8], b: u8) {
    let len = dst.len().min(src_a.len()).min(src_b.len());
    let (dst, src_a, src_b) = (&mut dst[..len], &src_a[..len], &src_b[..len]);
    let (low_a, high_a) = tables(a);
    let (low_b, high_b) = tables(b);
    let whole = len - len % LANES;
    let mut at = 0;
    // `a` is public: split's `a = 1` skips the first product.
    if a == 1 {
        while at + LANES <= len {
            let sum = v128_xor(load(src_a, at), product(load(src_b, at), low_b, high_b));
            store(dst, at, sum);
            at += LANES;
        }
    } else {
        while at + LANES <= len {
            let first = product(load(src_a, at), low_a, high_a);
            let sum = v128_xor(first, product(load(src_b, at), low_b, high_b));
            store(dst, at, sum);
            at += LANES;
        }
    }
    if whole < len {
        // The last few bytes in two padded passes (no second tail kernel in the module).
        let dst = &mut dst[whole..len];
        if a == 1 {
            dst.copy_from_slice(&src_a[whole..len]);
        } else {
            dst.fill(0);
            mul_add(dst, &src_a[whole..len], a);
        }
        mul_add(dst, &src_b[whole..len], b);
    }
}

/// `a[i] = wa * a[i] ^ wb * b[i]` for `i < min(a.len(), b.len())`: combine's first two
/// shares written over the first one (no output buffer). The last few bytes go through
/// the constant-time scalar field.
pub(super) fn mul2_in_place(a: &mut [u8], wa: u8, b: &[u8], wb: u8) {
    let len = a.len().min(b.len());
    let (a, b) = (&mut a[..len], &b[..len]);
    let (low_a, high_a) = tables(wa);
    let (low_b, high_b) = tables(wb);
    let whole = len - len % LANES;
    let mut at = 0;
    while at + LANES <= len {
        let first = product(load(a, at), low_a, high_a);
        let sum = v128_xor(first, product(load(b, at), low_b, high_b));
        store(a, at, sum);
        at += LANES;
    }
    for (x, &y) in a[whole..].iter_mut().zip(&b[whole..]) {
        *x = crate::field::mul(wa, *x) ^ crate::field::mul(wb, y);
    }
}
