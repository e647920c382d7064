//! Declassification points: the few places where a value computed from secrets is public
//! by design, and is then used as a branch condition.
//!
//! * the verdict of a share's checksum, of the shared integrity digest, and of the
//!   "does this extra share lie on the polynomial" check (in memory and streaming, where
//!   the last is checked per block): whether a share is corrupted, forged or consistent
//!   is exactly what combine reports to its caller;
//! * the verdicts "this text is valid hex / valid bech32m" and "its checksum matches";
//! * the layout of share text: which characters are whitespace, where the `1` separator
//!   is, whether the text mixes cases. No character of the data part of a valid share is
//!   whitespace, a `1` or of the other case, so these bits are the same for every secret.
//!
//! Everything else computed from secrets must never reach a branch or an address. The
//! constant-time check (`crates/keysplit-ctgrind`) verifies exactly that under valgrind:
//! built with `RUSTFLAGS="--cfg keysplit_ctgrind"`, every function here hands the value to
//! a hook that marks it defined (public) for memcheck; in every other build the hook does
//! not exist and these functions are plain conversions.

// `keysplit_ctgrind` is set only through RUSTFLAGS by the constant-time check.
#![allow(unexpected_cfgs)]

use subtle::{Choice, ConstantTimeEq};

#[cfg(keysplit_ctgrind)]
extern crate std;

#[cfg(keysplit_ctgrind)]
static DECLASSIFY_HOOK: std::sync::OnceLock<fn(&mut [u8])> = std::sync::OnceLock::new();

/// Installs the function that declassifies public-by-design values (the valgrind
/// `MAKE_MEM_DEFINED` client request). Only in builds with `--cfg keysplit_ctgrind`; the
/// first hook installed stays. Returns false if one was already installed.
#[cfg(keysplit_ctgrind)]
pub fn set_declassify_hook(hook: fn(&mut [u8])) -> bool {
    DECLASSIFY_HOOK.set(hook).is_ok()
}

/// Hands `bytes` to the declassification hook, in the constant-time check's build only
/// (elsewhere it does nothing): for a value computed from secrets that is public by design
/// and about to decide a branch. Crates built on keysplit's field (SLIP-39) use it so the
/// check needs one hook. Using it on a value that is not public hides a leak from the
/// check: each call site must say why its value is public.
#[inline(always)]
pub fn declassify(bytes: &mut [u8]) {
    #[cfg(keysplit_ctgrind)]
    if let Some(hook) = DECLASSIFY_HOOK.get() {
        hook(bytes);
    }
    #[cfg(not(keysplit_ctgrind))]
    let _ = bytes;
}

/// A constant-time comparison result that is public by design, as a `bool`.
#[inline]
pub(crate) fn public_choice(choice: Choice) -> bool {
    let mut bit = [choice.unwrap_u8()];
    declassify(&mut bit);
    bit[0] == 1
}

/// A mask (`0xFF` true, `0x00` false) that is public by design, as a `bool`.
#[inline]
pub(crate) fn public_mask(mask: u8) -> bool {
    let mut mask = [mask];
    declassify(&mut mask);
    mask[0] == 0xFF
}

/// A position or length that is public by design.
#[inline]
pub(crate) fn public_usize(value: usize) -> usize {
    let mut bytes = value.to_le_bytes();
    declassify(&mut bytes);
    usize::from_le_bytes(bytes)
}

/// Constant-time equality of two byte strings whose lengths are public (different
/// lengths are unequal): the XORs of 8-byte words are OR-ed together and the result is
/// compared with 0 once, so the time depends on the lengths only. `subtle`'s slice
/// comparison passes every byte through its optimisation barrier, which costs more than
/// the comparison itself for a digest.
pub(crate) fn bytes_eq(a: &[u8], b: &[u8]) -> Choice {
    if a.len() != b.len() {
        return Choice::from(0);
    }
    let (a_words, a_tail) = a.as_chunks::<8>();
    let (b_words, b_tail) = b.as_chunks::<8>();
    let mut diff = 0u64;
    for (x, y) in a_words.iter().zip(b_words) {
        diff |= u64::from_ne_bytes(*x) ^ u64::from_ne_bytes(*y);
    }
    for (x, y) in a_tail.iter().zip(b_tail) {
        diff |= u64::from(x ^ y);
    }
    diff.ct_eq(&0)
}

#[cfg(test)]
mod tests {
    use super::bytes_eq;

    #[test]
    fn bytes_eq_sees_every_byte_and_the_length() {
        for len in 0..40usize {
            let a: alloc::vec::Vec<u8> = (0..len).map(|i| i as u8 ^ 0x5A).collect();
            assert!(bool::from(bytes_eq(&a, &a.clone())), "len {len}");
            for at in 0..len {
                for bit in 0..8 {
                    let mut b = a.clone();
                    b[at] ^= 1 << bit;
                    assert!(!bool::from(bytes_eq(&a, &b)), "len {len} at {at} bit {bit}");
                }
            }
            if len > 0 {
                assert!(!bool::from(bytes_eq(&a, &a[..len - 1])), "len {len}");
            }
        }
    }
}
