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

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use sha3::{Digest, Keccak256};

use super::{typed_data_digest, EthereumAddress};
use crate::error::Error;
use crate::summary::{
    EthereumMessageSummary, EthereumTypedDataSummary, RequestSummary, TypedDataDomain, U256,
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

// ---------------------------------------------------------------------------------------
// Strict JSON: serde_json's `Value` keeps the last of two equal keys; this one refuses them.

enum Json {
    Null,
    Bool(bool),
    /// A non-negative JSON integer.
    UInt(u64),
    /// A negative JSON integer.
    Int(i64),
    /// A JSON number with a fraction or exponent, or too large for 64 bits.
    Float,
    Str(String),
    Arr(Vec<Json>),
    Obj(BTreeMap<String, Json>),
}

struct JsonVisitor;

const DUPLICATE_KEY: &str = "duplicate key";

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Json, E> {
        Ok(Json::UInt(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Json, E> {
        Ok(if v >= 0 {
            Json::UInt(v.unsigned_abs())
        } else {
            Json::Int(v)
        })
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Json, E> {
        Ok(Json::Float)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Json, E> {
        Ok(Json::Str(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Json, E> {
        Ok(Json::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut out = Vec::new();
        while let Some(item) = seq.next_element::<Json>()? {
            out.push(item);
        }
        Ok(Json::Arr(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut out = BTreeMap::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value::<Json>()?;
            if out.insert(key, value).is_some() {
                return Err(de::Error::custom(DUPLICATE_KEY));
            }
        }
        Ok(Json::Obj(out))
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Json, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

fn parse_json(bytes: &[u8]) -> Result<Json, TypedDataError> {
    if bytes.len() > MAX_JSON_BYTES {
        return Err(TypedDataError::TooLarge { len: bytes.len() });
    }
    serde_json::from_slice::<Json>(bytes).map_err(|e| {
        let (line, column) = (e.line(), e.column());
        if e.classify() == serde_json::error::Category::Data {
            // The only data error a `Json` can raise is a duplicate key.
            TypedDataError::DuplicateKey { line, column }
        } else {
            TypedDataError::Json { line, column }
        }
    })
}

// ---------------------------------------------------------------------------------------
// Places in the request, rendered only when something is refused.

#[derive(Clone, Copy)]
enum Path<'a> {
    Root(&'static str),
    Field(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root(name) => f.write_str(name),
            Path::Field(parent, name) => write!(f, "{parent}.{name}"),
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

impl Path<'_> {
    fn at(&self) -> String {
        self.to_string()
    }
}

// ---------------------------------------------------------------------------------------
// Types.

#[derive(Clone, Debug, PartialEq, Eq)]
enum Base {
    Address,
    Bool,
    String,
    Bytes,
    FixedBytes(usize),
    Uint(usize),
    Int(usize),
    Struct(String),
}

#[derive(Clone, Debug)]
struct FieldType {
    base: Base,
    /// Array dimensions as written: `T[2][]` is `[Some(2), None]`; the last is outermost.
    dims: Vec<Option<usize>>,
    /// The type string as declared (it is canonical once it parsed).
    text: String,
}

#[derive(Clone, Debug)]
struct Field {
    name: String,
    ty: FieldType,
}

fn is_identifier(name: &str) -> bool {
    let mut bytes = name.bytes();
    match bytes.next() {
        Some(b) if b.is_ascii_alphabetic() || b == b'_' || b == b'$' => {}
        _ => return false,
    }
    bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
}

/// Digits without a leading zero, as a number in `1..=max`.
fn small_number(digits: &str, max: usize) -> Option<usize> {
    if digits.is_empty() || digits.len() > 7 || digits.starts_with('0') {
        return None;
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: usize = digits.parse().ok()?;
    (1..=max).contains(&n).then_some(n)
}

/// The atomic type `name`, if it is one.
fn atomic(name: &str) -> Option<Base> {
    match name {
        "address" => return Some(Base::Address),
        "bool" => return Some(Base::Bool),
        "string" => return Some(Base::String),
        "bytes" => return Some(Base::Bytes),
        _ => {}
    }
    if let Some(n) = name.strip_prefix("bytes") {
        return small_number(n, 32).map(Base::FixedBytes);
    }
    let (digits, signed) = match name.strip_prefix("uint") {
        Some(d) => (d, false),
        None => (name.strip_prefix("int")?, true),
    };
    let bits = small_number(digits, 256).filter(|b| b % 8 == 0)?;
    Some(if signed {
        Base::Int(bits)
    } else {
        Base::Uint(bits)
    })
}

/// Names a struct may not take: the atomic types and anything that reads like one.
fn looks_atomic(name: &str) -> bool {
    if matches!(
        name,
        "address" | "bool" | "string" | "bytes" | "uint" | "int"
    ) {
        return true;
    }
    let digits_after = |prefix: &str| {
        name.strip_prefix(prefix)
            .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
    };
    digits_after("bytes") || digits_after("uint") || digits_after("int")
}

fn parse_field_type(text: &str) -> Result<FieldType, TypedDataError> {
    let invalid = || TypedDataError::InvalidType {
        name: text.to_string(),
    };
    if text.len() > MAX_NAME_LEN {
        return Err(TypedDataError::TooComplex {
            what: "bytes in a type name",
            limit: MAX_NAME_LEN,
        });
    }
    let (base_text, mut rest) = match text.find('[') {
        Some(i) => (
            text.get(..i).ok_or_else(invalid)?,
            text.get(i..).ok_or_else(invalid)?,
        ),
        None => (text, ""),
    };
    let base = match atomic(base_text) {
        Some(base) => base,
        None if is_identifier(base_text) && !looks_atomic(base_text) => {
            Base::Struct(base_text.to_string())
        }
        None => return Err(invalid()),
    };
    let mut dims = Vec::new();
    while !rest.is_empty() {
        let inner = rest.strip_prefix('[').ok_or_else(invalid)?;
        let close = inner.find(']').ok_or_else(invalid)?;
        let digits = inner.get(..close).ok_or_else(invalid)?;
        rest = inner.get(close + 1..).ok_or_else(invalid)?;
        if digits.is_empty() {
            dims.push(None);
        } else {
            dims.push(Some(
                small_number(digits, MAX_JSON_BYTES).ok_or_else(invalid)?,
            ));
        }
        if dims.len() > MAX_ARRAY_DIMENSIONS {
            return Err(TypedDataError::TooComplex {
                what: "array dimensions",
                limit: MAX_ARRAY_DIMENSIONS,
            });
        }
    }
    Ok(FieldType {
        base,
        dims,
        text: text.to_string(),
    })
}

fn domain_field_type(name: &str) -> Option<&'static str> {
    match name {
        "name" | "version" => Some("string"),
        "chainId" => Some("uint256"),
        "verifyingContract" => Some("address"),
        "salt" => Some("bytes32"),
        _ => None,
    }
}

/// The validated `types` of a request, with the type hash of every struct.
struct Types {
    defs: BTreeMap<String, Vec<Field>>,
    hashes: BTreeMap<String, [u8; 32]>,
}

fn take<'j>(
    obj: &'j BTreeMap<String, Json>,
    key: &'static str,
    path: &Path<'_>,
) -> Result<&'j Json, TypedDataError> {
    obj.get(key).ok_or_else(|| TypedDataError::MissingField {
        at: Path::Field(path, key).at(),
    })
}

fn as_object<'j>(
    value: &'j Json,
    path: &Path<'_>,
) -> Result<&'j BTreeMap<String, Json>, TypedDataError> {
    match value {
        Json::Obj(map) => Ok(map),
        _ => Err(TypedDataError::WrongKind {
            at: path.at(),
            expected: "an object",
        }),
    }
}

fn as_str<'j>(value: &'j Json, path: &Path<'_>) -> Result<&'j str, TypedDataError> {
    match value {
        Json::Str(s) => Ok(s),
        _ => Err(TypedDataError::WrongKind {
            at: path.at(),
            expected: "a string",
        }),
    }
}

/// Refuses keys of `obj` outside `allowed`.
fn only_keys(
    obj: &BTreeMap<String, Json>,
    allowed: &[&str],
    path: &Path<'_>,
) -> Result<(), TypedDataError> {
    match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(key) => Err(TypedDataError::UnknownField {
            at: Path::Field(path, key).at(),
        }),
        None => Ok(()),
    }
}

impl Types {
    fn parse(value: &Json) -> Result<Types, TypedDataError> {
        let root = Path::Root("types");
        let obj = as_object(value, &root)?;
        if obj.len() > MAX_TYPES {
            return Err(TypedDataError::TooComplex {
                what: "types",
                limit: MAX_TYPES,
            });
        }
        let mut defs = BTreeMap::new();
        for (name, fields) in obj {
            if name.len() > MAX_NAME_LEN {
                return Err(TypedDataError::TooComplex {
                    what: "bytes in a type name",
                    limit: MAX_NAME_LEN,
                });
            }
            if !is_identifier(name) || looks_atomic(name) {
                return Err(TypedDataError::InvalidType { name: name.clone() });
            }
            let path = Path::Field(&root, name);
            let list = match fields {
                Json::Arr(list) => list,
                other => {
                    let _ = other;
                    return Err(TypedDataError::WrongKind {
                        at: path.at(),
                        expected: "an array of {name, type} objects",
                    });
                }
            };
            if list.len() > MAX_FIELDS {
                return Err(TypedDataError::TooComplex {
                    what: "fields in one type",
                    limit: MAX_FIELDS,
                });
            }
            let mut parsed: Vec<Field> = Vec::with_capacity(list.len());
            for (i, entry) in list.iter().enumerate() {
                let entry_path = Path::Index(&path, i);
                let entry = as_object(entry, &entry_path)?;
                only_keys(entry, &["name", "type"], &entry_path)?;
                let field_name = as_str(take(entry, "name", &entry_path)?, &entry_path)?;
                let type_text = as_str(take(entry, "type", &entry_path)?, &entry_path)?;
                if field_name.len() > MAX_NAME_LEN {
                    return Err(TypedDataError::TooComplex {
                        what: "bytes in a field name",
                        limit: MAX_NAME_LEN,
                    });
                }
                if !is_identifier(field_name) {
                    return Err(TypedDataError::InvalidFieldName {
                        ty: name.clone(),
                        field: field_name.to_string(),
                    });
                }
                if parsed.iter().any(|f| f.name == field_name) {
                    return Err(TypedDataError::DuplicateField {
                        ty: name.clone(),
                        field: field_name.to_string(),
                    });
                }
                if name == DOMAIN_TYPE && domain_field_type(field_name) != Some(type_text) {
                    return Err(TypedDataError::DomainField {
                        field: field_name.to_string(),
                    });
                }
                parsed.push(Field {
                    name: field_name.to_string(),
                    ty: parse_field_type(type_text)?,
                });
            }
            defs.insert(name.clone(), parsed);
        }
        if !defs.contains_key(DOMAIN_TYPE) {
            return Err(TypedDataError::UndefinedType {
                name: DOMAIN_TYPE.to_string(),
            });
        }
        // Every referenced struct is defined.
        for fields in defs.values() {
            for field in fields {
                if let Base::Struct(name) = &field.ty.base {
                    if !defs.contains_key(name) {
                        return Err(TypedDataError::UndefinedType { name: name.clone() });
                    }
                }
            }
        }
        check_acyclic(&defs)?;
        let mut types = Types {
            defs,
            hashes: BTreeMap::new(),
        };
        let mut hashes = BTreeMap::new();
        for name in types.defs.keys() {
            hashes.insert(
                name.clone(),
                super::keccak256(types.encode_type(name).as_bytes()),
            );
        }
        types.hashes = hashes;
        Ok(types)
    }

    /// Struct types `name` refers to, directly or not, `name` itself excluded.
    fn dependencies<'s>(&'s self, name: &'s str) -> BTreeSet<&'s str> {
        let mut found = BTreeSet::new();
        let mut stack = alloc::vec![name];
        while let Some(current) = stack.pop() {
            for field in self.defs.get(current).into_iter().flatten() {
                if let Base::Struct(dep) = &field.ty.base {
                    if dep != name && found.insert(dep.as_str()) {
                        stack.push(dep);
                    }
                }
            }
        }
        found
    }

    /// EIP-712 `encodeType`: `name(fields)` and then every dependency's, sorted by name.
    fn encode_type(&self, name: &str) -> String {
        let mut out = String::new();
        let mut one = |type_name: &str| {
            out.push_str(type_name);
            out.push('(');
            for (i, field) in self.defs.get(type_name).into_iter().flatten().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&field.ty.text);
                out.push(' ');
                out.push_str(&field.name);
            }
            out.push(')');
        };
        one(name);
        for dep in self.dependencies(name) {
            one(dep);
        }
        out
    }

    /// EIP-712 `hashStruct` of `value` as type `name`.
    fn hash_struct(
        &self,
        name: &str,
        value: &Json,
        path: &Path<'_>,
    ) -> Result<[u8; 32], TypedDataError> {
        let fields = self
            .defs
            .get(name)
            .ok_or_else(|| TypedDataError::UndefinedType {
                name: name.to_string(),
            })?;
        let type_hash = self
            .hashes
            .get(name)
            .ok_or_else(|| TypedDataError::UndefinedType {
                name: name.to_string(),
            })?;
        let obj = as_object(value, path)?;
        if let Some(key) = obj.keys().find(|k| !fields.iter().any(|f| &f.name == *k)) {
            return Err(TypedDataError::UnknownField {
                at: Path::Field(path, key).at(),
            });
        }
        let mut hasher = Keccak256::new();
        hasher.update(type_hash);
        for field in fields {
            let field_path = Path::Field(path, &field.name);
            let value = obj
                .get(&field.name)
                .ok_or_else(|| TypedDataError::MissingField {
                    at: field_path.at(),
                })?;
            hasher.update(self.encode_value(&field.ty, &field.ty.dims, value, &field_path)?);
        }
        Ok(hasher.finalize().into())
    }

    /// The 32-byte `encodeData` word of one value of type `ty` with array dimensions
    /// `dims` (a prefix of `ty.dims`).
    fn encode_value(
        &self,
        ty: &FieldType,
        dims: &[Option<usize>],
        value: &Json,
        path: &Path<'_>,
    ) -> Result<[u8; 32], TypedDataError> {
        if let Some((outer, inner)) = dims.split_last() {
            let items = match value {
                Json::Arr(items) => items,
                _ => {
                    return Err(TypedDataError::WrongKind {
                        at: path.at(),
                        expected: "an array",
                    })
                }
            };
            if let Some(expected) = *outer {
                if items.len() != expected {
                    return Err(TypedDataError::ArrayLength {
                        at: path.at(),
                        expected,
                        found: items.len(),
                    });
                }
            }
            let mut hasher = Keccak256::new();
            for (i, item) in items.iter().enumerate() {
                hasher.update(self.encode_value(ty, inner, item, &Path::Index(path, i))?);
            }
            return Ok(hasher.finalize().into());
        }
        let wrong = |expected: &'static str| TypedDataError::WrongKind {
            at: path.at(),
            expected,
        };
        let mut word = [0u8; 32];
        match &ty.base {
            Base::Struct(name) => return self.hash_struct(name, value, path),
            Base::Bool => match value {
                Json::Bool(b) => word[31] = u8::from(*b),
                _ => return Err(wrong("a boolean (true or false)")),
            },
            Base::Address => {
                let address = parse_address(value, path)?;
                word[12..].copy_from_slice(&address.0);
            }
            Base::String => match value {
                Json::Str(s) => word = super::keccak256(s.as_bytes()),
                _ => return Err(wrong("a string")),
            },
            Base::Bytes => word = super::keccak256(&parse_hex(value, path)?),
            Base::FixedBytes(n) => {
                let bytes = parse_fixed_bytes(value, *n, path)?;
                // n <= 32 by the type's parser; `get_mut` keeps that from being a panic.
                word.get_mut(..bytes.len())
                    .ok_or_else(|| TypedDataError::InvalidType {
                        name: ty.text.clone(),
                    })?
                    .copy_from_slice(&bytes);
            }
            Base::Uint(bits) | Base::Int(bits) => {
                let signed = matches!(ty.base, Base::Int(_));
                let (negative, magnitude) = parse_integer(value, path)?;
                let fits = if signed {
                    magnitude.bit_len() < *bits
                        || (negative && magnitude == U256::from(1u8) << (*bits - 1))
                } else {
                    !negative && magnitude.bit_len() <= *bits
                };
                if !fits {
                    let base_text = ty.text.split('[').next().unwrap_or(&ty.text);
                    return Err(TypedDataError::OutOfRange {
                        at: path.at(),
                        ty: base_text.to_string(),
                    });
                }
                let encoded = if negative {
                    magnitude.wrapping_neg()
                } else {
                    magnitude
                };
                word = encoded.to_be_bytes::<32>();
            }
        }
        Ok(word)
    }
}

/// Refuses a cycle in the struct graph (depth-first search, colours kept in a map).
fn check_acyclic(defs: &BTreeMap<String, Vec<Field>>) -> Result<(), TypedDataError> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    let mut marks: BTreeMap<&str, Mark> = BTreeMap::new();
    for root in defs.keys() {
        if marks.contains_key(root.as_str()) {
            continue;
        }
        // (type, index of the next field to visit); an explicit stack bounds recursion.
        let mut stack: Vec<(&str, usize)> = alloc::vec![(root.as_str(), 0)];
        marks.insert(root, Mark::Open);
        while let Some(top) = stack.last_mut() {
            let (name, next) = *top;
            let fields = defs.get(name).map(Vec::as_slice).unwrap_or(&[]);
            match fields.get(next) {
                None => {
                    marks.insert(name, Mark::Done);
                    stack.pop();
                }
                Some(field) => {
                    top.1 += 1;
                    if let Base::Struct(dep) = &field.ty.base {
                        match marks.get(dep.as_str()) {
                            Some(Mark::Open) => {
                                return Err(TypedDataError::CyclicType { name: dep.clone() })
                            }
                            Some(Mark::Done) => {}
                            None => {
                                marks.insert(dep, Mark::Open);
                                stack.push((dep, 0));
                            }
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

fn parse_address(value: &Json, path: &Path<'_>) -> Result<EthereumAddress, TypedDataError> {
    let invalid = || TypedDataError::InvalidAddress { at: path.at() };
    match value {
        Json::Str(s) => s.parse().map_err(|_| invalid()),
        _ => Err(invalid()),
    }
}

fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// `0x` followed by an even number of hex digits (ethers' `getBytes`).
fn parse_hex(value: &Json, path: &Path<'_>) -> Result<Vec<u8>, TypedDataError> {
    let invalid = || TypedDataError::InvalidHex { at: path.at() };
    let text = match value {
        Json::Str(s) => s,
        _ => return Err(invalid()),
    };
    let digits = text.strip_prefix("0x").ok_or_else(invalid)?.as_bytes();
    if digits.len() % 2 != 0 {
        return Err(invalid());
    }
    digits
        .chunks_exact(2)
        .map(|pair| match pair {
            [hi, lo] => Some((hex_digit(*hi)? << 4) | hex_digit(*lo)?),
            _ => None,
        })
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(invalid)
}

fn parse_fixed_bytes(value: &Json, n: usize, path: &Path<'_>) -> Result<Vec<u8>, TypedDataError> {
    let bytes = parse_hex(value, path)?;
    if bytes.len() != n {
        return Err(TypedDataError::BytesLength {
            at: path.at(),
            expected: n,
            found: bytes.len(),
        });
    }
    Ok(bytes)
}

/// A JSON integer or a decimal / `0x` hex string with an optional `-`: (negative,
/// magnitude). A magnitude over 2^256 - 1 is out of range for every type.
fn parse_integer(value: &Json, path: &Path<'_>) -> Result<(bool, U256), TypedDataError> {
    let not_integer = || TypedDataError::NotInteger { at: path.at() };
    let too_big = || TypedDataError::OutOfRange {
        at: path.at(),
        ty: "uint256".to_string(),
    };
    let (negative, magnitude) = match value {
        // JSON numbers beyond 2^53 - 1 are not exact in JavaScript: a dapp would show
        // another number than the one signed. They must be strings.
        Json::UInt(v) if *v <= MAX_SAFE_INTEGER => (false, U256::from(*v)),
        Json::Int(v) if v.unsigned_abs() <= MAX_SAFE_INTEGER => {
            (true, U256::from(v.unsigned_abs()))
        }
        Json::Str(text) => {
            let (negative, unsigned) = match text.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, text.as_str()),
            };
            let (radix, digits) = match unsigned
                .strip_prefix("0x")
                .or_else(|| unsigned.strip_prefix("0X"))
            {
                Some(hex) => (16u8, hex),
                None => (10u8, unsigned),
            };
            if digits.is_empty() {
                return Err(not_integer());
            }
            let mut magnitude = U256::ZERO;
            for b in digits.bytes() {
                let digit = match hex_digit(b) {
                    Some(d) if d < radix => d,
                    _ => return Err(not_integer()),
                };
                magnitude = magnitude
                    .checked_mul(U256::from(radix))
                    .and_then(|m| m.checked_add(U256::from(digit)))
                    .ok_or_else(too_big)?;
            }
            (negative, magnitude)
        }
        _ => return Err(not_integer()),
    };
    // -0 is 0.
    Ok((negative && magnitude != U256::ZERO, magnitude))
}

// ---------------------------------------------------------------------------------------
// The request.

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
mod tests {
    use super::*;

    /// The example of the EIP-712 specification (eips.ethereum.org/EIPS/eip-712,
    /// `assets/eip-712/Example.js`), with the hashes it prints.
    const MAIL: &str = r#"{
      "types": {
        "EIP712Domain": [
          {"name": "name", "type": "string"},
          {"name": "version", "type": "string"},
          {"name": "chainId", "type": "uint256"},
          {"name": "verifyingContract", "type": "address"}
        ],
        "Person": [
          {"name": "name", "type": "string"},
          {"name": "wallet", "type": "address"}
        ],
        "Mail": [
          {"name": "from", "type": "Person"},
          {"name": "to", "type": "Person"},
          {"name": "contents", "type": "string"}
        ]
      },
      "primaryType": "Mail",
      "domain": {
        "name": "Ether Mail",
        "version": "1",
        "chainId": 1,
        "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"
      },
      "message": {
        "from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
        "to": {"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
        "contents": "Hello, Bob!"
      }
    }"#;

    fn hex32(text: &str) -> [u8; 32] {
        let bytes = hex::decode(text).expect("test hex");
        bytes.try_into().expect("32 bytes")
    }

    fn code(json: &str) -> &'static str {
        match TypedData::from_json(json.as_bytes()) {
            Ok(_) => "OK",
            Err(e) => e.code(),
        }
    }

    #[test]
    fn eip712_mail_example() {
        let typed = TypedData::from_json(MAIL.as_bytes()).expect("the spec's example");
        assert_eq!(
            typed.domain_separator(),
            hex32("f2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f")
        );
        assert_eq!(
            typed.message_hash(),
            hex32("c52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e")
        );
        assert_eq!(
            typed.digest(),
            hex32("be609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2")
        );
        assert_eq!(typed.primary_type(), "Mail");
        let domain = typed.domain();
        assert_eq!(domain.name.as_deref(), Some("Ether Mail"));
        assert_eq!(domain.version.as_deref(), Some("1"));
        assert_eq!(domain.chain_id, Some(U256::from(1u8)));
        assert_eq!(
            domain
                .verifying_contract
                .map(|a| a.to_checksum())
                .as_deref(),
            Some("0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC")
        );
        assert_eq!(domain.salt, None);
    }

    #[test]
    fn eip712_mail_signature() {
        // The spec's example signs with keccak256("cow"); its signature is
        // v = 28, r = 0x4355c47d..., s = 0x07299936... .
        let key = super::super::keccak256(b"cow");
        let typed = TypedData::from_json(MAIL.as_bytes()).expect("example");
        let sig = super::super::sign_digest_with_secret_key(&key, &typed.digest()).expect("sign");
        assert_eq!(
            hex::encode(&sig[..32]),
            "4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d"
        );
        assert_eq!(
            hex::encode(&sig[32..64]),
            "07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b91562"
        );
        assert_eq!(sig[64], 28);
    }

    #[test]
    fn refusals_have_their_codes() {
        let with = |from: &str, to: &str| MAIL.replacen(from, to, 1);
        assert_eq!(code(MAIL), "OK");
        assert_eq!(code("[]"), "TYPED_DATA_WRONG_KIND");
        assert_eq!(code("{"), "TYPED_DATA_JSON");
        assert_eq!(
            code(&with(r#""primaryType""#, r#""extra": 1, "primaryType""#)),
            "TYPED_DATA_UNKNOWN_FIELD"
        );
        assert_eq!(
            code(&with(
                r#""contents": "Hello, Bob!""#,
                r#""contents": "a", "contents": "b""#
            )),
            "TYPED_DATA_DUPLICATE_KEY"
        );
        assert_eq!(
            code(&with(r#""type": "Person"}"#, r#""type": "Persona"}"#)),
            "TYPED_DATA_UNDEFINED_TYPE"
        );
        assert_eq!(
            code(&with(
                r#"{"name": "wallet", "type": "address"}"#,
                r#"{"name": "wallet", "type": "address"}, {"name": "boss", "type": "Mail"}"#
            )),
            "TYPED_DATA_CYCLIC_TYPE"
        );
        assert_eq!(
            code(&with(
                "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB",
                "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbb"
            )),
            "TYPED_DATA_INVALID_ADDRESS"
        );
        assert_eq!(
            code(&with(
                r#""contents": "Hello, Bob!""#,
                r#""contents": "x", "cc": 1"#
            )),
            "TYPED_DATA_UNKNOWN_FIELD"
        );
        assert_eq!(
            code(&with(
                r#""name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826""#,
                r#""name": "Cow""#
            )),
            "TYPED_DATA_MISSING_FIELD"
        );
        assert_eq!(
            code(&with(r#""chainId": 1"#, r#""chainId": 1.5"#)),
            "TYPED_DATA_NOT_INTEGER"
        );
        assert_eq!(
            code(&with(r#""chainId": 1"#, r#""chainId": -1"#)),
            "TYPED_DATA_OUT_OF_RANGE"
        );
        assert_eq!(
            code(&with(
                r#""primaryType": "Mail""#,
                r#""primaryType": "EIP712Domain""#
            )),
            "TYPED_DATA_PRIMARY_TYPE"
        );
        assert_eq!(
            code(&with(r#"{"name": "salt""#, r#"{"name": "nonce""#)),
            "OK",
            "no salt field in the example: the replacement must not apply"
        );
        assert_eq!(
            code(&with(
                r#"{"name": "version", "type": "string"}"#,
                r#"{"name": "version", "type": "uint256"}"#
            )),
            "TYPED_DATA_DOMAIN_FIELD"
        );
        assert_eq!(
            code(&with(
                r#""name": "contents", "type": "string""#,
                r#""name": "contents", "type": "string,address x""#
            )),
            "TYPED_DATA_INVALID_TYPE"
        );
        assert_eq!(
            code(&with(r#""name": "contents""#, r#""name": "con tents""#)),
            "TYPED_DATA_INVALID_FIELD_NAME"
        );
    }

    fn one_field(ty: &str, value: &str) -> &'static str {
        let json = alloc::format!(
            r#"{{"types": {{"EIP712Domain": [], "T": [{{"name": "v", "type": "{ty}"}}]}},
               "primaryType": "T", "domain": {{}}, "message": {{"v": {value}}}}}"#
        );
        code(&json)
    }

    #[test]
    fn integer_ranges() {
        assert_eq!(one_field("uint8", "255"), "OK");
        assert_eq!(one_field("uint8", "256"), "TYPED_DATA_OUT_OF_RANGE");
        assert_eq!(one_field("uint8", "\"0xff\""), "OK");
        assert_eq!(one_field("uint8", "\"0x100\""), "TYPED_DATA_OUT_OF_RANGE");
        assert_eq!(one_field("uint8", "-1"), "TYPED_DATA_OUT_OF_RANGE");
        assert_eq!(one_field("uint8", "\"-0\""), "OK");
        assert_eq!(one_field("int8", "-128"), "OK");
        assert_eq!(one_field("int8", "-129"), "TYPED_DATA_OUT_OF_RANGE");
        assert_eq!(one_field("int8", "127"), "OK");
        assert_eq!(one_field("int8", "128"), "TYPED_DATA_OUT_OF_RANGE");
        let max = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
        assert_eq!(one_field("uint256", &alloc::format!("\"{max}\"")), "OK");
        assert_eq!(
            one_field("uint256", "\"115792089237316195423570985008687907853269984665640564039457584007913129639936\""),
            "TYPED_DATA_OUT_OF_RANGE"
        );
        assert_eq!(
            one_field("int256", "\"-57896044618658097711785492504343953926634992332820282019728792003956564819968\""),
            "OK"
        );
        assert_eq!(
            one_field(
                "int256",
                "\"57896044618658097711785492504343953926634992332820282019728792003956564819968\""
            ),
            "TYPED_DATA_OUT_OF_RANGE"
        );
        assert_eq!(one_field("uint256", "1e3"), "TYPED_DATA_NOT_INTEGER");
        assert_eq!(one_field("uint64", "9007199254740991"), "OK");
        assert_eq!(
            one_field("uint64", "9007199254740992"),
            "TYPED_DATA_NOT_INTEGER"
        );
        assert_eq!(one_field("uint64", "\"9007199254740992\""), "OK");
        assert_eq!(one_field("int64", "-9007199254740991"), "OK");
        assert_eq!(
            one_field("int64", "-9007199254740992"),
            "TYPED_DATA_NOT_INTEGER"
        );
        assert_eq!(one_field("uint256", "\"\""), "TYPED_DATA_NOT_INTEGER");
        assert_eq!(one_field("uint256", "\"0x\""), "TYPED_DATA_NOT_INTEGER");
        assert_eq!(one_field("uint256", "\"12a\""), "TYPED_DATA_NOT_INTEGER");
        assert_eq!(one_field("uint256", "\" 1\""), "TYPED_DATA_NOT_INTEGER");
        assert_eq!(one_field("uint7", "1"), "TYPED_DATA_INVALID_TYPE");
        assert_eq!(one_field("uint264", "1"), "TYPED_DATA_INVALID_TYPE");
        assert_eq!(one_field("uint08", "1"), "TYPED_DATA_INVALID_TYPE");
        assert_eq!(one_field("bytes33", "1"), "TYPED_DATA_INVALID_TYPE");
        assert_eq!(one_field("bytes2", "\"0x0102\""), "OK");
        assert_eq!(one_field("bytes2", "\"0x01\""), "TYPED_DATA_BYTES_LENGTH");
        assert_eq!(one_field("bytes", "\"0x0\""), "TYPED_DATA_INVALID_HEX");
        assert_eq!(one_field("bytes", "\"0xzz\""), "TYPED_DATA_INVALID_HEX");
        assert_eq!(one_field("bool", "1"), "TYPED_DATA_WRONG_KIND");
        assert_eq!(one_field("uint8[2]", "[1, 2]"), "OK");
        assert_eq!(one_field("uint8[2]", "[1]"), "TYPED_DATA_ARRAY_LENGTH");
        assert_eq!(one_field("uint8[0]", "[]"), "TYPED_DATA_INVALID_TYPE");
        assert_eq!(one_field("uint8[][]", "[[1], []]"), "OK");
        assert_eq!(one_field("uint8[", "[]"), "TYPED_DATA_INVALID_TYPE");
        assert_eq!(one_field("uint8[]x", "[]"), "TYPED_DATA_INVALID_TYPE");
        assert_eq!(
            one_field("uint8[][][][][][][][][]", "[]"),
            "TYPED_DATA_TOO_COMPLEX"
        );
    }

    #[test]
    fn negative_int_is_twos_complement() {
        // hashStruct(T{v: -1}) = keccak(typeHash || 0xff..ff); the encoding is checked
        // through the word, the hashes through the oracle tests.
        let types = Types::parse(
            &parse_json(br#"{"EIP712Domain": [], "T": [{"name": "v", "type": "int16"}]}"#)
                .expect("json"),
        )
        .expect("types");
        let ty = parse_field_type("int16").expect("type");
        let word = types
            .encode_value(&ty, &[], &Json::Int(-1), &Path::Root("v"))
            .expect("encode");
        assert_eq!(word, [0xff; 32]);
        let word = types
            .encode_value(&ty, &[], &Json::Str("-0x8000".into()), &Path::Root("v"))
            .expect("encode");
        let mut expected = [0xff; 32];
        expected[30] = 0x80;
        expected[31] = 0x00;
        assert_eq!(word, expected);
    }

    #[test]
    fn encode_type_sorts_dependencies() {
        let types = Types::parse(
            &parse_json(
                br#"{"EIP712Domain": [],
                "Z": [{"name": "b", "type": "B[]"}, {"name": "a", "type": "A"}],
                "A": [{"name": "x", "type": "uint256"}],
                "B": [{"name": "a", "type": "A[2]"}]}"#,
            )
            .expect("json"),
        )
        .expect("types");
        assert_eq!(types.encode_type("Z"), "Z(B[] b,A a)A(uint256 x)B(A[2] a)");
    }
}
