//! Evaluation: a request judged against the rules, DENY first, then ALLOW for every unit.

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use super::{abi, Action, Condition, Field, Num, Operand, Operator, Policy, Rule, Val};
use crate::summary::{RequestSummary, SolanaInstructionSummary, U256};
use crate::{Error, SolanaAddress};

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
