//! Loading a policy: Privy's JSON as read, the method table, the policy and rule checks.

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::Value;

use super::condition::load_condition;
use super::{Action, Policy, Rule, MAX_CONDITIONS, MAX_NAME_LEN, MAX_POLICY_BYTES, MAX_RULES};
use crate::summary::ChainType;
use crate::Error;

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
pub(super) struct RawCondition {
    pub(super) field_source: String,
    pub(super) field: String,
    pub(super) operator: String,
    pub(super) value: Value,
    #[serde(default)]
    pub(super) abi: Option<Value>,
    // Only for `ethereum_typed_data_message`, which keysplit refuses with its own message.
    #[serde(default, rename = "typed_data")]
    _typed_data: Option<IgnoredAny>,
}

// ---------------------------------------------------------------------------------------
// Methods.

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum MethodKind {
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
}

pub(super) fn truncate(text: &str) -> &str {
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
