//! x86_64 SSSE3 backend: 16 bytes per step with `pshufb` nibble tables.
//!
//! For a public `c`, `c * s = c * (s & 0x0F) ^ c * (s & 0xF0)`. The two 16-entry tables of
//! `c * low nibble` and `c * high nibble` live in registers; `pshufb` selects a table entry
//! for each of the 16 source bytes inside the register. The secret bytes are shuffle
//! operands, never memory addresses.

use core::arch::x86_64::{
    __m128i, _mm_and_si128, _mm_loadu_si128, _mm_set1_epi8, _mm_shuffle_epi8, _mm_srli_epi64,
    _mm_storeu_si128, _mm_xor_si128,
};

use super::nibble_tables;

const LANES: usize = 16;

#[inline]
#[target_feature(enable = "ssse3")]
fn product(source: __m128i, low: __m128i, high: __m128i) -> __m128i {
    let nibble = _mm_set1_epi8(0x0F);
    let low_nibbles = _mm_and_si128(source, nibble);
    let high_nibbles = _mm_and_si128(_mm_srli_epi64::<4>(source), nibble);
    _mm_xor_si128(
        _mm_shuffle_epi8(low, low_nibbles),
        _mm_shuffle_epi8(high, high_nibbles),
    )
}

/// `dst[i] ^= c * src[i]` for `i < min(dst.len(), src.len())`.
///
/// Safe to call only on a CPU with SSSE3 (the dispatcher checks; see `platform`).
#[target_feature(enable = "ssse3")]
fn mul_add(dst: &mut [u8], src: &[u8], c: u8) {
    let len = dst.len().min(src.len());
    let (dst, src) = (&mut dst[..len], &src[..len]);
    let tables = nibble_tables(c);
    // SAFETY: each pointer points to 16 readable bytes of a `[u8; 16]`; loadu has no
    // alignment requirement.
    let (low, high) = unsafe {
        (
            _mm_loadu_si128(tables.low.as_ptr().cast()),
            _mm_loadu_si128(tables.high.as_ptr().cast()),
        )
    };
    let mut dst_chunks = dst.chunks_exact_mut(LANES);
    let mut src_chunks = src.chunks_exact(LANES);
    for (d, s) in (&mut dst_chunks).zip(&mut src_chunks) {
        // SAFETY: `chunks_exact` gives slices of exactly 16 bytes, so the unaligned loads
        // and the store stay inside `d` and `s`.
        unsafe {
            let source = _mm_loadu_si128(s.as_ptr().cast());
            let target = _mm_loadu_si128(d.as_ptr().cast());
            let sum = _mm_xor_si128(target, product(source, low, high));
            _mm_storeu_si128(d.as_mut_ptr().cast(), sum);
        }
    }
    super::Tail::<LANES>::run(
        dst_chunks.into_remainder(),
        src_chunks.remainder(),
        |src, out| {
            // SAFETY: both arrays are 16 bytes long.
            unsafe {
                let source = _mm_loadu_si128(src.as_ptr().cast());
                _mm_storeu_si128(out.as_mut_ptr().cast(), product(source, low, high));
            }
        },
    );
}

/// The dispatcher's entry point for [`mul_add`].
///
/// # Safety
/// The CPU must have SSSE3. `Backend::mul_add` calls it only for a `Backend` of this
/// kind, a value made only after `platform::supported` found them on this CPU.
#[inline]
pub(super) unsafe fn mul_add_checked(dst: &mut [u8], src: &[u8], c: u8) {
    // SAFETY: the caller guarantees SSSE3 (see `# Safety`), the only requirement of
    // `mul_add`.
    unsafe { mul_add(dst, src, c) }
}
