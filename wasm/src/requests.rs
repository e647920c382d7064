//! Signing requests that can be shown and policed (Ethereum transactions, EIP-712 typed
//! data as JSON, Solana transactions), authorization keys and key quorums, and policies:
//! only in the build with the `requests` feature (`scripts/build.sh --requests`, package
//! `keysplit-wasm-requests`). They bring P-256, serde_json and RLP into the module, more
//! than the default module's size budget leaves.
//!
//! One parser decides: every JSON input arrives here as text (the JS wrapper runs
//! `JSON.stringify` on objects) and is read by keysplit-wallet's own decoders; summaries
//! only ever go out to JS, never come back in.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use js_sys::{Array, Object};
use keysplit_wallet as kw;
use kw::authz::{AuthorizationKey, AuthorizationSignature, KeyQuorum, RequestPayload};
use kw::ethereum::transaction::{EthereumTransactionOptions, EthereumTransactionRequest};
use kw::ethereum::typed_data::TypedData;
use kw::policy::Policy;
use kw::solana::transaction::SolanaMessage;
use kw::summary::{
    EthereumMessageSummary, EthereumTransactionSummary, EthereumTypedDataSummary, RequestSummary,
    SolanaMessageSummary, SolanaTransactionSummary,
};
use kw::{EthereumAddress, SolanaAddress};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::convert::{bytes, invalid, object, text, text_list, to_js_bytes};
use crate::wallet::{bytes_or_text, index, open, wallet_error};

// ---- summaries out to JS --------------------------------------------------------------

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(2 + 2 * bytes.len());
    out.push_str("0x");
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 15)]));
    }
    out
}

fn str_or_null(value: Option<String>) -> JsValue {
    value.map_or(JsValue::NULL, |s| JsValue::from_str(&s))
}

/// Integers as decimal strings: exact at any size, and JSON-safe (a `bigint` is not).
fn decimal(value: impl ToString) -> JsValue {
    JsValue::from_str(&value.to_string())
}

fn head(summary: &RequestSummary, from: String) -> Vec<(&'static str, JsValue)> {
    alloc::vec![
        ("method", JsValue::from_str(summary.method())),
        ("chainType", JsValue::from_str(summary.chain_type().name())),
        ("from", JsValue::from_str(&from)),
    ]
}

fn ethereum_transaction_to_js(s: &EthereumTransactionSummary) -> Vec<(&'static str, JsValue)> {
    alloc::vec![
        ("type", JsValue::from(s.transaction_type.number())),
        ("chainId", decimal(s.chain_id)),
        ("nonce", decimal(s.nonce)),
        ("to", str_or_null(s.to.map(|a| a.to_checksum()))),
        ("value", decimal(s.value)),
        ("data", JsValue::from_str(&hex(&s.data))),
        ("selector", str_or_null(s.selector().map(|b| hex(&b)))),
        ("gasLimit", decimal(s.gas_limit)),
        ("maxFeePerGas", decimal(s.max_fee_per_gas)),
        (
            "maxPriorityFeePerGas",
            s.max_priority_fee_per_gas.map_or(JsValue::NULL, decimal),
        ),
    ]
}

fn typed_data_to_js(s: &EthereumTypedDataSummary) -> Vec<(&'static str, JsValue)> {
    let d = &s.domain;
    let domain = object(&[
        ("name", str_or_null(d.name.clone())),
        ("version", str_or_null(d.version.clone())),
        ("chainId", d.chain_id.map_or(JsValue::NULL, decimal)),
        (
            "verifyingContract",
            str_or_null(d.verifying_contract.map(|a| a.to_checksum())),
        ),
        ("salt", str_or_null(d.salt.map(|b| hex(&b)))),
    ]);
    alloc::vec![
        ("domain", domain.into()),
        ("primaryType", JsValue::from_str(&s.primary_type)),
        ("digest", JsValue::from_str(&hex(&s.digest))),
    ]
}

fn solana_transaction_to_js(s: &SolanaTransactionSummary) -> Vec<(&'static str, JsValue)> {
    let instructions: Array = s
        .instructions
        .iter()
        .map(|i| -> JsValue {
            let transfer = match &i.transfer {
                Some(t) => object(&[
                    ("from", JsValue::from_str(&t.from.to_base58())),
                    ("to", JsValue::from_str(&t.to.to_base58())),
                    ("lamports", decimal(t.lamports)),
                ])
                .into(),
                None => JsValue::NULL,
            };
            object(&[
                ("programId", JsValue::from_str(&i.program_id.to_base58())),
                ("transfer", transfer),
                ("opaque", JsValue::from_bool(i.opaque)),
            ])
            .into()
        })
        .collect();
    alloc::vec![
        ("versioned", JsValue::from_bool(s.versioned)),
        ("feePayer", JsValue::from_str(&s.fee_payer.to_base58())),
        (
            "recentBlockhash",
            JsValue::from_str(&SolanaAddress(s.recent_blockhash).to_base58()),
        ),
        ("instructions", instructions.into()),
        (
            "unresolvedLookups",
            JsValue::from(s.unresolved_lookups as f64)
        ),
    ]
}

/// The JS form of a summary: `method`, `chainType`, `from`, then the request's fields.
fn summary_to_js(summary: &RequestSummary) -> Object {
    let (from, rest) = match summary {
        RequestSummary::EthereumTransaction(s) => {
            (s.from.to_checksum(), ethereum_transaction_to_js(s))
        }
        RequestSummary::EthereumTypedData(s) => (s.from.to_checksum(), typed_data_to_js(s)),
        RequestSummary::SolanaTransaction(s) => (s.from.to_base58(), solana_transaction_to_js(s)),
        RequestSummary::EthereumMessage(s) => (
            s.from.to_checksum(),
            alloc::vec![("message", to_js_bytes(&s.message).into())],
        ),
        RequestSummary::SolanaMessage(s) => (
            s.from.to_base58(),
            alloc::vec![("message", to_js_bytes(&s.message).into())],
        ),
        // A kind this build does not know yet: what every summary has.
        _ => {
            return object(&[
                ("method", JsValue::from_str(summary.method())),
                ("chainType", JsValue::from_str(summary.chain_type().name())),
            ])
        }
    };
    let mut entries = head(summary, from);
    entries.extend(rest);
    object(&entries)
}

// ---- requests in from JS --------------------------------------------------------------

/// A request as read from JS, decoded by the library before any wallet is opened.
enum Request {
    Transaction(EthereumTransactionRequest),
    TypedData(TypedData),
    SolanaTransaction(Zeroizing<Vec<u8>>),
    Message(Zeroizing<Vec<u8>>),
    SolanaMessage(Zeroizing<Vec<u8>>),
}

fn read_request(
    kind: &str,
    input: &JsValue,
    allow_contract_creation: bool,
) -> Result<Request, JsValue> {
    Ok(match kind {
        "transaction" => {
            let json = text(input, "transaction")?;
            let options = EthereumTransactionOptions {
                allow_contract_creation,
            };
            Request::Transaction(
                EthereumTransactionRequest::from_json(json.as_bytes(), &options)
                    .map_err(wallet_error)?,
            )
        }
        "typedData" => {
            let json = text(input, "typedData")?;
            Request::TypedData(TypedData::from_json(json.as_bytes()).map_err(wallet_error)?)
        }
        "solanaTransaction" => {
            let message = bytes(input, "message")?;
            SolanaMessage::decode(&message).map_err(wallet_error)?;
            Request::SolanaTransaction(message)
        }
        "message" => Request::Message(bytes_or_text(input, "message")?),
        "solanaMessage" => Request::SolanaMessage(bytes_or_text(input, "message")?),
        _ => return Err(invalid("unknown request kind")),
    })
}

fn ethereum_from(from: &str) -> Result<EthereumAddress, JsValue> {
    from.parse::<EthereumAddress>()
        .map_err(|_| wallet_error(kw::Error::InvalidAddress))
}

fn summarize(request: &Request, from: &str) -> Result<RequestSummary, JsValue> {
    Ok(match request {
        Request::Transaction(tx) => RequestSummary::EthereumTransaction(
            tx.summary(ethereum_from(from)?).map_err(wallet_error)?,
        ),
        Request::TypedData(typed) => {
            RequestSummary::EthereumTypedData(typed.summary(ethereum_from(from)?))
        }
        Request::SolanaTransaction(message) => RequestSummary::SolanaTransaction(
            kw::solana::transaction::summarize(
                message,
                SolanaAddress::parse(from).map_err(wallet_error)?,
            )
            .map_err(wallet_error)?,
        ),
        Request::Message(message) => RequestSummary::EthereumMessage(EthereumMessageSummary {
            from: ethereum_from(from)?,
            message: message.to_vec(),
        }),
        Request::SolanaMessage(message) => RequestSummary::SolanaMessage(SolanaMessageSummary {
            from: SolanaAddress::parse(from).map_err(wallet_error)?,
            message: message.to_vec(),
        }),
    })
}

/// Unix milliseconds from JS (`Date.now()`).
fn millis(value: f64, what: &str) -> Result<u64, JsValue> {
    // 2^53: every integer below it is exact in a JS number.
    if (0.0..=9_007_199_254_740_991.0).contains(&value) && value % 1.0 == 0.0 {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Ok(value as u64)
    } else {
        Err(invalid(&format!(
            "{what} must be Unix milliseconds (a non-negative integer)"
        )))
    }
}

// ---- exported operations --------------------------------------------------------------

/// Signs a request with account `index` of the wallet opened by two shares. `kind`:
/// `"transaction"` (ethers-v6 JSON text; `{ signedTransaction, hash, summary }`),
/// `"typedData"` (`eth_signTypedData_v4` JSON text; `{ signature, summary }`) or
/// `"solanaTransaction"` (a serialized message; `{ signature, summary }`). The request is
/// decoded before the wallet is opened.
#[wasm_bindgen(js_name = requestSign)]
pub fn request_sign(
    kind: &str,
    info: &JsValue,
    first: &JsValue,
    second: &JsValue,
    index_: f64,
    input: &JsValue,
    allow_contract_creation: bool,
) -> Result<Object, JsValue> {
    let index = index(index_)?;
    if !matches!(kind, "transaction" | "typedData" | "solanaTransaction") {
        return Err(invalid("unknown request kind"));
    }
    let request = read_request(kind, input, allow_contract_creation)?;
    let wallet = open(info, first, second)?;
    match &request {
        Request::Transaction(tx) => {
            let signed = wallet
                .sign_ethereum_transaction(index, tx)
                .map_err(wallet_error)?;
            let summary = RequestSummary::EthereumTransaction(signed.summary.clone());
            Ok(object(&[
                ("signedTransaction", JsValue::from_str(&signed.to_hex())),
                ("hash", JsValue::from_str(&signed.hash_hex())),
                ("summary", summary_to_js(&summary).into()),
            ]))
        }
        Request::TypedData(typed) => {
            let signature = wallet
                .sign_typed_data_parsed(index, typed)
                .map_err(wallet_error)?;
            let summary = wallet
                .typed_data_summary(index, typed)
                .map_err(wallet_error)?;
            Ok(object(&[
                ("signature", to_js_bytes(&signature).into()),
                ("summary", summary_to_js(&summary).into()),
            ]))
        }
        Request::SolanaTransaction(message) => {
            let (signature, summary) = wallet
                .sign_solana_transaction(index, message)
                .map_err(wallet_error)?;
            Ok(object(&[
                ("signature", to_js_bytes(&signature).into()),
                (
                    "summary",
                    summary_to_js(&RequestSummary::SolanaTransaction(summary)).into(),
                ),
            ]))
        }
        _ => Err(invalid("unknown request kind")),
    }
}

/// The summary of a request as account `from` (an address) would sign it, without any
/// share: what to show the user and police before signing.
#[wasm_bindgen(js_name = requestSummary)]
pub fn request_summary(
    kind: &str,
    from: &str,
    input: &JsValue,
    allow_contract_creation: bool,
) -> Result<Object, JsValue> {
    let request = read_request(kind, input, allow_contract_creation)?;
    Ok(summary_to_js(&summarize(&request, from)?))
}

/// Judges a request (decoded here, as [`request_summary`] does) against a policy (JSON
/// text) at `now_ms`: `{ allowed, rule, reason, summary }`.
#[wasm_bindgen(js_name = policyEvaluate)]
pub fn policy_evaluate(
    policy: &str,
    kind: &str,
    from: &str,
    input: &JsValue,
    allow_contract_creation: bool,
    now_ms: f64,
) -> Result<Object, JsValue> {
    let now = millis(now_ms, "now")? / 1000;
    let policy = Policy::from_json(policy.as_bytes()).map_err(wallet_error)?;
    let request = read_request(kind, input, allow_contract_creation)?;
    let summary = summarize(&request, from)?;
    let decision = policy.evaluate(&summary, now);
    Ok(object(&[
        ("allowed", JsValue::from_bool(decision.allowed)),
        ("rule", str_or_null(decision.rule)),
        ("reason", JsValue::from_str(&decision.reason)),
        ("summary", summary_to_js(&summary).into()),
    ]))
}

/// A fresh P-256 authorization key: `{ privateKey: "wallet-auth:...", publicKey }`
/// (base64 SPKI DER).
#[wasm_bindgen(js_name = authzGenerateKey)]
pub fn authz_generate_key() -> Result<Object, JsValue> {
    let mut rng = crate::engine::os_rng().map_err(crate::convert::core_error)?;
    let key = AuthorizationKey::generate(&mut rng);
    let private = key.to_wallet_auth().map_err(wallet_error)?;
    Ok(object(&[
        ("privateKey", JsValue::from_str(&private)),
        (
            "publicKey",
            JsValue::from_str(&key.public_key().to_base64()),
        ),
    ]))
}

fn payload(json: &str) -> Result<RequestPayload, JsValue> {
    RequestPayload::from_json(json.as_bytes()).map_err(wallet_error)
}

/// The RFC 8785 canonical form of a request payload (JSON text): the bytes signatures
/// cover, as text.
#[wasm_bindgen(js_name = authzCanonicalize)]
pub fn authz_canonicalize(payload_json: &str) -> Result<String, JsValue> {
    let payload = payload(payload_json)?;
    String::from_utf8(payload.canonical_bytes().to_vec())
        .map_err(|_| js_error_internal("canonical form is not UTF-8"))
}

fn js_error_internal(message: &str) -> JsValue {
    crate::convert::js_error("INTERNAL", message)
}

/// Signs a request payload (JSON text) with a `wallet-auth:` key: base64 DER.
#[wasm_bindgen(js_name = authzSign)]
pub fn authz_sign(payload_json: &str, key: &JsValue) -> Result<String, JsValue> {
    let payload = payload(payload_json)?;
    let key_text = text(key, "key")?;
    let key = AuthorizationKey::from_text(&key_text).map_err(wallet_error)?;
    Ok(key.sign(&payload).to_base64())
}

/// A P-256 signature (DER or 64-byte P1363, as WebCrypto returns it) as base64 DER.
#[wasm_bindgen(js_name = authzSignatureToBase64)]
pub fn authz_signature_to_base64(signature: &JsValue) -> Result<String, JsValue> {
    let raw = bytes(signature, "signature")?;
    AuthorizationSignature::from_bytes(&raw)
        .map(|s| s.to_base64())
        .map_err(wallet_error)
}

/// Checks signatures (an array of base64 texts, or one comma-separated
/// `privy-authorization-signature` header value) over a payload against a quorum (JSON
/// text) at `now_ms`: `{ met, threshold, signers, failures }`. An expired payload and
/// more than 64 signatures throw.
#[wasm_bindgen(js_name = authzVerify)]
pub fn authz_verify(
    payload_json: &str,
    signatures: &JsValue,
    quorum_json: &str,
    now_ms: f64,
) -> Result<Object, JsValue> {
    let now = millis(now_ms, "now")?;
    let payload = payload(payload_json)?;
    let quorum = KeyQuorum::from_json(quorum_json.as_bytes()).map_err(wallet_error)?;
    let list: Vec<String> = if signatures.is_string() {
        let header = text(signatures, "signatures")?;
        kw::authz::split_signature_header(&header)
            .map_err(wallet_error)?
            .into_iter()
            .map(String::from)
            .collect()
    } else {
        text_list(signatures, "signatures")?
            .iter()
            .map(|s| String::from(s.as_str()))
            .collect()
    };
    if list.len() > kw::authz::MAX_SIGNATURES {
        return Err(wallet_error(kw::Error::TooManySignatures {
            max: kw::authz::MAX_SIGNATURES,
        }));
    }
    payload.check_expiry(now).map_err(wallet_error)?;
    let report = quorum.evaluate(&payload, &list);
    let signers: Array = report
        .signers
        .iter()
        .map(|&m| JsValue::from(m as f64))
        .collect();
    let failures: Array = report
        .failures
        .iter()
        .map(|(at, failure)| -> JsValue {
            let member = match failure {
                kw::authz::SignatureFailure::Duplicate { member } => JsValue::from(*member as f64),
                _ => JsValue::NULL,
            };
            object(&[
                ("index", JsValue::from(*at as f64)),
                ("code", JsValue::from_str(failure.code())),
                ("message", JsValue::from_str(failure.message())),
                ("member", member),
            ])
            .into()
        })
        .collect();
    Ok(object(&[
        ("met", JsValue::from_bool(report.is_met())),
        ("threshold", JsValue::from(report.threshold as f64)),
        ("signers", signers.into()),
        ("failures", failures.into()),
    ]))
}
