//! Strict JSON (a repeated key is refused) and the places (`message.to[1]`) refusals name.

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::{TypedDataError, MAX_JSON_BYTES};

// ---------------------------------------------------------------------------------------
// Strict JSON: serde_json's `Value` keeps the last of two equal keys; this one refuses them.

pub(super) enum Json {
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

pub(super) fn parse_json(bytes: &[u8]) -> Result<Json, TypedDataError> {
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
pub(super) enum Path<'a> {
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
    pub(super) fn at(&self) -> String {
        self.to_string()
    }
}

pub(super) fn take<'j>(
    obj: &'j BTreeMap<String, Json>,
    key: &'static str,
    path: &Path<'_>,
) -> Result<&'j Json, TypedDataError> {
    obj.get(key).ok_or_else(|| TypedDataError::MissingField {
        at: Path::Field(path, key).at(),
    })
}

pub(super) fn as_object<'j>(
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

pub(super) fn as_str<'j>(value: &'j Json, path: &Path<'_>) -> Result<&'j str, TypedDataError> {
    match value {
        Json::Str(s) => Ok(s),
        _ => Err(TypedDataError::WrongKind {
            at: path.at(),
            expected: "a string",
        }),
    }
}

/// Refuses keys of `obj` outside `allowed`.
pub(super) fn only_keys(
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
