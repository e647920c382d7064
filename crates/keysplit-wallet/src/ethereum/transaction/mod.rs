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

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;
use core::str::FromStr;

use alloy_rlp::{BufMut, Encodable, Header};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use crate::error::Error;
use crate::ethereum::{keccak256, EthereumAddress};
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

    /// The fields every type signs, in the order of its RLP list, up to the signature.
    fn encode_fields(&self, out: &mut Vec<u8>, signature: Option<&SignatureFields>) {
        let to: &[u8] = match &self.to {
            Some(address) => &address.0,
            None => &[],
        };
        let data: &[u8] = &self.data;
        let access_list = &self.access_list;
        match (self.fees, signature) {
            (Fees::Legacy { gas_price }, None) => {
                // EIP-155: the chain id and two empty values stand where v, r, s will be.
                encode_list(
                    &[
                        &self.nonce,
                        &gas_price,
                        &self.gas_limit,
                        &to,
                        &self.value,
                        &data,
                        &self.chain_id,
                        &0u8,
                        &0u8,
                    ],
                    out,
                );
            }
            (Fees::Legacy { gas_price }, Some(sig)) => {
                // v = chain id * 2 + 35 + y parity; u128 holds it for any 64-bit chain id.
                let v = u128::from(self.chain_id) * 2 + 35 + u128::from(sig.y_parity);
                encode_list(
                    &[
                        &self.nonce,
                        &gas_price,
                        &self.gas_limit,
                        &to,
                        &self.value,
                        &data,
                        &v,
                        &sig.r,
                        &sig.s,
                    ],
                    out,
                );
            }
            (Fees::Eip2930 { gas_price }, signature) => {
                out.push(1);
                let mut fields: Vec<&dyn Encodable> = Vec::with_capacity(11);
                fields.extend_from_slice(&[
                    &self.chain_id,
                    &self.nonce,
                    &gas_price,
                    &self.gas_limit,
                    &to,
                    &self.value,
                    &data,
                    access_list,
                ]);
                push_signature(&mut fields, signature);
                encode_list(&fields, out);
            }
            (
                Fees::Eip1559 {
                    max_fee,
                    max_priority_fee,
                },
                signature,
            ) => {
                out.push(2);
                let mut fields: Vec<&dyn Encodable> = Vec::with_capacity(12);
                fields.extend_from_slice(&[
                    &self.chain_id,
                    &self.nonce,
                    &max_priority_fee,
                    &max_fee,
                    &self.gas_limit,
                    &to,
                    &self.value,
                    &data,
                    access_list,
                ]);
                push_signature(&mut fields, signature);
                encode_list(&fields, out);
            }
        }
    }

    /// The bytes whose Keccak-256 is signed: `rlp([nonce, gasPrice, gasLimit, to, value,
    /// data, chainId, 0, 0])` for a legacy transaction, `type || rlp([...])` for types 1
    /// and 2.
    pub fn signing_payload(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_fields(&mut out, None);
        out
    }

    /// The digest that is signed: Keccak-256 of [`Self::signing_payload`].
    pub fn signing_hash(&self) -> [u8; 32] {
        keccak256(&self.signing_payload())
    }

    /// The signed transaction from a signature `r || s || v` over
    /// [`Self::signing_hash`] (`v` 27/28 or 0/1) by `from`; refused unless the
    /// signature recovers to `from`, has a low s (EIP-2), and `from` matches any `from`
    /// in the JSON.
    pub fn with_signature(
        &self,
        from: EthereumAddress,
        signature: &[u8; 65],
    ) -> Result<SignedEthereumTransaction, Error> {
        let summary = self.summary(from)?;
        // Since EIP-2 nodes take only s <= n/2; a high-s signature would never be mined.
        if signature[32..64] > SECP256K1_HALF_ORDER[..] {
            return Err(Error::InvalidSignature);
        }
        let digest = self.signing_hash();
        if crate::ethereum::recover_address(&digest, signature)? != from {
            return Err(Error::InvalidSignature);
        }
        let y_parity = match signature[64] {
            0 | 27 => 0u8,
            _ => 1u8,
        };
        let mut r = [0u8; 32];
        let mut s = [0u8; 32];
        r.copy_from_slice(&signature[..32]);
        s.copy_from_slice(&signature[32..64]);
        let fields = SignatureFields {
            y_parity,
            r: U256::from_be_bytes(r),
            s: U256::from_be_bytes(s),
        };
        let mut serialized = Vec::new();
        self.encode_fields(&mut serialized, Some(&fields));
        let mut normalized = *signature;
        normalized[64] = 27 + y_parity;
        Ok(SignedEthereumTransaction {
            hash: keccak256(&serialized),
            serialized,
            signature: normalized,
            summary,
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

/// n/2 for the secp256k1 group order n: the largest s EIP-2 allows.
const SECP256K1_HALF_ORDER: [u8; 32] = [
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
];

/// `y_parity, r, s` as RLP integers.
struct SignatureFields {
    y_parity: u8,
    r: U256,
    s: U256,
}

fn push_signature<'a>(fields: &mut Vec<&'a dyn Encodable>, signature: Option<&'a SignatureFields>) {
    if let Some(sig) = signature {
        fields.extend_from_slice(&[&sig.y_parity, &sig.r, &sig.s]);
    }
}

fn list_payload_length(items: &[&dyn Encodable]) -> usize {
    items.iter().map(|item| item.length()).sum()
}

/// An RLP list of items of different types.
fn encode_list(items: &[&dyn Encodable], out: &mut dyn BufMut) {
    Header {
        list: true,
        payload_length: list_payload_length(items),
    }
    .encode(out);
    for item in items {
        item.encode(out);
    }
}

impl Encodable for AccessListItem {
    fn encode(&self, out: &mut dyn BufMut) {
        encode_list(&[&self.address.0, &self.storage_keys], out);
    }

    fn length(&self) -> usize {
        let payload = list_payload_length(&[&self.address.0, &self.storage_keys]);
        payload + alloy_rlp::length_of_length(payload)
    }
}

// ---------------------------------------------------------------------------------------
// JSON

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
struct RawTransaction {
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

    fn check(
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

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    const KEY_46: [u8; 32] = [0x46; 32];
    const TO_35: &str = "0x3535353535353535353535353535353535353535";

    fn decode(json: &str) -> Result<EthereumTransactionRequest, Error> {
        EthereumTransactionRequest::from_json(
            json.as_bytes(),
            &EthereumTransactionOptions::default(),
        )
    }

    fn hex(bytes: &[u8]) -> String {
        hex_prefixed(bytes)
    }

    /// Signs with a bare key the way the wallet signs with a derived one.
    fn sign_with_key(
        request: &EthereumTransactionRequest,
        key: &[u8; 32],
    ) -> SignedEthereumTransaction {
        let signing_key = k256::ecdsa::SigningKey::from_slice(key).unwrap();
        let point = signing_key.verifying_key().as_affine();
        let encoded = k256::elliptic_curve::sec1::ToSec1Point::to_sec1_point(point, false);
        let uncompressed: [u8; 65] = encoded.as_bytes().try_into().unwrap();
        let from = EthereumAddress::from_uncompressed_public_key(&uncompressed);
        let signature =
            crate::ethereum::sign_digest_with_secret_key(key, &request.signing_hash()).unwrap();
        request.with_signature(from, &signature).unwrap()
    }

    /// EIP-155's own example (the spec's "Example" section), which ethers v6 also signs to
    /// these bytes.
    #[test]
    fn eip155_example() {
        let request = decode(&format!(
            r#"{{"type": 0, "nonce": 9, "gasPrice": "20000000000", "gasLimit": "21000",
                "to": "{TO_35}", "value": "1000000000000000000", "data": "0x", "chainId": 1}}"#
        ))
        .unwrap();
        assert_eq!(
            hex(&request.signing_payload()),
            "0xec098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a764000080018080"
        );
        assert_eq!(
            hex(&request.signing_hash()),
            "0xdaf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53"
        );
        let signed = sign_with_key(&request, &KEY_46);
        assert_eq!(
            signed.to_hex(),
            "0xf86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83"
        );
        assert_eq!(signed.hash, keccak256(&signed.serialized));
        assert_eq!(
            signed.summary.from.to_checksum(),
            "0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F"
        );
    }

    /// Types 1 and 2 signed by ethers v6.17 (`new Wallet("0x46..46").signTransaction`).
    #[test]
    fn typed_vectors_from_ethers() {
        let t1 = decode(&format!(
            r#"{{"type": 1, "nonce": 0, "gasPrice": "0x3b9aca00", "gasLimit": 50000, "to": "{TO_35}",
                "value": "1", "data": "0xdeadbeef", "chainId": "5",
                "accessList": [{{"address": "{TO_35}", "storageKeys":
                  ["0x0000000000000000000000000000000000000000000000000000000000000001"]}}]}}"#
        ))
        .unwrap();
        assert_eq!(
            sign_with_key(&t1, &KEY_46).to_hex(),
            "0x01f8a20580843b9aca0082c3509435353535353535353535353535353535353535350184deadbeeff838f7943535353535353535353535353535353535353535e1a0000000000000000000000000000000000000000000000000000000000000000180a0d8f81fce0d8791c81f39a358743037813684e8c54af15f3a6b2819cf035013eaa002d723774f3ddc9210c563d76d383d52066d8e3844f74373daa407600530e972"
        );
        let t2 = decode(&format!(
            r#"{{"type": 2, "nonce": 42, "maxFeePerGas": "30000000000", "maxPriorityFeePerGas": "2000000000",
                "gasLimit": "21000", "to": "{TO_35}", "chainId": 137, "accessList": [],
                "value": "115792089237316195423570985008687907853269984665640564039457584007913129639935"}}"#
        ))
        .unwrap();
        let signed = sign_with_key(&t2, &KEY_46);
        assert_eq!(
            signed.to_hex(),
            "0x02f88c81892a84773594008506fc23ac00825208943535353535353535353535353535353535353535a0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff80c080a0239acfca0a9f09415d6eaf586bd3a565a91a5a2dbe8329677dc9a1eb731b81e7a066f39988f25921be1c5378ea3fa0968471916334d0b838ad27c5b22d2e9736be"
        );
        assert_eq!(signed.summary.value, U256::MAX);
        assert_eq!(
            signed.summary.max_priority_fee_per_gas,
            Some(U256::from(2_000_000_000u64))
        );
        assert_eq!(
            signed.summary.transaction_type,
            EthereumTransactionType::Eip1559
        );
    }

    fn code(json: &str) -> &'static str {
        match decode(json) {
            Ok(_) => "OK",
            Err(e) => e.code(),
        }
    }

    /// A valid type 2 transaction with `extra` spliced in (later keys are not allowed to
    /// override: duplicates are refused, so `extra` only adds fields).
    fn t2(extra: &str) -> String {
        format!(
            r#"{{"nonce": 1, "gasLimit": "21000", "maxFeePerGas": "2", "maxPriorityFeePerGas": "1"{extra}}}"#
        )
    }

    #[test]
    fn refusals() {
        let to = format!(r#", "to": "{TO_35}""#);
        let ok = t2(&format!(r#"{to}, "chainId": 1"#));
        assert_eq!(code(&ok), "OK");
        assert_eq!(code(&t2(&to)), "MISSING_CHAIN_ID");
        assert_eq!(
            code(&t2(&format!(r#"{to}, "chainId": null"#))),
            "MISSING_CHAIN_ID"
        );
        assert_eq!(
            code(&t2(&format!(r#"{to}, "chainId": "0x0""#))),
            "MISSING_CHAIN_ID"
        );
        assert_eq!(
            code(&t2(&format!(r#"{to}, "chainId": "18446744073709551616""#))),
            "VALUE_OVERFLOW"
        );
        assert_eq!(
            code(&t2(r#", "chainId": 1"#)),
            "CONTRACT_CREATION_NOT_ALLOWED"
        );
        assert_eq!(
            code(&t2(r#", "chainId": 1, "to": null"#)),
            "CONTRACT_CREATION_NOT_ALLOWED"
        );
        let created = EthereumTransactionRequest::from_json(
            t2(r#", "chainId": 1, "data": "0x6000""#).as_bytes(),
            &EthereumTransactionOptions {
                allow_contract_creation: true,
            },
        )
        .unwrap();
        assert_eq!(created.summary(EthereumAddress([1; 20])).unwrap().to, None);

        let with = |more: &str| t2(&format!(r#"{to}, "chainId": 1{more}"#));
        let cases = [
            (r#", "gas": 5"#, "UNKNOWN_TRANSACTION_FIELD"),
            (r#", "Value": "1""#, "UNKNOWN_TRANSACTION_FIELD"),
            (
                r#", "value": "1", "value": "1""#,
                "DUPLICATE_TRANSACTION_FIELD",
            ),
            (
                r#", "accessList": [], "accessList": []"#,
                "DUPLICATE_TRANSACTION_FIELD",
            ),
            (
                r#", "value": "115792089237316195423570985008687907853269984665640564039457584007913129639936""#,
                "VALUE_OVERFLOW",
            ),
            (
                r#", "value": "0x10000000000000000000000000000000000000000000000000000000000000000""#,
                "VALUE_OVERFLOW",
            ),
            (r#", "value": "0x""#, "INVALID_TRANSACTION_FIELD"),
            (r#", "value": "0xg1""#, "INVALID_TRANSACTION_FIELD"),
            (r#", "value": """#, "INVALID_TRANSACTION_FIELD"),
            (r#", "value": "-1""#, "INVALID_TRANSACTION_FIELD"),
            (r#", "value": -1"#, "INVALID_TRANSACTION_FIELD"),
            (r#", "value": 1.5"#, "INVALID_TRANSACTION_FIELD"),
            (r#", "value": 1e3"#, "INVALID_TRANSACTION_FIELD"),
            (
                r#", "value": 9007199254740992"#,
                "INVALID_TRANSACTION_FIELD",
            ),
            (r#", "value": 9007199254740991"#, "OK"),
            (r#", "value": " 1""#, "INVALID_TRANSACTION_FIELD"),
            (r#", "value": true"#, "INVALID_TRANSACTION_FIELD"),
            (r#", "value": "1e18""#, "INVALID_TRANSACTION_FIELD"),
            (r#", "data": "0xabc""#, "INVALID_TRANSACTION_FIELD"),
            (r#", "data": "0xzz""#, "INVALID_TRANSACTION_FIELD"),
            (r#", "data": "abcd""#, "INVALID_TRANSACTION_FIELD"),
            (r#", "data": "0x""#, "OK"),
            (r#", "gasPrice": "1""#, "TRANSACTION_TYPE_CONFLICT"),
            (r#", "type": 0"#, "TRANSACTION_TYPE_CONFLICT"),
            (r#", "type": 1"#, "TRANSACTION_TYPE_CONFLICT"),
            (r#", "type": 3"#, "UNSUPPORTED_TRANSACTION_TYPE"),
            (r#", "type": "0x4""#, "UNSUPPORTED_TRANSACTION_TYPE"),
            (r#", "type": "0x2""#, "OK"),
            (r#", "sig": null, "from": null"#, "OK"),
            (r#", "sig": {}"#, "INVALID_TRANSACTION_FIELD"),
            (r#", "from": "0x12""#, "INVALID_TRANSACTION_FIELD"),
            (
                r#", "accessList": [{"address": "0x3535353535353535353535353535353535353535", "storageKeys": ["0x01"]}]"#,
                "INVALID_TRANSACTION_FIELD",
            ),
            (
                r#", "accessList": [{"address": "0x3535353535353535353535353535353535353535", "storageKeys": [], "x": 1}]"#,
                "TRANSACTION_JSON",
            ),
        ];
        for (more, expected) in cases {
            assert_eq!(code(&with(more)), expected, "{more}");
        }
        // EIP-55: mixed case must match the checksum.
        assert_eq!(
            code(&t2(
                r#", "chainId": 1, "to": "0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F""#
            )),
            "OK"
        );
        assert_eq!(
            code(&t2(
                r#", "chainId": 1, "to": "0x9d8a62f656a8d1615C1294fd71e9CFb3E4855A4F""#
            )),
            "INVALID_TRANSACTION_FIELD"
        );
        // Fees.
        let base = format!(r#""nonce": 1, "gasLimit": 21000, "chainId": 1, "to": "{TO_35}""#);
        assert_eq!(code(&format!("{{{base}}}")), "MISSING_TRANSACTION_FIELD");
        assert_eq!(
            code(&format!(r#"{{{base}, "type": 0}}"#)),
            "MISSING_TRANSACTION_FIELD"
        );
        assert_eq!(
            code(&format!(r#"{{{base}, "maxFeePerGas": "1"}}"#)),
            "MISSING_TRANSACTION_FIELD"
        );
        assert_eq!(
            code(&format!(
                r#"{{{base}, "maxFeePerGas": "1", "maxPriorityFeePerGas": "2"}}"#
            )),
            "INVALID_TRANSACTION_FIELD"
        );
        assert_eq!(
            code(&format!(
                r#"{{{base}, "type": 0, "gasPrice": "1", "accessList": [{{"address": "{TO_35}", "storageKeys": []}}]}}"#
            )),
            "TRANSACTION_TYPE_CONFLICT"
        );
        assert_eq!(
            code(&format!(
                r#"{{{base}, "type": 0, "gasPrice": "1", "accessList": []}}"#
            )),
            "OK"
        );
        assert_eq!(
            code(r#"{"chainId": 1, "gasLimit": 1, "gasPrice": "1", "to": null}"#),
            "MISSING_TRANSACTION_FIELD"
        );
        // Not an object, trailing garbage, deep nesting.
        for json in ["", "[]", "1", "null", "{} x", "{", "\"x\""] {
            assert_eq!(code(json), "TRANSACTION_JSON", "{json}");
        }
        let deep = format!(r#"{{"x": {}{}}}"#, "[".repeat(10_000), "]".repeat(10_000));
        assert_ne!(code(&deep), "OK");
    }

    #[test]
    fn type_inference_follows_ethers() {
        let base = format!(r#""nonce": 1, "gasLimit": 21000, "chainId": 1, "to": "{TO_35}""#);
        let ty = |more: &str| {
            decode(&format!(r#"{{{base}{more}}}"#))
                .unwrap()
                .transaction_type()
        };
        // What ethers v6.17's Transaction.inferType() returns for the same fields.
        assert_eq!(ty(r#", "gasPrice": "1""#), EthereumTransactionType::Eip2930);
        assert_eq!(
            ty(r#", "gasPrice": "1", "accessList": []"#),
            EthereumTransactionType::Eip2930
        );
        assert_eq!(
            ty(r#", "maxFeePerGas": "1", "maxPriorityFeePerGas": "1""#),
            EthereumTransactionType::Eip1559
        );
        assert_eq!(
            ty(r#", "type": 0, "gasPrice": "1""#),
            EthereumTransactionType::Legacy
        );
    }

    #[test]
    fn from_must_be_the_signer() {
        let json = t2(&format!(
            r#", "to": "{TO_35}", "chainId": 1, "from": "0x9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f""#
        ));
        let request = decode(&json).unwrap();
        let signer: EthereumAddress = "0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F"
            .parse()
            .unwrap();
        assert!(request.summary(signer).is_ok());
        assert_eq!(sign_with_key(&request, &KEY_46).summary.from, signer);
        assert_eq!(
            request
                .summary(EthereumAddress([0x35; 20]))
                .unwrap_err()
                .code(),
            "TRANSACTION_FROM_MISMATCH"
        );
    }

    #[test]
    fn limits() {
        let big = format!("0x{}", "ab".repeat(MAX_DATA_BYTES));
        let json = t2(&format!(
            r#", "to": "{TO_35}", "chainId": 1, "data": "{big}""#
        ));
        assert_eq!(
            decode(&json)
                .unwrap()
                .summary(EthereumAddress([0; 20]))
                .unwrap()
                .data
                .len(),
            MAX_DATA_BYTES
        );
        let too_big = format!("0x{}", "ab".repeat(MAX_DATA_BYTES + 1));
        let json = t2(&format!(
            r#", "to": "{TO_35}", "chainId": 1, "data": "{too_big}""#
        ));
        assert_eq!(code(&json), "TRANSACTION_TOO_LARGE");
        let entry = format!(r#"{{"address": "{TO_35}", "storageKeys": []}}"#);
        let list = alloc::vec![entry.as_str(); MAX_ACCESS_LIST_ADDRESSES + 1].join(",");
        let json = t2(&format!(
            r#", "to": "{TO_35}", "chainId": 1, "accessList": [{list}]"#
        ));
        assert_eq!(code(&json), "TRANSACTION_TOO_LARGE");
    }

    #[test]
    fn high_s_is_refused() {
        let request = decode(&t2(&format!(r#", "to": "{TO_35}", "chainId": 1"#))).unwrap();
        let signed = sign_with_key(&request, &KEY_46);
        // The same signature with s -> n - s and the parity flipped: valid ECDSA, not EIP-2.
        let n = U256::from_be_bytes(SECP256K1_HALF_ORDER) * U256::from(2u8) + U256::from(1u8);
        let mut s = [0u8; 32];
        s.copy_from_slice(&signed.signature[32..64]);
        let high_s = n - U256::from_be_bytes(s);
        let mut flipped = signed.signature;
        flipped[32..64].copy_from_slice(&high_s.to_be_bytes::<32>());
        flipped[64] ^= 1;
        let from = signed.summary.from;
        // k256 refuses to recover from it already; with_signature checks s itself too.
        assert!(crate::ethereum::recover_address(&request.signing_hash(), &flipped).is_err());
        assert_eq!(
            request.with_signature(from, &flipped).unwrap_err().code(),
            "INVALID_SIGNATURE"
        );
    }

    #[test]
    fn signature_must_recover_to_from() {
        let request = decode(&t2(&format!(r#", "to": "{TO_35}", "chainId": 1"#))).unwrap();
        let signature =
            crate::ethereum::sign_digest_with_secret_key(&KEY_46, &request.signing_hash()).unwrap();
        assert_eq!(
            request
                .with_signature(EthereumAddress([0x35; 20]), &signature)
                .unwrap_err()
                .code(),
            "INVALID_SIGNATURE"
        );
    }
}
