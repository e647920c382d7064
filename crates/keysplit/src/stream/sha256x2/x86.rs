//! The two-lane SHA-256 compression with the x86 SHA extensions (SHA-NI): one block of
//! each lane per loop, interleaved, so the two dependency chains of `sha256rnds2` overlap.

use core::arch::x86_64::*;

const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// One lane's registers: the state in `sha256rnds2` order and the message schedule.
struct Regs {
    abef: __m128i,
    cdgh: __m128i,
}

#[inline]
#[target_feature(enable = "sha,sse4.1,ssse3")]
fn load_state(state: &[u32; 8]) -> Regs {
    let dcba = _mm_set_epi32(
        state[3] as i32,
        state[2] as i32,
        state[1] as i32,
        state[0] as i32,
    );
    let hgfe = _mm_set_epi32(
        state[7] as i32,
        state[6] as i32,
        state[5] as i32,
        state[4] as i32,
    );
    let cdab = _mm_shuffle_epi32(dcba, 0xB1);
    let efgh = _mm_shuffle_epi32(hgfe, 0x1B);
    Regs {
        abef: _mm_alignr_epi8(cdab, efgh, 8),
        cdgh: _mm_blend_epi16(efgh, cdab, 0xF0),
    }
}

#[inline]
#[target_feature(enable = "sha,sse4.1,ssse3")]
fn store_state(regs: &Regs, state: &mut [u32; 8]) {
    let feba = _mm_shuffle_epi32(regs.abef, 0x1B);
    let dchg = _mm_shuffle_epi32(regs.cdgh, 0xB1);
    let dcba = _mm_blend_epi16(feba, dchg, 0xF0);
    let hgef = _mm_alignr_epi8(dchg, feba, 8);
    let words = [
        _mm_extract_epi32(dcba, 0),
        _mm_extract_epi32(dcba, 1),
        _mm_extract_epi32(dcba, 2),
        _mm_extract_epi32(dcba, 3),
        _mm_extract_epi32(hgef, 0),
        _mm_extract_epi32(hgef, 1),
        _mm_extract_epi32(hgef, 2),
        _mm_extract_epi32(hgef, 3),
    ];
    for (out, word) in state.iter_mut().zip(words) {
        *out = word as u32;
    }
}

#[inline]
#[target_feature(enable = "sha,sse4.1,ssse3")]
fn load_block(block: &[u8; 64]) -> [__m128i; 4] {
    let mask = _mm_set_epi64x(0x0C0D_0E0F_0809_0A0B, 0x0405_0607_0001_0203);
    let at: *const __m128i = block.as_ptr().cast();
    core::array::from_fn(|i| {
        // SAFETY: `i < 4`, so the 16 bytes at `at + i` are inside the 64-byte block;
        // `loadu` has no alignment requirement.
        let w = unsafe { _mm_loadu_si128(at.add(i)) };
        _mm_shuffle_epi8(w, mask)
    })
}

/// Four rounds of both lanes (round group `r`), with message words `wa`, `wb`.
#[inline]
#[target_feature(enable = "sha,sse4.1,ssse3")]
fn rounds4(r: usize, a: &mut Regs, b: &mut Regs, wa: __m128i, wb: __m128i) {
    let k = _mm_set_epi32(
        K[4 * r + 3] as i32,
        K[4 * r + 2] as i32,
        K[4 * r + 1] as i32,
        K[4 * r] as i32,
    );
    let ta = _mm_add_epi32(wa, k);
    let tb = _mm_add_epi32(wb, k);
    a.cdgh = _mm_sha256rnds2_epu32(a.cdgh, a.abef, ta);
    b.cdgh = _mm_sha256rnds2_epu32(b.cdgh, b.abef, tb);
    let ta = _mm_shuffle_epi32(ta, 0x0E);
    let tb = _mm_shuffle_epi32(tb, 0x0E);
    a.abef = _mm_sha256rnds2_epu32(a.abef, a.cdgh, ta);
    b.abef = _mm_sha256rnds2_epu32(b.abef, b.cdgh, tb);
}

/// The next four message words from the last sixteen (`w[i]` is replaced).
#[inline]
#[target_feature(enable = "sha,sse4.1,ssse3")]
fn schedule(w: &mut [__m128i; 4], i: usize) -> __m128i {
    let w0 = w[i];
    let w1 = w[(i + 1) % 4];
    let w2 = w[(i + 2) % 4];
    let w3 = w[(i + 3) % 4];
    let t = _mm_add_epi32(_mm_sha256msg1_epu32(w0, w1), _mm_alignr_epi8(w3, w2, 4));
    w[i] = _mm_sha256msg2_epu32(t, w3);
    w[i]
}

/// `compress(a, a_blocks)` and `compress(b, b_blocks)` for blocks of equal count,
/// interleaved round by round.
#[target_feature(enable = "sha,sse4.1,ssse3")]
fn compress2(a: &mut [u32; 8], b: &mut [u32; 8], a_blocks: &[[u8; 64]], b_blocks: &[[u8; 64]]) {
    let mut ra = load_state(a);
    let mut rb = load_state(b);
    for (block_a, block_b) in a_blocks.iter().zip(b_blocks) {
        let (save_a, save_b) = ((ra.abef, ra.cdgh), (rb.abef, rb.cdgh));
        let mut wa = load_block(block_a);
        let mut wb = load_block(block_b);
        // Unrolled by hand: with constant indices the schedule stays in registers.
        macro_rules! first {
            ($r:literal) => {
                rounds4($r, &mut ra, &mut rb, wa[$r], wb[$r]);
            };
        }
        macro_rules! next {
            ($r:literal, $i:literal) => {
                let xa = schedule(&mut wa, $i);
                let xb = schedule(&mut wb, $i);
                rounds4($r, &mut ra, &mut rb, xa, xb);
            };
        }
        first!(0);
        first!(1);
        first!(2);
        first!(3);
        next!(4, 0);
        next!(5, 1);
        next!(6, 2);
        next!(7, 3);
        next!(8, 0);
        next!(9, 1);
        next!(10, 2);
        next!(11, 3);
        next!(12, 0);
        next!(13, 1);
        next!(14, 2);
        next!(15, 3);
        ra.abef = _mm_add_epi32(ra.abef, save_a.0);
        ra.cdgh = _mm_add_epi32(ra.cdgh, save_a.1);
        rb.abef = _mm_add_epi32(rb.abef, save_b.0);
        rb.cdgh = _mm_add_epi32(rb.cdgh, save_b.1);
    }
    store_state(&ra, a);
    store_state(&rb, b);
    // The registers held state derived from secrets; they are overwritten by the
    // next use, like the `sha2` crate's.
}

/// [`compress2`] if this CPU has SHA-NI, SSE4.1 and SSSE3 (then `true`); otherwise does
/// nothing and returns `false`.
#[inline]
pub(super) fn compress2_if_supported(
    a: &mut [u32; 8],
    b: &mut [u32; 8],
    a_blocks: &[[u8; 64]],
    b_blocks: &[[u8; 64]],
) -> bool {
    if std::is_x86_feature_detected!("sha")
        && std::is_x86_feature_detected!("sse4.1")
        && std::is_x86_feature_detected!("ssse3")
    {
        // SAFETY: the CPU has the target features `compress2` is compiled for, checked
        // just above.
        unsafe { compress2(a, b, a_blocks, b_blocks) };
        return true;
    }
    false
}
