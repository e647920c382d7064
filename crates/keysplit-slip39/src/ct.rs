//! Constant-time helpers and the declassification points.
//!
//! Word indices, share values and everything derived from them are secret: they are only
//! combined with masks, never used as a branch condition or a memory index. A few values
//! computed from them are public by design and are then declassified (handed to the
//! constant-time check's hook, in its build only) before a branch:
//!
//! * whether a word is in the word list (every word of a valid share is);
//! * a share's metadata (identifier, flags, iteration exponent, indices, thresholds): the
//!   specification prints them in the first four words, they are the same for every secret;
//! * the verdicts of the RS1024 checksum, of the padding bits and of the digest: whether a
//!   share is corrupted is exactly what combine reports;
//! * whether two shares with the same index hold the same value (a repeated share).
//!
//! The constant-time check (`crates/keysplit-ctgrind`) verifies the rest under valgrind.

// The core's hook: the constant-time check installs one function for both crates.
use keysplit::hazmat::declassify;

/// A value that is public by design.
#[inline]
pub(crate) fn public_u32(value: u32) -> u32 {
    let mut bytes = value.to_le_bytes();
    declassify(&mut bytes);
    u32::from_le_bytes(bytes)
}

/// A mask (all ones: true, zero: false) that is public by design, as a `bool`.
#[inline]
pub(crate) fn public_mask(mask: u32) -> bool {
    public_u32(mask) != 0
}

/// All ones when `a == b`, else zero, without a branch.
#[inline(always)]
pub(crate) fn eq_mask(a: u32, b: u32) -> u32 {
    let diff = u64::from(a ^ b);
    // diff - 1 borrows (top bit set) exactly when diff is 0.
    let zero = (diff.wrapping_sub(1) >> 63) as u32;
    core::hint::black_box(0u32.wrapping_sub(zero))
}

/// All ones when `value < bound` (both below 2^31), else zero.
#[inline(always)]
pub(crate) fn lt_mask(value: u32, bound: u32) -> u32 {
    0u32.wrapping_sub(value.wrapping_sub(bound) >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(eq_mask(5, 5), u32::MAX);
        assert_eq!(eq_mask(0, 0), u32::MAX);
        assert_eq!(eq_mask(5, 4), 0);
        assert_eq!(eq_mask(u32::MAX, 0), 0);
        assert_eq!(lt_mask(25, 26), u32::MAX);
        assert_eq!(lt_mask(26, 26), 0);
        assert_eq!(lt_mask(200, 26), 0);
    }
}
