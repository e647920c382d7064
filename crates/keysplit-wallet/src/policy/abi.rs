//! `ethereum_calldata` conditions: one argument of one function of a Solidity JSON ABI,
//! read from a transaction's call data.
//!
//! Only what can be read at a fixed place of the ABI encoding's head is compared:
//! `address`, `bool`, `uint8..uint256`, `int8..int256` and `bytes1..bytes32`. Arguments
//! before it may also be dynamic (`string`, `bytes`, `T[]`: one head word each). Tuples and
//! fixed-size arrays change the head layout and are refused when the policy is loaded.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde::Deserialize;
use serde_json::Value;

use super::{Kind, Num, Val};
use crate::ethereum::keccak256;
use crate::summary::U256;

/// Most items an ABI may have (Privy's schema allows 200).
pub const MAX_ABI_ITEMS: usize = 200;
/// Most inputs a function of the ABI may have.
pub const MAX_ABI_INPUTS: usize = 64;
/// Longest name or type string accepted in an ABI.
const MAX_ABI_STRING: usize = 256;

#[derive(Deserialize)]
struct AbiItem {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    inputs: Vec<AbiParam>,
}

#[derive(Deserialize)]
struct AbiParam {
    #[serde(default)]
    name: String,
    #[serde(rename = "type")]
    ty: String,
}

/// One argument of one function: where it is in the call data and how to read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalldataArgument {
    /// `keccak256(signature)[..4]`.
    pub selector: [u8; 4],
    /// Canonical signature, for messages: `transfer(address,uint256)`.
    pub signature: String,
    /// Argument name.
    pub name: String,
    /// Position in the head (in 32-byte words).
    pub word: usize,
    /// How the word is read.
    pub kind: Kind,
}

/// Resolves `field` (`function.argument`) against `abi` (an array of ABI items, or one
/// item). Errors are the reasons shown to the policy author.
pub fn resolve(abi: &Value, field: &str) -> Result<CalldataArgument, String> {
    let items: Vec<AbiItem> = match abi {
        Value::Array(list) => {
            if list.len() > MAX_ABI_ITEMS {
                return Err(format!("the abi has more than {MAX_ABI_ITEMS} items"));
            }
            list.iter()
                .map(AbiItem::deserialize)
                .collect::<Result<_, _>>()
                .map_err(|e| format!("the abi is not a Solidity JSON ABI: {e}"))?
        }
        Value::Object(_) => alloc::vec![AbiItem::deserialize(abi)
            .map_err(|e| format!("the abi is not a Solidity JSON ABI: {e}"))?],
        _ => return Err("the abi must be a Solidity JSON ABI (an array of items)".to_string()),
    };
    let (function, argument) = field.split_once('.').ok_or_else(|| {
        format!(
            "ethereum_calldata field \"{field}\" must be <function>.<argument>, e.g. transfer.to"
        )
    })?;
    let mut found = items.iter().filter(|item| {
        item.kind.as_deref().unwrap_or("function") == "function"
            && item.name.as_deref() == Some(function)
    });
    let item = found
        .next()
        .ok_or_else(|| format!("the abi has no function named \"{function}\""))?;
    if found.next().is_some() {
        return Err(format!(
            "the abi has more than one function named \"{function}\"; keep only the one the policy means"
        ));
    }
    if item.inputs.len() > MAX_ABI_INPUTS {
        return Err(format!(
            "function \"{function}\" has more than {MAX_ABI_INPUTS} inputs"
        ));
    }
    let mut types = Vec::with_capacity(item.inputs.len());
    for input in &item.inputs {
        if input.ty.len() > MAX_ABI_STRING || input.name.len() > MAX_ABI_STRING {
            return Err(format!("function \"{function}\" has an over-long input"));
        }
        types.push(canonical_type(&input.ty)?);
    }
    let word = item
        .inputs
        .iter()
        .position(|input| input.name == argument)
        .ok_or_else(|| {
            let names: Vec<&str> = item.inputs.iter().map(|i| i.name.as_str()).collect();
            format!(
                "function \"{function}\" has no argument named \"{argument}\" (its arguments: {})",
                names.join(", ")
            )
        })?;
    let ty = types.get(word).map(String::as_str).unwrap_or_default();
    let kind = static_kind(ty).ok_or_else(|| {
        format!(
            "argument \"{argument}\" is of type {ty}; keysplit compares address, bool, uint<N>, \
             int<N> and bytes1..bytes32 arguments only"
        )
    })?;
    let signature = format!("{function}({})", types.join(","));
    let digest = keccak256(signature.as_bytes());
    Ok(CalldataArgument {
        selector: [digest[0], digest[1], digest[2], digest[3]],
        signature,
        name: argument.to_string(),
        word,
        kind,
    })
}

/// The canonical form of an ABI type (`uint` -> `uint256`) that takes exactly one head
/// word: an elementary static type, `string`, `bytes` or a dynamic array `T[]`.
fn canonical_type(ty: &str) -> Result<String, String> {
    let (base, suffix) = match ty.find('[') {
        Some(at) => ty.split_at(at),
        None => (ty, ""),
    };
    // Array suffixes: only `[]` (dynamic, one head word); `[k]` changes the head layout.
    let mut rest = suffix;
    while !rest.is_empty() {
        match rest.strip_prefix("[]") {
            Some(tail) => rest = tail,
            None => {
                return Err(format!(
                    "ABI type {ty}: fixed-size arrays are not supported in ethereum_calldata conditions"
                ))
            }
        }
    }
    let base = match base {
        "uint" => "uint256",
        "int" => "int256",
        "string" | "bytes" | "address" | "bool" => base,
        "tuple" => {
            return Err(format!(
                "ABI type {ty}: tuples are not supported in ethereum_calldata conditions"
            ))
        }
        other if static_kind(other).is_some() => other,
        _ => return Err(format!("ABI type {ty} is not a type keysplit can decode")),
    };
    Ok(format!("{base}{suffix}"))
}

/// The comparable kind of an elementary static ABI type, if it is one.
fn static_kind(ty: &str) -> Option<Kind> {
    if ty == "address" {
        return Some(Kind::EthAddress);
    }
    if ty == "bool" {
        return Some(Kind::Bool);
    }
    let bits = |digits: &str| -> Option<u16> {
        if digits.starts_with('0') {
            return None;
        }
        let n: u16 = digits.parse().ok()?;
        (n.is_multiple_of(8) && (8..=256).contains(&n)).then_some(n)
    };
    if let Some(n) = ty.strip_prefix("uint") {
        return bits(n).map(Kind::Uint);
    }
    if let Some(n) = ty.strip_prefix("int") {
        return bits(n).map(Kind::Int);
    }
    if let Some(n) = ty.strip_prefix("bytes") {
        if n.starts_with('0') {
            return None;
        }
        let n: u8 = n.parse().ok()?;
        return (1..=32).contains(&n).then_some(Kind::FixedBytes(n));
    }
    None
}

/// What a transaction's call data says for `argument`.
pub enum Read {
    /// The call data does not call this function (wrong or no selector).
    NotThisFunction,
    /// It calls the function but the argument cannot be read canonically.
    Malformed(String),
    /// The argument.
    Value(Val),
}

/// Reads `argument` from `data` (selector and ABI-encoded arguments).
pub fn read(argument: &CalldataArgument, data: &[u8]) -> Read {
    if data.get(..4) != Some(&argument.selector[..]) {
        return Read::NotThisFunction;
    }
    let start = argument.word.checked_mul(32).and_then(|o| o.checked_add(4));
    let word: Option<&[u8; 32]> = start
        .and_then(|s| data.get(s..s.checked_add(32)?))
        .and_then(|w| w.try_into().ok());
    let Some(word) = word else {
        return Read::Malformed(format!(
            "the call data is too short to hold argument \"{}\" of {}",
            argument.name, argument.signature
        ));
    };
    match decode_word(argument.kind, word) {
        Some(value) => Read::Value(value),
        None => Read::Malformed(format!(
            "argument \"{}\" of {} is not a canonical ABI encoding",
            argument.name, argument.signature
        )),
    }
}

/// Decodes one head word as `kind`; `None` if it is not the canonical encoding.
fn decode_word(kind: Kind, word: &[u8; 32]) -> Option<Val> {
    match kind {
        Kind::EthAddress => {
            if word[..12].iter().any(|&b| b != 0) {
                return None;
            }
            let mut out = [0u8; 20];
            out.copy_from_slice(&word[12..]);
            Some(Val::Eth(out))
        }
        Kind::Bool => match U256::from_be_bytes(*word) {
            v if v == U256::ZERO => Some(Val::Bool(false)),
            v if v == U256::from(1u8) => Some(Val::Bool(true)),
            _ => None,
        },
        Kind::Uint(bits) => {
            let v = U256::from_be_bytes(*word);
            (bits >= 256 || v >> usize::from(bits) == U256::ZERO)
                .then(|| Val::Num(Num::unsigned(v)))
        }
        Kind::Int(bits) => {
            let raw = U256::from_be_bytes(*word);
            let negative = word[0] & 0x80 != 0;
            let magnitude = if negative {
                (!raw).wrapping_add(U256::from(1u8))
            } else {
                raw
            };
            let limit = U256::from(1u8) << usize::from(bits - 1);
            let in_range = if negative {
                magnitude <= limit
            } else {
                magnitude < limit
            };
            in_range.then(|| Val::Num(Num::new(negative, magnitude)))
        }
        Kind::FixedBytes(n) => {
            let padding = word.get(usize::from(n)..)?;
            if padding.iter().any(|&b| b != 0) {
                return None;
            }
            Some(Val::Bytes(*word))
        }
        Kind::SolAddress | Kind::InstructionName => None,
    }
}
