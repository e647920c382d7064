//! Scalar arithmetic in GF(2^8) with the AES polynomial x^8 + x^4 + x^3 + x + 1 (0x11B).
//!
//! This is the field used by Privy's `shamir-secret-sharing`, HashiCorp Vault's `shamir`,
//! SLIP-39 and the x86 GFNI instructions, so shares stay byte-compatible with them.
//!
//! Every function here is branch-free and table-free: no secret value is ever used as a
//! condition or as a memory index. Addition is XOR. Multiplication is a bit-serial
//! "Russian peasant" loop whose conditional steps are arithmetic masks. Inversion is
//! a^254 by a fixed square-and-multiply chain, so it costs the same for every input.
//! keysplit only ever inverts public x-coordinates, but a table-free inverse means nobody
//! has to check that claim to trust the timing.
//!
//! The crate-internal `public` module is the exception: arithmetic on public values only
//! (x-coordinates, their powers, Lagrange weights), with no fixed running time.

pub(crate) mod public;

/// The reduction polynomial without its x^8 term: x^4 + x^3 + x + 1.
pub const REDUCTION: u8 = 0x1B;

/// Sum (and difference) of two field elements.
#[inline(always)]
pub const fn add(a: u8, b: u8) -> u8 {
    a ^ b
}

/// `0xFF` when the lowest bit of `bit` is 1, else `0x00`, computed without a branch.
#[inline(always)]
const fn mask_from_low_bit(bit: u8) -> u8 {
    0u8.wrapping_sub(bit & 1)
}

/// Multiplies `a` by x (the element 0x02), reducing modulo 0x11B.
#[inline(always)]
pub const fn xtime(a: u8) -> u8 {
    (a << 1) ^ (mask_from_low_bit(a >> 7) & REDUCTION)
}

/// Product of two field elements in constant time.
///
/// The loop runs exactly eight times; each step adds `a` into the result under a mask
/// made from one bit of `b` (never an `if`), then doubles `a` with a masked reduction.
#[inline]
pub const fn mul(a: u8, b: u8) -> u8 {
    let mut result = 0u8;
    let mut a = a;
    let mut b = b;
    let mut i = 0;
    while i < 8 {
        result ^= a & mask_from_low_bit(b);
        a = xtime(a);
        b >>= 1;
        i += 1;
    }
    result
}

/// Square of a field element.
#[inline]
pub const fn square(a: u8) -> u8 {
    mul(a, a)
}

/// Multiplicative inverse, `a^254`, with `inv(0) = 0` (the usual convention; callers in
/// keysplit never pass 0 because x = 0 is rejected before any inversion).
///
/// The chain computes a^254 = a^(2+4+8+16+32+64+128) with seven squarings and six
/// multiplications, the same sequence for every input.
#[inline]
pub const fn inv(a: u8) -> u8 {
    let a2 = square(a); // a^2
    let a4 = square(a2); // a^4
    let a8 = square(a4); // a^8
    let a16 = square(a8); // a^16
    let a32 = square(a16); // a^32
    let a64 = square(a32); // a^64
    let a128 = square(a64); // a^128
    let mut r = mul(a2, a4); // a^6
    r = mul(r, a8); // a^14
    r = mul(r, a16); // a^30
    r = mul(r, a32); // a^62
    r = mul(r, a64); // a^126
    mul(r, a128) // a^254
}

/// `a / b` for public `b != 0`.
#[inline]
pub const fn div(a: u8, b: u8) -> u8 {
    mul(a, inv(b))
}

/// `a^e` for a public exponent (square-and-multiply; the exponent may steer branches
/// because it is public, the base never does).
#[inline]
pub const fn pow(a: u8, mut e: u32) -> u8 {
    let mut result = 1u8;
    let mut base = a;
    while e > 0 {
        if e & 1 == 1 {
            result = mul(result, base);
        }
        base = square(base);
        e >>= 1;
    }
    result
}

#[cfg(test)]
mod tests;
