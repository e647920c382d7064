//! The one error type of keysplit's core.

use core::fmt;

/// Why a single encoded share could not be read.
///
/// Kept separate from [`Error`] so that a list operation can say *which* share was bad
/// ([`Error::BadShare`]) while a single decode says *what* was bad ([`Error::Decode`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// The bytes do not start with keysplit's envelope magic `KS`.
    BadMagic,
    /// The envelope names a format version this build does not know.
    UnsupportedVersion {
        /// The version byte found.
        version: u8,
    },
    /// The envelope is shorter than its header says.
    Truncated {
        /// Bytes the header announces.
        expected: u64,
        /// Bytes present.
        found: u64,
    },
    /// Bytes follow the end of the envelope.
    TrailingBytes {
        /// Bytes the header announces.
        expected: u64,
        /// Bytes present.
        found: u64,
    },
    /// The share's own checksum does not match: it was corrupted or mistyped.
    Checksum,
    /// The share's x-coordinate is 0, which would make it *be* the secret.
    ZeroX,
    /// The envelope declares a threshold below 2.
    BadThreshold {
        /// The threshold byte found.
        threshold: u8,
    },
    /// The envelope declares an empty secret.
    EmptySecret,
    /// A raw share is too short to hold one y byte and the x byte.
    TooShort {
        /// Bytes present.
        found: usize,
    },
    /// Text is neither hex nor keysplit's `ks1...` form.
    UnknownTextForm,
    /// Hex text has an odd number of digits or a character that is not a hex digit.
    InvalidHex,
    /// `ks1...` text has a character outside the bech32 alphabet, mixed case or bad padding.
    InvalidText,
    /// `ks1...` text fails its bech32m checksum: a typo, a missing or swapped character.
    TextChecksum,
}

/// Every way a keysplit operation can fail.
///
/// Variants carry the share index (0-based position in the list the caller passed) where
/// one share is at fault, so a caller can tell the user which share to fix. `Display`
/// numbers shares from 1 (`share #1` is index 0), as a person counts them.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// Threshold outside `2..=shares`.
    InvalidThreshold {
        /// Requested threshold.
        threshold: usize,
        /// Requested number of shares.
        shares: usize,
    },
    /// Share count outside `2..=255`.
    InvalidShareCount {
        /// Requested number of shares.
        shares: usize,
    },
    /// The secret is empty.
    EmptySecret,
    /// No shares were given.
    NoShares,
    /// Fewer shares than the threshold (or, for raw shares, fewer than two).
    BelowThreshold {
        /// Shares the set needs.
        needed: usize,
        /// Usable shares given.
        got: usize,
    },
    /// A share has x = 0.
    ZeroX {
        /// Position of the share.
        index: usize,
    },
    /// Two shares have the same x-coordinate.
    DuplicateX {
        /// The repeated x-coordinate.
        x: u8,
        /// Position of the first share with it.
        first: usize,
        /// Position of the second share with it.
        second: usize,
    },
    /// A share's length differs from the first share's.
    LengthMismatch {
        /// Position of the share.
        index: usize,
        /// Length of the first share.
        expected: u64,
        /// Length of this share.
        found: u64,
    },
    /// A share belongs to a different share set than the first share.
    SetMismatch {
        /// Position of the share.
        index: usize,
    },
    /// A share of the same set declares a different threshold.
    ThresholdMismatch {
        /// Position of the share.
        index: usize,
        /// Threshold of the first share.
        expected: u8,
        /// Threshold of this share.
        found: u8,
    },
    /// One share in a list could not be decoded.
    BadShare {
        /// Position of the share.
        index: usize,
        /// What was wrong with it.
        cause: DecodeError,
    },
    /// A single share could not be decoded.
    Decode(DecodeError),
    /// The reconstructed secret fails the integrity digest shared inside it: the shares
    /// are forged, corrupted consistently, or fewer than the real threshold.
    IntegrityCheck,
    /// More shares than the threshold were given, but no threshold-sized subset of them
    /// reconstructs a secret that passes the integrity check.
    NoConsistentSubset {
        /// Subsets tried before giving up.
        tried: usize,
    },
    /// The random number generator failed or produced an impossible stream.
    Rng,
    /// A secret, or a share, too large for this platform's address space.
    TooLarge,
    /// The output buffer given to [`crate::raw::split_into`] or
    /// [`crate::raw::combine_into`] has the wrong length (nothing was written to it).
    OutputLength {
        /// The length the call needs.
        expected: u64,
        /// The length of the buffer given.
        found: u64,
    },
}

impl DecodeError {
    /// A stable identifier for bindings (for example JavaScript `error.code`).
    pub const fn code(&self) -> &'static str {
        match self {
            DecodeError::BadMagic => "BAD_MAGIC",
            DecodeError::UnsupportedVersion { .. } => "UNSUPPORTED_VERSION",
            DecodeError::Truncated { .. } => "TRUNCATED",
            DecodeError::TrailingBytes { .. } => "TRAILING_BYTES",
            DecodeError::Checksum => "SHARE_CHECKSUM",
            DecodeError::ZeroX => "ZERO_X",
            DecodeError::BadThreshold { .. } => "BAD_THRESHOLD",
            DecodeError::EmptySecret => "EMPTY_SECRET",
            DecodeError::TooShort { .. } => "SHARE_TOO_SHORT",
            DecodeError::UnknownTextForm => "UNKNOWN_TEXT_FORM",
            DecodeError::InvalidHex => "INVALID_HEX",
            DecodeError::InvalidText => "INVALID_TEXT",
            DecodeError::TextChecksum => "TEXT_CHECKSUM",
        }
    }
}

impl Error {
    /// A stable identifier for bindings (for example JavaScript `error.code`).
    ///
    /// For [`Error::BadShare`] and [`Error::Decode`] this is the code of the decode cause,
    /// so `"SHARE_CHECKSUM"` means the same thing wherever it appears.
    pub const fn code(&self) -> &'static str {
        match self {
            Error::InvalidThreshold { .. } => "INVALID_THRESHOLD",
            Error::InvalidShareCount { .. } => "INVALID_SHARE_COUNT",
            Error::EmptySecret => "EMPTY_SECRET",
            Error::NoShares => "NO_SHARES",
            Error::BelowThreshold { .. } => "BELOW_THRESHOLD",
            Error::ZeroX { .. } => "ZERO_X",
            Error::DuplicateX { .. } => "DUPLICATE_X",
            Error::LengthMismatch { .. } => "LENGTH_MISMATCH",
            Error::SetMismatch { .. } => "SET_MISMATCH",
            Error::ThresholdMismatch { .. } => "THRESHOLD_MISMATCH",
            Error::BadShare { cause, .. } => cause.code(),
            Error::Decode(cause) => cause.code(),
            Error::IntegrityCheck => "INTEGRITY_CHECK",
            Error::NoConsistentSubset { .. } => "NO_CONSISTENT_SUBSET",
            Error::Rng => "RNG_FAILURE",
            Error::TooLarge => "TOO_LARGE",
            Error::OutputLength { .. } => "OUTPUT_LENGTH",
        }
    }
}

impl From<DecodeError> for Error {
    fn from(cause: DecodeError) -> Self {
        Error::Decode(cause)
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::BadMagic => f.write_str(
                "not a keysplit share envelope (it does not start with \"KS\"); \
                 for Privy/Vault shares use the raw format",
            ),
            DecodeError::UnsupportedVersion { version } => write!(
                f,
                "share envelope version {version} is not supported by this keysplit (it reads version 1)"
            ),
            DecodeError::Truncated { expected, found } => write!(
                f,
                "share is truncated: its header announces {expected} bytes but only {found} are present"
            ),
            DecodeError::TrailingBytes { expected, found } => write!(
                f,
                "share has extra bytes: its header announces {expected} bytes but {found} are present"
            ),
            DecodeError::Checksum => f.write_str(
                "share checksum does not match: the share was corrupted or mistyped",
            ),
            DecodeError::ZeroX => f.write_str(
                "share has x = 0, which is never a valid share (it would replace the secret)",
            ),
            DecodeError::BadThreshold { threshold } => {
                write!(f, "share declares threshold {threshold}; thresholds start at 2")
            }
            DecodeError::EmptySecret => f.write_str("share declares an empty secret"),
            DecodeError::TooShort { found } => write!(
                f,
                "raw share is {found} byte(s) long; it needs at least one secret byte plus the x byte"
            ),
            DecodeError::UnknownTextForm => f.write_str(
                "share text is neither hex nor a keysplit \"ks1...\" string",
            ),
            DecodeError::InvalidHex => f.write_str(
                "share hex has an odd number of digits or a character that is not 0-9/a-f",
            ),
            DecodeError::InvalidText => f.write_str(
                "share text has a character outside the bech32 alphabet, mixed case, or bad padding",
            ),
            DecodeError::TextChecksum => f.write_str(
                "share text checksum does not match: a character is mistyped, missing or swapped",
            ),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidThreshold { threshold, shares } => write!(
                f,
                "invalid threshold {threshold} for {shares} shares: the threshold must be at least 2 and at most the number of shares"
            ),
            Error::InvalidShareCount { shares } => write!(
                f,
                "invalid number of shares {shares}: it must be between 2 and 255"
            ),
            Error::EmptySecret => f.write_str("the secret is empty; there is nothing to split"),
            Error::NoShares => f.write_str("no shares were given"),
            Error::BelowThreshold { needed, got } => write!(
                f,
                "not enough shares: this set needs {needed} but {got} usable share(s) were given"
            ),
            Error::ZeroX { index } => write!(
                f,
                "share #{} has x = 0, which is never a valid share (it would replace the secret)",
                index + 1
            ),
            Error::DuplicateX { x, first, second } => write!(
                f,
                "shares #{} and #{} have the same x-coordinate {x}: the same share was given twice",
                first + 1,
                second + 1
            ),
            Error::LengthMismatch {
                index,
                expected,
                found,
            } => write!(
                f,
                "share #{} has a different length ({found}) from share #1 ({expected}): shares of one secret all have the same length",
                index + 1
            ),
            Error::SetMismatch { index } => write!(
                f,
                "share #{} belongs to a different share set than share #1; shares of different splits cannot be combined",
                index + 1
            ),
            Error::ThresholdMismatch {
                index,
                expected,
                found,
            } => write!(
                f,
                "share #{} declares threshold {found} but share #1 declares {expected}",
                index + 1
            ),
            Error::BadShare { index, cause } => write!(f, "share #{}: {cause}", index + 1),
            Error::Decode(cause) => fmt::Display::fmt(cause, f),
            Error::IntegrityCheck => f.write_str(
                "the reconstructed secret fails its integrity check: the shares are corrupted or forged",
            ),
            Error::NoConsistentSubset { tried } => write!(
                f,
                "the shares disagree and none of the {tried} subset(s) tried reconstructs a secret that passes the integrity check"
            ),
            Error::Rng => f.write_str("the random number generator failed"),
            Error::TooLarge => f.write_str("the secret or share is too large for this platform"),
            Error::OutputLength { expected, found } => write!(
                f,
                "the output buffer is {found} bytes but this call writes exactly {expected}"
            ),
        }
    }
}

impl core::error::Error for Error {}
impl core::error::Error for DecodeError {}
