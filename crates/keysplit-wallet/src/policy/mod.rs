//! A policy engine for Privy's policy JSON: which signing requests a wallet may make.
//!
//! ```
//! use keysplit_wallet::policy::Policy;
//! # use keysplit_wallet::summary::*;
//! # use keysplit_wallet::EthereumAddress;
//! let policy = Policy::from_json(br#"{
//!   "version": "1.0", "name": "Small ETH transfers", "chain_type": "ethereum",
//!   "rules": [{
//!     "name": "At most 0.01 ETH", "method": "eth_signTransaction", "action": "ALLOW",
//!     "conditions": [{ "field_source": "ethereum_transaction", "field": "value",
//!                      "operator": "lte", "value": "10000000000000000" }]
//!   }]
//! }"#)?;
//! # let tx = EthereumTransactionSummary {
//! #     from: EthereumAddress([1; 20]), transaction_type: EthereumTransactionType::Eip1559,
//! #     chain_id: 1, nonce: 0, to: Some(EthereumAddress([2; 20])),
//! #     value: U256::from(10u64).pow(U256::from(17u64)), data: vec![], gas_limit: 21000,
//! #     max_fee_per_gas: U256::ZERO, max_priority_fee_per_gas: None };
//! // `request` is the decoded summary of what would be signed (0.1 ETH here).
//! # let request = RequestSummary::EthereumTransaction(tx);
//! let decision = policy.evaluate(&request, 1_767_225_600);
//! assert!(!decision.allowed);
//! assert_eq!(decision.into_result().unwrap_err().code(), "POLICY_DENIED");
//! # Ok::<(), keysplit_wallet::Error>(())
//! ```
//!
//! # Semantics (Privy's, see `docs/policies.md`)
//! * A rule applies to a request when its `method` is the request's method
//!   ([`RequestSummary::method`]) or `*`. Method matching is exact: a rule for
//!   `eth_sendTransaction` does not cover `eth_signTransaction`, which is what keysplit does.
//! * A rule matches when ALL its conditions hold. Any matching `DENY` rule denies; else any
//!   matching `ALLOW` rule allows; else the request is denied.
//! * A condition on a field the request does not have (`to` of a contract creation, a
//!   transfer field of an instruction that is no transfer) does not hold.
//! * A field that is there but cannot be read (call data that does not decode, transfer
//!   accounts in an address lookup table) makes an `ALLOW` rule not match and a `DENY`
//!   rule deny: an unknown is never read in the request's favour.
//! * A Solana transaction is judged instruction by instruction: a DENY rule matching any
//!   instruction denies, and every instruction must match some ALLOW rule.
//! * Loading refuses anything keysplit cannot evaluate exactly as written ([`Error::PolicyInvalid`]).

mod abi;

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::cmp::Ordering;
use core::fmt;

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::Value;

use crate::summary::{ChainType, RequestSummary, SolanaInstructionSummary, U256};
use crate::{Error, SolanaAddress};

/// Largest policy JSON accepted, in bytes.
pub const MAX_POLICY_BYTES: usize = 1 << 20;
/// Most rules in a policy.
pub const MAX_RULES: usize = 100;
/// Most conditions in a rule.
pub const MAX_CONDITIONS: usize = 32;
/// Most values in the list of an `in` condition.
pub const MAX_IN_VALUES: usize = 1000;
/// Longest policy or rule name, in characters. Privy's API schema says 50, but its own
/// Solana example has a 56-character rule name, so keysplit allows up to 100.
pub const MAX_NAME_LEN: usize = 100;
/// Longest single condition value, in bytes.
pub const MAX_VALUE_LEN: usize = 100;
/// Longest `field` of a condition, in bytes.
pub const MAX_FIELD_LEN: usize = 200;

// ---------------------------------------------------------------------------------------
// The policy as read from JSON, before validation.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    version: String,
    name: String,
    chain_type: String,
    rules: Vec<RawRule>,
    // Fields of Privy's policy objects that do not change how a request is judged.
    #[serde(default, rename = "id")]
    _id: Option<IgnoredAny>,
    #[serde(default, rename = "owner_id")]
    _owner_id: Option<IgnoredAny>,
    #[serde(default, rename = "owner")]
    _owner: Option<IgnoredAny>,
    #[serde(default, rename = "created_at")]
    _created_at: Option<IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    name: String,
    method: String,
    conditions: Vec<RawCondition>,
    action: String,
    #[serde(default, rename = "id")]
    _id: Option<IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCondition {
    field_source: String,
    field: String,
    operator: String,
    value: Value,
    #[serde(default)]
    abi: Option<Value>,
    // Only for `ethereum_typed_data_message`, which keysplit refuses with its own message.
    #[serde(default, rename = "typed_data")]
    _typed_data: Option<IgnoredAny>,
}

// ---------------------------------------------------------------------------------------
// The validated policy.

/// A loaded, validated policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    name: String,
    chain_type: ChainType,
    rules: Vec<Rule>,
}

/// What a rule does when it matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// `"ALLOW"`.
    Allow,
    /// `"DENY"`.
    Deny,
}

/// One rule of a policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    name: String,
    method: String,
    action: Action,
    conditions: Vec<Condition>,
}

impl Rule {
    /// The rule's name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The method it applies to (`*` for every method).
    pub fn method(&self) -> &str {
        &self.method
    }
    /// ALLOW or DENY.
    pub fn action(&self) -> Action {
        self.action
    }
    /// Number of conditions.
    pub fn condition_count(&self) -> usize {
        self.conditions.len()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Condition {
    field: Field,
    operator: Operator,
    operand: Operand,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Operator {
    Eq,
    Gt,
    Gte,
    Lt,
    Lte,
    In,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Operand {
    One(Val),
    Set(Vec<Val>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Field {
    TransactionTo,
    TransactionValue,
    TransactionChainId,
    Calldata(abi::CalldataArgument),
    DomainChainId,
    DomainVerifyingContract,
    ProgramId,
    TransferFrom,
    TransferTo,
    TransferLamports,
    InstructionName,
    UnixTimestamp,
}

/// How a field's values are read and compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Unsigned integer of at most this many bits.
    Uint(u16),
    /// Two's-complement integer of this many bits.
    Int(u16),
    EthAddress,
    SolAddress,
    InstructionName,
    Bool,
    /// `bytes1..bytes32`.
    FixedBytes(u8),
}

impl Kind {
    fn numeric(self) -> bool {
        matches!(self, Kind::Uint(_) | Kind::Int(_))
    }
}

/// An integer with a sign: compared as a mathematical integer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Num {
    negative: bool,
    magnitude: U256,
}

impl Num {
    pub(crate) fn new(negative: bool, magnitude: U256) -> Num {
        Num {
            negative: negative && magnitude != U256::ZERO,
            magnitude,
        }
    }
    pub(crate) fn unsigned(magnitude: U256) -> Num {
        Num::new(false, magnitude)
    }
}

impl Ord for Num {
    fn cmp(&self, other: &Num) -> Ordering {
        match (self.negative, other.negative) {
            (false, false) => self.magnitude.cmp(&other.magnitude),
            (true, true) => other.magnitude.cmp(&self.magnitude),
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
        }
    }
}

impl PartialOrd for Num {
    fn partial_cmp(&self, other: &Num) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A value a field has or a condition compares with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Val {
    Num(Num),
    Eth([u8; 20]),
    Sol([u8; 32]),
    Name(String),
    Bool(bool),
    /// `bytesN`, right-padded with zeros to 32 bytes.
    Bytes([u8; 32]),
}

// ---------------------------------------------------------------------------------------
// Methods.

#[derive(Clone, Copy, PartialEq, Eq)]
enum MethodKind {
    Wildcard,
    EthTransaction,
    EthTypedData,
    EthMessage,
    SolTransaction,
    SolMessage,
    /// A Privy method keysplit never evaluates (it loads, it never matches a request).
    NotEvaluated,
}

/// `(chain the method belongs to (None: any), kind)` for Privy's method names.
fn method_info(method: &str) -> Option<(Option<ChainType>, MethodKind)> {
    use ChainType::{Ethereum, Solana};
    use MethodKind::*;
    Some(match method {
        "*" => (None, Wildcard),
        "eth_signTransaction" | "eth_sendTransaction" => (Some(Ethereum), EthTransaction),
        "eth_signTypedData_v4" => (Some(Ethereum), EthTypedData),
        "personal_sign" => (Some(Ethereum), EthMessage),
        "eth_sign7702Authorization" | "eth_signUserOperation" | "wallet_sendCalls" => {
            (Some(Ethereum), NotEvaluated)
        }
        "signTransaction" | "signAndSendTransaction" => (Some(Solana), SolTransaction),
        "signMessage" => (Some(Solana), SolMessage),
        "signTransactionBytes" => (Some(Solana), NotEvaluated),
        "exportPrivateKey" | "exportSeedPhrase" | "transfer" | "earn_deposit" | "earn_withdraw" => {
            (None, NotEvaluated)
        }
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------
// Loading.

fn invalid(location: &str, reason: impl Into<String>) -> Error {
    Error::PolicyInvalid {
        location: location.to_owned(),
        reason: reason.into(),
    }
}

fn check_name(what: &str, name: &str, location: &str) -> Result<(), Error> {
    if name.is_empty() || name.chars().count() > MAX_NAME_LEN {
        return Err(invalid(
            location,
            format!("{what} must be 1 to {MAX_NAME_LEN} characters"),
        ));
    }
    Ok(())
}

impl Policy {
    /// Reads and validates a policy in Privy's JSON form. Anything keysplit cannot
    /// evaluate exactly as written is an [`Error::PolicyInvalid`] naming the rule and
    /// condition.
    pub fn from_json(json: &[u8]) -> Result<Policy, Error> {
        if json.len() > MAX_POLICY_BYTES {
            return Err(invalid(
                "policy",
                format!("the policy JSON is larger than {MAX_POLICY_BYTES} bytes"),
            ));
        }
        let raw: RawPolicy = serde_json::from_slice(json)
            .map_err(|e| invalid("policy", format!("not a policy object: {e}")))?;
        if raw.version != "1.0" {
            return Err(invalid(
                "policy.version",
                format!(
                    "version \"{}\" is not supported (Privy's only version is \"1.0\")",
                    truncate(&raw.version)
                ),
            ));
        }
        check_name("the policy name", &raw.name, "policy.name")?;
        let chain_type = match raw.chain_type.as_str() {
            "ethereum" => ChainType::Ethereum,
            "solana" => ChainType::Solana,
            other => {
                return Err(invalid(
                    "policy.chain_type",
                    format!(
                        "chain_type \"{}\" is not supported (keysplit evaluates \"ethereum\" and \"solana\")",
                        truncate(other)
                    ),
                ))
            }
        };
        if raw.rules.len() > MAX_RULES {
            return Err(invalid(
                "policy.rules",
                format!("more than {MAX_RULES} rules"),
            ));
        }
        let mut rules = Vec::with_capacity(raw.rules.len());
        for (index, rule) in raw.rules.into_iter().enumerate() {
            rules.push(load_rule(rule, index, chain_type)?);
        }
        Ok(Policy {
            name: raw.name,
            chain_type,
            rules,
        })
    }

    /// The policy's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The chain family it is for.
    pub fn chain_type(&self) -> ChainType {
        self.chain_type
    }

    /// The rules, in order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }
}

fn truncate(text: &str) -> &str {
    match text.char_indices().nth(40) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

fn load_rule(raw: RawRule, index: usize, chain: ChainType) -> Result<Rule, Error> {
    let location = format!("rules[{index}]");
    check_name("a rule name", &raw.name, &location)?;
    let location = format!("rules[{index}] (\"{}\")", raw.name);
    let (method_chain, method_kind) = method_info(&raw.method).ok_or_else(|| {
        invalid(
            &location,
            format!("unknown method \"{}\"", truncate(&raw.method)),
        )
    })?;
    if let Some(method_chain) = method_chain {
        if method_chain != chain {
            return Err(invalid(
                &location,
                format!(
                    "method {} is a {} method but the policy's chain_type is {}",
                    raw.method,
                    method_chain.name(),
                    chain.name()
                ),
            ));
        }
    }
    let action = match raw.action.as_str() {
        "ALLOW" => Action::Allow,
        "DENY" => Action::Deny,
        other => {
            return Err(invalid(
                &location,
                format!("action \"{}\" is neither ALLOW nor DENY", truncate(other)),
            ))
        }
    };
    if raw.conditions.len() > MAX_CONDITIONS {
        return Err(invalid(
            &location,
            format!("more than {MAX_CONDITIONS} conditions"),
        ));
    }
    let mut conditions = Vec::with_capacity(raw.conditions.len());
    for (c, condition) in raw.conditions.into_iter().enumerate() {
        let location = format!("rules[{index}] (\"{}\").conditions[{c}]", raw.name);
        conditions.push(
            load_condition(condition, chain, method_kind).map_err(|e| invalid(&location, e))?,
        );
    }
    Ok(Rule {
        name: raw.name,
        method: raw.method,
        action,
        conditions,
    })
}

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

fn load_condition(
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

fn parse_hex(text: &str) -> Option<Vec<u8>> {
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
fn parse_eth_address(text: &str) -> Result<[u8; 20], String> {
    parse_hex(text)
        .and_then(|bytes| <[u8; 20]>::try_from(bytes.as_slice()).ok())
        .ok_or_else(|| {
            format!(
                "\"{}\" is not an Ethereum address (0x and 40 hex digits)",
                truncate(text)
            )
        })
}

// ---------------------------------------------------------------------------------------
// Evaluation.

/// The outcome of evaluating a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request may be signed.
    pub allowed: bool,
    /// The name of the deciding rule: the matching DENY rule, or the ALLOW rule that
    /// allowed it; `None` when nothing matched.
    pub rule: Option<String>,
    /// Why, for people.
    pub reason: String,
}

impl Decision {
    /// `Ok(self)` if allowed, else [`Error::PolicyDenied`] (code `POLICY_DENIED`) with the
    /// rule and reason.
    pub fn into_result(self) -> Result<Decision, Error> {
        if self.allowed {
            Ok(self)
        } else {
            Err(Error::PolicyDenied {
                rule: self.rule,
                reason: self.reason,
            })
        }
    }

    fn deny(rule: Option<&str>, reason: String) -> Decision {
        Decision {
            allowed: false,
            rule: rule.map(str::to_owned),
            reason,
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.allowed { "allowed" } else { "denied" };
        match &self.rule {
            Some(rule) => write!(f, "{verdict} by rule \"{rule}\": {}", self.reason),
            None => write!(f, "{verdict}: {}", self.reason),
        }
    }
}

/// Three-valued truth of a condition or rule.
enum Truth {
    True,
    False,
    /// The field is there but cannot be read; the reason.
    Unknown(String),
}

/// What the request has for a field.
enum Actual {
    Absent,
    Unknown(String),
    Value(Val),
}

struct Context<'a> {
    request: &'a RequestSummary,
    now: u64,
    /// The Solana instruction being judged, for instruction fields.
    instruction: Option<&'a SolanaInstructionSummary>,
    unresolved_lookups: usize,
}

const SYSTEM_PROGRAM: [u8; 32] = [0; 32];

impl Field {
    fn actual(&self, ctx: &Context<'_>) -> Actual {
        use RequestSummary as R;
        let value = |v: Val| Actual::Value(v);
        match (self, ctx.request) {
            (Field::UnixTimestamp, _) => value(Val::Num(Num::unsigned(U256::from(ctx.now)))),
            (Field::TransactionTo, R::EthereumTransaction(tx)) => match tx.to {
                Some(to) => value(Val::Eth(to.0)),
                None => Actual::Absent,
            },
            (Field::TransactionValue, R::EthereumTransaction(tx)) => {
                value(Val::Num(Num::unsigned(tx.value)))
            }
            (Field::TransactionChainId, R::EthereumTransaction(tx)) => {
                value(Val::Num(Num::unsigned(U256::from(tx.chain_id))))
            }
            (Field::Calldata(argument), R::EthereumTransaction(tx)) => {
                match abi::read(argument, &tx.data) {
                    abi::Read::NotThisFunction => Actual::Absent,
                    abi::Read::Malformed(why) => Actual::Unknown(why),
                    abi::Read::Value(v) => value(v),
                }
            }
            (Field::DomainChainId, R::EthereumTypedData(data)) => match data.domain.chain_id {
                Some(id) => value(Val::Num(Num::unsigned(id))),
                None => Actual::Absent,
            },
            (Field::DomainVerifyingContract, R::EthereumTypedData(data)) => {
                match data.domain.verifying_contract {
                    Some(contract) => value(Val::Eth(contract.0)),
                    None => Actual::Absent,
                }
            }
            (Field::ProgramId, _) => match ctx.instruction {
                Some(ins) => value(Val::Sol(ins.program_id.0)),
                None => Actual::Absent,
            },
            (
                Field::TransferFrom
                | Field::TransferTo
                | Field::TransferLamports
                | Field::InstructionName,
                _,
            ) => {
                let Some(ins) = ctx.instruction else {
                    return Actual::Absent;
                };
                let Some(transfer) = &ins.transfer else {
                    return if ins.opaque {
                        Actual::Unknown(
                            "a System Program transfer's accounts come from address lookup \
                             tables (which keysplit cannot resolve offline) or it is malformed"
                                .to_string(),
                        )
                    } else if ins.program_id.0 == SYSTEM_PROGRAM && ctx.unresolved_lookups > 0 {
                        Actual::Unknown(
                            "the transaction loads accounts from address lookup tables, which \
                             keysplit cannot resolve offline"
                                .to_string(),
                        )
                    } else {
                        Actual::Absent
                    };
                };
                value(match self {
                    Field::TransferFrom => Val::Sol(transfer.from.0),
                    Field::TransferTo => Val::Sol(transfer.to.0),
                    Field::TransferLamports => {
                        Val::Num(Num::unsigned(U256::from(transfer.lamports)))
                    }
                    _ => Val::Name("Transfer".to_string()),
                })
            }
            _ => Actual::Absent,
        }
    }
}

impl Condition {
    fn truth(&self, ctx: &Context<'_>) -> Truth {
        let actual = match self.field.actual(ctx) {
            Actual::Absent => return Truth::False,
            Actual::Unknown(why) => return Truth::Unknown(why),
            Actual::Value(v) => v,
        };
        let holds = match (&self.operand, self.operator) {
            (Operand::Set(set), _) => set.contains(&actual),
            (Operand::One(expected), Operator::Eq) => *expected == actual,
            (Operand::One(Val::Num(expected)), op) => match &actual {
                Val::Num(actual) => match op {
                    Operator::Gt => actual > expected,
                    Operator::Gte => actual >= expected,
                    Operator::Lt => actual < expected,
                    Operator::Lte => actual <= expected,
                    Operator::Eq | Operator::In => actual == expected,
                },
                _ => false,
            },
            (Operand::One(_), _) => false,
        };
        if holds {
            Truth::True
        } else {
            Truth::False
        }
    }
}

impl Rule {
    fn applies_to(&self, method: &str) -> bool {
        self.method == "*" || self.method == method
    }

    /// All conditions hold (True); one does not (False); else the first unknown.
    fn truth(&self, ctx: &Context<'_>) -> Truth {
        let mut unknown = None;
        for condition in &self.conditions {
            match condition.truth(ctx) {
                Truth::False => return Truth::False,
                Truth::Unknown(why) => {
                    unknown.get_or_insert(why);
                }
                Truth::True => {}
            }
        }
        match unknown {
            Some(why) => Truth::Unknown(why),
            None => Truth::True,
        }
    }
}

impl Policy {
    /// Judges `request` at time `now_unix_seconds` (the `system.current_unix_timestamp`
    /// of time-bound rules). Never fails: anything the policy does not clearly allow is
    /// denied, and the [`Decision`] says which rule decided and why.
    pub fn evaluate(&self, request: &RequestSummary, now_unix_seconds: u64) -> Decision {
        if request.chain_type() != self.chain_type {
            return Decision::deny(
                None,
                format!(
                    "the policy is for {} requests and this is a {} request",
                    self.chain_type.name(),
                    request.chain_type().name()
                ),
            );
        }
        let method = request.method();
        let rules: Vec<&Rule> = self.rules.iter().filter(|r| r.applies_to(method)).collect();
        if rules.is_empty() {
            let alternative = match method {
                "eth_signTransaction" => Some("eth_sendTransaction"),
                "signTransaction" => Some("signAndSendTransaction"),
                _ => None,
            };
            let hint = match alternative {
                Some(alt) if self.rules.iter().any(|r| r.method == alt) => format!(
                    " (rules for {alt} do not cover it: keysplit signs, it does not send; \
                     add rules for {method} or \"*\")"
                ),
                _ => String::new(),
            };
            return Decision::deny(
                None,
                format!("the policy has no rule for method {method}{hint}"),
            );
        }
        // The units judged: each instruction of a Solana transaction, else the request.
        let (units, unresolved_lookups): (Vec<Option<&SolanaInstructionSummary>>, usize) =
            match request {
                RequestSummary::SolanaTransaction(tx) if !tx.instructions.is_empty() => (
                    tx.instructions.iter().map(Some).collect(),
                    tx.unresolved_lookups,
                ),
                RequestSummary::SolanaTransaction(tx) => (alloc::vec![None], tx.unresolved_lookups),
                _ => (alloc::vec![None], 0),
            };
        let per_instruction = units.first().is_some_and(Option::is_some);
        let place = |i: usize, unit: Option<&SolanaInstructionSummary>| match unit {
            Some(ins) if per_instruction => format!(
                " (instruction #{i}, program {})",
                SolanaAddress(ins.program_id.0).to_base58()
            ),
            _ => String::new(),
        };
        let context = |unit| Context {
            request,
            now: now_unix_seconds,
            instruction: unit,
            unresolved_lookups,
        };
        // DENY wins: any DENY rule that matches, or cannot be ruled out, anywhere.
        for (i, unit) in units.iter().enumerate() {
            let ctx = context(*unit);
            for rule in rules.iter().filter(|r| r.action == Action::Deny) {
                match rule.truth(&ctx) {
                    Truth::True => {
                        return Decision::deny(
                            Some(&rule.name),
                            format!("the request matches this DENY rule{}", place(i, *unit)),
                        )
                    }
                    Truth::Unknown(why) => {
                        return Decision::deny(
                            Some(&rule.name),
                            format!(
                                "this DENY rule cannot be ruled out{}: {why}",
                                place(i, *unit)
                            ),
                        )
                    }
                    Truth::False => {}
                }
            }
        }
        // Then every unit must match an ALLOW rule.
        let mut deciding: Option<&Rule> = None;
        for (i, unit) in units.iter().enumerate() {
            let ctx = context(*unit);
            let mut allowed_by = None;
            let mut unknown = None;
            for rule in rules.iter().filter(|r| r.action == Action::Allow) {
                match rule.truth(&ctx) {
                    Truth::True => {
                        allowed_by = Some(*rule);
                        break;
                    }
                    Truth::Unknown(why) => {
                        unknown.get_or_insert((rule.name.as_str(), why));
                    }
                    Truth::False => {}
                }
            }
            match allowed_by {
                Some(rule) => {
                    deciding.get_or_insert(rule);
                }
                None => {
                    let note = match unknown {
                        Some((name, why)) => {
                            format!("; rule \"{name}\" could not be evaluated: {why}")
                        }
                        None => String::new(),
                    };
                    return Decision::deny(
                        None,
                        format!(
                            "no ALLOW rule for {method} matches the request{}{note}",
                            place(i, *unit)
                        ),
                    );
                }
            }
        }
        match deciding {
            Some(rule) => Decision {
                allowed: true,
                rule: Some(rule.name.clone()),
                reason: if per_instruction && units.len() > 1 {
                    format!(
                        "each of the {} instructions matches an ALLOW rule and none a DENY rule",
                        units.len()
                    )
                } else {
                    "the request matches this ALLOW rule and no DENY rule".to_string()
                },
            },
            // Unreachable: `units` is never empty. Deny all the same.
            None => Decision::deny(None, "nothing matched".to_string()),
        }
    }
}

#[cfg(test)]
mod tests;
