//! The SLIP-0039 word list (1024 words, 4 to 8 letters; the first four letters of each
//! word are unique), each zero-padded to 8 bytes, built at compile time from
//! `wordlist.txt` (the list of `satoshilabs/slips` and `python-shamir-mnemonic`, one word
//! per line). The official test vectors and the round trip in `words.rs` check it.

/// Every word, in index order, padded with zero bytes to 8.
pub(crate) const WORDS: [[u8; 8]; 1024] = parse(include_bytes!("wordlist.txt"));

/// One lower-case word of 4 to 8 letters per line, 1024 lines. Anything else stops the
/// build (a `const` evaluation that fails is a compile error).
const fn parse(text: &[u8]) -> [[u8; 8]; 1024] {
    let mut words = [[0u8; 8]; 1024];
    let (mut word, mut letter, mut at) = (0, 0, 0);
    while at < text.len() {
        let byte = text[at];
        if byte == b'\n' {
            assert!(letter >= 4, "a word of fewer than 4 letters");
            word += 1;
            letter = 0;
        } else {
            assert!(byte.is_ascii_lowercase(), "not a lower-case letter");
            assert!(letter < 8, "a word of more than 8 letters");
            words[word][letter] = byte;
            letter += 1;
        }
        at += 1;
    }
    assert!(
        word == 1024 && letter == 0,
        "not 1024 newline-terminated words"
    );
    words
}

#[cfg(test)]
mod tests {
    use super::WORDS;

    #[test]
    fn the_list_starts_and_ends_with_the_standards_words() {
        assert_eq!(&WORDS[0], b"academic");
        assert_eq!(&WORDS[1], b"acid\0\0\0\0");
        assert_eq!(&WORDS[1023], b"zero\0\0\0\0");
    }
}
