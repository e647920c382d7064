//! One SLIP-0039 share: its metadata, its value, and its mnemonic form.
//!
//! Layout (10 bits a word): identifier (15 bits), extendable flag (1), iteration exponent
//! (4), group index (4), group threshold - 1 (4), group count - 1 (4), member index (4),
//! member threshold - 1 (4), the value left-padded with zero bits to a whole number of
//! words, and 3 words of RS1024 checksum.

use alloc::vec::Vec;
use zeroize::{Zeroize, Zeroizing};

use crate::ct::{public_mask, public_u32};
use crate::error::Error;
use crate::rs1024;
use crate::words::{index_of, word_at, Word};

/// Words before the value: identifier/flag/exponent (2) and the share parameters (2).
const PREFIX_WORDS: usize = 4;
/// Words of the checksum.
const CHECKSUM_WORDS: usize = 3;
/// The fewest words of a share (a 128-bit value).
pub const MIN_WORDS: usize = PREFIX_WORDS + 13 + CHECKSUM_WORDS;

/// One share of a SLIP-0039 backup. Its value is wiped on drop and never printed by
/// `Debug`.
#[derive(Clone)]
pub struct Share {
    pub(crate) identifier: u16,
    pub(crate) extendable: bool,
    pub(crate) iteration_exponent: u8,
    pub(crate) group_index: u8,
    pub(crate) group_threshold: u8,
    pub(crate) group_count: u8,
    pub(crate) member_index: u8,
    pub(crate) member_threshold: u8,
    pub(crate) value: Zeroizing<Vec<u8>>,
}

impl core::fmt::Debug for Share {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Share")
            .field("identifier", &self.identifier)
            .field("extendable", &self.extendable)
            .field("iteration_exponent", &self.iteration_exponent)
            .field(
                "group",
                &(self.group_index, self.group_threshold, self.group_count),
            )
            .field("member", &(self.member_index, self.member_threshold))
            .field("value", &"..")
            .finish()
    }
}

impl Share {
    /// The backup's 15-bit random identifier (the same in every share of a backup).
    pub fn identifier(&self) -> u16 {
        self.identifier
    }
    /// The extendable-backup flag.
    pub fn extendable(&self) -> bool {
        self.extendable
    }
    /// The iteration exponent `e` of the passphrase encryption (`10000 << e` iterations).
    pub fn iteration_exponent(&self) -> u8 {
        self.iteration_exponent
    }
    /// The index of this share's group, from 0.
    pub fn group_index(&self) -> u8 {
        self.group_index
    }
    /// How many groups are needed.
    pub fn group_threshold(&self) -> u8 {
        self.group_threshold
    }
    /// How many groups there are.
    pub fn group_count(&self) -> u8 {
        self.group_count
    }
    /// This share's index in its group, from 0.
    pub fn member_index(&self) -> u8 {
        self.member_index
    }
    /// How many shares of this group are needed.
    pub fn member_threshold(&self) -> u8 {
        self.member_threshold
    }

    /// The share's word indices (0..1024), checksum included; wiped on drop.
    /// Packing and checksum are constant-time in the value.
    pub fn word_indices(&self) -> Zeroizing<Vec<u16>> {
        let value_words = (self.value.len() * 8).div_ceil(10);
        let mut out = Zeroizing::new(Vec::with_capacity(
            PREFIX_WORDS + value_words + CHECKSUM_WORDS,
        ));
        let id_exp = (u32::from(self.identifier) << 5)
            | (u32::from(self.extendable) << 4)
            | u32::from(self.iteration_exponent & 0x0F);
        out.push((id_exp >> 10) as u16 & 0x3FF);
        out.push(id_exp as u16 & 0x3FF);
        let params = (u32::from(self.group_index & 0x0F) << 16)
            | (u32::from(self.group_threshold.wrapping_sub(1) & 0x0F) << 12)
            | (u32::from(self.group_count.wrapping_sub(1) & 0x0F) << 8)
            | (u32::from(self.member_index & 0x0F) << 4)
            | u32::from(self.member_threshold.wrapping_sub(1) & 0x0F);
        out.push((params >> 10) as u16 & 0x3FF);
        out.push(params as u16 & 0x3FF);
        // The value, big-endian, after `padding` zero bits (public shifts only).
        let padding = value_words * 10 - self.value.len() * 8;
        let (mut acc, mut bits) = (0u32, padding);
        for &byte in self.value.iter() {
            acc = (acc << 8) | u32::from(byte);
            bits += 8;
            if bits >= 10 {
                bits -= 10;
                out.push(((acc >> bits) & 0x3FF) as u16);
                acc &= (1 << bits) - 1;
            }
        }
        acc.zeroize();
        let checksum = rs1024::create(&out, self.extendable);
        out.extend_from_slice(&checksum);
        out
    }

    /// The share's words, each zero-padded to 8 bytes, found by a masked scan of the list.
    pub fn words(&self) -> Vec<Word> {
        self.word_indices().iter().map(|&i| word_at(i)).collect()
    }

    /// The mnemonic: the words separated by single spaces; wiped on drop. This is the
    /// export: the layout of the text (its word lengths) is the output itself.
    pub fn to_mnemonic(&self) -> Zeroizing<alloc::string::String> {
        let words = self.words();
        let mut text = Zeroizing::new(alloc::string::String::with_capacity(words.len() * 9));
        for (i, word) in words.iter().enumerate() {
            if i > 0 {
                text.push(' ');
            }
            let len = public_u32(word.len_secret() as u32) as usize;
            for &b in word.padded().iter().take(len) {
                text.push(char::from(b & 0x7F));
            }
        }
        text
    }

    /// Reads one share from its mnemonic (words separated by whitespace, any case).
    /// Errors name share 0; [`crate::combine_mnemonics`] names the position in its list.
    pub fn from_mnemonic(mnemonic: &str) -> Result<Share, Error> {
        let words: Vec<&str> = mnemonic.split_whitespace().collect();
        Share::from_words(&words)
    }

    /// Reads one share from its words (any case). The words' lengths are public; their
    /// letters are secret and only scanned with masks.
    pub fn from_words(words: &[&str]) -> Result<Share, Error> {
        let count = words.len();
        let mut indices = Zeroizing::new(Vec::with_capacity(count));
        for (position, word) in words.iter().enumerate() {
            let (index, found) = index_of(word.as_bytes());
            if !public_mask(found) {
                return Err(Error::UnknownWord {
                    share: 0,
                    word: position,
                });
            }
            indices.push(index);
        }
        if count < MIN_WORDS {
            return Err(Error::TooFewWords {
                share: 0,
                words: count,
            });
        }
        let value_words = count - PREFIX_WORDS - CHECKSUM_WORDS;
        let padding = (10 * value_words) % 16;
        if padding > 8 {
            return Err(Error::InvalidLength {
                share: 0,
                words: count,
            });
        }
        // The first four words are public metadata (the same for every secret).
        let meta: [u32; PREFIX_WORDS] =
            core::array::from_fn(|i| public_u32(u32::from(indices.get(i).copied().unwrap_or(0))));
        let id_exp = (meta[0] << 10) | meta[1];
        let extendable = (id_exp >> 4) & 1 == 1;
        if !public_mask(rs1024::verify_mask(&indices, extendable)) {
            return Err(Error::Checksum { share: 0 });
        }
        let params = (meta[2] << 10) | meta[3];
        let nibble = |shift: u32| ((params >> shift) & 0x0F) as u8;
        let (group_threshold, group_count) = (nibble(12) + 1, nibble(8) + 1);
        if group_count < group_threshold {
            return Err(Error::GroupThresholdAboveCount { share: 0 });
        }
        // The value: drop `padding` leading bits, which must be zero.
        let value_slice = indices
            .get(PREFIX_WORDS..count - CHECKSUM_WORDS)
            .unwrap_or(&[]);
        let mut value = Zeroizing::new(Vec::with_capacity((value_words * 10 - padding) / 8));
        let (mut acc, mut bits, mut pad_bits) = (0u32, 0usize, 0u32);
        for (i, &index) in value_slice.iter().enumerate() {
            let mut index = u32::from(index);
            let mut width = 10;
            if i == 0 {
                pad_bits = index >> (10 - padding);
                width = 10 - padding;
                index &= (1 << width) - 1;
            }
            acc = (acc << width) | index;
            bits += width;
            while bits >= 8 {
                bits -= 8;
                value.push((acc >> bits) as u8);
                acc &= (1 << bits) - 1;
            }
            index.zeroize();
        }
        acc.zeroize();
        if public_mask(!crate::ct::eq_mask(pad_bits, 0)) {
            return Err(Error::Padding { share: 0 });
        }
        Ok(Share {
            identifier: (id_exp >> 5) as u16,
            extendable,
            iteration_exponent: (id_exp & 0x0F) as u8,
            group_index: nibble(16),
            group_threshold,
            group_count,
            member_index: nibble(4),
            member_threshold: nibble(0) + 1,
            value,
        })
    }
}
