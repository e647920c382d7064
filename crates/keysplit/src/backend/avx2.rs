//! x86_64 AVX2 backend: 32 bytes per step with `vpshufb` nibble tables.
//!
//! The same method as the SSSE3 backend (`c * s = c * low(s) ^ c * high(s)`, both
//! products looked up inside registers), with the 16-entry tables copied into both 128-bit
//! lanes. Secret bytes are shuffle operands, never memory addresses.

use core::arch::x86_64::{
    __m256i, _mm256_add_epi8, _mm256_and_si256, _mm256_broadcastsi128_si256, _mm256_cmpeq_epi8,
    _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_set1_epi8, _mm256_setr_epi8,
    _mm256_shuffle_epi8, _mm256_srli_epi64, _mm256_storeu_si256, _mm256_xor_si256, _mm_loadu_si128,
};

use zeroize::Zeroize;

use super::nibble_tables;
use super::ymm::{self, LANES};

#[inline]
#[target_feature(enable = "avx2")]
fn product(source: __m256i, low: __m256i, high: __m256i) -> __m256i {
    let nibble = _mm256_set1_epi8(0x0F);
    let low_nibbles = _mm256_and_si256(source, nibble);
    let high_nibbles = _mm256_and_si256(_mm256_srli_epi64::<4>(source), nibble);
    _mm256_xor_si256(
        _mm256_shuffle_epi8(low, low_nibbles),
        _mm256_shuffle_epi8(high, high_nibbles),
    )
}

/// `dst[i] ^= c * src[i]` for `i < min(dst.len(), src.len())`.
///
/// Safe to call only on a CPU with AVX2 (the dispatcher checks; see `platform`).
#[target_feature(enable = "avx2")]
fn mul_add(dst: &mut [u8], src: &[u8], c: u8) {
    let len = dst.len().min(src.len());
    let (dst, src) = (&mut dst[..len], &src[..len]);
    let tables = nibble_tables(c);
    // SAFETY: each pointer points to the 16 bytes of a `[u8; 16]`; loadu has no alignment
    // requirement.
    let (low, high) = unsafe {
        (
            _mm256_broadcastsi128_si256(_mm_loadu_si128(tables.low.as_ptr().cast())),
            _mm256_broadcastsi128_si256(_mm_loadu_si128(tables.high.as_ptr().cast())),
        )
    };
    // Two vectors per step, and chunk iterators taken by value: zipped that way they
    // share one counter (zipping `&mut` iterators compares both ends every step).
    let body = len - len % (2 * LANES);
    let (dst_body, dst_rest) = dst.split_at_mut(body);
    let (src_body, src_rest) = src.split_at(body);
    for (d, s) in dst_body
        .chunks_exact_mut(2 * LANES)
        .zip(src_body.chunks_exact(2 * LANES))
    {
        // SAFETY: `chunks_exact` gives slices of exactly 64 bytes, so the unaligned loads
        // and stores at offsets 0 and 32 stay inside `d` and `s`.
        unsafe {
            let (s0, s1) = (
                _mm256_loadu_si256(s.as_ptr().cast()),
                _mm256_loadu_si256(s.as_ptr().add(LANES).cast()),
            );
            let (t0, t1) = (
                _mm256_loadu_si256(d.as_ptr().cast()),
                _mm256_loadu_si256(d.as_ptr().add(LANES).cast()),
            );
            let sum0 = _mm256_xor_si256(t0, product(s0, low, high));
            let sum1 = _mm256_xor_si256(t1, product(s1, low, high));
            _mm256_storeu_si256(d.as_mut_ptr().cast(), sum0);
            _mm256_storeu_si256(d.as_mut_ptr().add(LANES).cast(), sum1);
        }
    }
    // SAFETY: this function runs only on a CPU with AVX2 (its `target_feature`), all that
    // the shared loop needs.
    unsafe { ymm::mul_add(dst_rest, src_rest, |source| product(source, low, high)) }
}

/// `dst[i] = a * src_a[i] ^ b * src_b[i]` over equal lengths (the caller trims them).
///
/// Safe to call only on a CPU with AVX2 (the dispatcher checks; see `platform`).
#[target_feature(enable = "avx2")]
fn mul2(dst: &mut [u8], src_a: &[u8], a: u8, src_b: &[u8], b: u8) {
    let (ta, tb) = (nibble_tables(a), nibble_tables(b));
    // SAFETY: each pointer points to the 16 bytes of a `[u8; 16]`; loadu has no alignment
    // requirement.
    let (low_a, high_a, low_b, high_b) = unsafe {
        (
            _mm256_broadcastsi128_si256(_mm_loadu_si128(ta.low.as_ptr().cast())),
            _mm256_broadcastsi128_si256(_mm_loadu_si128(ta.high.as_ptr().cast())),
            _mm256_broadcastsi128_si256(_mm_loadu_si128(tb.low.as_ptr().cast())),
            _mm256_broadcastsi128_si256(_mm_loadu_si128(tb.high.as_ptr().cast())),
        )
    };
    let len = dst.len().min(src_a.len()).min(src_b.len());
    let (dst, src_a, src_b) = (&mut dst[..len], &src_a[..len], &src_b[..len]);
    // `a` is public: split's `a = 1` skips the first product.
    let identity = a == 1;
    let first = |source: __m256i| {
        if identity {
            source
        } else {
            product(source, low_a, high_a)
        }
    };
    // Exactly one vector (a 32-byte wallet secret, share by share): straight through,
    // without the loop set-up below, which costs more than the work at this size.
    if let (Ok(d), Ok(sa), Ok(sb)) = (
        <&mut [u8; LANES]>::try_from(&mut *dst),
        <&[u8; LANES]>::try_from(src_a),
        <&[u8; LANES]>::try_from(src_b),
    ) {
        // SAFETY: all three are arrays of exactly 32 bytes; loadu/storeu have no
        // alignment requirement.
        unsafe {
            let a0 = first(_mm256_loadu_si256(sa.as_ptr().cast()));
            let b0 = product(_mm256_loadu_si256(sb.as_ptr().cast()), low_b, high_b);
            _mm256_storeu_si256(d.as_mut_ptr().cast(), _mm256_xor_si256(a0, b0));
        }
        return;
    }
    // Two vectors per step, with by-value chunk iterators sharing one counter (see
    // `mul_add`).
    let body = len - len % (2 * LANES);
    let (dst_body, dst) = dst.split_at_mut(body);
    let (a_body, src_a) = src_a.split_at(body);
    let (b_body, src_b) = src_b.split_at(body);
    for ((d, sa), sb) in dst_body
        .chunks_exact_mut(2 * LANES)
        .zip(a_body.chunks_exact(2 * LANES))
        .zip(b_body.chunks_exact(2 * LANES))
    {
        // SAFETY: `chunks_exact` gives slices of exactly 64 bytes, so the unaligned loads
        // and stores at offsets 0 and 32 stay inside `d`, `sa` and `sb`.
        unsafe {
            let a0 = first(_mm256_loadu_si256(sa.as_ptr().cast()));
            let a1 = first(_mm256_loadu_si256(sa.as_ptr().add(LANES).cast()));
            let b0 = product(_mm256_loadu_si256(sb.as_ptr().cast()), low_b, high_b);
            let b1 = product(
                _mm256_loadu_si256(sb.as_ptr().add(LANES).cast()),
                low_b,
                high_b,
            );
            _mm256_storeu_si256(d.as_mut_ptr().cast(), _mm256_xor_si256(a0, b0));
            _mm256_storeu_si256(d.as_mut_ptr().add(LANES).cast(), _mm256_xor_si256(a1, b1));
        }
    }
    let second = |source| product(source, low_b, high_b);
    // SAFETY: this function runs only on a CPU with AVX2 (its `target_feature`), all that
    // the shared loop needs.
    unsafe { ymm::mul2(dst, src_a, a, first, src_b, b, second) }
}

/// The inverse of a **public** element, found by multiplying it with all 256 candidates
/// in registers (8 steps of 32) and picking the product equal to 1; `0` for `0`. No
/// inverse table, and faster than any scalar method (one Lagrange weight per combine
/// needs it). It returns early, so it must never see a secret.
#[target_feature(enable = "avx2")]
fn inverse_of_public(d: u8) -> u8 {
    let tables = nibble_tables(d);
    // SAFETY: each pointer points to the 16 bytes of a `[u8; 16]`; loadu has no alignment
    // requirement.
    let (low, high) = unsafe {
        (
            _mm256_broadcastsi128_si256(_mm_loadu_si128(tables.low.as_ptr().cast())),
            _mm256_broadcastsi128_si256(_mm_loadu_si128(tables.high.as_ptr().cast())),
        )
    };
    let one = _mm256_set1_epi8(1);
    let step = _mm256_set1_epi8(32);
    let mut candidates = _mm256_setr_epi8(
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
        25, 26, 27, 28, 29, 30, 31,
    );
    for block in 0..8u32 {
        let hits = _mm256_cmpeq_epi8(product(candidates, low, high), one);
        let hits = _mm256_movemask_epi8(hits) as u32;
        if hits != 0 {
            return (block * 32 + hits.trailing_zeros()) as u8;
        }
        candidates = _mm256_add_epi8(candidates, step);
    }
    0
}

/// Zeroes `bytes` with volatile 32-byte stores, which the optimiser must keep (zeroize's
/// writes and fence); see `crate::secret::wipe`, the only caller.
///
/// Safe to call only on a CPU with AVX2 (see `wipe_checked`).
#[target_feature(enable = "avx2")]
fn wipe(bytes: &mut [u8]) {
    let (head, vectors, tail) = bytemuck::pod_align_to_mut::<u8, __m256i>(bytes);
    head.zeroize();
    for vector in vectors {
        vector.zeroize();
    }
    tail.zeroize();
}

/// The entry point for [`wipe`].
///
/// # Safety
/// The CPU must have AVX2 (`wipe_wide` checks `platform::supported(Kind::Avx2)` first).
#[inline]
pub(super) unsafe fn wipe_checked(bytes: &mut [u8]) {
    // SAFETY: the caller guarantees AVX2 (see `# Safety`), the only requirement of `wipe`.
    unsafe { wipe(bytes) }
}

/// The dispatcher's entry point for [`inverse_of_public`].
///
/// # Safety
/// The CPU must have AVX2 (as for [`mul_add_checked`]).
#[inline]
pub(super) unsafe fn inverse_of_public_checked(d: u8) -> u8 {
    // SAFETY: the caller guarantees AVX2 (see `# Safety`), the only requirement.
    unsafe { inverse_of_public(d) }
}

/// The dispatcher's entry point for [`mul2`].
///
/// # Safety
/// The CPU must have AVX2 (as for [`mul_add_checked`]).
#[inline]
pub(super) unsafe fn mul2_checked(dst: &mut [u8], src_a: &[u8], a: u8, src_b: &[u8], b: u8) {
    // SAFETY: the caller guarantees AVX2 (see `# Safety`), the only requirement of `mul2`.
    unsafe { mul2(dst, src_a, a, src_b, b) }
}

/// The dispatcher's entry point for [`mul_add`].
///
/// # Safety
/// The CPU must have AVX2. `Backend::mul_add` calls it only for a `Backend` of this
/// kind, a value made only after `platform::supported` found them on this CPU.
#[inline]
pub(super) unsafe fn mul_add_checked(dst: &mut [u8], src: &[u8], c: u8) {
    // SAFETY: the caller guarantees AVX2 (see `# Safety`), the only requirement of
    // `mul_add`.
    unsafe { mul_add(dst, src, c) }
}
