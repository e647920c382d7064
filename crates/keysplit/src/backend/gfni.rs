//! x86_64 GFNI backend: `vgf2p8mulb` multiplies 32 byte pairs per instruction.
//!
//! GFNI's multiply reduces modulo x^8 + x^4 + x^3 + x + 1 (0x11B), the field keysplit
//! uses, so `c * s` is one instruction with `c` broadcast into a register; it is a fixed
//! latency arithmetic instruction with no table and no data-dependent timing.
//! The 256-bit (VEX) form is used. The kernel needs GFNI, AVX and AVX2: the XOR of two
//! 256-bit integer vectors (`vpxor ymm`) is an AVX2 instruction, and with only `avx`
//! enabled the compiler cannot inline `_mm256_xor_si256` and calls it (with a
//! `vzeroupper`) every 32 bytes. Every GFNI CPU with AVX also has AVX2 (Ice Lake and
//! later, Zen 4 and later), so requiring it costs no machine.

use core::arch::x86_64::{__m256i, _mm256_gf2p8mul_epi8, _mm256_set1_epi8};

use super::ymm;

/// `dst[i] ^= c * src[i]` for `i < min(dst.len(), src.len())`.
///
/// Safe to call only on a CPU with GFNI, AVX and AVX2 (the dispatcher checks).
#[target_feature(enable = "gfni,avx,avx2")]
fn mul_add(dst: &mut [u8], src: &[u8], c: u8) {
    let len = dst.len().min(src.len());
    let (dst, src) = (&mut dst[..len], &src[..len]);
    let constant = _mm256_set1_epi8(c as i8);
    // SAFETY: this function runs only on a CPU with AVX2 (its `target_feature`), all that
    // the shared loop needs.
    unsafe { ymm::mul_add(dst, src, |source| _mm256_gf2p8mul_epi8(source, constant)) }
}

/// `dst[i] = a * src_a[i] ^ b * src_b[i]` over the common length, `a` and `b` public:
/// the two-source kernel of split's first term and combine's first two shares, one
/// `vgf2p8mulb` per source per 32 bytes.
///
/// Safe to call only on a CPU with GFNI, AVX and AVX2 (the dispatcher checks).
#[target_feature(enable = "gfni,avx,avx2")]
fn mul2(dst: &mut [u8], src_a: &[u8], a: u8, src_b: &[u8], b: u8) {
    let len = dst.len().min(src_a.len()).min(src_b.len());
    let (dst, src_a, src_b) = (&mut dst[..len], &src_a[..len], &src_b[..len]);
    let (constant_a, constant_b) = (_mm256_set1_epi8(a as i8), _mm256_set1_epi8(b as i8));
    // `a` is public: split's `a = 1` skips the first product.
    let identity = a == 1;
    let first = |source: __m256i| {
        if identity {
            source
        } else {
            _mm256_gf2p8mul_epi8(source, constant_a)
        }
    };
    let second = |source| _mm256_gf2p8mul_epi8(source, constant_b);
    // SAFETY: this function runs only on a CPU with AVX2 (its `target_feature`), all that
    // the shared loop needs.
    unsafe { ymm::mul2(dst, src_a, a, first, src_b, b, second) }
}

/// The dispatcher's entry point for [`mul_add`].
///
/// # Safety
/// The CPU must have GFNI, AVX and AVX2. `Backend::mul_add` calls it only for a `Backend`
/// of this kind, a value made only after `platform::supported` found them on this CPU.
#[inline]
pub(super) unsafe fn mul_add_checked(dst: &mut [u8], src: &[u8], c: u8) {
    // SAFETY: the caller guarantees GFNI, AVX and AVX2 (see `# Safety`), the only
    // requirement of `mul_add`.
    unsafe { mul_add(dst, src, c) }
}

/// The dispatcher's entry point for [`mul2`].
///
/// # Safety
/// The CPU must have GFNI, AVX and AVX2. `Backend::mul2` calls it only for a `Backend` of
/// this kind, a value made only after `platform::supported` found them on this CPU.
#[inline]
pub(super) unsafe fn mul2_checked(dst: &mut [u8], src_a: &[u8], a: u8, src_b: &[u8], b: u8) {
    // SAFETY: the caller guarantees GFNI, AVX and AVX2 (see `# Safety`), the only
    // requirement of `mul2`.
    unsafe { mul2(dst, src_a, a, src_b, b) }
}
