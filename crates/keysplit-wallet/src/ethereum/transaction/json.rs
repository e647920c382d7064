//! The JSON form read with serde, and the checks that turn it into a request.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::str::FromStr;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::{
    AccessListItem, EthereumTransactionOptions, EthereumTransactionRequest, Fees,
    MAX_ACCESS_LIST_ADDRESSES, MAX_ACCESS_LIST_STORAGE_KEYS, MAX_DATA_BYTES, MAX_JSON_INTEGER,
};
use crate::error::Error;
use crate::ethereum::EthereumAddress;
use crate::summary::U256;

/// A JSON value as far as a transaction field needs it.
#[derive(Debug)]
enum Raw {
    Null,
    Str(String),
    UInt(u64),
    Negative,
    Fraction,
    Other,
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Raw, D::Error> {
        Raw::deserialize(deserializer)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::Str(v.into()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Raw, E> {
        Ok(Raw::Str(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Raw, E> {
        Ok(Raw::UInt(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Raw, E> {
        Ok(u64::try_from(v).map_or(Raw::Negative, Raw::UInt))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Raw, E> {
        // serde_json gives f64 for fractions, exponents and integers beyond 64 bits.
        Ok(if v < 0.0 {
            Raw::Negative
        } else {
            Raw::Fraction
        })
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Raw, E> {
        Ok(Raw::Other)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Raw::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Raw::Other)
    }
}

/// An access list entry as JSON: `{"address": ..., "storageKeys": [...]}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAccessListItem {
    address: String,
    #[serde(rename = "storageKeys")]
    storage_keys: Vec<String>,
}

/// The scalar fields, in the order of [`FIELDS`].
const FIELDS: [&str; 12] = [
    "type",
    "chainId",
    "nonce",
    "to",
    "value",
    "data",
    "gasLimit",
    "gasPrice",
    "maxFeePerGas",
    "maxPriorityFeePerGas",
    "from",
    "sig",
];
const TYPE: usize = 0;
const CHAIN_ID: usize = 1;
const NONCE: usize = 2;
const TO: usize = 3;
const VALUE: usize = 4;
const DATA: usize = 5;
const GAS_LIMIT: usize = 6;
const GAS_PRICE: usize = 7;
const MAX_FEE: usize = 8;
const MAX_PRIORITY_FEE: usize = 9;
const FROM: usize = 10;
const SIG: usize = 11;

/// The longest unknown field name quoted back in an error.
const MAX_QUOTED_NAME: usize = 64;

/// The transaction object as read, before any check. Unknown and repeated fields are
/// noted (the first of each) and reported after the whole object has been read.
pub(super) struct RawTransaction {
    fields: [Option<Raw>; 12],
    access_list: Option<Option<Vec<RawAccessListItem>>>,
    unknown: Option<String>,
    duplicate: Option<&'static str>,
}

impl<'de> Deserialize<'de> for RawTransaction {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(TransactionVisitor)
    }
}

struct TransactionVisitor;

impl<'de> Visitor<'de> for TransactionVisitor {
    type Value = RawTransaction;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object with the transaction's fields")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawTransaction, A::Error> {
        let mut raw = RawTransaction {
            fields: core::array::from_fn(|_| None),
            access_list: None,
            unknown: None,
            duplicate: None,
        };
        while let Some(key) = map.next_key::<String>()? {
            if key == "accessList" {
                let value = map.next_value::<Option<Vec<RawAccessListItem>>>()?;
                if raw.access_list.is_some() {
                    raw.duplicate.get_or_insert("accessList");
                }
                raw.access_list = Some(value);
                continue;
            }
            match FIELDS.iter().position(|name| *name == key) {
                Some(i) => {
                    let value = map.next_value::<Raw>()?;
                    if let (Some(slot), Some(name)) = (raw.fields.get_mut(i), FIELDS.get(i)) {
                        if slot.is_some() {
                            raw.duplicate.get_or_insert(name);
                        }
                        *slot = Some(value);
                    }
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                    if raw.unknown.is_none() {
                        let mut name = key;
                        if name.len() > MAX_QUOTED_NAME {
                            let mut end = MAX_QUOTED_NAME;
                            while !name.is_char_boundary(end) {
                                end -= 1;
                            }
                            name.truncate(end);
                            name.push_str("...");
                        }
                        raw.unknown = Some(name);
                    }
                }
            }
        }
        Ok(raw)
    }
}

impl RawTransaction {
    /// The field's value, `None` when absent or `null`.
    fn get(&self, index: usize) -> Option<&Raw> {
        match self.fields.get(index) {
            Some(Some(Raw::Null)) | Some(None) | None => None,
            Some(Some(raw)) => Some(raw),
        }
    }

    fn name(index: usize) -> &'static str {
        FIELDS.get(index).copied().unwrap_or("?")
    }

    fn quantity(&self, index: usize) -> Result<Option<U256>, Error> {
        self.get(index)
            .map(|raw| parse_quantity(Self::name(index), raw))
            .transpose()
    }

    fn quantity_u64(&self, index: usize) -> Result<Option<u64>, Error> {
        let name = Self::name(index);
        self.quantity(index)?
            .map(|value| {
                u64::try_from(value).map_err(|_| Error::TransactionValueOverflow {
                    field: name,
                    bits: 64,
                })
            })
            .transpose()
    }

    fn required_u64(&self, index: usize) -> Result<u64, Error> {
        self.quantity_u64(index)?
            .ok_or(Error::MissingTransactionField {
                field: Self::name(index),
            })
    }

    pub(super) fn check(
        self,
        options: &EthereumTransactionOptions,
    ) -> Result<EthereumTransactionRequest, Error> {
        if let Some(field) = self.unknown {
            return Err(Error::UnknownTransactionField { field });
        }
        if let Some(field) = self.duplicate {
            return Err(Error::DuplicateTransactionField { field });
        }
        if self.get(SIG).is_some() {
            return Err(Error::InvalidTransactionField {
                field: "sig",
                reason: "must be null or absent: keysplit signs unsigned transactions",
            });
        }
        let from = self
            .get(FROM)
            .map(|raw| parse_address("from", raw))
            .transpose()?;

        let chain_id = self.quantity_u64(CHAIN_ID)?.unwrap_or(0);
        if chain_id == 0 {
            return Err(Error::MissingChainId);
        }
        let nonce = self.required_u64(NONCE)?;
        let gas_limit = self.required_u64(GAS_LIMIT)?;
        let value = self.quantity(VALUE)?.unwrap_or(U256::ZERO);
        let data = match self.get(DATA) {
            Some(raw) => parse_data(raw)?,
            None => Vec::new(),
        };
        let gas_price = self.quantity(GAS_PRICE)?;
        let max_fee = self.quantity(MAX_FEE)?;
        let max_priority_fee = self.quantity(MAX_PRIORITY_FEE)?;
        let access_list = match &self.access_list {
            Some(Some(items)) => Some(parse_access_list(items)?),
            _ => None,
        };
        let has_1559_fee = max_fee.is_some() || max_priority_fee.is_some();

        let declared_type = match self.get(TYPE) {
            Some(raw) => {
                let number = parse_quantity("type", raw)?;
                Some(match u8::try_from(number) {
                    Ok(n @ 0..=2) => n,
                    _ => return Err(Error::UnsupportedTransactionType { found: number }),
                })
            }
            None => None,
        };
        // ethers v6's inference (Transaction.inferType) where `type` is absent.
        let ty = declared_type.unwrap_or(if has_1559_fee {
            2
        } else if gas_price.is_some() {
            1
        } else {
            2
        });

        let fees = match ty {
            0 | 1 => {
                if has_1559_fee {
                    return Err(Error::TransactionTypeConflict {
                        reason: "maxFeePerGas and maxPriorityFeePerGas belong to type 2 \
                                 (EIP-1559) transactions; types 0 and 1 pay gasPrice",
                    });
                }
                if ty == 0 && access_list.as_ref().is_some_and(|list| !list.is_empty()) {
                    return Err(Error::TransactionTypeConflict {
                        reason: "a legacy (type 0) transaction has no access list; \
                                 use type 1 or 2",
                    });
                }
                let gas_price =
                    gas_price.ok_or(Error::MissingTransactionField { field: "gasPrice" })?;
                if ty == 0 {
                    Fees::Legacy { gas_price }
                } else {
                    Fees::Eip2930 { gas_price }
                }
            }
            _ => {
                if gas_price.is_some() {
                    return Err(Error::TransactionTypeConflict {
                        reason: "a type 2 (EIP-1559) transaction pays maxFeePerGas and \
                                 maxPriorityFeePerGas, not gasPrice",
                    });
                }
                let max_fee = max_fee.ok_or(Error::MissingTransactionField {
                    field: "maxFeePerGas",
                })?;
                let max_priority_fee = max_priority_fee.ok_or(Error::MissingTransactionField {
                    field: "maxPriorityFeePerGas",
                })?;
                if max_priority_fee > max_fee {
                    return Err(Error::InvalidTransactionField {
                        field: "maxPriorityFeePerGas",
                        reason: "is more than maxFeePerGas",
                    });
                }
                Fees::Eip1559 {
                    max_fee,
                    max_priority_fee,
                }
            }
        };

        let to = match self.get(TO) {
            Some(raw) => Some(parse_address("to", raw)?),
            None if options.allow_contract_creation => None,
            None => return Err(Error::ContractCreationNotAllowed),
        };

        Ok(EthereumTransactionRequest {
            fees,
            chain_id,
            nonce,
            to,
            value,
            data,
            gas_limit,
            access_list: access_list.unwrap_or_default(),
            from,
        })
    }
}

const NOT_A_QUANTITY: &str =
    "is not a quantity: expected a decimal string, a 0x hex string or a JSON integer";

/// A quantity: decimal string, `0x` hex string, or a JSON integer up to 2^53 - 1.
fn parse_quantity(field: &'static str, raw: &Raw) -> Result<U256, Error> {
    let invalid = |reason| Error::InvalidTransactionField { field, reason };
    let overflow = Error::TransactionValueOverflow { field, bits: 256 };
    match raw {
        Raw::UInt(n) if *n <= MAX_JSON_INTEGER => Ok(U256::from(*n)),
        Raw::UInt(_) | Raw::Fraction => Err(invalid(
            "is a JSON number that is not a whole number up to 2^53-1 (the most JavaScript \
             holds exactly); write it as a decimal string",
        )),
        Raw::Negative => Err(invalid("is negative")),
        Raw::Null | Raw::Other => Err(invalid(NOT_A_QUANTITY)),
        Raw::Str(text) => {
            if text.starts_with('-') {
                return Err(invalid("is negative"));
            }
            let (digits, radix) = match text.strip_prefix("0x") {
                Some(hex) => (hex, 16u8),
                None => (text.as_str(), 10u8),
            };
            if digits.is_empty() {
                return Err(invalid(NOT_A_QUANTITY));
            }
            let radix_u256 = U256::from(radix);
            let mut value = U256::ZERO;
            for c in digits.chars() {
                let digit = c
                    .to_digit(u32::from(radix))
                    .ok_or_else(|| invalid(NOT_A_QUANTITY))?;
                value = value
                    .checked_mul(radix_u256)
                    .and_then(|v| v.checked_add(U256::from(digit)))
                    .ok_or(overflow.clone())?;
            }
            Ok(value)
        }
    }
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// `0x` and an even number of hex digits.
fn parse_data(raw: &Raw) -> Result<Vec<u8>, Error> {
    let invalid = |reason| Error::InvalidTransactionField {
        field: "data",
        reason,
    };
    let Raw::Str(text) = raw else {
        return Err(invalid("is not a 0x hex string"));
    };
    let digits = text
        .strip_prefix("0x")
        .ok_or_else(|| invalid("is not a 0x hex string"))?
        .as_bytes();
    if digits.len() % 2 != 0 {
        return Err(invalid("has an odd number of hex digits"));
    }
    if digits.len() / 2 > MAX_DATA_BYTES {
        return Err(Error::TransactionTooLarge {
            field: "data",
            limit: MAX_DATA_BYTES,
        });
    }
    digits
        .chunks_exact(2)
        .map(|pair| match pair {
            [hi, lo] => match (hex_digit(*hi), hex_digit(*lo)) {
                (Some(hi), Some(lo)) => Ok(hi << 4 | lo),
                _ => Err(invalid("is not a 0x hex string")),
            },
            _ => Err(invalid("has an odd number of hex digits")),
        })
        .collect()
}

fn parse_address(field: &'static str, raw: &Raw) -> Result<EthereumAddress, Error> {
    let invalid = Error::InvalidTransactionField {
        field,
        reason: "is not an address: expected 0x and 40 hex digits, mixed case matching \
                 the EIP-55 checksum",
    };
    match raw {
        Raw::Str(text) => EthereumAddress::from_str(text).map_err(|_| invalid),
        _ => Err(invalid),
    }
}

fn parse_access_list(items: &[RawAccessListItem]) -> Result<Vec<AccessListItem>, Error> {
    if items.len() > MAX_ACCESS_LIST_ADDRESSES {
        return Err(Error::TransactionTooLarge {
            field: "accessList",
            limit: MAX_ACCESS_LIST_ADDRESSES,
        });
    }
    let keys: usize = items.iter().map(|item| item.storage_keys.len()).sum();
    if keys > MAX_ACCESS_LIST_STORAGE_KEYS {
        return Err(Error::TransactionTooLarge {
            field: "accessList",
            limit: MAX_ACCESS_LIST_STORAGE_KEYS,
        });
    }
    let invalid_key = Error::InvalidTransactionField {
        field: "accessList",
        reason: "has a storage key that is not 0x and 64 hex digits",
    };
    items
        .iter()
        .map(|item| {
            let address = parse_address("accessList", &Raw::Str(item.address.clone()))?;
            let storage_keys = item
                .storage_keys
                .iter()
                .map(|key| {
                    let digits = key
                        .strip_prefix("0x")
                        .map(str::as_bytes)
                        .filter(|d| d.len() == 64)
                        .ok_or(invalid_key.clone())?;
                    let mut out = [0u8; 32];
                    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
                        *byte = match pair {
                            [hi, lo] => match (hex_digit(*hi), hex_digit(*lo)) {
                                (Some(hi), Some(lo)) => hi << 4 | lo,
                                _ => return Err(invalid_key.clone()),
                            },
                            _ => return Err(invalid_key.clone()),
                        };
                    }
                    Ok(out)
                })
                .collect::<Result<Vec<_>, Error>>()?;
            Ok(AccessListItem {
                address,
                storage_keys,
            })
        })
        .collect()
}
