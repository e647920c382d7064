//! aarch64 NEON backend: 16 bytes per step with `tbl` nibble tables.
//!
//! The nibble-table method of the x86 shuffle backends: `vqtbl1q_u8` selects, for each of
//! 16 source nibbles, an entry of a 16-byte table held in a register. Secret bytes are
//! table-lookup operands inside a register, never memory addresses.

use core::arch::aarch64::{
    uint8x16_t, vandq_u8, vdupq_n_u8, veorq_u8, vld1q_u8, vqtbl1q_u8, vshrq_n_u8, vst1q_u8,
};

use super::nibble_tables;

const LANES: usize = 16;

#[inline]
#[target_feature(enable = "neon")]
fn product(source: uint8x16_t, low: uint8x16_t, high: uint8x16_t) -> uint8x16_t {
    let low_nibbles = vandq_u8(source, vdupq_n_u8(0x0F));
    let high_nibbles = vshrq_n_u8::<4>(source);
    veorq_u8(vqtbl1q_u8(low, low_nibbles), vqtbl1q_u8(high, high_nibbles))
}

/// `dst[i] ^= c * src[i]` for `i < min(dst.len(), src.len())`.
///
/// Safe to call only on a CPU with NEON (every aarch64 Linux, macOS and Windows CPU).
#[target_feature(enable = "neon")]
fn mul_add(dst: &mut [u8], src: &[u8], c: u8) {
    let len = dst.len().min(src.len());
    let (dst, src) = (&mut dst[..len], &src[..len]);
    let tables = nibble_tables(c);
    // SAFETY: each pointer points to the 16 bytes of a `[u8; 16]`.
    let (low, high) = unsafe {
        (
            vld1q_u8(tables.low.as_ptr()),
            vld1q_u8(tables.high.as_ptr()),
        )
    };
    let mut dst_chunks = dst.chunks_exact_mut(LANES);
    let mut src_chunks = src.chunks_exact(LANES);
    for (d, s) in (&mut dst_chunks).zip(&mut src_chunks) {
        // SAFETY: `chunks_exact` gives slices of exactly 16 bytes, so the loads and the
        // store stay inside `d` and `s` (vld1q/vst1q need no alignment beyond a byte).
        unsafe {
            let sum = veorq_u8(
                vld1q_u8(d.as_ptr()),
                product(vld1q_u8(s.as_ptr()), low, high),
            );
            vst1q_u8(d.as_mut_ptr(), sum);
        }
    }
    super::Tail::<LANES>::run(
        dst_chunks.into_remainder(),
        src_chunks.remainder(),
        |src, out| {
            // SAFETY: both arrays are 16 bytes long.
            unsafe {
                let p = product(vld1q_u8(src.as_ptr()), low, high);
                vst1q_u8(out.as_mut_ptr(), p);
            }
        },
    );
}

/// The dispatcher's entry point for [`mul_add`].
///
/// # Safety
/// The CPU must have NEON. `Backend::mul_add` calls it only for a `Backend` of this
/// kind, a value made only after `platform::supported` found them on this CPU.
#[inline]
pub(super) unsafe fn mul_add_checked(dst: &mut [u8], src: &[u8], c: u8) {
    // SAFETY: the caller guarantees NEON (see `# Safety`), the only requirement of
    // `mul_add`.
    unsafe { mul_add(dst, src, c) }
}
