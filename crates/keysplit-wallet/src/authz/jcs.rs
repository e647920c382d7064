//! RFC 8785 JSON Canonicalization Scheme (JCS) on `serde_json` values.
//!
//! Written here rather than taken from `serde_json_canonicalizer`, which needs `std`
//! (this crate is `no_std` + `alloc`). Numbers are formatted by `ryu-js`, a maintained
//! implementation of ECMAScript's `Number.prototype.toString` (RFC 8785 section 3.2.2.3);
//! object members are sorted by their names' UTF-16 code units (section 3.2.3); strings are
//! escaped as ECMAScript's `JSON.stringify` does (section 3.2.2.2).
//!
//! [`parse_strict`] reads JSON text the way RFC 8785 requires its input to be (I-JSON,
//! RFC 7493): duplicate member names are refused rather than silently resolved.

use alloc::string::String;
use alloc::vec::Vec;
use core::cell::Cell;
use core::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// The canonical (RFC 8785) UTF-8 bytes of a JSON value.
pub fn canonicalize(value: &Value) -> Vec<u8> {
    let mut out = String::new();
    write_value(value, &mut out);
    out.into_bytes()
}

fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => write_number(n, out),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, (name, item)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(name, out);
                out.push(':');
                write_value(item, out);
            }
            out.push('}');
        }
    }
}

/// Every JSON number is an IEEE-754 double in JCS (as in JavaScript): integers beyond 2^53
/// are rounded the way `JSON.parse` rounds them, and `-0` prints as `0`.
fn write_number(n: &Number, out: &mut String) {
    // `as_f64` is `Some` for every number without serde_json's `arbitrary_precision`.
    let f = n.as_f64().unwrap_or(f64::NAN);
    if f == 0.0 {
        out.push('0'); // both zeros: ECMAScript prints -0 as "0"
    } else if f.is_finite() {
        let mut buffer = ryu_js::Buffer::new();
        out.push_str(buffer.format_finite(f));
    } else {
        // JSON text cannot hold NaN or infinities; `parse_strict` never yields them.
        out.push_str("null");
    }
}

fn write_string(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => {
                let v = c as u32 as usize;
                out.push_str("\\u00");
                out.push(char::from(HEX[(v >> 4) & 0xf]));
                out.push(char::from(HEX[v & 0xf]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Why JSON text was refused by [`parse_strict`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// Not JSON (syntax, a lone surrogate escape, nesting over 128 levels, trailing data).
    Syntax,
    /// An object names the same member twice.
    DuplicateMember,
}

/// Parses JSON text into a value, refusing duplicate member names (RFC 8785 section 3.1).
pub fn parse_strict(text: &[u8]) -> Result<Value, ParseError> {
    let duplicate = Cell::new(false);
    let mut de = serde_json::Deserializer::from_slice(text);
    let parsed = de::DeserializeSeed::deserialize(Strict(&duplicate), &mut de);
    match parsed {
        Ok(value) => {
            de.end().map_err(|_| ParseError::Syntax)?;
            Ok(value)
        }
        Err(_) if duplicate.get() => Err(ParseError::DuplicateMember),
        Err(_) => Err(ParseError::Syntax),
    }
}

/// A value whose objects may not repeat a member name; sets the flag when one does.
#[derive(Clone, Copy)]
struct Strict<'a>(&'a Cell<bool>);

impl<'de> de::DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("number out of range"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.into()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(name) = access.next_key::<String>()? {
            let item = access.next_value_seed(self)?;
            if map.insert(name, item).is_some() {
                self.0.set(true);
                return Err(de::Error::custom("duplicate member name"));
            }
        }
        Ok(Value::Object(map))
    }
}
