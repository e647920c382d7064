//! The one error type of keysplit-slip39.

use core::fmt;

/// Which parameter of a share disagrees with the shares before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mismatch {
    /// The 15-bit identifier (the first words differ).
    Identifier,
    /// The extendable-backup flag.
    Extendable,
    /// The iteration exponent.
    IterationExponent,
    /// The group threshold.
    GroupThreshold,
    /// The group count.
    GroupCount,
    /// The member threshold of shares in the same group.
    MemberThreshold,
}

impl Mismatch {
    fn name(self) -> &'static str {
        match self {
            Mismatch::Identifier => "identifier",
            Mismatch::Extendable => "extendable flag",
            Mismatch::IterationExponent => "iteration exponent",
            Mismatch::GroupThreshold => "group threshold",
            Mismatch::GroupCount => "group count",
            Mismatch::MemberThreshold => "member threshold",
        }
    }
}

/// Everything split and combine refuse. `share` is the position (from 0) of the share
/// that caused the refusal in the list the caller passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A word is not in the SLIP-0039 word list.
    UnknownWord {
        /// The share.
        share: usize,
        /// Position of the word in the share, from 0.
        word: usize,
    },
    /// The share has fewer than 20 words.
    TooFewWords {
        /// The share.
        share: usize,
        /// Words found.
        words: usize,
    },
    /// The word count cannot encode a share value (its padding would exceed 8 bits).
    InvalidLength {
        /// The share.
        share: usize,
        /// Words found.
        words: usize,
    },
    /// The RS1024 checksum does not match: a word is wrong, missing or swapped.
    Checksum {
        /// The share.
        share: usize,
    },
    /// The padding bits of the share value are not zero.
    Padding {
        /// The share.
        share: usize,
    },
    /// The share says its group threshold is above its group count.
    GroupThresholdAboveCount {
        /// The share.
        share: usize,
    },
    /// No shares were given.
    NoShares,
    /// A share belongs to another backup or disagrees with the shares before it.
    Mismatch {
        /// The share.
        share: usize,
        /// What disagrees.
        what: Mismatch,
    },
    /// Two different shares have the same member index in the same group.
    DuplicateIndex {
        /// The later of the two shares.
        share: usize,
    },
    /// A share's value has another length than the shares before it.
    LengthMismatch {
        /// The share.
        share: usize,
    },
    /// Fewer groups than the group threshold.
    TooFewGroups {
        /// The group threshold.
        needed: u8,
        /// Groups given.
        got: usize,
    },
    /// More groups than the group threshold (SLIP-0039 wants exactly the threshold).
    TooManyGroups {
        /// The group threshold.
        expected: u8,
        /// Groups given.
        got: usize,
    },
    /// A group has another number of shares than its member threshold.
    WrongMemberCount {
        /// The first share of that group.
        share: usize,
        /// The group's index.
        group: u8,
        /// Its member threshold.
        expected: u8,
        /// Shares given for it.
        got: usize,
    },
    /// The shares combine to a value whose digest does not match: one of them is wrong
    /// or from another backup. `group` is the group whose members disagree, `None` when
    /// the group secrets do.
    Digest {
        /// The group, or `None` for the group level.
        group: Option<u8>,
    },
    /// The master secret is not 16 to 32 bytes of even length.
    SecretLength {
        /// Bytes given.
        len: usize,
    },
    /// The group threshold is 0 or above the number of groups, or there are no groups or
    /// more than 16.
    GroupThreshold {
        /// Group threshold asked for.
        threshold: u8,
        /// Groups asked for.
        groups: usize,
    },
    /// A group's member threshold is 0 or above its count, its count is above 16, or it
    /// asks for several shares with threshold 1 (use 1-of-1).
    MemberThreshold {
        /// The group's position.
        group: usize,
        /// Its threshold.
        threshold: u8,
        /// Its count.
        count: u8,
    },
    /// The iteration exponent is above 15.
    IterationExponent {
        /// Exponent asked for.
        exponent: u8,
    },
    /// The passphrase has a character outside printable ASCII (32..=126).
    Passphrase,
    /// The random generator failed.
    Rng,
}

impl Error {
    /// The same error, naming the share at position `share`.
    pub(crate) fn at(self, share: usize) -> Error {
        match self {
            Error::UnknownWord { word, .. } => Error::UnknownWord { share, word },
            Error::TooFewWords { words, .. } => Error::TooFewWords { share, words },
            Error::InvalidLength { words, .. } => Error::InvalidLength { share, words },
            Error::Checksum { .. } => Error::Checksum { share },
            Error::Padding { .. } => Error::Padding { share },
            Error::GroupThresholdAboveCount { .. } => Error::GroupThresholdAboveCount { share },
            other => other,
        }
    }

    /// A stable short code for programs and tests.
    pub fn code(&self) -> &'static str {
        match self {
            Error::UnknownWord { .. } => "unknown_word",
            Error::TooFewWords { .. } => "too_few_words",
            Error::InvalidLength { .. } => "invalid_length",
            Error::Checksum { .. } => "checksum",
            Error::Padding { .. } => "padding",
            Error::GroupThresholdAboveCount { .. } => "group_threshold_above_count",
            Error::NoShares => "no_shares",
            Error::Mismatch { .. } => "mismatch",
            Error::DuplicateIndex { .. } => "duplicate_index",
            Error::LengthMismatch { .. } => "length_mismatch",
            Error::TooFewGroups { .. } => "too_few_groups",
            Error::TooManyGroups { .. } => "too_many_groups",
            Error::WrongMemberCount { .. } => "wrong_member_count",
            Error::Digest { .. } => "digest",
            Error::SecretLength { .. } => "secret_length",
            Error::GroupThreshold { .. } => "group_threshold",
            Error::MemberThreshold { .. } => "member_threshold",
            Error::IterationExponent { .. } => "iteration_exponent",
            Error::Passphrase => "passphrase",
            Error::Rng => "rng",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::UnknownWord { share, word } => write!(
                f,
                "share {}: word {} is not in the SLIP-39 word list",
                share + 1,
                word + 1
            ),
            Error::TooFewWords { share, words } => write!(
                f,
                "share {}: {words} words, a SLIP-39 share has at least 20",
                share + 1
            ),
            Error::InvalidLength { share, words } => write!(
                f,
                "share {}: {words} words is not a valid SLIP-39 share length",
                share + 1
            ),
            Error::Checksum { share } => write!(
                f,
                "share {}: checksum mismatch (a word is wrong, missing or swapped)",
                share + 1
            ),
            Error::Padding { share } => write!(f, "share {}: invalid padding", share + 1),
            Error::GroupThresholdAboveCount { share } => write!(
                f,
                "share {}: group threshold above group count",
                share + 1
            ),
            Error::NoShares => f.write_str("no shares given"),
            Error::Mismatch { share, what } => write!(
                f,
                "share {}: its {} differs from the shares before it (another backup?)",
                share + 1,
                what.name()
            ),
            Error::DuplicateIndex { share } => write!(
                f,
                "share {}: another share has the same member index in its group",
                share + 1
            ),
            Error::LengthMismatch { share } => write!(
                f,
                "share {}: its length differs from the shares before it",
                share + 1
            ),
            Error::TooFewGroups { needed, got } => write!(
                f,
                "shares of {got} group(s) given, {needed} groups are needed"
            ),
            Error::TooManyGroups { expected, got } => write!(
                f,
                "shares of {got} groups given: give shares of exactly {expected}"
            ),
            Error::WrongMemberCount {
                share,
                group,
                expected,
                got,
            } => write!(
                f,
                "group {} (share {}): {got} share(s) given, exactly {expected} needed",
                u32::from(group) + 1,
                share + 1
            ),
            Error::Digest { group: Some(g) } => write!(
                f,
                "the shares of group {} do not belong together (invalid digest)",
                u32::from(g) + 1
            ),
            Error::Digest { group: None } => {
                f.write_str("the groups do not belong together (invalid digest)")
            }
            Error::SecretLength { len } => write!(
                f,
                "master secret of {len} bytes: it must be 16 to 32 bytes, an even number"
            ),
            Error::GroupThreshold { threshold, groups } => write!(
                f,
                "group threshold {threshold} with {groups} groups: need 1 <= threshold <= groups <= 16"
            ),
            Error::MemberThreshold {
                group,
                threshold,
                count,
            } => write!(
                f,
                "group {}: {threshold}-of-{count} is invalid (need 1 <= threshold <= count <= 16, and 1-of-1 for threshold 1)",
                group + 1
            ),
            Error::IterationExponent { exponent } => {
                write!(f, "iteration exponent {exponent}: at most 15")
            }
            Error::Passphrase => {
                f.write_str("the passphrase must be printable ASCII (code points 32 to 126)")
            }
            Error::Rng => f.write_str("the random generator failed"),
        }
    }
}

impl core::error::Error for Error {}
