//! The signed request payload `{version: 1, method, url, body, headers}`.

use alloc::string::String;
use alloc::vec::Vec;

use serde_json::{Map, Value};

use super::jcs::{self, ParseError};
use crate::Error;

/// The header carrying the request's deadline, Unix milliseconds.
pub const REQUEST_EXPIRY_HEADER: &str = "privy-request-expiry";

/// Largest payload text read (the CLI reads at most 1 MiB as well).
pub const MAX_PAYLOAD_BYTES: usize = 1 << 20;

/// A request payload as signed by authorization keys: checked for shape and held with its
/// RFC 8785 canonical bytes (the exact bytes signatures cover).
///
/// The shape is Privy's: `version` (the number 1), `method` and `url` (strings) are
/// required; `body` (any JSON) and `headers` (an object of the request's `privy-` headers,
/// such as `privy-app-id`, `privy-idempotency-key`, `privy-request-expiry`) are signed when
/// present. Any other top-level member is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestPayload {
    value: Value,
    canonical: Vec<u8>,
    expiry_ms: Option<u64>,
}

fn bad(reason: &'static str) -> Error {
    Error::InvalidRequestPayload { reason }
}

impl RequestPayload {
    /// Reads a payload from JSON text (any member order and whitespace).
    pub fn from_json(text: &[u8]) -> Result<Self, Error> {
        if text.len() > MAX_PAYLOAD_BYTES {
            return Err(bad("it is over 1 MiB"));
        }
        let value = jcs::parse_strict(text).map_err(|e| match e {
            ParseError::Syntax => bad("it is not valid JSON"),
            ParseError::DuplicateMember => bad("an object in it names the same member twice"),
        })?;
        Self::from_value(value)
    }

    /// Builds a payload from its parts: `{version: 1, method, url, body, headers}`.
    pub fn new(
        method: &str,
        url: &str,
        body: Value,
        headers: Map<String, Value>,
    ) -> Result<Self, Error> {
        let mut map = Map::new();
        map.insert("version".into(), Value::from(1u8));
        map.insert("method".into(), Value::from(method));
        map.insert("url".into(), Value::from(url));
        map.insert("body".into(), body);
        map.insert("headers".into(), Value::Object(headers));
        Self::from_value(Value::Object(map))
    }

    /// Checks the shape of a parsed payload.
    pub fn from_value(value: Value) -> Result<Self, Error> {
        let map = value
            .as_object()
            .ok_or_else(|| bad("it is not a JSON object"))?;
        for name in map.keys() {
            if !matches!(
                name.as_str(),
                "version" | "method" | "url" | "body" | "headers"
            ) {
                return Err(bad(
                    "it has a member other than version, method, url, body and headers",
                ));
            }
        }
        match map.get("version") {
            None => return Err(bad("it has no version")),
            Some(Value::Number(n)) if n.as_f64() == Some(1.0) => {}
            Some(_) => return Err(bad("its version is not 1 (the only version there is)")),
        }
        match map.get("method") {
            None => return Err(bad("it has no method")),
            Some(Value::String(m)) if !m.is_empty() => {}
            Some(_) => return Err(bad("its method is not a non-empty string")),
        }
        match map.get("url") {
            None => return Err(bad("it has no url")),
            Some(Value::String(u)) if !u.is_empty() => {}
            Some(_) => return Err(bad("its url is not a non-empty string")),
        }
        let expiry_ms = match map.get("headers") {
            None => None,
            Some(Value::Object(headers)) => match headers.get(REQUEST_EXPIRY_HEADER) {
                None => None,
                Some(v) => Some(parse_expiry(v)?),
            },
            Some(_) => return Err(bad("its headers are not a JSON object")),
        };
        let canonical = jcs::canonicalize(&value);
        Ok(Self {
            value,
            canonical,
            expiry_ms,
        })
    }

    /// The RFC 8785 bytes that signatures cover.
    pub fn canonical_bytes(&self) -> &[u8] {
        &self.canonical
    }

    /// The parsed payload.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// `headers["privy-request-expiry"]`, Unix milliseconds, when present.
    pub fn expiry_ms(&self) -> Option<u64> {
        self.expiry_ms
    }

    /// Refuses the payload when its `privy-request-expiry` is before `now_ms` (Unix
    /// milliseconds). A payload without the header passes (as in Privy, whose server makes
    /// requests single-use through `privy-idempotency-key`). The deadline itself is still
    /// in time.
    pub fn check_expiry(&self, now_ms: u64) -> Result<(), Error> {
        match self.expiry_ms {
            Some(expiry_ms) if now_ms > expiry_ms => {
                Err(Error::RequestExpired { expiry_ms, now_ms })
            }
            _ => Ok(()),
        }
    }
}

/// JavaScript's `Number.MAX_SAFE_INTEGER`.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Privy sends the header as a string of decimal digits; a JSON integer is read too.
fn parse_expiry(v: &Value) -> Result<u64, Error> {
    const WHAT: &str = "its privy-request-expiry is not a Unix time in milliseconds";
    match v {
        Value::String(s) => {
            if s.is_empty() || s.len() > 19 || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad(WHAT));
            }
            s.parse::<u64>().map_err(|_| bad(WHAT))
        }
        // Signed as an IEEE double (RFC 8785): only safe integers mean one exact instant.
        Value::Number(n) => match (n.as_u64(), n.as_f64()) {
            (Some(ms), _) if ms <= MAX_SAFE_INTEGER => Ok(ms),
            (None, Some(f))
                if f >= 0.0 && f <= MAX_SAFE_INTEGER as f64 && (f as u64) as f64 == f =>
            {
                Ok(f as u64)
            }
            _ => Err(bad(WHAT)),
        },
        _ => Err(bad(WHAT)),
    }
}
