//! Text forms of shares: hex, and a bech32m string with the human-readable prefix `ks`.
//!
//! Share bytes are secret, so these codecs never use a share byte as a table index or a
//! branch condition: hex digits are computed arithmetically, and the 32-letter bech32
//! alphabet is searched in full for every character with constant-time masks. The only
//! data-dependent branch is the final "was every character valid?" check, which reveals
//! nothing but that the input was malformed.
//!
//! bech32m (BIP-350) is used for its checksum, which detects any error affecting up to
//! four characters in strings up to 89 characters and misses a random error with
//! probability about 2^-30 beyond that. Share envelopes carry their own 128-bit checksum
//! on top, so a typo the text checksum misses is still caught when the share is decoded.

use alloc::string::String;
use alloc::vec::Vec;

use zeroize::{Zeroize, Zeroizing};

use crate::ct;
use crate::error::DecodeError;

/// Human-readable prefix of keysplit's text form.
pub const HRP: &str = "ks";

const CHARSET: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
const BECH32M_CONST: u32 = 0x2bc8_30a3;
const GENERATOR: [u32; 5] = [
    0x3b6a_57b2,
    0x2650_8e6d,
    0x1ea1_19fa,
    0x3d42_33dd,
    0x2a14_62b3,
];

/// `0xFF` if `a == b`, else `0x00`, without a branch.
#[inline(always)]
fn eq_mask(a: u8, b: u8) -> u8 {
    let diff = u32::from(a ^ b);
    (diff.wrapping_sub(1) >> 8) as u8
}

/// `0xFF` if `a == b`, else `0x00`, for 32-bit values, without a branch.
#[inline(always)]
fn eq_mask_u32(a: u32, b: u32) -> u8 {
    let diff = u64::from(a ^ b);
    (diff.wrapping_sub(1) >> 56) as u8
}

/// `0xFF` if `a < b` (as signed 32-bit values), else `0x00`, without a branch.
#[inline(always)]
fn lt_mask(a: i32, b: i32) -> u8 {
    (a.wrapping_sub(b) >> 31) as u8
}

/// Lower-case hex digit for a nibble, computed arithmetically.
#[inline(always)]
fn hex_digit(nibble: u8) -> u8 {
    let n = nibble & 0x0F;
    // 'a' - '0' - 10 = 39 is added when n > 9. The mask goes through `black_box`: without
    // it, LLVM knows n < 16, turns the mask back into `n > 9` and emits a conditional
    // jump on the secret nibble (found by the valgrind check, crates/keysplit-ctgrind).
    let letter = core::hint::black_box(!lt_mask(i32::from(n), 10));
    n + b'0' + (letter & 39)
}

/// `0xFF` if `c` is ASCII whitespace (space, tab, LF, CR, form feed), without a branch.
#[inline(always)]
fn whitespace_mask(c: u8) -> u8 {
    eq_mask(c, b' ') | eq_mask(c, b'\t') | eq_mask(c, b'\n') | eq_mask(c, b'\r') | eq_mask(c, 0x0C)
}

/// The characters of `text` other than ASCII whitespace. Whether a character is
/// whitespace is declassified: it is layout, and no character that carries share data is
/// ever whitespace, so the bit is the same for every secret.
fn without_whitespace(text: &str) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(text.len()));
    for c in text.bytes() {
        if !ct::public_mask(whitespace_mask(c)) {
            out.push(c);
        }
    }
    out
}

/// True when `text` is non-empty and only hex digits and ASCII whitespace, checked for
/// every character without branching on any of them.
pub(crate) fn looks_like_hex(text: &str) -> bool {
    let mut all_valid = 0xFFu8;
    for c in text.bytes() {
        all_valid &= hex_value(c).1 | whitespace_mask(c);
    }
    !text.is_empty() && ct::public_mask(all_valid)
}

/// Value of a hex digit and a validity mask (`0xFF` when valid).
#[inline(always)]
fn hex_value(c: u8) -> (u8, u8) {
    let digit = i32::from(c) - i32::from(b'0');
    let letter = i32::from(c | 0x20) - i32::from(b'a');
    let is_digit = !lt_mask(digit, 0) & lt_mask(digit, 10);
    let is_letter = !lt_mask(letter, 0) & lt_mask(letter, 6);
    let value = (digit as u8 & is_digit) | ((letter as u8).wrapping_add(10) & is_letter);
    (value, is_digit | is_letter)
}

/// Lower-case hex of `bytes`.
pub fn encode_hex(bytes: &[u8]) -> Zeroizing<String> {
    let mut out = Zeroizing::new(Vec::with_capacity(bytes.len() * 2));
    for &b in bytes {
        out.push(hex_digit(b >> 4));
        out.push(hex_digit(b));
    }
    bytes_to_string(out)
}

/// Bytes from hex (either case), ignoring ASCII whitespace.
///
/// # Errors
/// [`DecodeError::InvalidHex`] for an odd number of digits or a non-hex character.
pub fn decode_hex(text: &str) -> Result<Zeroizing<Vec<u8>>, DecodeError> {
    let digits = without_whitespace(text);
    if !digits.len().is_multiple_of(2) {
        return Err(DecodeError::InvalidHex);
    }
    let mut out = Zeroizing::new(Vec::with_capacity(digits.len() / 2));
    let mut valid = 0xFFu8;
    for pair in digits.chunks_exact(2) {
        let (hi, hi_ok) = hex_value(pair[0]);
        let (lo, lo_ok) = hex_value(pair[1]);
        valid &= hi_ok & lo_ok;
        out.push((hi << 4) | lo);
    }
    if !ct::public_mask(valid) {
        return Err(DecodeError::InvalidHex);
    }
    Ok(out)
}

/// One step of the BIP-173 checksum polynomial, with masks instead of branches.
#[inline(always)]
fn polymod_step(checksum: u32, value: u8) -> u32 {
    let top = checksum >> 25;
    let mut c = ((checksum & 0x01FF_FFFF) << 5) ^ u32::from(value);
    for (i, g) in GENERATOR.iter().enumerate() {
        c ^= g & 0u32.wrapping_sub((top >> i) & 1);
    }
    c
}

fn hrp_checksum_start(hrp: &[u8]) -> u32 {
    let mut c = 1u32;
    for &h in hrp {
        c = polymod_step(c, h >> 5);
    }
    c = polymod_step(c, 0);
    for &h in hrp {
        c = polymod_step(c, h & 31);
    }
    c
}

/// The bech32 letter for a 5-bit value, found by scanning the whole alphabet.
#[inline(always)]
fn bech32_char(value: u8) -> u8 {
    let mut out = 0u8;
    for (i, &c) in CHARSET.iter().enumerate() {
        out |= c & eq_mask(i as u8, value);
    }
    out
}

/// The 5-bit value of a lower-case bech32 letter and a validity mask.
#[inline(always)]
fn bech32_value(c: u8) -> (u8, u8) {
    let mut value = 0u8;
    let mut found = 0u8;
    for (i, &letter) in CHARSET.iter().enumerate() {
        let m = eq_mask(letter, c);
        value |= (i as u8) & m;
        found |= m;
    }
    (value, found)
}

/// Converts bytes to 5-bit groups (padding the last group with zero bits).
fn to_five_bit(bytes: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(bytes.len() * 8 / 5 + 1));
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(((acc >> bits) & 31) as u8);
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(((acc << (5 - bits)) & 31) as u8);
    }
    acc.zeroize();
    out
}

/// Converts 5-bit groups back to bytes; the padding must be fewer than 5 zero bits.
fn from_five_bit(groups: &[u8]) -> Result<Zeroizing<Vec<u8>>, DecodeError> {
    let mut out = Zeroizing::new(Vec::with_capacity(groups.len() * 5 / 8));
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for &g in groups {
        acc = (acc << 5) | u32::from(g & 31);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xFF) as u8);
        }
        acc &= (1 << bits) - 1;
    }
    // Padding bits are a function of the share length (public), but their value is
    // secret-derived: fold it into the validity result without branching on it here.
    let padding_is_zero = eq_mask((acc & 0xFF) as u8, 0);
    acc.zeroize();
    if bits >= 5 || !ct::public_mask(padding_is_zero) {
        return Err(DecodeError::InvalidText);
    }
    Ok(out)
}

/// `ks1...` bech32m text of `bytes` (lower case).
pub fn encode_bech32m(bytes: &[u8]) -> Zeroizing<String> {
    let data = to_five_bit(bytes);
    let hrp = HRP.as_bytes();
    let mut checksum = hrp_checksum_start(hrp);
    for &v in data.iter() {
        checksum = polymod_step(checksum, v);
    }
    for _ in 0..6 {
        checksum = polymod_step(checksum, 0);
    }
    checksum ^= BECH32M_CONST;

    let mut out = Zeroizing::new(Vec::with_capacity(hrp.len() + 1 + data.len() + 6));
    out.extend_from_slice(hrp);
    out.push(b'1');
    for &v in data.iter() {
        out.push(bech32_char(v));
    }
    for i in 0..6 {
        out.push(bech32_char(((checksum >> (5 * (5 - i))) & 31) as u8));
    }
    bytes_to_string(out)
}

/// Decodes a bech32m string with the expected human-readable prefix. ASCII whitespace
/// is ignored, so a share written down in groups reads back.
///
/// # Errors
/// [`DecodeError::InvalidText`] for mixed case, a missing separator, a character outside
/// the bech32 alphabet or a bad length; [`DecodeError::UnknownTextForm`] for another
/// prefix; [`DecodeError::TextChecksum`] when the bech32m checksum does not match.
pub fn decode_bech32m(text: &str, expected_hrp: &str) -> Result<Zeroizing<Vec<u8>>, DecodeError> {
    let chars = without_whitespace(text);
    // Case and separator are scanned over every character with masks, then only the
    // verdicts are declassified (see `crate::ct`).
    let mut has_lower = 0u8;
    let mut has_upper = 0u8;
    let mut lower = Zeroizing::new(Vec::with_capacity(chars.len()));
    let mut separator_mask = 0u8;
    let mut separator = 0usize;
    for (i, &c) in chars.iter().enumerate() {
        let is_lower =
            !lt_mask(i32::from(c), i32::from(b'a')) & lt_mask(i32::from(c), i32::from(b'z') + 1);
        let is_upper =
            !lt_mask(i32::from(c), i32::from(b'A')) & lt_mask(i32::from(c), i32::from(b'Z') + 1);
        has_lower |= is_lower;
        has_upper |= is_upper;
        lower.push(c | (is_upper & 0x20));
        let is_separator = eq_mask(c, b'1');
        separator_mask |= is_separator;
        // Select i where this character is a '1': the last one wins.
        let select = usize::from(is_separator & 1).wrapping_neg();
        separator = (i & select) | (separator & !select);
    }
    if ct::public_mask(has_lower & has_upper) {
        return Err(DecodeError::InvalidText);
    }
    if !ct::public_mask(separator_mask) {
        return Err(DecodeError::InvalidText);
    }
    let separator = ct::public_usize(separator);
    let (hrp, rest) = lower.split_at(separator);
    let data_chars = rest.get(1..).ok_or(DecodeError::InvalidText)?;
    if hrp != expected_hrp.as_bytes() {
        return Err(DecodeError::UnknownTextForm);
    }
    if data_chars.len() < 6 {
        return Err(DecodeError::InvalidText);
    }
    let mut values = Zeroizing::new(Vec::with_capacity(data_chars.len()));
    let mut valid = 0xFFu8;
    let mut checksum = hrp_checksum_start(hrp);
    for &c in data_chars {
        let (v, ok) = bech32_value(c);
        valid &= ok;
        values.push(v);
        checksum = polymod_step(checksum, v);
    }
    if !ct::public_mask(valid) {
        return Err(DecodeError::InvalidText);
    }
    if !ct::public_mask(eq_mask_u32(checksum, BECH32M_CONST)) {
        return Err(DecodeError::TextChecksum);
    }
    let payload_len = values.len() - 6;
    from_five_bit(&values[..payload_len])
}

/// Verifies a bech32m string's checksum for any prefix (used by tests against BIP-350).
#[cfg(test)]
fn verify_bech32m_any_hrp(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    let Some(sep) = lower.rfind('1') else {
        return false;
    };
    let (hrp, rest) = lower.split_at(sep);
    let mut checksum = hrp_checksum_start(hrp.as_bytes());
    for c in rest[1..].bytes() {
        let (v, ok) = bech32_value(c);
        if ok != 0xFF {
            return false;
        }
        checksum = polymod_step(checksum, v);
    }
    rest.len() >= 7 && checksum == BECH32M_CONST
}

fn bytes_to_string(mut bytes: Zeroizing<Vec<u8>>) -> Zeroizing<String> {
    // Every byte pushed above is ASCII. Clearing the top bit changes nothing, but tells
    // the compiler and valgrind that UTF-8 validation cannot depend on secret bits (a
    // per-`char` push would branch on each secret character's encoded length).
    for b in bytes.iter_mut() {
        *b &= 0x7F;
    }
    let vec = core::mem::take(&mut *bytes);
    match String::from_utf8(vec) {
        Ok(s) => Zeroizing::new(s),
        Err(error) => {
            let mut lost = error.into_bytes();
            lost.zeroize();
            Zeroizing::new(String::new())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bip350_valid_bech32m_strings_verify() {
        // Valid bech32m test vectors from BIP-350.
        for s in [
            "A1LQFN3A",
            "a1lqfn3a",
            "an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6",
            "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx",
            "11llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllludsr8",
            "split1checkupstagehandshakeupstreamerranterredcaperredlc445v",
            "?1v759aa",
        ] {
            assert!(verify_bech32m_any_hrp(s), "{s}");
        }
        // Valid bech32 (BIP-173, not m) must fail the bech32m constant.
        assert!(!verify_bech32m_any_hrp("a12uel5l"));
        assert!(!verify_bech32m_any_hrp(
            "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw"
        ));
    }

    #[test]
    fn hex_round_trip_and_rejects() {
        let bytes: Vec<u8> = (0..=255).collect();
        let hex = encode_hex(&bytes);
        assert_eq!(hex.as_str(), ::hex::encode(&bytes));
        assert_eq!(&decode_hex(&hex).unwrap()[..], &bytes[..]);
        assert_eq!(&decode_hex(&hex.to_uppercase()).unwrap()[..], &bytes[..]);
        for bad in ["0", "0g", "zz", "0x00", "-1"] {
            assert_eq!(decode_hex(bad), Err(DecodeError::InvalidHex), "{bad}");
        }
        // Every non-hex ASCII character is refused.
        for c in 0u8..128 {
            let valid = c.is_ascii_hexdigit();
            let s = alloc::format!("0{}", c as char);
            if c.is_ascii_whitespace() {
                continue;
            }
            assert_eq!(decode_hex(&s).is_ok(), valid, "char {c}");
        }
    }

    #[test]
    fn bech32m_round_trip_and_typo_detection() {
        for len in [1usize, 2, 5, 31, 32, 33, 100] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let text = encode_bech32m(&bytes);
            assert!(text.starts_with("ks1"));
            assert_eq!(&decode_bech32m(&text, HRP).unwrap()[..], &bytes[..]);
            assert_eq!(
                &decode_bech32m(&text.to_uppercase(), HRP).unwrap()[..],
                &bytes[..]
            );
            // Every single-character substitution in the data part is caught.
            let raw = text.as_bytes();
            for pos in 3..raw.len() {
                for &c in CHARSET.iter() {
                    if c == raw[pos] {
                        continue;
                    }
                    let mut typo = raw.to_vec();
                    typo[pos] = c;
                    let typo = String::from_utf8(typo).unwrap();
                    assert_eq!(
                        decode_bech32m(&typo, HRP),
                        Err(DecodeError::TextChecksum),
                        "len {len} pos {pos}"
                    );
                }
            }
        }
    }

    #[test]
    fn bech32m_rejects_malformed_text() {
        let text = encode_bech32m(&[1, 2, 3]);
        let mut mixed: String = String::from(text.as_str());
        mixed.replace_range(4..5, &mixed[4..5].to_uppercase());
        if mixed != *text {
            assert_eq!(decode_bech32m(&mixed, HRP), Err(DecodeError::InvalidText));
        }
        assert_eq!(
            decode_bech32m("ks1bbbbbbbbb", HRP),
            Err(DecodeError::InvalidText),
            "b is not in the alphabet"
        );
        assert_eq!(
            decode_bech32m("xx1qqqqqqqq", HRP),
            Err(DecodeError::UnknownTextForm)
        );
        assert_eq!(decode_bech32m("ks1qqq", HRP), Err(DecodeError::InvalidText));
    }
}
