//! Arithmetic on **public** field elements only (x-coordinates, their powers, Lagrange
//! weights). It needs no fixed running time. On x86_64 and aarch64, [`mul`] looks
//! the product up in the SIMD backends' nibble tables (the only tables in keysplit, and
//! only ever indexed by public values); elsewhere it is a carry-less product whose eight
//! terms are independent, unlike those of [`crate::field::mul`]'s serial loop.
//! The inverse is table-free everywhere.

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
/// over GF(2) (about a dozen shift/XOR steps instead of the 11 products of `a^254`);
/// `inv(0) = 0`.
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
