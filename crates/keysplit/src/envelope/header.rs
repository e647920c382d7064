//! The 29-byte header of envelope format v1 (`docs/envelope-format.md`): the one place
//! its layout, its checks and the digest prefix are written down, used by the in-memory
//! envelope code and by the streaming code alike.

use crate::error::{DecodeError, Error};

use super::SetId;

/// First two bytes of every envelope.
pub const MAGIC: [u8; 2] = *b"KS";
/// The envelope format version this build writes and reads.
pub const VERSION: u8 = 1;
/// Bytes before the y values.
pub const HEADER_LEN: usize = 29;
/// Length of the integrity digest appended to the secret before sharing.
pub const DIGEST_LEN: usize = 32;
/// Length of the per-share checksum at the end of the envelope.
pub const CHECKSUM_LEN: usize = 16;
/// Bytes an envelope adds to the secret's length.
pub const OVERHEAD: usize = HEADER_LEN + DIGEST_LEN + CHECKSUM_LEN;

const VERSION_AT: usize = 2;
const THRESHOLD_AT: usize = 3;
const X_AT: usize = 4;
const SET_ID_AT: usize = 5;
const SECRET_LEN_AT: usize = 21;

const DIGEST_DOMAIN: &[u8] = b"keysplit/v1/secret-digest";
/// Length of [`Header::digest_prefix`].
const DIGEST_PREFIX_LEN: usize = DIGEST_DOMAIN.len() + 16 + 8;

/// The fields of one envelope header (all public).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) threshold: u8,
    pub(crate) x: u8,
    pub(crate) set_id: SetId,
    pub(crate) secret_len: u64,
}

impl Header {
    /// The header bytes: magic, version, threshold, x, set id, secret length (big-endian).
    pub(crate) fn encode(&self) -> [u8; HEADER_LEN] {
        let mut bytes = [0u8; HEADER_LEN];
        bytes[..VERSION_AT].copy_from_slice(&MAGIC);
        bytes[VERSION_AT] = VERSION;
        bytes[THRESHOLD_AT] = self.threshold;
        bytes[X_AT] = self.x;
        bytes[SET_ID_AT..SECRET_LEN_AT].copy_from_slice(&self.set_id.0);
        bytes[SECRET_LEN_AT..HEADER_LEN].copy_from_slice(&self.secret_len.to_be_bytes());
        bytes
    }

    /// The fields of header bytes, unchecked.
    pub(crate) fn fields(bytes: &[u8; HEADER_LEN]) -> Header {
        let mut set_id = SetId([0u8; 16]);
        set_id.0.copy_from_slice(&bytes[SET_ID_AT..SECRET_LEN_AT]);
        let mut len = [0u8; 8];
        len.copy_from_slice(&bytes[SECRET_LEN_AT..HEADER_LEN]);
        Header {
            threshold: bytes[THRESHOLD_AT],
            x: bytes[X_AT],
            set_id,
            secret_len: u64::from_be_bytes(len),
        }
    }

    /// Parses the start of an envelope, `bytes` being all of it or at least all that
    /// could be read: the magic and the version are checked as soon as they are there,
    /// then a missing header is [`DecodeError::Truncated`] (`found` = `bytes.len()`) and a
    /// secret length of 0 [`DecodeError::EmptySecret`]. The threshold and x are checked
    /// by [`Header::check_values`].
    pub(crate) fn parse(bytes: &[u8]) -> Result<Header, DecodeError> {
        if bytes.get(..VERSION_AT).is_some_and(|magic| magic != MAGIC) {
            return Err(DecodeError::BadMagic);
        }
        if let Some(&version) = bytes.get(VERSION_AT) {
            if version != VERSION {
                return Err(DecodeError::UnsupportedVersion { version });
            }
        }
        let header: &[u8; HEADER_LEN] = bytes
            .get(..HEADER_LEN)
            .and_then(|h| h.try_into().ok())
            .ok_or(DecodeError::Truncated {
                expected: Header::envelope_len(1).unwrap_or(u64::MAX),
                found: bytes.len() as u64,
            })?;
        let header = Header::fields(header);
        if header.secret_len == 0 {
            return Err(DecodeError::EmptySecret);
        }
        Ok(header)
    }

    /// Refuses a threshold below 2 and x = 0.
    pub(crate) fn check_values(&self) -> Result<(), DecodeError> {
        if self.threshold < 2 {
            return Err(DecodeError::BadThreshold {
                threshold: self.threshold,
            });
        }
        if self.x == 0 {
            return Err(DecodeError::ZeroX);
        }
        Ok(())
    }

    /// Fails unless `other` (the share at position `index`) comes from the same split as
    /// `self`: the same set id, threshold and secret length.
    pub(crate) fn check_same_set(&self, other: &Header, index: usize) -> Result<(), Error> {
        if other.set_id != self.set_id {
            return Err(Error::SetMismatch { index });
        }
        if other.threshold != self.threshold {
            return Err(Error::ThresholdMismatch {
                index,
                expected: self.threshold,
                found: other.threshold,
            });
        }
        if other.secret_len != self.secret_len {
            return Err(Error::LengthMismatch {
                index,
                expected: self.secret_len,
                found: other.secret_len,
            });
        }
        Ok(())
    }

    /// What the secret digest hashes before the secret:
    /// `"keysplit/v1/secret-digest" || set_id || L as u64 BE`.
    pub(crate) fn digest_prefix(&self) -> [u8; DIGEST_PREFIX_LEN] {
        let mut prefix = [0u8; DIGEST_PREFIX_LEN];
        let (domain, rest) = prefix.split_at_mut(DIGEST_DOMAIN.len());
        domain.copy_from_slice(DIGEST_DOMAIN);
        let (set_id, len) = rest.split_at_mut(16);
        set_id.copy_from_slice(&self.set_id.0);
        len.copy_from_slice(&self.secret_len.to_be_bytes());
        prefix
    }

    /// Length of the whole envelope for a secret of `secret_len` bytes, unless it
    /// overflows.
    pub(crate) fn envelope_len(secret_len: u64) -> Option<u64> {
        secret_len.checked_add(OVERHEAD as u64)
    }
}
