//! Portable backend: 64-bit SWAR (eight field elements per machine word).
//!
//! `c * s` is linear in the bits of `s`: `c * s = XOR over bits i of s of (c * x^i)`. For a
//! public `c` the eight products `c * x^i` are computed once per call and replicated into
//! every byte of a word; each word of the source then costs eight "select by bit" steps,
//! each a shift, a mask and a multiply by 0xFF that turns a 0/1 byte into 0x00/0xFF. No
//! table is indexed and no branch is taken on a source byte; the steps are independent of
//! each other, so they run in parallel on a superscalar core.

use zeroize::Zeroize;

const LOW_BIT: u64 = 0x0101_0101_0101_0101;

/// The eight products `c * x^i` (i = 0..8), each replicated into all eight bytes.
#[derive(Clone, Copy)]
pub(crate) struct Multiplier {
    replicated: [u64; 8],
}

impl Multiplier {
    /// Precomputes the products for the public constant `c`.
    #[inline]
    pub(crate) fn new(c: u8) -> Self {
        let mut replicated = [0u64; 8];
        let mut power = c;
        for slot in replicated.iter_mut() {
            *slot = u64::from(power) * LOW_BIT;
            power = crate::field::xtime(power);
        }
        Multiplier { replicated }
    }

    /// Multiplies each of the eight bytes packed in `word` by `c`.
    #[inline(always)]
    pub(crate) fn mul_word(&self, word: u64) -> u64 {
        let mut product = 0;
        for (i, replicated) in self.replicated.iter().enumerate() {
            // 0x01 in every byte whose bit i is set, then 0xFF there: a mask, not a branch.
            let selected = ((word >> i) & LOW_BIT) * 0xFF;
            product ^= selected & replicated;
        }
        product
    }
}

#[inline(always)]
fn load(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(bytes);
    u64::from_le_bytes(word)
}

/// `dst[i] ^= c * src[i]` for `i < min(dst.len(), src.len())`.
pub fn mul_add(dst: &mut [u8], src: &[u8], c: u8) {
    // `c` is public: skipping the no-op is allowed.
    if c == 0 {
        return;
    }
    let len = dst.len().min(src.len());
    let (dst, src) = (&mut dst[..len], &src[..len]);
    let multiplier = Multiplier::new(c);
    let mut dst_words = dst.chunks_exact_mut(8);
    let mut src_words = src.chunks_exact(8);
    for (d, s) in (&mut dst_words).zip(&mut src_words) {
        let product = multiplier.mul_word(load(s));
        d.copy_from_slice(&(load(d) ^ product).to_le_bytes());
    }
    let dst_tail = dst_words.into_remainder();
    let src_tail = src_words.remainder();
    if !dst_tail.is_empty() {
        // Pad the last few bytes into one word (the length is public), then wipe it.
        let mut padded = [0u8; 8];
        padded[..src_tail.len()].copy_from_slice(src_tail);
        let mut product = multiplier
            .mul_word(u64::from_le_bytes(padded))
            .to_le_bytes();
        for (d, p) in dst_tail.iter_mut().zip(&product) {
            *d ^= p;
        }
        padded.zeroize();
        product.zeroize();
    }
}

/// `dst[i] = a * src_a[i] ^ b * src_b[i]` over equal lengths (the caller trims them).
pub fn mul2(dst: &mut [u8], src_a: &[u8], a: u8, src_b: &[u8], b: u8) {
    let (first, second) = (Multiplier::new(a), Multiplier::new(b));
    // `a` is public: the common `a = 1` (split's payload term) skips its multiply.
    let term_a = |word: u64| if a == 1 { word } else { first.mul_word(word) };
    let mut dst_words = dst.chunks_exact_mut(8);
    let mut a_words = src_a.chunks_exact(8);
    let mut b_words = src_b.chunks_exact(8);
    for ((d, sa), sb) in (&mut dst_words).zip(&mut a_words).zip(&mut b_words) {
        let sum = term_a(load(sa)) ^ second.mul_word(load(sb));
        d.copy_from_slice(&sum.to_le_bytes());
    }
    let dst_tail = dst_words.into_remainder();
    if !dst_tail.is_empty() {
        // Pad the last few bytes into one word each (the length is public), then wipe.
        let (a_tail, b_tail) = (a_words.remainder(), b_words.remainder());
        let mut padded = [[0u8; 8]; 2];
        padded[0][..a_tail.len()].copy_from_slice(a_tail);
        padded[1][..b_tail.len()].copy_from_slice(b_tail);
        let mut sum = (term_a(u64::from_le_bytes(padded[0]))
            ^ second.mul_word(u64::from_le_bytes(padded[1])))
        .to_le_bytes();
        for (d, s) in dst_tail.iter_mut().zip(&sum) {
            *d = *s;
        }
        padded.zeroize();
        sum.zeroize();
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
            for len in [0usize, 1, 7, 8, 9, 251] {
                let mut dst = [0x5Au8; 256];
                mul_add(&mut dst[..len], &src[..len], c);
                for i in 0..len {
                    assert_eq!(dst[i], 0x5A ^ field::mul(c, src[i]), "c={c} i={i}");
                }
                assert!(dst[len..].iter().all(|&b| b == 0x5A), "wrote past the end");
            }
        }
    }
}
