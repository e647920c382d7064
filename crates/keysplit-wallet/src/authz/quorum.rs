//! Key quorums: `m` of `n` authorization public keys.

use alloc::vec::Vec;

use serde_json::Value;

use super::jcs::{self, ParseError};
use super::keys::AuthorizationPublicKey;
use super::payload::RequestPayload;
use super::signature::{split_signature_header, AuthorizationSignature, MAX_SIGNATURES};
use crate::Error;

/// Most members a quorum may have (Privy's key quorums are small; this bounds the work
/// of a verification at members x signatures ECDSA checks).
pub const MAX_MEMBERS: usize = 32;

/// Largest quorum JSON text read.
const MAX_QUORUM_BYTES: usize = 64 * 1024;

/// `threshold` distinct members out of `members` must sign a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyQuorum {
    threshold: usize,
    members: Vec<AuthorizationPublicKey>,
}

fn bad(reason: &'static str) -> Error {
    Error::InvalidKeyQuorum { reason }
}

/// Why one presented signature did not count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureFailure {
    /// Not base64 of a DER or 64-byte P1363 P-256 signature.
    Malformed,
    /// No member's key verifies it over this payload: a non-member signed, the payload
    /// was altered, or the signature is corrupt.
    NoMember,
    /// It verifies under a member who was already counted (the same signature twice, or
    /// a second signature by the same key).
    Duplicate {
        /// The member's position in the quorum.
        member: usize,
    },
}

impl SignatureFailure {
    /// A stable identifier.
    pub const fn code(&self) -> &'static str {
        match self {
            SignatureFailure::Malformed => "INVALID_AUTHORIZATION_SIGNATURE",
            SignatureFailure::NoMember => "SIGNATURE_NOT_FROM_MEMBER",
            SignatureFailure::Duplicate { .. } => "DUPLICATE_SIGNER",
        }
    }

    /// A short explanation.
    pub const fn message(&self) -> &'static str {
        match self {
            SignatureFailure::Malformed => "not a base64 DER or P1363 P-256 signature",
            SignatureFailure::NoMember => {
                "no member's key verifies it over this payload (non-member, altered payload or bad signature)"
            }
            SignatureFailure::Duplicate { .. } => "its signer was already counted",
        }
    }
}

/// The outcome of checking signatures against a quorum.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuorumReport {
    /// Signatures needed from distinct members.
    pub threshold: usize,
    /// Members in the quorum.
    pub members: usize,
    /// Positions (in the quorum) of the distinct members whose signature verified, in the
    /// order their signatures came.
    pub signers: Vec<usize>,
    /// Each signature that did not count: its position in the list given, and why.
    pub failures: Vec<(usize, SignatureFailure)>,
}

impl QuorumReport {
    /// Distinct members that signed.
    pub fn signed(&self) -> usize {
        self.signers.len()
    }

    /// Whether at least `threshold` distinct members signed.
    pub fn is_met(&self) -> bool {
        self.signers.len() >= self.threshold
    }
}

impl KeyQuorum {
    /// A quorum of `threshold` out of `members`: refuses a threshold of 0 or above the
    /// member count, no members, more than [`MAX_MEMBERS`], and the same key twice.
    pub fn new(threshold: usize, members: Vec<AuthorizationPublicKey>) -> Result<Self, Error> {
        if members.is_empty() {
            return Err(bad("it has no members"));
        }
        if members.len() > MAX_MEMBERS {
            return Err(bad("it has more than 32 members"));
        }
        if threshold == 0 {
            return Err(bad("its threshold is 0"));
        }
        if threshold > members.len() {
            return Err(bad("its threshold is above its number of members"));
        }
        for (i, a) in members.iter().enumerate() {
            if members.iter().skip(i + 1).any(|b| a == b) {
                return Err(bad("the same public key is a member twice"));
            }
        }
        Ok(Self { threshold, members })
    }

    /// Reads `{"threshold": m, "members": ["<base64 SPKI DER>", ...]}` (no other member).
    pub fn from_json(text: &[u8]) -> Result<Self, Error> {
        if text.len() > MAX_QUORUM_BYTES {
            return Err(bad("it is over 64 KiB"));
        }
        let value = jcs::parse_strict(text).map_err(|e| match e {
            ParseError::Syntax => bad("it is not valid JSON"),
            ParseError::DuplicateMember => bad("an object in it names the same member twice"),
        })?;
        let map = value
            .as_object()
            .ok_or_else(|| bad("it is not a JSON object"))?;
        if map.keys().any(|k| k != "threshold" && k != "members") {
            return Err(bad("it has a member other than threshold and members"));
        }
        let threshold = match map.get("threshold") {
            None => return Err(bad("it has no threshold")),
            Some(Value::Number(n)) => n
                .as_u64()
                .and_then(|t| usize::try_from(t).ok())
                .ok_or_else(|| bad("its threshold is not a whole number"))?,
            Some(_) => return Err(bad("its threshold is not a number")),
        };
        let list = match map.get("members") {
            None => return Err(bad("it has no members")),
            Some(Value::Array(list)) => list,
            Some(_) => return Err(bad("its members are not a list")),
        };
        if list.len() > MAX_MEMBERS {
            return Err(bad("it has more than 32 members"));
        }
        let mut members = Vec::with_capacity(list.len());
        for item in list {
            let text = item
                .as_str()
                .ok_or_else(|| bad("a member is not a base64 SPKI string"))?;
            let key = AuthorizationPublicKey::from_text(text)
                .map_err(|_| bad("a member is not a base64 SPKI DER P-256 public key"))?;
            members.push(key);
        }
        Self::new(threshold, members)
    }

    /// Signatures needed.
    pub fn threshold(&self) -> usize {
        self.threshold
    }

    /// The member keys.
    pub fn members(&self) -> &[AuthorizationPublicKey] {
        &self.members
    }

    /// Checks each signature text against the members and reports who signed, without
    /// judging the outcome or the expiry. Never fails: malformed signatures, non-members,
    /// altered payloads and repeated signers are listed in `failures` and do not count.
    pub fn evaluate<S: AsRef<str>>(
        &self,
        payload: &RequestPayload,
        signatures: &[S],
    ) -> QuorumReport {
        let message = payload.canonical_bytes();
        let mut counted = [false; MAX_MEMBERS];
        let mut report = QuorumReport {
            threshold: self.threshold,
            members: self.members.len(),
            signers: Vec::new(),
            failures: Vec::new(),
        };
        for (index, text) in signatures.iter().enumerate() {
            let Ok(signature) = AuthorizationSignature::from_base64(text.as_ref()) else {
                report.failures.push((index, SignatureFailure::Malformed));
                continue;
            };
            let verifies = |m: usize| {
                self.members
                    .get(m)
                    .is_some_and(|key| key.verify_bytes(message, &signature))
            };
            // Members not yet counted first, so a valid new signer is never masked.
            let fresh = (0..self.members.len())
                .find(|&m| !counted.get(m).copied().unwrap_or(true) && verifies(m));
            if let Some(m) = fresh {
                if let Some(flag) = counted.get_mut(m) {
                    *flag = true;
                }
                report.signers.push(m);
                continue;
            }
            let seen = (0..self.members.len())
                .find(|&m| counted.get(m).copied().unwrap_or(false) && verifies(m));
            let failure = match seen {
                Some(member) => SignatureFailure::Duplicate { member },
                None => SignatureFailure::NoMember,
            };
            report.failures.push((index, failure));
        }
        report
    }

    /// Verifies a request: the payload must not be expired at `now_ms` (Unix
    /// milliseconds; see [`RequestPayload::check_expiry`]) and at least `threshold`
    /// distinct members must have signed its canonical bytes. More than
    /// [`MAX_SIGNATURES`] signatures is refused.
    pub fn verify<S: AsRef<str>>(
        &self,
        payload: &RequestPayload,
        signatures: &[S],
        now_ms: u64,
    ) -> Result<QuorumReport, Error> {
        if signatures.len() > MAX_SIGNATURES {
            return Err(Error::TooManySignatures {
                max: MAX_SIGNATURES,
            });
        }
        payload.check_expiry(now_ms)?;
        let report = self.evaluate(payload, signatures);
        if report.is_met() {
            Ok(report)
        } else {
            let first_failure = report
                .failures
                .first()
                .map(|&(index, failure)| (index, failure));
            Err(Error::QuorumNotMet {
                threshold: report.threshold,
                signed: report.signed(),
                first_failure,
            })
        }
    }

    /// [`Self::verify`] with signatures as one `privy-authorization-signature` header value
    /// (comma-separated).
    pub fn verify_header(
        &self,
        payload: &RequestPayload,
        header: &str,
        now_ms: u64,
    ) -> Result<QuorumReport, Error> {
        let signatures = split_signature_header(header)?;
        self.verify(payload, &signatures, now_ms)
    }
}
