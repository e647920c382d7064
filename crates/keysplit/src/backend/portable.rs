//! Portable backend: 64-bit SWAR (eight field elements per machine word).
//!
//! `dst ^= c * src` for a public `c` is computed as the sum of `src * x^i` over the set
//! bits `i` of `c`. Doubling eight packed bytes at once (`xtime` on a word) is a shift, a
//! mask and an integer multiply by 0x1B: no table, no branch on the data. The only branches
//! test bits of `c`, which is public (an x-coordinate, a power of one, or a Lagrange weight
//! computed from public x-coordinates).

const LOW_SEVEN_BITS: u64 = 0x7F7F_7F7F_7F7F_7F7F;
const LOW_BIT: u64 = 0x0101_0101_0101_0101;

/// Multiplies each of the eight bytes packed in `word` by x, reducing modulo 0x11B.
#[inline(always)]
fn xtime_word(word: u64) -> u64 {
    let carries = (word >> 7) & LOW_BIT;
    ((word & LOW_SEVEN_BITS) << 1) ^ (carries * u64::from(crate::field::REDUCTION))
}

/// Multiplies each of the eight bytes packed in `word` by the public constant `c`.
#[inline(always)]
fn mul_word(mut word: u64, c: u8) -> u64 {
    let mut product = 0;
    let mut remaining = c;
    while remaining != 0 {
        if remaining & 1 == 1 {
            product ^= word;
        }
        word = xtime_word(word);
        remaining >>= 1;
    }
    product
}

/// `dst[i] ^= c * src[i]` for `i < min(dst.len(), src.len())`.
pub fn mul_add(dst: &mut [u8], src: &[u8], c: u8) {
    if c == 0 {
        return;
    }
    let mut dst_words = dst.chunks_exact_mut(8);
    let mut src_words = src.chunks_exact(8);
    for (d, s) in (&mut dst_words).zip(&mut src_words) {
        let mut s_bytes = [0u8; 8];
        s_bytes.copy_from_slice(s);
        let mut d_bytes = [0u8; 8];
        d_bytes.copy_from_slice(d);
        let product = mul_word(u64::from_le_bytes(s_bytes), c);
        d.copy_from_slice(&(u64::from_le_bytes(d_bytes) ^ product).to_le_bytes());
    }
    for (d, s) in dst_words
        .into_remainder()
        .iter_mut()
        .zip(src_words.remainder())
    {
        *d ^= crate::field::mul(c, *s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field;

    #[test]
    fn matches_scalar_multiplication_for_every_constant() {
        let src: [u8; 256] = core::array::from_fn(|i| i as u8);
        for c in 0..=255u8 {
            let mut dst = [0x5Au8; 256];
            // Odd length so both the word loop and the tail run.
            mul_add(&mut dst[..251], &src[..251], c);
            for i in 0..251 {
                assert_eq!(dst[i], 0x5A ^ field::mul(c, src[i]), "c={c} i={i}");
            }
            assert!(dst[251..].iter().all(|&b| b == 0x5A), "wrote past the end");
        }
    }
}
