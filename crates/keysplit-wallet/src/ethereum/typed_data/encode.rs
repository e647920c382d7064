//! EIP-712 `encodeData` and `hashStruct`, and the readers of addresses, hex bytes, integers.

use alloc::string::ToString;
use alloc::vec::Vec;

use sha3::{Digest, Keccak256};

use super::json::{as_object, Json, Path};
use super::types::{Base, FieldType, Types};
use super::{TypedDataError, MAX_SAFE_INTEGER};
use crate::ethereum::EthereumAddress;
use crate::summary::U256;

impl Types {
    /// EIP-712 `hashStruct` of `value` as type `name`.
    pub(super) fn hash_struct(
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
    pub(super) fn encode_value(
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
                Json::Str(s) => word = crate::ethereum::keccak256(s.as_bytes()),
                _ => return Err(wrong("a string")),
            },
            Base::Bytes => word = crate::ethereum::keccak256(&parse_hex(value, path)?),
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

pub(super) fn parse_address(
    value: &Json,
    path: &Path<'_>,
) -> Result<EthereumAddress, TypedDataError> {
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

pub(super) fn parse_fixed_bytes(
    value: &Json,
    n: usize,
    path: &Path<'_>,
) -> Result<Vec<u8>, TypedDataError> {
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
pub(super) fn parse_integer(value: &Json, path: &Path<'_>) -> Result<(bool, U256), TypedDataError> {
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
