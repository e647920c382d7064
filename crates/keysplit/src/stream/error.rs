//! The error type of the streaming split and combine.

use core::fmt;
use std::io;

use crate::error::Error;

/// Why a streaming split or combine failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum StreamError {
    /// The shares or parameters are wrong (the same errors as the in-memory API).
    Shares(Error),
    /// Reading the secret failed.
    ReadSecret(io::Error),
    /// The secret stream ended before the announced length.
    SecretTooShort {
        /// Length announced by the caller.
        expected: u64,
        /// Bytes the stream had.
        found: u64,
    },
    /// The secret stream has more bytes than the announced length.
    SecretTooLong {
        /// Length announced by the caller.
        expected: u64,
    },
    /// Reading share `index` (0-based) failed.
    ReadShare {
        /// Position of the share among the inputs.
        index: usize,
        /// The I/O error.
        source: io::Error,
    },
    /// Writing share `index` (0-based) failed.
    WriteShare {
        /// Position of the share among the outputs.
        index: usize,
        /// The I/O error.
        source: io::Error,
    },
    /// Writing the recovered secret failed.
    WriteSecret(io::Error),
    /// The second (hashing) thread ended before the work was done, so the checksums
    /// could not be finished. Nothing was returned as a result; retrying may help.
    HashingThreadStopped,
}

impl StreamError {
    /// A stable code: the core's [`Error::code`] for share errors, `IO` otherwise.
    pub fn code(&self) -> &'static str {
        match self {
            StreamError::Shares(e) => e.code(),
            StreamError::SecretTooShort { .. } | StreamError::SecretTooLong { .. } => {
                "SECRET_LENGTH"
            }
            StreamError::HashingThreadStopped => "INTERNAL",
            _ => "IO",
        }
    }
}

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StreamError::Shares(e) => write!(f, "{e}"),
            StreamError::ReadSecret(e) => write!(f, "cannot read the secret: {e}"),
            StreamError::SecretTooShort { expected, found } => write!(
                f,
                "the secret ended after {found} bytes but {expected} were announced (was the file changed while being split?)"
            ),
            StreamError::SecretTooLong { expected } => write!(
                f,
                "the secret has more than the {expected} bytes announced (was the file changed while being split?)"
            ),
            StreamError::ReadShare { index, source } => {
                write!(f, "cannot read share #{}: {source}", index + 1)
            }
            StreamError::WriteShare { index, source } => {
                write!(f, "cannot write share #{}: {source}", index + 1)
            }
            StreamError::WriteSecret(e) => write!(f, "cannot write the secret: {e}"),
            StreamError::HashingThreadStopped => f.write_str(
                "keysplit's hashing thread stopped before the work was done; nothing was produced (try again)",
            ),
        }
    }
}

impl std::error::Error for StreamError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StreamError::Shares(e) => Some(e),
            StreamError::ReadSecret(e) | StreamError::WriteSecret(e) => Some(e),
            StreamError::ReadShare { source, .. } | StreamError::WriteShare { source, .. } => {
                Some(source)
            }
            _ => None,
        }
    }
}

impl From<Error> for StreamError {
    fn from(e: Error) -> Self {
        StreamError::Shares(e)
    }
}
