//! Conditions as loaded: field sources and fields, operators, the values they compare with.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde_json::Value;

use super::abi;
use super::load::{truncate, MethodKind, RawCondition};
use super::{
    Condition, Field, Kind, Num, Operand, Operator, Val, MAX_FIELD_LEN, MAX_IN_VALUES,
    MAX_VALUE_LEN,
};
use crate::summary::{ChainType, U256};
use crate::SolanaAddress;

/// Field sources Privy has that keysplit does not evaluate.
const UNSUPPORTED_SOURCES: &[&str] = &[
    "ethereum_typed_data_message",
    "ethereum_7702_authorization",
    "solana_token_program_instruction",
    "solana_instruction_data",
    "tempo_transaction",
    "tron_transaction",
    "tron_trigger_smart_contract_data",
    "sui_transaction_command",
    "sui_transfer_objects_command",
    "action_request_body",
    "reference",
];

pub(super) fn load_condition(
    raw: RawCondition,
    chain: ChainType,
    method: MethodKind,
) -> Result<Condition, String> {
    use MethodKind::*;
    if raw.field.len() > MAX_FIELD_LEN {
        return Err(format!("field is longer than {MAX_FIELD_LEN} bytes"));
    }
    let source = raw.field_source.as_str();
    // (chain of the source (None: any), methods it applies to)
    let (source_chain, methods): (Option<ChainType>, &[MethodKind]) = match source {
        "ethereum_transaction" | "ethereum_calldata" => {
            (Some(ChainType::Ethereum), &[EthTransaction])
        }
        "ethereum_typed_data_domain" => (Some(ChainType::Ethereum), &[EthTypedData]),
        "solana_program_instruction" | "solana_system_program_instruction" => {
            (Some(ChainType::Solana), &[SolTransaction])
        }
        "system" => (None, &[]),
        other if UNSUPPORTED_SOURCES.contains(&other) => {
            return Err(format!(
                "field_source \"{other}\" is Privy's but keysplit does not evaluate it"
            ))
        }
        other => return Err(format!("unknown field_source \"{}\"", truncate(other))),
    };
    if let Some(source_chain) = source_chain {
        if source_chain != chain {
            return Err(format!(
                "field_source {source} is for {} policies, this policy is for {}",
                source_chain.name(),
                chain.name()
            ));
        }
        if !(method == Wildcard || method == NotEvaluated || methods.contains(&method)) {
            return Err(format!(
                "field_source {source} cannot apply to this rule's method"
            ));
        }
    }
    if raw.abi.is_some() && source != "ethereum_calldata" {
        return Err("only ethereum_calldata conditions take an abi".to_string());
    }
    let field = raw.field.as_str();
    let (field, kind) = match (source, field) {
        ("ethereum_transaction", "to") => (Field::TransactionTo, Kind::EthAddress),
        ("ethereum_transaction", "value") => (Field::TransactionValue, Kind::Uint(256)),
        ("ethereum_transaction", "chain_id") => (Field::TransactionChainId, Kind::Uint(256)),
        ("ethereum_calldata", _) => {
            let abi = raw
                .abi
                .as_ref()
                .ok_or("an ethereum_calldata condition needs the function's abi")?;
            let argument = abi::resolve(abi, field)?;
            let kind = argument.kind;
            (Field::Calldata(argument), kind)
        }
        ("ethereum_typed_data_domain", "chainId" | "chain_id") => {
            (Field::DomainChainId, Kind::Uint(256))
        }
        ("ethereum_typed_data_domain", "verifyingContract" | "verifying_contract") => {
            (Field::DomainVerifyingContract, Kind::EthAddress)
        }
        ("solana_program_instruction", "programId") => (Field::ProgramId, Kind::SolAddress),
        ("solana_system_program_instruction", "Transfer.from") => {
            (Field::TransferFrom, Kind::SolAddress)
        }
        ("solana_system_program_instruction", "Transfer.to") => {
            (Field::TransferTo, Kind::SolAddress)
        }
        ("solana_system_program_instruction", "Transfer.lamports") => {
            (Field::TransferLamports, Kind::Uint(64))
        }
        ("solana_system_program_instruction", "instructionName") => {
            (Field::InstructionName, Kind::InstructionName)
        }
        ("system", "current_unix_timestamp") => (Field::UnixTimestamp, Kind::Uint(64)),
        (_, other) => {
            return Err(format!(
                "unknown field \"{}\" for field_source {source}",
                truncate(other)
            ))
        }
    };
    let operator = match raw.operator.as_str() {
        "eq" => Operator::Eq,
        "gt" => Operator::Gt,
        "gte" => Operator::Gte,
        "lt" => Operator::Lt,
        "lte" => Operator::Lte,
        "in" => Operator::In,
        "in_condition_set" => {
            return Err(
                "operator in_condition_set needs Privy's server-side condition sets; list the values with \"in\""
                    .to_string(),
            )
        }
        other => return Err(format!("unknown operator \"{}\"", truncate(other))),
    };
    if matches!(
        operator,
        Operator::Gt | Operator::Gte | Operator::Lt | Operator::Lte
    ) && !kind.numeric()
    {
        return Err(format!(
            "operator {} compares numbers, and field {} is not a number",
            raw.operator, raw.field
        ));
    }
    let operand = match (operator, &raw.value) {
        (Operator::In, Value::Array(list)) => {
            if list.is_empty() {
                return Err("operator in needs a non-empty list of values".to_string());
            }
            if list.len() > MAX_IN_VALUES {
                return Err(format!("more than {MAX_IN_VALUES} values in the list"));
            }
            let mut set = Vec::with_capacity(list.len());
            for (i, item) in list.iter().enumerate() {
                set.push(parse_value(kind, item).map_err(|e| format!("value[{i}]: {e}"))?);
            }
            Operand::Set(set)
        }
        (Operator::In, _) => return Err("operator in needs a list of values".to_string()),
        (_, Value::Array(_)) => {
            return Err(format!(
                "operator {} takes one value, not a list",
                raw.operator
            ))
        }
        (_, value) => Operand::One(parse_value(kind, value)?),
    };
    Ok(Condition {
        field,
        operator,
        operand,
    })
}

fn parse_value(kind: Kind, value: &Value) -> Result<Val, String> {
    let text = match value {
        Value::String(s) => s.as_str(),
        Value::Number(n) if kind.numeric() => {
            return match (n.as_u64(), n.as_i64()) {
                (Some(v), _) => Ok(Val::Num(Num::unsigned(U256::from(v)))),
                (None, Some(v)) if matches!(kind, Kind::Int(_)) => {
                    Ok(Val::Num(Num::new(true, U256::from(v.unsigned_abs()))))
                }
                _ => Err(format!(
                    "{n} is not a whole number this field can hold; write it as a decimal string"
                )),
            };
        }
        _ => return Err("expected a string value".to_string()),
    };
    if text.len() > MAX_VALUE_LEN {
        return Err(format!("value is longer than {MAX_VALUE_LEN} bytes"));
    }
    match kind {
        Kind::Uint(_) => parse_uint(text).map(|v| Val::Num(Num::unsigned(v))),
        Kind::Int(_) => match text.strip_prefix('-') {
            Some(rest) => parse_uint(rest).map(|v| Val::Num(Num::new(true, v))),
            None => parse_uint(text).map(|v| Val::Num(Num::unsigned(v))),
        },
        Kind::EthAddress => parse_eth_address(text).map(Val::Eth),
        Kind::SolAddress => {
            if text.trim() != text {
                return Err(format!("\"{}\" is not a Solana address", truncate(text)));
            }
            SolanaAddress::parse(text)
                .map(|a| Val::Sol(a.0))
                .map_err(|_| format!("\"{}\" is not a base58 Solana address", truncate(text)))
        }
        Kind::InstructionName => {
            if text == "Transfer" {
                Ok(Val::Name(text.to_string()))
            } else {
                Err(format!(
                    "instructionName \"{}\": keysplit identifies only System Program Transfer instructions",
                    truncate(text)
                ))
            }
        }
        Kind::Bool => match text {
            "true" => Ok(Val::Bool(true)),
            "false" => Ok(Val::Bool(false)),
            _ => Err(format!("\"{}\" is not true or false", truncate(text))),
        },
        Kind::FixedBytes(n) => {
            let bytes = parse_hex(text)
                .filter(|b| b.len() == usize::from(n))
                .ok_or_else(|| {
                    format!("\"{}\" is not 0x and {} hex digits", truncate(text), 2 * n)
                })?;
            let mut out = [0u8; 32];
            out.iter_mut().zip(&bytes).for_each(|(o, b)| *o = *b);
            Ok(Val::Bytes(out))
        }
    }
}

/// A non-negative integer: decimal digits, or `0x` and hex digits (Privy's examples use
/// both), at most 2^256 - 1.
fn parse_uint(text: &str) -> Result<U256, String> {
    let bad = || {
        format!(
            "\"{}\" is not a non-negative integer (decimal, or 0x hex) below 2^256",
            truncate(text)
        )
    };
    let (digits, radix) = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => (hex, 16),
        None => (text, 10),
    };
    let valid = !digits.is_empty()
        && digits.bytes().all(|b| match radix {
            16 => b.is_ascii_hexdigit(),
            _ => b.is_ascii_digit(),
        });
    if !valid {
        return Err(bad());
    }
    U256::from_str_radix(digits, radix).map_err(|_| bad())
}

pub(super) fn parse_hex(text: &str) -> Option<Vec<u8>> {
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))?;
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    let nibble = |b: u8| (b as char).to_digit(16);
    digits
        .as_bytes()
        .chunks(2)
        .map(|pair| match pair {
            [h, l] => Some(((nibble(*h)? << 4) | nibble(*l)?) as u8),
            _ => None,
        })
        .collect()
}

/// `0x` and 40 hex digits in any case: addresses compare as bytes, case-insensitively.
pub(super) fn parse_eth_address(text: &str) -> Result<[u8; 20], String> {
    parse_hex(text)
        .and_then(|bytes| <[u8; 20]>::try_from(bytes.as_slice()).ok())
        .ok_or_else(|| {
            format!(
                "\"{}\" is not an Ethereum address (0x and 40 hex digits)",
                truncate(text)
            )
        })
}
