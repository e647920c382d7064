//! Owners, signed requests, key quorums, additional signers and their policies: every
//! check is a `keysplit_wallet::authz` / `keysplit_wallet::policy` call; this module only
//! decides which check applies and maps the outcome to API errors.

use axum::http::StatusCode;
use base64ct::Encoding;
use keysplit_wallet::authz::{AuthorizationPublicKey, KeyQuorum, RequestPayload};
use keysplit_wallet::ethereum::transaction::{
    EthereumTransactionOptions, EthereumTransactionRequest,
};
use keysplit_wallet::ethereum::typed_data::TypedData;
use keysplit_wallet::policy::Policy;
use keysplit_wallet::summary::{EthereumMessageSummary, RequestSummary};
use keysplit_wallet::WalletInfo;
use serde_json::Value;

use crate::auth::Caller;
use crate::db::{SignerRow, WalletRow};
use crate::error::ApiError;

/// The header of a signed request that makes it single-use.
pub const IDEMPOTENCY_HEADER: &str = "privy-idempotency-key";

/// Most signers a wallet may have.
pub const MAX_SIGNERS: usize = 16;

/// Longest idempotency key accepted.
const MAX_IDEMPOTENCY_KEY: usize = 128;

/// The furthest a signed request's `privy-request-expiry` may lie ahead of the server's
/// clock: one hour. Each idempotency key is kept until its request expires, so this
/// bounds how long a used key is stored.
pub const MAX_EXPIRY_AHEAD_MS: u64 = 3_600_000;

/// The milliseconds since the Unix epoch on the server's clock (the one in `db`).
pub use crate::db::now_ms;

fn forbidden(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, code, message)
}

fn invalid_payload(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "INVALID_REQUEST_PAYLOAD", message)
}

/// A library error as an API error: expired requests and unmet quorums are 403, the rest
/// (malformed signatures, too many of them) 400.
fn authz_error(e: keysplit_wallet::Error) -> ApiError {
    let status = match e.code() {
        "REQUEST_EXPIRED" | "QUORUM_NOT_MET" => StatusCode::FORBIDDEN,
        _ => StatusCode::BAD_REQUEST,
    };
    ApiError::new(status, e.code(), e.to_string())
}

// ---------------------------------------------------------------------------------------
// Owners

/// Parses an owner as the API takes it: `"user"` (the wallet's user, the token subject)
/// or `{"key_quorum": {"threshold": m, "members": [...]}}`. Returns the normalized quorum
/// JSON to store, or `None` for the user.
pub fn parse_owner(value: &Value) -> Result<Option<String>, ApiError> {
    match value {
        Value::String(s) if s == "user" => Ok(None),
        Value::Object(map) if map.len() == 1 => {
            let inner = map.get("key_quorum").ok_or_else(|| {
                ApiError::bad_request("owner is \"user\" or {\"key_quorum\": {...}}")
            })?;
            let text = serde_json::to_vec(inner).map_err(|_| ApiError::internal())?;
            let quorum = KeyQuorum::from_json(&text)
                .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.code(), e.to_string()))?;
            Ok(Some(quorum_json(&quorum)))
        }
        _ => Err(ApiError::bad_request(
            "owner is \"user\" or {\"key_quorum\": {...}}",
        )),
    }
}

/// The stored (normalized) form of a quorum: members as base64 SPKI DER.
pub fn quorum_json(quorum: &KeyQuorum) -> String {
    let members: Vec<String> = quorum
        .members()
        .iter()
        .map(AuthorizationPublicKey::to_base64)
        .collect();
    serde_json::json!({"threshold": quorum.threshold(), "members": members}).to_string()
}

/// The owner as the API shows it.
pub fn owner_json(row: &WalletRow) -> Value {
    match row
        .owner_quorum
        .as_deref()
        .and_then(|q| serde_json::from_str::<Value>(q).ok())
    {
        Some(quorum) => serde_json::json!({ "key_quorum": quorum }),
        None => Value::from("user"),
    }
}

fn stored_quorum(row: &WalletRow) -> Result<Option<KeyQuorum>, ApiError> {
    row.owner_quorum
        .as_deref()
        .map(|text| {
            KeyQuorum::from_json(text.as_bytes()).map_err(|e| {
                tracing::error!(wallet = %row.wallet_id, error = %e, "stored key quorum does not load");
                ApiError::internal()
            })
        })
        .transpose()
}

/// A normalized authorization public key (base64 SPKI DER) from any form the library
/// reads.
pub fn normalize_public_key(text: &str) -> Result<String, ApiError> {
    AuthorizationPublicKey::from_text(text)
        .map(|k| k.to_base64())
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.code(), e.to_string()))
}

// ---------------------------------------------------------------------------------------
// Signed requests

/// A signed request, checked for shape and for naming this endpoint; its signatures are
/// checked later, against the wallet's owner or signer.
#[derive(Debug)]
pub struct SignedRequest {
    /// The payload with its RFC 8785 bytes.
    pub payload: RequestPayload,
    /// The `privy-authorization-signature` value (comma-separated), if sent.
    pub signatures: Option<String>,
    /// SHA-256 of the canonical payload: the request digest.
    pub digest: [u8; 32],
    /// The single-use key under which the request is recorded (`idem:` + the
    /// idempotency key).
    pub nonce: String,
    /// The `privy-request-expiry`, Unix milliseconds: the key is kept until then.
    pub expiry_ms: u64,
}

impl SignedRequest {
    /// The payload's `body` (`null` when absent).
    pub fn body(&self) -> &Value {
        self.payload.value().get("body").unwrap_or(&Value::Null)
    }
}

/// Checks a payload (`{version: 1, method, url, body, headers}`) sent for `method` and
/// `path` (e.g. `POST`, `/v1/wallets/<id>/release`): shape (library), the method, the
/// `url` — exactly `public_url` followed by `path` when the server has a public URL
/// configured, otherwise any `http(s)` origin followed by `path` (behind a proxy the
/// server does not know the name it is reached by) — a `privy-request-expiry` at most
/// [`MAX_EXPIRY_AHEAD_MS`] after `now_ms` and a `privy-idempotency-key`. Whether the
/// expiry has passed is checked with the signatures (a 403 there is audited).
pub fn parse_signed(
    payload: Value,
    signatures: Option<String>,
    method: &str,
    path: &str,
    public_url: Option<&str>,
    now_ms: u64,
) -> Result<SignedRequest, ApiError> {
    let payload = RequestPayload::from_value(payload)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.code(), e.to_string()))?;
    let value = payload.value();
    let signed_method = value.get("method").and_then(Value::as_str).unwrap_or("");
    let url = value.get("url").and_then(Value::as_str).unwrap_or("");
    let url_path = match public_url {
        Some(origin) => url.strip_prefix(origin),
        None => url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .and_then(|rest| rest.find('/').map(|i| &rest[i..])),
    };
    if signed_method != method || url_path != Some(path) {
        return Err(forbidden(
            "REQUEST_MISMATCH",
            format!(
                "the signed request is not for {method} {}{path}",
                public_url.unwrap_or("")
            ),
        ));
    }
    let expiry_ms = payload
        .expiry_ms()
        .ok_or_else(|| invalid_payload("the signed request has no privy-request-expiry header"))?;
    if expiry_ms > now_ms.saturating_add(MAX_EXPIRY_AHEAD_MS) {
        return Err(invalid_payload(
            "privy-request-expiry is more than one hour after the server's clock (expiry too far)",
        ));
    }
    let key = value
        .get("headers")
        .and_then(|h| h.get(IDEMPOTENCY_HEADER))
        .and_then(Value::as_str)
        .ok_or_else(|| invalid_payload("the signed request has no privy-idempotency-key header"))?;
    if key.is_empty()
        || key.len() > MAX_IDEMPOTENCY_KEY
        || !key.bytes().all(|b| (0x21..=0x7e).contains(&b))
    {
        return Err(invalid_payload(
            "privy-idempotency-key must be 1 to 128 printable ASCII characters",
        ));
    }
    let digest = keysplit_wallet::custody::request_digest(&payload);
    Ok(SignedRequest {
        nonce: format!("idem:{key}"),
        expiry_ms,
        payload,
        signatures,
        digest,
    })
}

fn require_quorum(
    quorum: &KeyQuorum,
    request: &SignedRequest,
    now_ms: u64,
) -> Result<usize, ApiError> {
    let header = request.signatures.as_deref().unwrap_or("").trim();
    if header.is_empty() {
        // Expiry first, so an expired request says so whatever else is missing.
        request.payload.check_expiry(now_ms).map_err(authz_error)?;
        return Err(forbidden(
            "QUORUM_NOT_MET",
            format!(
                "no authorization signature; {} of the owner's keys must sign",
                quorum.threshold()
            ),
        ));
    }
    quorum
        .verify_header(&request.payload, header, now_ms)
        .map(|report| report.signed())
        .map_err(authz_error)
}

// ---------------------------------------------------------------------------------------
// Decisions

/// Whether the caller, with `signed` (if any), may change `wallet` as its owner: the
/// wallet's user (a token for the wallet's user is required in every case; another
/// user's wallet is 404), and for a key-quorum owner at least `threshold` distinct
/// member signatures over the signed change request, in time. Returns a note for the
/// audit log.
pub fn authorize_owner(
    wallet: &WalletRow,
    caller: &Caller,
    signed: Option<&SignedRequest>,
    now_ms: u64,
) -> Result<String, ApiError> {
    owner_decision(OwnerUse::Change, wallet, caller, signed, now_ms)
}

/// What a release was authorized by, for the audit log.
#[derive(Debug, Clone)]
pub struct Authorized {
    /// A note for the audit log (owner kind, signer, policy rule).
    pub detail: String,
}

/// THE decision whether `caller` may have `wallet`'s auth share for one request.
///
/// * The caller's token must be the wallet's user's (otherwise 404, as a missing
///   wallet).
/// * `signer` named: the request must be signed, the key must be one of `signers`, its
///   signature must verify over the payload in time, and its policy must ALLOW the
///   summary of the payload's body (the request the iframe will sign), decoded with the
///   library decoders for the wallet's index-0 addresses. Denied: 403 `POLICY_DENIED`
///   naming the rule.
/// * Otherwise the owner: a user owner needs nothing more; a key-quorum owner needs the
///   signed request with at least `threshold` distinct member signatures, in time.
///
/// Single use of the nonce / idempotency key is checked by the caller of this function,
/// in the same transaction as the audit entry.
pub fn authorize_release(
    wallet: &WalletRow,
    signers: &[SignerRow],
    caller: &Caller,
    signed: Option<&SignedRequest>,
    signer: Option<&str>,
    now_ms: u64,
) -> Result<Authorized, ApiError> {
    if wallet.owner != *caller {
        return Err(ApiError::not_found());
    }
    if let Some(signer) = signer {
        let request = signed.ok_or_else(|| {
            forbidden(
                "SIGNED_REQUEST_REQUIRED",
                "a release by a signer needs the signed request",
            )
        })?;
        let row = signers
            .iter()
            .find(|s| s.public_key == signer)
            .ok_or_else(|| forbidden("UNKNOWN_SIGNER", "this key is not a signer of the wallet"))?;
        let key =
            AuthorizationPublicKey::from_text(&row.public_key).map_err(|_| ApiError::internal())?;
        let quorum = KeyQuorum::new(1, vec![key]).map_err(|_| ApiError::internal())?;
        require_quorum(&quorum, request, now_ms)?;
        let policy = Policy::from_json(row.policy.as_bytes()).map_err(|e| {
            tracing::error!(wallet = %wallet.wallet_id, error = %e, "stored policy does not load");
            ApiError::internal()
        })?;
        let info = wallet_info(wallet)?;
        let summary = summarize(request.body(), &info)?;
        let decision = policy.evaluate(&summary, now_ms / 1000);
        let rule = decision.rule.clone().unwrap_or_default();
        if !decision.allowed {
            let message = match &decision.rule {
                Some(rule) => format!("denied by policy rule {rule:?}: {}", decision.reason),
                None => format!("denied by policy: {}", decision.reason),
            };
            return Err(forbidden("POLICY_DENIED", message));
        }
        return Ok(Authorized {
            detail: format!(
                "signer {} {} allowed by rule {rule:?}",
                short_key(&row.public_key),
                summary.method()
            ),
        });
    }
    authorize_owner_access(wallet, caller, signed, now_ms).map(|detail| Authorized { detail })
}

/// Whether `caller` may have secret material of `wallet` on its owner's authority (the
/// auth share released without a signer, the recovery share, the recovery key), or
/// replace its share set:
///
/// * a token for the wallet's user is required in every case (otherwise 404);
/// * user owner: the token suffices; a signed request sent anyway (the iframe sends an
///   unsigned payload to bind the answer to it) must be in time;
/// * key-quorum owner: the signed request with at least `threshold` distinct member
///   signatures, in time (`403 SIGNED_REQUEST_REQUIRED` without one, `403
///   QUORUM_NOT_MET`, `403 REQUEST_EXPIRED`).
///
/// Returns a note for the audit log. Single use of the idempotency key is the caller's
/// check, in the transaction that writes the audit entry.
pub fn authorize_owner_access(
    wallet: &WalletRow,
    caller: &Caller,
    signed: Option<&SignedRequest>,
    now_ms: u64,
) -> Result<String, ApiError> {
    owner_decision(OwnerUse::Access, wallet, caller, signed, now_ms)
}

/// What the owner's authority is asked for: the two differ only in what a user owner's
/// signed request means and what a key-quorum owner is told to send.
#[derive(Clone, Copy)]
enum OwnerUse {
    /// A change of the wallet ([`authorize_owner`]).
    Change,
    /// Secret material or a new share set ([`authorize_owner_access`]).
    Access,
}

/// The owner decision of [`authorize_owner`] and [`authorize_owner_access`].
fn owner_decision(
    use_: OwnerUse,
    wallet: &WalletRow,
    caller: &Caller,
    signed: Option<&SignedRequest>,
    now_ms: u64,
) -> Result<String, ApiError> {
    if wallet.owner != *caller {
        return Err(ApiError::not_found());
    }
    match (stored_quorum(wallet)?, signed, use_) {
        (None, None, _) => Ok("owner: user token".into()),
        (None, Some(_), OwnerUse::Change) => Err(ApiError::bad_request(
            "this wallet is owned by its user: send the change itself, not a signed request",
        )),
        (None, Some(request), OwnerUse::Access) => {
            // The token authorizes; the request must still be in time.
            request.payload.check_expiry(now_ms).map_err(authz_error)?;
            Ok("owner: user token (signed request)".into())
        }
        (Some(_), None, OwnerUse::Change) => Err(forbidden(
            "SIGNED_REQUEST_REQUIRED",
            "this wallet is owned by a key quorum: send {request, authorization_signature}",
        )),
        (Some(_), None, OwnerUse::Access) => Err(forbidden(
            "SIGNED_REQUEST_REQUIRED",
            "this wallet is owned by a key quorum: send the signed request and its signatures",
        )),
        (Some(quorum), Some(request), _) => {
            let signed = require_quorum(&quorum, request, now_ms)?;
            Ok(format!(
                "owner: key quorum, {signed} of {} signed (threshold {})",
                quorum.members().len(),
                quorum.threshold()
            ))
        }
    }
}

/// The first 16 characters of the key's base64 after the common SPKI prefix, to tell
/// signers apart in the audit log.
pub fn short_key(key: &str) -> &str {
    key.get(36..52).unwrap_or(key)
}

fn wallet_info(row: &WalletRow) -> Result<WalletInfo, ApiError> {
    let epoch = u32::try_from(row.epoch).map_err(|_| ApiError::internal())?;
    WalletInfo::from_text(&keysplit_wallet::WalletInfoText {
        wallet_id: row.wallet_id.clone(),
        epoch,
        share_set_id: row.share_set_id.clone(),
        ethereum_address: row.ethereum_address.clone(),
        solana_address: row.solana_address.clone(),
    })
    .map_err(|_| ApiError::internal())
}

fn unsupported(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "UNSUPPORTED_METHOD", message)
}

fn invalid_signing_request(e: keysplit_wallet::Error) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "INVALID_SIGNING_REQUEST",
        format!("{} [{}]", e, e.code()),
    )
}

fn param<'a>(params: &'a Value, name: &str) -> Result<&'a Value, ApiError> {
    params.get(name).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_SIGNING_REQUEST",
            format!("params.{name} is missing"),
        )
    })
}

/// Decodes the request a signer authorizes — `{"method": ..., "params": {...}}` in the
/// payload's body — into the summary its policy is evaluated on, for the wallet's
/// index-0 accounts (the addresses in its public info):
///
/// * `eth_signTransaction`: `params.transaction`, ethers-style JSON;
/// * `eth_signTypedData_v4`: `params.typed_data`, EIP-712 JSON;
/// * `personal_sign`: `params.message`, with `params.encoding` `"utf-8"` (default) or
///   `"hex"` (`0x` optional);
/// * `signTransaction` (Solana): `params.message`, the serialized message in base64.
///
/// Anything else is refused (`UNSUPPORTED_METHOD`).
pub fn summarize(body: &Value, info: &WalletInfo) -> Result<RequestSummary, ApiError> {
    let method = body
        .get("method")
        .and_then(Value::as_str)
        .ok_or_else(|| unsupported("the signed request's body has no method"))?;
    let params = body.get("params").unwrap_or(&Value::Null);
    let bytes = |v: &Value| serde_json::to_vec(v).map_err(|_| ApiError::internal());
    match method {
        "eth_signTransaction" => {
            let tx = bytes(param(params, "transaction")?)?;
            let request =
                EthereumTransactionRequest::from_json(&tx, &EthereumTransactionOptions::default())
                    .map_err(invalid_signing_request)?;
            let summary = request
                .summary(info.ethereum_address)
                .map_err(invalid_signing_request)?;
            Ok(RequestSummary::EthereumTransaction(summary))
        }
        "eth_signTypedData_v4" => {
            let typed = TypedData::from_json(&bytes(param(params, "typed_data")?)?)
                .map_err(invalid_signing_request)?;
            Ok(RequestSummary::EthereumTypedData(
                typed.summary(info.ethereum_address),
            ))
        }
        "personal_sign" => {
            let text = param(params, "message")?.as_str().ok_or_else(|| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "INVALID_SIGNING_REQUEST",
                    "params.message is not a string",
                )
            })?;
            let message = match params.get("encoding").and_then(Value::as_str) {
                None | Some("utf-8") | Some("utf8") => text.as_bytes().to_vec(),
                Some("hex") => {
                    hex::decode(text.strip_prefix("0x").unwrap_or(text)).map_err(|_| {
                        ApiError::new(
                            StatusCode::BAD_REQUEST,
                            "INVALID_SIGNING_REQUEST",
                            "params.message is not hex",
                        )
                    })?
                }
                Some(_) => {
                    return Err(ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "INVALID_SIGNING_REQUEST",
                        "params.encoding is utf-8 or hex",
                    ))
                }
            };
            Ok(RequestSummary::EthereumMessage(EthereumMessageSummary {
                from: info.ethereum_address,
                message,
            }))
        }
        "signTransaction" => {
            let text = param(params, "message")?.as_str().unwrap_or("");
            let message = base64ct::Base64::decode_vec(text).map_err(|_| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "INVALID_SIGNING_REQUEST",
                    "params.message is not base64",
                )
            })?;
            let summary =
                keysplit_wallet::solana::transaction::summarize(&message, info.solana_address)
                    .map_err(invalid_signing_request)?;
            Ok(RequestSummary::SolanaTransaction(summary))
        }
        other => Err(unsupported(format!(
            "the server cannot decode {other:?} for a policy (eth_signTransaction, \
             eth_signTypedData_v4, personal_sign, signTransaction)"
        ))),
    }
}

/// Loads a policy at upload: `POLICY_INVALID` (400) when the library cannot evaluate it
/// exactly as written. Returns the text to store.
pub fn check_policy(policy: &Value) -> Result<String, ApiError> {
    let text = serde_json::to_string(policy).map_err(|_| ApiError::internal())?;
    Policy::from_json(text.as_bytes())
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.code(), e.to_string()))?;
    Ok(text)
}
