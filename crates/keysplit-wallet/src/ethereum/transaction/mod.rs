//! Ethereum transactions: legacy with an EIP-155 chain id (type 0), EIP-2930 (type 1) and
//! EIP-1559 (type 2), decoded from JSON in ethers v6's field names, RLP-encoded with
//! `alloy-rlp`, signed by a wallet account.
//!
//! ```
//! # fn main() -> Result<(), keysplit_wallet::Error> {
//! use keysplit_wallet::ethereum::transaction::{EthereumTransactionOptions, EthereumTransactionRequest};
//!
//! let json = br#"{"type": 2, "chainId": "1", "nonce": 0, "gasLimit": "21000",
//!     "maxFeePerGas": "30000000000", "maxPriorityFeePerGas": "1000000000",
//!     "to": "0x3535353535353535353535353535353535353535", "value": "1000000000000000000"}"#;
//! let request = EthereumTransactionRequest::from_json(json, &EthereumTransactionOptions::default())?;
//! # let wallet = keysplit_wallet::Wallet::from_entropy(&[7u8; 16])?;
//! // What would be signed, for the user and a policy to check first.
//! let summary = request.summary(wallet.ethereum_address(0)?)?;
//! assert_eq!(summary.chain_id, 1);
//! let signed = wallet.sign_ethereum_transaction(0, &request)?;
//! assert!(signed.to_hex().starts_with("0x02"));
//! # Ok(()) }
//! ```
//!
//! # The JSON form
//! One object with the fields `type, chainId, nonce, to, value, data, gasLimit, gasPrice,
//! maxFeePerGas, maxPriorityFeePerGas, accessList` (what ethers' `Transaction.from` takes
//! and `JSON.stringify(tx)` gives), plus two fields that are accepted only as a check:
//! * `from`: if present, it must be the address of the signing account (the signer is
//!   chosen by the account index, never by this field); a mismatch is
//!   [`Error::TransactionFromMismatch`].
//! * `sig`: must be `null` (ethers writes `"sig": null` for an unsigned transaction).
//!
//! `null` means the same as an absent field. Any other field is refused
//! ([`Error::UnknownTransactionField`]), as is any field given twice.
//!
//! Quantities (`chainId, nonce, value, gasLimit, gasPrice, maxFeePerGas,
//! maxPriorityFeePerGas`, and `type`) are decimal strings (`"21000"`), `0x` hex strings
//! (`"0x5208"`) or JSON integers from 0 to 2^53 - 1 (the integers a JavaScript number
//! holds exactly; larger ones must be strings). `chainId`, `nonce` and `gasLimit` fit in
//! 64 bits, the others in 256. `data` is `0x` followed by an even number of hex digits.
//! Addresses are `0x` and 40 hex digits; mixed case must pass the EIP-55 checksum.
//!
//! # What is required and refused
//! * `chainId` (not 0), `nonce`, `gasLimit`, and the fees of the type: `gasPrice` for
//!   types 0 and 1, `maxFeePerGas` and `maxPriorityFeePerGas` (at most `maxFeePerGas`) for
//!   type 2. `value` defaults to 0, `data` to empty, `accessList` to empty.
//! * `to` absent or `null` is a contract creation, refused unless
//!   [`EthereumTransactionOptions::allow_contract_creation`] is set.
//! * Without `type`, the type is inferred as ethers v6 infers it: `maxFeePerGas` or
//!   `maxPriorityFeePerGas` gives 2; otherwise `gasPrice` gives 1 (ethers prefers
//!   EIP-2930 over legacy; send `"type": 0` for a legacy transaction); otherwise 2.
//! * Contradictions are refused rather than resolved: `gasPrice` in a type 2 transaction,
//!   EIP-1559 fees in a type 0 or 1 transaction, a non-empty `accessList` in a type 0
//!   transaction ([`Error::TransactionTypeConflict`]). Types other than 0, 1 and 2 (blob
//!   and EIP-7702 transactions) are [`Error::UnsupportedTransactionType`].
//! * Limits: `data` at most [`MAX_DATA_BYTES`], an access list of at most
//!   [`MAX_ACCESS_LIST_ADDRESSES`] entries and [`MAX_ACCESS_LIST_STORAGE_KEYS`] storage
//!   keys in all.

mod json;
mod rlp;

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use self::json::RawTransaction;
use crate::error::Error;
use crate::ethereum::EthereumAddress;
use crate::summary::{EthereumTransactionSummary, EthereumTransactionType, U256};

/// The most call data a transaction may carry: 128 KiB (geth's transaction pool takes no
/// transaction larger than that).
pub const MAX_DATA_BYTES: usize = 128 * 1024;
/// The most entries (addresses) an access list may have.
pub const MAX_ACCESS_LIST_ADDRESSES: usize = 1024;
/// The most storage keys an access list may have, counted over all its entries.
pub const MAX_ACCESS_LIST_STORAGE_KEYS: usize = 4096;

/// The largest integer a JSON number may be: 2^53 - 1, the largest a JavaScript number
/// holds exactly.
const MAX_JSON_INTEGER: u64 = (1 << 53) - 1;

/// How a transaction is decoded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EthereumTransactionOptions {
    /// Accept a transaction without `to` (it deploys a contract). Off by default: a
    /// missing recipient is far more often a mistake than a deployment.
    pub allow_contract_creation: bool,
}

/// One entry of an EIP-2930 access list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessListItem {
    /// The account.
    pub address: EthereumAddress,
    /// Its storage slots.
    pub storage_keys: Vec<[u8; 32]>,
}

/// The fee fields, one shape per type (so no type can carry another type's fees).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fees {
    Legacy {
        gas_price: U256,
    },
    Eip2930 {
        gas_price: U256,
    },
    Eip1559 {
        max_fee: U256,
        max_priority_fee: U256,
    },
}

/// A decoded, checked, unsigned Ethereum transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EthereumTransactionRequest {
    fees: Fees,
    chain_id: u64,
    nonce: u64,
    to: Option<EthereumAddress>,
    value: U256,
    data: Vec<u8>,
    gas_limit: u64,
    access_list: Vec<AccessListItem>,
    from: Option<EthereumAddress>,
}

/// A signed transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedEthereumTransaction {
    /// The signed serialized transaction (what `eth_sendRawTransaction` takes).
    pub serialized: Vec<u8>,
    /// The transaction hash: Keccak-256 of [`SignedEthereumTransaction::serialized`].
    pub hash: [u8; 32],
    /// The signature as `r || s || v` with `v = 27 + y parity`.
    pub signature: [u8; 65],
    /// What was signed.
    pub summary: EthereumTransactionSummary,
}

impl SignedEthereumTransaction {
    /// The serialized transaction as `0x` hex.
    pub fn to_hex(&self) -> String {
        hex_prefixed(&self.serialized)
    }

    /// The transaction hash as `0x` hex.
    pub fn hash_hex(&self) -> String {
        hex_prefixed(&self.hash)
    }
}

fn hex_prefixed(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(2 + 2 * bytes.len());
    out.push_str("0x");
    for byte in bytes {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 15)]));
    }
    out
}

impl EthereumTransactionRequest {
    /// Decodes and checks one transaction from JSON (see the [module](self) docs for the
    /// form and everything that is refused).
    pub fn from_json(json: &[u8], options: &EthereumTransactionOptions) -> Result<Self, Error> {
        let raw: RawTransaction =
            serde_json::from_slice(json).map_err(|e| Error::TransactionJson {
                reason: e.to_string(),
            })?;
        raw.check(options)
    }

    /// The envelope type.
    pub fn transaction_type(&self) -> EthereumTransactionType {
        match self.fees {
            Fees::Legacy { .. } => EthereumTransactionType::Legacy,
            Fees::Eip2930 { .. } => EthereumTransactionType::Eip2930,
            Fees::Eip1559 { .. } => EthereumTransactionType::Eip1559,
        }
    }

    /// The access list (empty for a legacy transaction).
    pub fn access_list(&self) -> &[AccessListItem] {
        &self.access_list
    }

    /// The `from` the JSON named, if any.
    pub fn declared_from(&self) -> Option<EthereumAddress> {
        self.from
    }

    /// What would be signed by `from`, for the user and a policy to check before signing.
    /// Refused when the JSON named another `from`.
    pub fn summary(&self, from: EthereumAddress) -> Result<EthereumTransactionSummary, Error> {
        if let Some(declared) = self.from {
            if declared != from {
                return Err(Error::TransactionFromMismatch {
                    signer: from,
                    declared,
                });
            }
        }
        let (max_fee_per_gas, max_priority_fee_per_gas) = match self.fees {
            Fees::Legacy { gas_price } | Fees::Eip2930 { gas_price } => (gas_price, None),
            Fees::Eip1559 {
                max_fee,
                max_priority_fee,
            } => (max_fee, Some(max_priority_fee)),
        };
        Ok(EthereumTransactionSummary {
            from,
            transaction_type: self.transaction_type(),
            chain_id: self.chain_id,
            nonce: self.nonce,
            to: self.to,
            value: self.value,
            data: self.data.clone(),
            gas_limit: self.gas_limit,
            max_fee_per_gas,
            max_priority_fee_per_gas,
        })
    }
}

impl crate::Wallet {
    /// Signs a decoded transaction with the account at `m/44'/60'/0'/0/index`
    /// (RFC 6979, low s). The summary in the result is what was signed; to check it
    /// before signing, call [`EthereumTransactionRequest::summary`] with
    /// [`crate::Wallet::ethereum_address`] first.
    pub fn sign_ethereum_transaction(
        &self,
        index: u32,
        request: &EthereumTransactionRequest,
    ) -> Result<SignedEthereumTransaction, Error> {
        let key = self.ethereum_key(index)?;
        let from = crate::EthereumAddress::from_extended_public_key(&key.to_extended_public_key());
        // Checks a declared `from` before anything is signed.
        request.summary(from)?;
        let signature = crate::ethereum::sign_digest(&key, &request.signing_hash())?;
        request.with_signature(from, &signature)
    }
}

#[cfg(test)]
mod tests;
