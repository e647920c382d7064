//! What a signing request would sign, decoded: the one description the iframe shows the
//! user and the policy engine checks.
//!
//! Decoders ([`crate::ethereum::transaction`], [`crate::ethereum::typed_data`],
//! [`crate::solana::transaction`]) build a [`RequestSummary`] from the exact bytes that get
//! signed, so what is shown and policed can never differ from what is signed.

use alloc::string::String;
use alloc::vec::Vec;

use crate::ethereum::EthereumAddress;
use crate::solana::SolanaAddress;

/// A 256-bit unsigned integer (wei amounts, gas prices, typed-data chain ids).
pub use ruint::aliases::U256;

/// The chain family a request is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChainType {
    /// Ethereum and EVM chains.
    Ethereum,
    /// Solana.
    Solana,
}

impl ChainType {
    /// The name Privy's policies use for it: `"ethereum"` or `"solana"`.
    pub const fn name(self) -> &'static str {
        match self {
            ChainType::Ethereum => "ethereum",
            ChainType::Solana => "solana",
        }
    }
}

/// One signing request, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestSummary {
    /// An Ethereum transaction (`eth_signTransaction`).
    EthereumTransaction(EthereumTransactionSummary),
    /// An EIP-191 `personal_sign` message.
    EthereumMessage(EthereumMessageSummary),
    /// EIP-712 typed data (`eth_signTypedData_v4`).
    EthereumTypedData(EthereumTypedDataSummary),
    /// A Solana transaction message (`signTransaction`).
    SolanaTransaction(SolanaTransactionSummary),
    /// An off-chain Solana message (`signMessage`).
    SolanaMessage(SolanaMessageSummary),
}

impl RequestSummary {
    /// The chain family of the request.
    pub const fn chain_type(&self) -> ChainType {
        match self {
            RequestSummary::EthereumTransaction(_)
            | RequestSummary::EthereumMessage(_)
            | RequestSummary::EthereumTypedData(_) => ChainType::Ethereum,
            RequestSummary::SolanaTransaction(_) | RequestSummary::SolanaMessage(_) => {
                ChainType::Solana
            }
        }
    }

    /// The RPC method name Privy's policies match on (`rule.method`):
    /// `eth_signTransaction`, `personal_sign`, `eth_signTypedData_v4`,
    /// `signTransaction` or `signMessage`.
    pub const fn method(&self) -> &'static str {
        match self {
            RequestSummary::EthereumTransaction(_) => "eth_signTransaction",
            RequestSummary::EthereumMessage(_) => "personal_sign",
            RequestSummary::EthereumTypedData(_) => "eth_signTypedData_v4",
            RequestSummary::SolanaTransaction(_) => "signTransaction",
            RequestSummary::SolanaMessage(_) => "signMessage",
        }
    }
}

/// The envelope type of an Ethereum transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EthereumTransactionType {
    /// Type 0 with an EIP-155 chain id.
    Legacy,
    /// Type 1 (EIP-2930, access list).
    Eip2930,
    /// Type 2 (EIP-1559, fee market).
    Eip1559,
}

impl EthereumTransactionType {
    /// The type number: 0, 1 or 2.
    pub const fn number(self) -> u8 {
        match self {
            EthereumTransactionType::Legacy => 0,
            EthereumTransactionType::Eip2930 => 1,
            EthereumTransactionType::Eip1559 => 2,
        }
    }
}

/// An Ethereum transaction as it will be signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EthereumTransactionSummary {
    /// The signing account.
    pub from: EthereumAddress,
    /// Envelope type.
    pub transaction_type: EthereumTransactionType,
    /// EIP-155 chain id (always present: transactions without one are refused).
    pub chain_id: u64,
    /// Account nonce.
    pub nonce: u64,
    /// Recipient; `None` only for a contract creation the caller explicitly allowed.
    pub to: Option<EthereumAddress>,
    /// Value in wei.
    pub value: U256,
    /// Call data (may be empty).
    pub data: Vec<u8>,
    /// Gas limit.
    pub gas_limit: u64,
    /// `gasPrice` (types 0 and 1) or `maxFeePerGas` (type 2): the most paid per gas.
    pub max_fee_per_gas: U256,
    /// `maxPriorityFeePerGas` (type 2 only).
    pub max_priority_fee_per_gas: Option<U256>,
}

impl EthereumTransactionSummary {
    /// The 4-byte function selector: the first four bytes of the call data, if there are
    /// at least four.
    pub fn selector(&self) -> Option<[u8; 4]> {
        match self.data.get(..4) {
            Some(&[a, b, c, d]) => Some([a, b, c, d]),
            _ => None,
        }
    }
}

/// An EIP-191 message as it will be signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EthereumMessageSummary {
    /// The signing account.
    pub from: EthereumAddress,
    /// The message bytes (shown as text when they are UTF-8).
    pub message: Vec<u8>,
}

/// The EIP-712 domain of typed data; each field is present only if the domain has it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TypedDataDomain {
    /// `name`.
    pub name: Option<String>,
    /// `version`.
    pub version: Option<String>,
    /// `chainId`.
    pub chain_id: Option<U256>,
    /// `verifyingContract`.
    pub verifying_contract: Option<EthereumAddress>,
    /// `salt`.
    pub salt: Option<[u8; 32]>,
}

/// EIP-712 typed data as it will be signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EthereumTypedDataSummary {
    /// The signing account.
    pub from: EthereumAddress,
    /// The domain.
    pub domain: TypedDataDomain,
    /// The primary type's name.
    pub primary_type: String,
    /// The EIP-712 digest that is signed.
    pub digest: [u8; 32],
}

/// A System Program transfer inside a Solana transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SolanaTransfer {
    /// Paying account.
    pub from: SolanaAddress,
    /// Receiving account.
    pub to: SolanaAddress,
    /// Amount in lamports.
    pub lamports: u64,
}

/// One instruction of a Solana transaction, as far as keysplit decodes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SolanaInstructionSummary {
    /// The program it calls.
    pub program_id: SolanaAddress,
    /// The decoded System Program transfer, if it is one (`Transfer`, or
    /// `TransferWithSeed`).
    pub transfer: Option<SolanaTransfer>,
    /// True for a System Program `Transfer` or `TransferWithSeed` (by its data's tag)
    /// that keysplit cannot read in full: its payer or recipient is loaded from an
    /// address lookup table (unknown offline), or it has too few accounts or short data.
    /// `transfer` is then `None`; a policy that checks transfers must treat the
    /// instruction as an unknown transfer, never as "no transfer".
    pub opaque: bool,
}

/// A Solana transaction message as it will be signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SolanaTransactionSummary {
    /// The signing account (a required signer of the message).
    pub from: SolanaAddress,
    /// `false` for a legacy message, `true` for a v0 message.
    pub versioned: bool,
    /// The fee payer: the message's first account.
    pub fee_payer: SolanaAddress,
    /// The recent blockhash (base58 when shown).
    pub recent_blockhash: [u8; 32],
    /// Every instruction in order. Accounts a v0 message loads from address lookup tables
    /// cannot be resolved offline; instructions naming them say so in
    /// [`SolanaTransactionSummary::unresolved_lookups`].
    pub instructions: Vec<SolanaInstructionSummary>,
    /// Number of accounts loaded from address lookup tables (v0 only).
    pub unresolved_lookups: usize,
}

/// An off-chain Solana message as it will be signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SolanaMessageSummary {
    /// The signing account.
    pub from: SolanaAddress,
    /// The message bytes.
    pub message: Vec<u8>,
}
