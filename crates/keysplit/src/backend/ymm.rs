//! The 32-byte (ymm) loops the AVX2 and GFNI backends share; they differ only in how
//! they multiply 32 bytes by a public constant, which they pass in as a closure.
//!
//! Both helpers are `#[inline(always)]` and called only from inside the backends'
//! `#[target_feature]` kernels, so they and the closure are compiled into the kernel with
//! its features, like a loop written there.

use core::arch::x86_64::{__m256i, _mm256_loadu_si256, _mm256_storeu_si256, _mm256_xor_si256};

pub(super) const LANES: usize = 32;

/// `dst[i] ^= times_c(src)[i]` over equal lengths (the caller trims them), 32 bytes per
/// step, the last `< 32` bytes through one padded vector ([`super::Tail`]).
///
/// # Safety
/// The CPU must have AVX2 (the caller is an AVX2 kernel that runs only after detection).
#[inline(always)]
pub(super) unsafe fn mul_add(dst: &mut [u8], src: &[u8], times_c: impl Fn(__m256i) -> __m256i) {
    let mut dst_chunks = dst.chunks_exact_mut(LANES);
    let mut src_chunks = src.chunks_exact(LANES);
    for (d, s) in (&mut dst_chunks).zip(&mut src_chunks) {
        // SAFETY: `chunks_exact` gives slices of exactly 32 bytes, so the unaligned loads
        // and the store stay inside `d` and `s`; the caller guarantees AVX2.
        unsafe {
            let source = _mm256_loadu_si256(s.as_ptr().cast());
            let target = _mm256_loadu_si256(d.as_ptr().cast());
            let sum = _mm256_xor_si256(target, times_c(source));
            _mm256_storeu_si256(d.as_mut_ptr().cast(), sum);
        }
    }
    super::Tail::<LANES>::run(
        dst_chunks.into_remainder(),
        src_chunks.remainder(),
        |src, out| {
            // SAFETY: both arrays are 32 bytes long; the caller guarantees AVX2.
            unsafe {
                let source = _mm256_loadu_si256(src.as_ptr().cast());
                _mm256_storeu_si256(out.as_mut_ptr().cast(), times_c(source));
            }
        },
    );
}

/// `dst[i] = times_a(src_a)[i] ^ times_b(src_b)[i]` over equal lengths (the caller trims
/// them), 32 bytes per step; the last `< 32` bytes go to the portable kernel (constant-time
/// as well), which needs the constants `a` and `b` themselves.
///
/// # Safety
/// The CPU must have AVX2 (the caller is an AVX2 kernel that runs only after detection).
#[inline(always)]
pub(super) unsafe fn mul2(
    dst: &mut [u8],
    src_a: &[u8],
    a: u8,
    times_a: impl Fn(__m256i) -> __m256i,
    src_b: &[u8],
    b: u8,
    times_b: impl Fn(__m256i) -> __m256i,
) {
    let mut dst_chunks = dst.chunks_exact_mut(LANES);
    let mut a_chunks = src_a.chunks_exact(LANES);
    let mut b_chunks = src_b.chunks_exact(LANES);
    for ((d, sa), sb) in (&mut dst_chunks).zip(&mut a_chunks).zip(&mut b_chunks) {
        // SAFETY: `chunks_exact` gives slices of exactly 32 bytes, so the unaligned loads
        // and the store stay inside `d`, `sa` and `sb`; the caller guarantees AVX2.
        unsafe {
            let a0 = times_a(_mm256_loadu_si256(sa.as_ptr().cast()));
            let b0 = times_b(_mm256_loadu_si256(sb.as_ptr().cast()));
            _mm256_storeu_si256(d.as_mut_ptr().cast(), _mm256_xor_si256(a0, b0));
        }
    }
    let dst_tail = dst_chunks.into_remainder();
    if !dst_tail.is_empty() {
        super::portable::mul2(dst_tail, a_chunks.remainder(), a, b_chunks.remainder(), b);
    }
}
