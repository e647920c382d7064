//! The multi-lane SHA-256 compression with the x86 SHA extensions (SHA-NI): one block of
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
#[derive(Clone, Copy)]
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

/// Four rounds of every lane (round group `r`), lane `l` with message words `w[l]`.
#[inline]
#[target_feature(enable = "sha,sse4.1,ssse3")]
fn rounds4<const N: usize>(r: usize, regs: &mut [Regs; N], w: [__m128i; N]) {
    let k = _mm_set_epi32(
        K[4 * r + 3] as i32,
        K[4 * r + 2] as i32,
        K[4 * r + 1] as i32,
        K[4 * r] as i32,
    );
    let mut t = w;
    for (t, lane) in t.iter_mut().zip(regs.iter_mut()) {
        *t = _mm_add_epi32(*t, k);
        lane.cdgh = _mm_sha256rnds2_epu32(lane.cdgh, lane.abef, *t);
    }
    for (t, lane) in t.iter().zip(regs.iter_mut()) {
        let high = _mm_shuffle_epi32(*t, 0x0E);
        lane.abef = _mm_sha256rnds2_epu32(lane.abef, lane.cdgh, high);
    }
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

/// `compress(states[l], blocks[l])` for every lane `l`, interleaved round by round so
/// the lanes' dependency chains of `sha256rnds2` overlap. Every lane compresses as many
/// blocks as the shortest has.
#[target_feature(enable = "sha,sse4.1,ssse3")]
fn compress<const N: usize>(states: [&mut [u32; 8]; N], blocks: [&[[u8; 64]]; N]) {
    let count = blocks.iter().map(|b| b.len()).min().unwrap_or(0);
    let zero = _mm_setzero_si128();
    let mut regs = [Regs {
        abef: zero,
        cdgh: zero,
    }; N];
    for (lane, state) in regs.iter_mut().zip(&states) {
        *lane = load_state(state);
    }
    for at in 0..count {
        let saved = regs;
        let mut w = [[zero; 4]; N];
        for (w, blocks) in w.iter_mut().zip(&blocks) {
            *w = load_block(&blocks[at]);
        }
        // Unrolled by hand: with constant indices the schedule stays in registers.
        macro_rules! first {
            ($r:literal) => {
                let mut x = [zero; N];
                for (x, w) in x.iter_mut().zip(&w) {
                    *x = w[$r];
                }
                rounds4($r, &mut regs, x);
            };
        }
        macro_rules! next {
            ($r:literal, $i:literal) => {
                let mut x = [zero; N];
                for (x, w) in x.iter_mut().zip(w.iter_mut()) {
                    *x = schedule(w, $i);
                }
                rounds4($r, &mut regs, x);
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
        for (lane, saved) in regs.iter_mut().zip(saved) {
            lane.abef = _mm_add_epi32(lane.abef, saved.abef);
            lane.cdgh = _mm_add_epi32(lane.cdgh, saved.cdgh);
        }
    }
    for (lane, state) in regs.iter().zip(states) {
        store_state(lane, state);
    }
    // The registers held state derived from secrets; they are overwritten by the
    // next use, like the `sha2` crate's.
}

/// Whether the CPU has SHA-NI, SSE4.1 and SSSE3: asked at run time with `std` (the
/// answer is cached by the standard library), otherwise what the build enables.
#[inline]
fn has_sha_ni() -> bool {
    #[cfg(feature = "std")]
    let has = std::arch::is_x86_feature_detected!("sha")
        && std::arch::is_x86_feature_detected!("sse4.1")
        && std::arch::is_x86_feature_detected!("ssse3");
    #[cfg(not(feature = "std"))]
    let has = cfg!(all(
        target_feature = "sha",
        target_feature = "sse4.1",
        target_feature = "ssse3"
    ));
    has
}

/// [`compress`] of `N` lanes if this CPU has SHA-NI, SSE4.1 and SSSE3 (then `true`);
/// otherwise does nothing and returns `false`.
#[inline]
pub(super) fn compress_if_supported<const N: usize>(
    states: [&mut [u32; 8]; N],
    blocks: [&[[u8; 64]]; N],
) -> bool {
    if has_sha_ni() {
        // SAFETY: the CPU has the target features `compress` is compiled for, checked
        // just above.
        unsafe { compress(states, blocks) };
        return true;
    }
    false
}
