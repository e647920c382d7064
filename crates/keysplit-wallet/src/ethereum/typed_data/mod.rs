//! EIP-712 typed data from the JSON of `eth_signTypedData_v4`, so a typed-data request can
//! be shown and policed (its domain) instead of arriving as two opaque hashes.
//!
//! ```
//! # fn main() -> Result<(), keysplit_wallet::Error> {
//! use keysplit_wallet::ethereum::typed_data::TypedData;
//!
//! let json = br#"{
//!   "types": {
//!     "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "chainId", "type": "uint256"}],
//!     "Greeting": [{"name": "text", "type": "string"}]
//!   },
//!   "primaryType": "Greeting",
//!   "domain": {"name": "Example", "chainId": 1},
//!   "message": {"text": "hello"}
//! }"#;
//! let typed = TypedData::from_json(json)?;
//! assert_eq!(typed.domain().name.as_deref(), Some("Example"));
//! assert_eq!(typed.primary_type(), "Greeting");
//! let _digest: [u8; 32] = typed.digest(); // what gets signed
//! # Ok(()) }
//! ```
//!
//! # What is accepted
//! The JSON object `{types, primaryType, domain, message}` and nothing else: unknown or
//! duplicated keys anywhere are refused, so no two readers of the same request can see
//! different data. Types are checked before any value is read:
//! * type names and field names are identifiers (`[A-Za-z_$][A-Za-z0-9_$]*`), so no name
//!   can smuggle `,` or `(` into `encodeType`; a struct cannot take an atomic type's name;
//! * atomic types are `address`, `bool`, `string`, `bytes`, `bytes1`..`bytes32`,
//!   `uint8`..`uint256` and `int8`..`int256` (widths in steps of 8); arrays are `T[]` and
//!   `T[n]` (`n` > 0, no leading zeros), nested up to [`MAX_ARRAY_DIMENSIONS`] deep;
//! * every struct a field names is defined, and the type graph has no cycle (EIP-712
//!   would allow recursion through arrays; keysplit refuses it so every request has a
//!   bounded shape);
//! * `EIP712Domain` is required and declares a subset of `name` (string), `version`
//!   (string), `chainId` (uint256), `verifyingContract` (address) and `salt` (bytes32),
//!   in any order: the domain separator follows the declared order;
//! * `primaryType` names a defined struct other than `EIP712Domain`.
//!
//! Values must match their types exactly: every declared field present, no other field;
//! `bool` a JSON boolean; `address` `0x` + 40 hex digits (mixed case must be the EIP-55
//! checksum); `bytes` and `bytesN` `0x` hex (exactly N bytes for `bytesN`); integers a JSON
//! integer below 2^53 in magnitude (larger JSON numbers are not exact in JavaScript), or a
//! string in decimal or `0x` hex with an optional `-`, inside the type's
//! range (negative values of `intN` are encoded in two's complement); fixed arrays of
//! exactly their length.
//!
//! # Limits
//! At most [`MAX_JSON_BYTES`] of JSON, nesting as deep as `serde_json` allows (128),
//! [`MAX_TYPES`] types of at most [`MAX_FIELDS`] fields each, and names of at most
//! [`MAX_NAME_LEN`] bytes. Every refusal is an [`Error::TypedData`] naming where it is.

mod encode;
mod json;
mod types;

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use core::fmt;

use self::encode::{parse_address, parse_fixed_bytes, parse_integer};
use self::json::{as_object, as_str, only_keys, parse_json, take, Json, Path};
use self::types::Types;
use super::{typed_data_digest, EthereumAddress};
use crate::error::Error;
use crate::summary::{
    EthereumMessageSummary, EthereumTypedDataSummary, RequestSummary, TypedDataDomain,
};

/// Largest typed-data JSON accepted, in bytes.
pub const MAX_JSON_BYTES: usize = 1 << 20;
/// Most types (`EIP712Domain` included) one request may define.
pub const MAX_TYPES: usize = 64;
/// Most fields one type may have.
pub const MAX_FIELDS: usize = 128;
/// Longest type or field name, in bytes.
pub const MAX_NAME_LEN: usize = 128;
/// Most array dimensions of one field type (`uint8[][2]` has two).
pub const MAX_ARRAY_DIMENSIONS: usize = 8;

const DOMAIN_TYPE: &str = "EIP712Domain";

/// JavaScript's `Number.MAX_SAFE_INTEGER`, the largest JSON integer accepted as a number.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Why EIP-712 typed data was refused. Places (`at`) are written like
/// `message.to.wallets[1]`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TypedDataError {
    /// The JSON is over [`MAX_JSON_BYTES`].
    TooLarge {
        /// Its length in bytes.
        len: usize,
    },
    /// Not JSON (or nested deeper than 128, or not UTF-8).
    Json {
        /// 1-based line of the problem (0 if unknown).
        line: usize,
        /// 1-based column of the problem.
        column: usize,
    },
    /// An object has the same key twice.
    DuplicateKey {
        /// 1-based line of the object's end.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// An object has a key that is not expected there.
    UnknownField {
        /// The place of the key.
        at: String,
    },
    /// A required key is missing.
    MissingField {
        /// The place of the missing key.
        at: String,
    },
    /// A JSON value has the wrong kind (a number where a string is expected, ...).
    WrongKind {
        /// The place of the value.
        at: String,
        /// What is expected there.
        expected: &'static str,
    },
    /// A type name or a field's type string is not valid EIP-712.
    InvalidType {
        /// The name or type string.
        name: String,
    },
    /// A field name is not an identifier.
    InvalidFieldName {
        /// The type that declares it.
        ty: String,
        /// The field name.
        field: String,
    },
    /// A type declares the same field name twice.
    DuplicateField {
        /// The type.
        ty: String,
        /// The repeated field name.
        field: String,
    },
    /// A type is used but not defined in `types`.
    UndefinedType {
        /// The missing type.
        name: String,
    },
    /// Struct types refer to each other in a cycle.
    CyclicType {
        /// A type on the cycle.
        name: String,
    },
    /// More types, fields, array dimensions or a longer name than the limits allow.
    TooComplex {
        /// What is over its limit.
        what: &'static str,
        /// The limit.
        limit: usize,
    },
    /// `EIP712Domain` declares a field other than name (string), version (string),
    /// chainId (uint256), verifyingContract (address) or salt (bytes32).
    DomainField {
        /// The field name.
        field: String,
    },
    /// `primaryType` is `EIP712Domain`.
    PrimaryType,
    /// An integer value is a fraction, an exponent, empty, not digits, or a JSON number of
    /// 2^53 or more in magnitude (not exact in JavaScript; such values must be strings).
    NotInteger {
        /// The place of the value.
        at: String,
    },
    /// An integer value does not fit its type.
    OutOfRange {
        /// The place of the value.
        at: String,
        /// Its type, such as `uint8`.
        ty: String,
    },
    /// An `address` value is not `0x` + 40 hex digits with a valid EIP-55 checksum.
    InvalidAddress {
        /// The place of the value.
        at: String,
    },
    /// A `bytes`/`bytesN` value is not `0x` followed by an even number of hex digits.
    InvalidHex {
        /// The place of the value.
        at: String,
    },
    /// A `bytesN` value has the wrong length.
    BytesLength {
        /// The place of the value.
        at: String,
        /// N.
        expected: usize,
        /// Bytes given.
        found: usize,
    },
    /// A fixed-size array has the wrong number of elements.
    ArrayLength {
        /// The place of the value.
        at: String,
        /// The declared length.
        expected: usize,
        /// Elements given.
        found: usize,
    },
}

impl TypedDataError {
    /// The stable identifier [`Error::code`] returns for it.
    pub const fn code(&self) -> &'static str {
        match self {
            TypedDataError::TooLarge { .. } => "TYPED_DATA_TOO_LARGE",
            TypedDataError::Json { .. } => "TYPED_DATA_JSON",
            TypedDataError::DuplicateKey { .. } => "TYPED_DATA_DUPLICATE_KEY",
            TypedDataError::UnknownField { .. } => "TYPED_DATA_UNKNOWN_FIELD",
            TypedDataError::MissingField { .. } => "TYPED_DATA_MISSING_FIELD",
            TypedDataError::WrongKind { .. } => "TYPED_DATA_WRONG_KIND",
            TypedDataError::InvalidType { .. } => "TYPED_DATA_INVALID_TYPE",
            TypedDataError::InvalidFieldName { .. } => "TYPED_DATA_INVALID_FIELD_NAME",
            TypedDataError::DuplicateField { .. } => "TYPED_DATA_DUPLICATE_FIELD",
            TypedDataError::UndefinedType { .. } => "TYPED_DATA_UNDEFINED_TYPE",
            TypedDataError::CyclicType { .. } => "TYPED_DATA_CYCLIC_TYPE",
            TypedDataError::TooComplex { .. } => "TYPED_DATA_TOO_COMPLEX",
            TypedDataError::DomainField { .. } => "TYPED_DATA_DOMAIN_FIELD",
            TypedDataError::PrimaryType => "TYPED_DATA_PRIMARY_TYPE",
            TypedDataError::NotInteger { .. } => "TYPED_DATA_NOT_INTEGER",
            TypedDataError::OutOfRange { .. } => "TYPED_DATA_OUT_OF_RANGE",
            TypedDataError::InvalidAddress { .. } => "TYPED_DATA_INVALID_ADDRESS",
            TypedDataError::InvalidHex { .. } => "TYPED_DATA_INVALID_HEX",
            TypedDataError::BytesLength { .. } => "TYPED_DATA_BYTES_LENGTH",
            TypedDataError::ArrayLength { .. } => "TYPED_DATA_ARRAY_LENGTH",
        }
    }
}

impl fmt::Display for TypedDataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("typed data refused: ")?;
        match self {
            TypedDataError::TooLarge { len } => write!(
                f,
                "{len} bytes of JSON is over the limit of {MAX_JSON_BYTES} bytes"
            ),
            TypedDataError::Json { line, column } => write!(
                f,
                "not valid JSON (line {line}, column {column}); expected one object \
                 {{types, primaryType, domain, message}}"
            ),
            TypedDataError::DuplicateKey { line, column } => write!(
                f,
                "an object repeats a key (object ending at line {line}, column {column})"
            ),
            TypedDataError::UnknownField { at } => {
                write!(f, "{at} is not expected here (unknown field)")
            }
            TypedDataError::MissingField { at } => write!(f, "{at} is missing"),
            TypedDataError::WrongKind { at, expected } => {
                write!(f, "{at} must be {expected}")
            }
            TypedDataError::InvalidType { name } => write!(
                f,
                "{name:?} is not a valid EIP-712 type name (identifiers, atomic types such as \
                 uint256 or bytes32, arrays T[] and T[n])"
            ),
            TypedDataError::InvalidFieldName { ty, field } => write!(
                f,
                "type {ty} has field name {field:?}, which is not an identifier"
            ),
            TypedDataError::DuplicateField { ty, field } => {
                write!(f, "type {ty} declares field {field} twice")
            }
            TypedDataError::UndefinedType { name } => {
                write!(f, "type {name} is needed but not defined in types")
            }
            TypedDataError::CyclicType { name } => write!(
                f,
                "type {name} refers back to itself; recursive types are not accepted"
            ),
            TypedDataError::TooComplex { what, limit } => {
                write!(f, "more {what} than the limit of {limit}")
            }
            TypedDataError::DomainField { field } => write!(
                f,
                "EIP712Domain field {field:?} is not one of name (string), version (string), \
                 chainId (uint256), verifyingContract (address), salt (bytes32)"
            ),
            TypedDataError::PrimaryType => {
                f.write_str("primaryType must be a message type, not EIP712Domain")
            }
            TypedDataError::NotInteger { at } => write!(
                f,
                "{at} is not an integer (use a JSON integer below 2^53 in magnitude, or a decimal \
                 or 0x hex string)"
            ),
            TypedDataError::OutOfRange { at, ty } => {
                write!(f, "{at} is out of range for {ty}")
            }
            TypedDataError::InvalidAddress { at } => write!(
                f,
                "{at} is not an address (0x and 40 hex digits with a valid EIP-55 checksum)"
            ),
            TypedDataError::InvalidHex { at } => {
                write!(f, "{at} is not 0x followed by an even number of hex digits")
            }
            TypedDataError::BytesLength {
                at,
                expected,
                found,
            } => write!(f, "{at} has {found} byte(s); its type needs {expected}"),
            TypedDataError::ArrayLength {
                at,
                expected,
                found,
            } => write!(f, "{at} has {found} element(s); its type needs {expected}"),
        }
    }
}

impl From<TypedDataError> for Error {
    fn from(inner: TypedDataError) -> Self {
        Error::TypedData(inner)
    }
}

/// Parsed and validated EIP-712 typed data: its domain, primary type and the digest that
/// is signed. Build it with [`TypedData::from_json`], show or police
/// [`TypedData::domain`], then sign with [`crate::Wallet::sign_typed_data_parsed`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypedData {
    domain: TypedDataDomain,
    primary_type: String,
    domain_separator: [u8; 32],
    message_hash: [u8; 32],
    digest: [u8; 32],
}

impl TypedData {
    /// Parses and encodes the `eth_signTypedData_v4` JSON object
    /// `{types, primaryType, domain, message}`.
    pub fn from_json(json: &[u8]) -> Result<TypedData, Error> {
        Ok(Self::parse(json)?)
    }

    fn parse(json: &[u8]) -> Result<TypedData, TypedDataError> {
        let value = parse_json(json)?;
        let root = Path::Root("typed data");
        let top = as_object(&value, &root)?;
        only_keys(top, &["types", "primaryType", "domain", "message"], &root)?;
        let types = Types::parse(take(top, "types", &root)?)?;
        let primary_path = Path::Root("primaryType");
        let primary_type = as_str(take(top, "primaryType", &root)?, &primary_path)?;
        if primary_type == DOMAIN_TYPE {
            return Err(TypedDataError::PrimaryType);
        }
        if !types.defs.contains_key(primary_type) {
            return Err(TypedDataError::UndefinedType {
                name: primary_type.to_string(),
            });
        }
        let domain_path = Path::Root("domain");
        let domain_value = take(top, "domain", &root)?;
        let domain_separator = types.hash_struct(DOMAIN_TYPE, domain_value, &domain_path)?;
        let domain = domain_summary(as_object(domain_value, &domain_path)?, &domain_path)?;
        let message_hash = types.hash_struct(
            primary_type,
            take(top, "message", &root)?,
            &Path::Root("message"),
        )?;
        Ok(TypedData {
            domain,
            primary_type: primary_type.to_string(),
            domain_separator,
            message_hash,
            digest: typed_data_digest(&domain_separator, &message_hash),
        })
    }

    /// The domain, with the fields its `EIP712Domain` type declares.
    pub fn domain(&self) -> &TypedDataDomain {
        &self.domain
    }

    /// The primary type's name.
    pub fn primary_type(&self) -> &str {
        &self.primary_type
    }

    /// `hashStruct(domain)`.
    pub fn domain_separator(&self) -> [u8; 32] {
        self.domain_separator
    }

    /// `hashStruct(message)`.
    pub fn message_hash(&self) -> [u8; 32] {
        self.message_hash
    }

    /// The digest that is signed: `keccak256(0x1901 || domainSeparator || hashStruct(message))`.
    pub fn digest(&self) -> [u8; 32] {
        self.digest
    }

    /// The summary a signer `from` would sign.
    pub fn summary(&self, from: EthereumAddress) -> EthereumTypedDataSummary {
        EthereumTypedDataSummary {
            from,
            domain: self.domain.clone(),
            primary_type: self.primary_type.clone(),
            digest: self.digest,
        }
    }
}

/// The domain's fields for the summary. Runs after `hash_struct` accepted the domain, so
/// every present field already has its declared, standard type.
fn domain_summary(
    domain: &BTreeMap<String, Json>,
    path: &Path<'_>,
) -> Result<TypedDataDomain, TypedDataError> {
    let mut out = TypedDataDomain::default();
    for (key, value) in domain {
        let at = Path::Field(path, key);
        match key.as_str() {
            "name" => out.name = Some(as_str(value, &at)?.to_string()),
            "version" => out.version = Some(as_str(value, &at)?.to_string()),
            "chainId" => {
                let (negative, id) = parse_integer(value, &at)?;
                if negative {
                    return Err(TypedDataError::OutOfRange {
                        at: at.at(),
                        ty: "uint256".to_string(),
                    });
                }
                out.chain_id = Some(id);
            }
            "verifyingContract" => out.verifying_contract = Some(parse_address(value, &at)?),
            "salt" => {
                let bytes = parse_fixed_bytes(value, 32, &at)?;
                let salt: [u8; 32] =
                    bytes[..]
                        .try_into()
                        .map_err(|_| TypedDataError::BytesLength {
                            at: at.at(),
                            expected: 32,
                            found: bytes.len(),
                        })?;
                out.salt = Some(salt);
            }
            _ => return Err(TypedDataError::UnknownField { at: at.at() }),
        }
    }
    Ok(out)
}

impl crate::Wallet {
    /// The request summary of `typed` signed by Ethereum account `index`: what to show
    /// the user and check against a policy before [`Self::sign_typed_data_parsed`].
    pub fn typed_data_summary(
        &self,
        index: u32,
        typed: &TypedData,
    ) -> Result<RequestSummary, Error> {
        Ok(RequestSummary::EthereumTypedData(
            typed.summary(self.ethereum_address(index)?),
        ))
    }

    /// Signs parsed typed data with Ethereum account `index`: 65 bytes `r || s || v`, as
    /// `eth_signTypedData_v4` returns.
    pub fn sign_typed_data_parsed(&self, index: u32, typed: &TypedData) -> Result<[u8; 65], Error> {
        self.sign_digest(index, &typed.digest())
    }

    /// Parses `eth_signTypedData_v4` JSON and signs it with Ethereum account `index`;
    /// returns the signature and the summary of what was signed. To check the summary
    /// before signing, use [`TypedData::from_json`], [`Self::typed_data_summary`] and
    /// [`Self::sign_typed_data_parsed`].
    pub fn sign_typed_data_json(
        &self,
        index: u32,
        json: &[u8],
    ) -> Result<([u8; 65], EthereumTypedDataSummary), Error> {
        let typed = TypedData::from_json(json)?;
        let signature = self.sign_typed_data_parsed(index, &typed)?;
        Ok((signature, typed.summary(self.ethereum_address(index)?)))
    }

    /// The request summary of an EIP-191 `personal_sign` of `message` by Ethereum
    /// account `index` (what [`Self::sign_personal_message`] signs).
    pub fn personal_message_summary(
        &self,
        index: u32,
        message: &[u8],
    ) -> Result<RequestSummary, Error> {
        Ok(RequestSummary::EthereumMessage(EthereumMessageSummary {
            from: self.ethereum_address(index)?,
            message: message.to_vec(),
        }))
    }
}

#[cfg(test)]
mod tests;
