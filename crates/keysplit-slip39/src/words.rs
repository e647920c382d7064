//! Word <-> index without a table indexed by a secret and without a secret branch: both
//! directions scan all 1024 words and keep the match with a mask.

use zeroize::Zeroize;

use crate::ct::{eq_mask, lt_mask};
use crate::wordlist::WORDS;

/// The longest word (8 letters).
pub const MAX_WORD_LEN: usize = 8;

/// One word of a mnemonic, zero-padded to 8 bytes; wiped on drop.
#[derive(Clone, Default)]
pub struct Word([u8; MAX_WORD_LEN]);

impl Word {
    /// The word's bytes, zero-padded to 8 (the padding is part of the secret layout).
    pub fn padded(&self) -> &[u8; MAX_WORD_LEN] {
        &self.0
    }

    /// The word's length, computed without a branch (public once declassified).
    pub fn len_secret(&self) -> usize {
        self.0
            .iter()
            .map(|&b| (eq_mask(u32::from(b), 0) & 1) ^ 1)
            .sum::<u32>() as usize
    }
}

impl Drop for Word {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl core::fmt::Debug for Word {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Word(..)")
    }
}

/// The word with index `index` (below 1024), by a masked scan of the whole list.
pub(crate) fn word_at(index: u16) -> Word {
    let index = u32::from(index);
    let mut acc = 0u64;
    for (i, word) in WORDS.iter().enumerate() {
        let mask = u64::from(eq_mask(i as u32, index));
        acc |= u64::from_le_bytes(*word) & (mask | (mask << 32));
    }
    let word = Word(acc.to_le_bytes());
    acc.zeroize();
    word
}

/// `byte` in lower case when it is an ASCII capital, without a branch.
#[inline(always)]
fn to_lower(byte: u8) -> u8 {
    let upper = lt_mask(u32::from(byte.wrapping_sub(b'A')), 26) as u8;
    byte | (upper & 0x20)
}

/// Length of each list word (public: the list is a constant).
fn list_len(word: &[u8; MAX_WORD_LEN]) -> usize {
    word.iter().take_while(|&&b| b != 0).count()
}

/// `(index, found)`: the index of `word` (any case) in the list and an all-ones mask when
/// it is there (zero otherwise; the index is then 0). The word's length is public.
pub(crate) fn index_of(word: &[u8]) -> (u16, u32) {
    if word.is_empty() || word.len() > MAX_WORD_LEN {
        return (0, 0);
    }
    let mut padded = [0u8; MAX_WORD_LEN];
    for (slot, &byte) in padded.iter_mut().zip(word) {
        *slot = to_lower(byte);
    }
    let mut probe = u64::from_le_bytes(padded);
    padded.zeroize();
    let (mut index, mut found) = (0u32, 0u32);
    for (i, candidate) in WORDS.iter().enumerate() {
        // The candidate's length is public; so is the probe's.
        if list_len(candidate) != word.len() {
            continue;
        }
        let diff = probe ^ u64::from_le_bytes(*candidate);
        let mask = eq_mask((diff as u32) | ((diff >> 32) as u32), 0);
        index |= (i as u32) & mask;
        found |= mask;
    }
    probe.zeroize();
    (index as u16, found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_round_trips() {
        let text = include_str!("wordlist.txt");
        let list: alloc::vec::Vec<&str> = text.split_whitespace().collect();
        assert_eq!(list.len(), 1024);
        for (i, word) in list.iter().enumerate() {
            let w = word_at(i as u16);
            assert_eq!(&w.padded()[..word.len()], word.as_bytes());
            assert_eq!(w.len_secret(), word.len());
            assert_eq!(index_of(word.as_bytes()), (i as u16, u32::MAX));
            assert_eq!(
                index_of(word.to_ascii_uppercase().as_bytes()),
                (i as u16, u32::MAX)
            );
        }
    }

    #[test]
    fn unknown_words_are_not_found() {
        for bad in [
            &b""[..],
            b"acid\0",
            b"acidx",
            b"academicx",
            b"ac1d",
            b"@cid",
            b"[cid",
        ] {
            assert_eq!(index_of(bad).1, 0, "{bad:?}");
        }
    }
}
