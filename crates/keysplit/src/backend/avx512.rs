//! x86_64 AVX-512BW backend: 64 bytes per step with `vpshufb` on zmm registers.
//!
//! The nibble-table method of the SSSE3 and AVX2 backends, with the 16-entry tables
//! copied into all four 128-bit lanes. Secret bytes are shuffle operands, never memory
//! addresses.

use core::arch::x86_64::{
    __m512i, _mm512_and_si512, _mm512_broadcast_i32x4, _mm512_loadu_si512, _mm512_set1_epi8,
    _mm512_shuffle_epi8, _mm512_srli_epi64, _mm512_storeu_si512, _mm512_xor_si512, _mm_loadu_si128,
};

use super::nibble_tables;

const LANES: usize = 64;

#[inline]
#[target_feature(enable = "avx512f,avx512bw")]
fn product(source: __m512i, low: __m512i, high: __m512i) -> __m512i {
    let nibble = _mm512_set1_epi8(0x0F);
    let low_nibbles = _mm512_and_si512(source, nibble);
    let high_nibbles = _mm512_and_si512(_mm512_srli_epi64::<4>(source), nibble);
    _mm512_xor_si512(
        _mm512_shuffle_epi8(low, low_nibbles),
        _mm512_shuffle_epi8(high, high_nibbles),
    )
}

/// `dst[i] ^= c * src[i]` for `i < min(dst.len(), src.len())`.
///
/// Safe to call only on a CPU with AVX-512F and AVX-512BW (the dispatcher checks).
#[target_feature(enable = "avx512f,avx512bw")]
fn mul_add(dst: &mut [u8], src: &[u8], c: u8) {
    let len = dst.len().min(src.len());
    let (dst, src) = (&mut dst[..len], &src[..len]);
    let tables = nibble_tables(c);
    // SAFETY: each pointer points to the 16 bytes of a `[u8; 16]`; loadu has no alignment
    // requirement.
    let (low, high) = unsafe {
        (
            _mm512_broadcast_i32x4(_mm_loadu_si128(tables.low.as_ptr().cast())),
            _mm512_broadcast_i32x4(_mm_loadu_si128(tables.high.as_ptr().cast())),
        )
    };
    let mut dst_chunks = dst.chunks_exact_mut(LANES);
    let mut src_chunks = src.chunks_exact(LANES);
    for (d, s) in (&mut dst_chunks).zip(&mut src_chunks) {
        // SAFETY: `chunks_exact` gives slices of exactly 64 bytes, so the unaligned loads
        // and the store stay inside `d` and `s`.
        unsafe {
            let source = _mm512_loadu_si512(s.as_ptr().cast());
            let target = _mm512_loadu_si512(d.as_ptr().cast());
            let sum = _mm512_xor_si512(target, product(source, low, high));
            _mm512_storeu_si512(d.as_mut_ptr().cast(), sum);
        }
    }
    super::Tail::<LANES>::run(
        dst_chunks.into_remainder(),
        src_chunks.remainder(),
        |src, out| {
            // SAFETY: both arrays are 64 bytes long.
            unsafe {
                let source = _mm512_loadu_si512(src.as_ptr().cast());
                _mm512_storeu_si512(out.as_mut_ptr().cast(), product(source, low, high));
            }
        },
    );
}

/// The dispatcher's entry point for [`mul_add`].
///
/// # Safety
/// The CPU must have AVX-512F and AVX-512BW. `Backend::mul_add` calls it only for a
/// `Backend` of this kind, a value made only after `platform::supported` found them on
/// this CPU.
#[inline]
pub(super) unsafe fn mul_add_checked(dst: &mut [u8], src: &[u8], c: u8) {
    // SAFETY: the caller guarantees AVX-512F and AVX-512BW (see `# Safety`), the only
    // requirement of `mul_add`.
    unsafe { mul_add(dst, src, c) }
}
