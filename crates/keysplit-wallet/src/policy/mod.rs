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
//!   ([`RequestSummary::method`](crate::summary::RequestSummary::method)) or `*`. Method
//!   matching is exact: a rule for `eth_sendTransaction` does not cover
//!   `eth_signTransaction`, which is what keysplit does.
//! * A rule matches when ALL its conditions hold. Any matching `DENY` rule denies; else any
//!   matching `ALLOW` rule allows; else the request is denied.
//! * A condition on a field the request does not have (`to` of a contract creation, a
//!   transfer field of an instruction that is no transfer) does not hold.
//! * A field that is there but cannot be read (call data that does not decode, transfer
//!   accounts in an address lookup table) makes an `ALLOW` rule not match and a `DENY`
//!   rule deny: an unknown is never read in the request's favour.
//! * A Solana transaction is judged instruction by instruction: a DENY rule matching any
//!   instruction denies, and every instruction must match some ALLOW rule.
//! * Loading refuses anything keysplit cannot evaluate exactly as written
//!   ([`Error::PolicyInvalid`](crate::Error::PolicyInvalid)).

mod abi;
mod condition;
mod evaluate;
mod load;

use alloc::string::String;
use alloc::vec::Vec;
use core::cmp::Ordering;

use crate::summary::{ChainType, U256};

pub use self::evaluate::Decision;

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
// The validated policy.

/// A loaded, validated policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    name: String,
    chain_type: ChainType,
    rules: Vec<Rule>,
}

impl Policy {
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

#[cfg(test)]
mod tests;
