//! The HTTP API (see docs/server.md for the reference).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use keysplit_wallet::{Role, SealedShare, ShareKey, Unlock, WalletInfo, WalletInfoText};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::auth::{Caller, Verifier};
use crate::authorization::{self, SignedRequest};
use crate::config::MasterKey;
use crate::crypto;
use crate::db::{self, AuditEntry, Db, SharesRecord, WalletRow};
use crate::error::ApiError;

/// Everything a request handler needs.
pub struct AppState {
    /// The database.
    pub db: Db,
    /// Token checks.
    pub verifier: Verifier,
    /// Opens stored auth-share keys.
    pub master_key: MasterKey,
    /// Per-subject limit on release endpoints.
    pub limiter: RateLimiter,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("db", &self.db)
            .field("verifier", &self.verifier)
            .finish_non_exhaustive()
    }
}

type Shared = Arc<AppState>;

// ---------------------------------------------------------------------------------------
// Rate limit

/// A fixed-window counter per caller (per server instance).
#[derive(Debug)]
pub struct RateLimiter {
    per_minute: u32,
    windows: Mutex<HashMap<Caller, (Instant, u32)>>,
}

impl RateLimiter {
    /// At most `per_minute` hits per caller and minute.
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter {
            per_minute,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one hit; refuses with 429 past the limit.
    pub fn check(&self, caller: &Caller) -> Result<(), ApiError> {
        const WINDOW: Duration = Duration::from_secs(60);
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() > 100_000 {
            windows.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        let entry = windows.entry(caller.clone()).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        if entry.1 >= self.per_minute {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "RATE_LIMITED",
                "too many requests for this user; try again in a minute",
            ));
        }
        entry.1 += 1;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Extractors

impl FromRequestParts<Shared> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Caller, ApiError> {
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| ApiError::unauthenticated("missing access token"))?;
        let text = value
            .to_str()
            .map_err(|_| ApiError::unauthenticated("malformed Authorization header"))?;
        let token = text
            .strip_prefix("Bearer ")
            .ok_or_else(|| ApiError::unauthenticated("the Authorization header is not Bearer"))?;
        match state.verifier.verify(token.trim()) {
            Ok(caller) => Ok(caller),
            Err(e) => {
                tracing::info!(reason = %e.message, "access token refused");
                Err(e)
            }
        }
    }
}

/// A JSON body whose rejections are API errors (413 `PAYLOAD_TOO_LARGE`, 415, 400).
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(JsonBody(value)),
            Err(rejection) => Err(match rejection.status() {
                StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "PAYLOAD_TOO_LARGE",
                    "request body too large",
                ),
                StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "UNSUPPORTED_MEDIA_TYPE",
                    "send Content-Type: application/json",
                ),
                // serde's messages can quote the input; keep them out of the answer.
                _ => ApiError::bad_request("request body is not the JSON this endpoint takes"),
            }),
        }
    }
}

/// A JSON body read strictly (RFC 8785's I-JSON: an object naming a member twice is
/// refused, so the server and a signer cannot read one text two ways), for endpoints
/// that take signed requests.
pub struct StrictJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for StrictJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(';')
                    .next()
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
            });
        if !json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UNSUPPORTED_MEDIA_TYPE",
                "send Content-Type: application/json",
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "PAYLOAD_TOO_LARGE",
                        "request body too large",
                    )
                } else {
                    ApiError::bad_request("cannot read the request body")
                }
            })?;
        let value = keysplit_wallet::authz::jcs::parse_strict(&bytes).map_err(|_| {
            ApiError::bad_request(
                "request body is not JSON, or an object in it names a member twice",
            )
        })?;
        serde_json::from_value(value)
            .map(StrictJson)
            .map_err(|_| ApiError::bad_request("request body is not the JSON this endpoint takes"))
    }
}

// ---------------------------------------------------------------------------------------
// Wire types

/// A wallet's public info (`keysplit_wallet::WalletInfoText` as JSON).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WalletJson {
    /// 32 hex digits.
    pub wallet_id: String,
    /// Epoch.
    pub epoch: u32,
    /// 32 hex digits.
    pub share_set_id: String,
    /// EIP-55.
    pub ethereum_address: String,
    /// Base58.
    pub solana_address: String,
}

impl From<WalletInfoText> for WalletJson {
    fn from(t: WalletInfoText) -> WalletJson {
        WalletJson {
            wallet_id: t.wallet_id,
            epoch: t.epoch,
            share_set_id: t.share_set_id,
            ethereum_address: t.ethereum_address,
            solana_address: t.solana_address,
        }
    }
}

impl WalletJson {
    fn info(&self) -> Result<WalletInfo, ApiError> {
        WalletInfo::from_text(&WalletInfoText {
            wallet_id: self.wallet_id.clone(),
            epoch: self.epoch,
            share_set_id: self.share_set_id.clone(),
            ethereum_address: self.ethereum_address.clone(),
            solana_address: self.solana_address.clone(),
        })
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "INVALID_WALLET", e.to_string()))
    }
}

/// Text holding a secret (an auth key in hex): wiped on drop, redacted in `Debug`.
pub struct SecretText(pub Zeroizing<String>);

impl std::fmt::Debug for SecretText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<'de> Deserialize<'de> for SecretText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<SecretText, D::Error> {
        String::deserialize(d).map(|s| SecretText(Zeroizing::new(s)))
    }
}

/// The share set of a new wallet, a rotation or a recovery.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharesBody {
    /// Public info of the new share set.
    pub wallet: WalletJson,
    /// The sealed auth share, hex.
    pub auth_share: String,
    /// The key that opens it, 64 hex digits.
    pub auth_key: SecretText,
    /// The sealed recovery share, hex.
    pub recovery_share: String,
    /// Rotation/recovery only: the epoch the caller replaces.
    #[serde(default)]
    pub expected_epoch: Option<u32>,
    /// Create only: `"user"` (default) or `{"key_quorum": {"threshold", "members"}}`.
    #[serde(default)]
    pub owner: Option<serde_json::Value>,
}

/// A release request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseBody {
    /// SHA-256 of the canonical request, 64 hex digits. Required without `request`; with
    /// it, optional and checked against the digest the server computes.
    #[serde(default)]
    pub request_digest: Option<String>,
    /// Without `request`: a fresh nonce, 32 to 128 hex digits, accepted once per wallet.
    /// With it the idempotency key is the nonce and this must be absent.
    #[serde(default)]
    pub nonce: Option<String>,
    /// The ephemeral HPKE public key: uncompressed P-256 point, 130 hex digits.
    pub hpke_public_key: String,
    /// The signed request payload `{version: 1, method, url, body, headers}`.
    #[serde(default)]
    pub request: Option<serde_json::Value>,
    /// The `privy-authorization-signature` value: comma-separated base64 signatures.
    #[serde(default)]
    pub authorization_signature: Option<String>,
    /// The additional signer acting (base64 SPKI); absent: the owner acts.
    #[serde(default)]
    pub signer: Option<String>,
}

/// What a release request names, checked.
#[derive(Debug)]
pub struct ReleaseRequest {
    /// The request digest: the HPKE associated data.
    pub request_digest: [u8; 32],
    /// The single-use value: a hex nonce, or `idem:` + the idempotency key.
    pub nonce: String,
    /// The signed request, if any.
    pub signed: Option<SignedRequest>,
    /// The signer acting (normalized base64 SPKI), if any.
    pub signer: Option<String>,
}

fn wallet_json(row: &WalletRow) -> serde_json::Value {
    serde_json::json!({
        "wallet_id": row.wallet_id,
        "epoch": row.epoch,
        "share_set_id": row.share_set_id,
        "ethereum_address": row.ethereum_address,
        "solana_address": row.solana_address,
    })
}

fn invalid_share(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "INVALID_SHARE", message)
}

fn hex_bytes(text: &str, what: &str) -> Result<Vec<u8>, ApiError> {
    hex::decode(text.trim()).map_err(|_| ApiError::bad_request(format!("{what} is not hex")))
}

/// A checked share set, ready to store.
struct CheckedShares {
    info: WalletInfo,
    wallet_id_hex: String,
    share_set_hex: String,
    ethereum_address: String,
    solana_address: String,
    auth_share: Vec<u8>,
    auth_key_sealed: Vec<u8>,
    recovery_share: Vec<u8>,
}

impl CheckedShares {
    fn record(&self) -> SharesRecord<'_> {
        SharesRecord {
            wallet_id: &self.wallet_id_hex,
            epoch: i64::from(self.info.epoch),
            share_set_id: &self.share_set_hex,
            ethereum_address: &self.ethereum_address,
            solana_address: &self.solana_address,
            auth_share: &self.auth_share,
            auth_key_sealed: &self.auth_key_sealed,
            recovery_share: &self.recovery_share,
        }
    }
}

/// Checks an uploaded share set: public info well formed; both shares of this wallet and
/// epoch in the right roles; the auth key opens the auth share and the share belongs to
/// the named share set. Then seals the auth key under the master key.
fn check_shares(body: &SharesBody, master: &MasterKey) -> Result<CheckedShares, ApiError> {
    let info = body.wallet.info()?;
    let auth = SealedShare::from_bytes(&hex_bytes(&body.auth_share, "auth_share")?)
        .map_err(|e| invalid_share(format!("auth_share: {e}")))?;
    let recovery = SealedShare::from_bytes(&hex_bytes(&body.recovery_share, "recovery_share")?)
        .map_err(|e| invalid_share(format!("recovery_share: {e}")))?;
    for (share, role, name) in [
        (&auth, Role::Auth, "auth_share"),
        (&recovery, Role::Recovery, "recovery_share"),
    ] {
        if share.role() != role {
            return Err(invalid_share(format!("{name} is not a {role:?} share")));
        }
        if share.wallet_id() != info.wallet_id || share.epoch() != info.epoch {
            return Err(invalid_share(format!(
                "{name} is of another wallet or epoch"
            )));
        }
    }
    if auth.is_password_sealed() {
        return Err(invalid_share(
            "auth_share must be sealed under a key, not a password",
        ));
    }
    let key_bytes = Zeroizing::new(
        hex::decode(body.auth_key.0.trim())
            .map_err(|_| ApiError::bad_request("auth_key is not hex"))?,
    );
    let key_array: Zeroizing<[u8; 32]> = Zeroizing::new(
        key_bytes
            .as_slice()
            .try_into()
            .map_err(|_| ApiError::bad_request("auth_key is not 32 bytes"))?,
    );
    let key = ShareKey::from_bytes(&key_array);
    let share = auth.open(Unlock::Key(&key)).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "AUTH_KEY_MISMATCH",
            "auth_key does not open auth_share",
        )
    })?;
    if share.set_id() != info.share_set_id {
        return Err(invalid_share("auth_share is not of the named share set"));
    }
    drop(share);
    let auth_key_sealed = crypto::seal_at_rest(master, &info.wallet_id.0, info.epoch, &key_array)
        .map_err(|_| ApiError::internal())?;
    let text = info.to_text();
    Ok(CheckedShares {
        wallet_id_hex: text.wallet_id,
        share_set_hex: text.share_set_id,
        ethereum_address: text.ethereum_address,
        solana_address: text.solana_address,
        info,
        auth_share: auth.as_bytes().to_vec(),
        auth_key_sealed,
        recovery_share: recovery.as_bytes().to_vec(),
    })
}

fn path_wallet_id(id: &str) -> Result<String, ApiError> {
    keysplit_wallet::WalletId::from_hex(id)
        .map(|id| id.to_string())
        .ok_or_else(ApiError::not_found)
}

// ---------------------------------------------------------------------------------------
// Handlers

async fn healthz(State(state): State<Shared>) -> Response {
    let backend = state.db.backend.name();
    match state.db.ping().await {
        Ok(()) => Json(serde_json::json!({
            "status": "ok",
            "db": backend,
            "version": env!("CARGO_PKG_VERSION"),
            "issuer_keys": state.verifier.key_count(),
        }))
        .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({"status": "unavailable", "db": backend})),
            )
                .into_response()
        }
    }
}

async fn refuse(
    state: &AppState,
    wallet_id: &str,
    caller: &Caller,
    action: &'static str,
    error: ApiError,
    epoch: i64,
) -> ApiError {
    let entry = AuditEntry {
        wallet_id: wallet_id.to_string(),
        actor: caller.clone(),
        action,
        outcome: error.code,
        epoch,
        detail: error.message.clone(),
    };
    if let Err(e) = state.db.audit(&entry).await {
        tracing::error!(error = %e, "cannot write audit entry");
        return ApiError::internal();
    }
    tracing::info!(wallet = wallet_id, subject = %caller.subject, action, code = error.code, "refused");
    error
}

/// A refusal found before the transaction: audited when it is a 403 (a signed request
/// presented for another endpoint or wallet), returned as it is otherwise.
async fn audit_forbidden(
    state: &AppState,
    wallet_id: &str,
    caller: &Caller,
    action: &'static str,
    error: ApiError,
) -> ApiError {
    if error.status == StatusCode::FORBIDDEN {
        refuse(state, wallet_id, caller, action, error, -1).await
    } else {
        error
    }
}

async fn create_wallet(
    State(state): State<Shared>,
    caller: Caller,
    JsonBody(body): JsonBody<SharesBody>,
) -> Result<Response, ApiError> {
    if body.expected_epoch.is_some() {
        return Err(ApiError::bad_request(
            "expected_epoch belongs to rotation (PUT .../shares)",
        ));
    }
    let owner_quorum = body
        .owner
        .as_ref()
        .map(authorization::parse_owner)
        .transpose()?
        .flatten();
    let checked = check_shares(&body, &state.master_key)?;
    let record = checked.record();
    let mut tx = state.db.pool.begin().await?;
    if !db::insert_wallet(&mut tx, &caller, owner_quorum.as_deref(), &record).await? {
        drop(tx);
        let error = ApiError::new(
            StatusCode::CONFLICT,
            "WALLET_EXISTS",
            "a wallet with this id exists",
        );
        return Err(refuse(
            &state,
            record.wallet_id,
            &caller,
            "create",
            error,
            record.epoch,
        )
        .await);
    }
    db::audit_in(
        &mut tx,
        &AuditEntry {
            wallet_id: record.wallet_id.to_string(),
            actor: caller.clone(),
            action: "create",
            outcome: "ok",
            epoch: record.epoch,
            detail: format!(
                "share set {}; owner {}",
                record.share_set_id,
                if owner_quorum.is_some() {
                    "key quorum"
                } else {
                    "user"
                }
            ),
        },
    )
    .await?;
    tx.commit().await?;
    tracing::info!(wallet = record.wallet_id, subject = %caller.subject, epoch = record.epoch, "wallet created");
    let row = state
        .db
        .wallet(record.wallet_id)
        .await?
        .ok_or_else(ApiError::internal)?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({
            "wallet": wallet_json(&row),
            "owner": authorization::owner_json(&row),
        })),
    )
        .into_response())
}

/// The wallet if `caller` owns it; 404 otherwise (also for another user's wallet).
async fn owned_wallet(state: &AppState, id: &str, caller: &Caller) -> Result<WalletRow, ApiError> {
    match state.db.wallet(id).await? {
        Some(row) if row.owner == *caller => Ok(row),
        _ => Err(ApiError::not_found()),
    }
}

async fn get_wallet(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = path_wallet_id(&id)?;
    let row = match owned_wallet(&state, &id, &caller).await {
        Ok(row) => row,
        Err(e) => return Err(refuse(&state, &id, &caller, "get", e, -1).await),
    };
    Ok(Json(serde_json::json!({
        "wallet": wallet_json(&row),
        "owner": authorization::owner_json(&row),
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    })))
}

async fn get_recovery_share(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = path_wallet_id(&id)?;
    state.limiter.check(&caller)?;
    let row = match owned_wallet(&state, &id, &caller).await {
        Ok(row) => row,
        Err(e) => return Err(refuse(&state, &id, &caller, "recovery_share", e, -1).await),
    };
    state
        .db
        .audit(&AuditEntry {
            wallet_id: id.clone(),
            actor: caller.clone(),
            action: "recovery_share",
            outcome: "ok",
            epoch: row.epoch,
            detail: String::new(),
        })
        .await?;
    Ok(Json(serde_json::json!({
        "wallet": wallet_json(&row),
        "recovery_share": hex::encode(&row.recovery_share),
    })))
}

async fn put_shares(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<SharesBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = path_wallet_id(&id)?;
    let expected = body
        .expected_epoch
        .ok_or_else(|| ApiError::bad_request("expected_epoch is required"))?;
    if body.owner.is_some() {
        return Err(ApiError::bad_request(
            "owner belongs to create; change it with PUT .../owner",
        ));
    }
    let checked = check_shares(&body, &state.master_key)?;
    let record = checked.record();
    if record.wallet_id != id {
        return Err(ApiError::bad_request(
            "the body names another wallet than the path",
        ));
    }
    let mut tx = state.db.pool.begin().await?;
    // The UPDATE is the first statement: on SQLite it takes the write lock at once.
    if db::swap_shares(&mut tx, &caller, i64::from(expected), &record).await? {
        db::audit_in(
            &mut tx,
            &AuditEntry {
                wallet_id: id.clone(),
                actor: caller.clone(),
                action: "rotate",
                outcome: "ok",
                epoch: record.epoch,
                detail: format!(
                    "epoch {expected} -> {}, share set {}",
                    record.epoch, record.share_set_id
                ),
            },
        )
        .await?;
        tx.commit().await?;
        tracing::info!(wallet = %id, subject = %caller.subject, from = expected, to = record.epoch, "shares rotated");
        let row = state.db.wallet(&id).await?.ok_or_else(ApiError::internal)?;
        return Ok(Json(serde_json::json!({ "wallet": wallet_json(&row) })));
    }
    tx.rollback().await?;
    // Nothing matched: say why (without revealing other users' wallets).
    let error = match state.db.wallet(&id).await? {
        Some(row) if row.owner == caller => {
            if row.ethereum_address != record.ethereum_address
                || row.solana_address != record.solana_address
            {
                ApiError::new(
                    StatusCode::CONFLICT,
                    "ADDRESS_MISMATCH",
                    "the new share set has other addresses",
                )
            } else {
                ApiError::new(
                    StatusCode::CONFLICT,
                    "EPOCH_CONFLICT",
                    format!(
                        "the wallet is at epoch {}; expected_epoch must equal it and the new epoch be higher",
                        row.epoch
                    ),
                )
            }
        }
        _ => ApiError::not_found(),
    };
    Err(refuse(&state, &id, &caller, "rotate", error, record.epoch).await)
}

fn parse_release(id: &str, body: ReleaseBody) -> Result<(ReleaseRequest, Vec<u8>), ApiError> {
    let client_digest = body
        .request_digest
        .as_deref()
        .map(|d| -> Result<[u8; 32], ApiError> {
            hex_bytes(d, "request_digest")?
                .try_into()
                .map_err(|_| ApiError::bad_request("request_digest is not 32 bytes"))
        })
        .transpose()?;
    let recipient = hex_bytes(&body.hpke_public_key, "hpke_public_key")?;
    let signer = body
        .signer
        .as_deref()
        .map(authorization::normalize_public_key)
        .transpose()?;
    let request = match body.request {
        None => {
            if body.authorization_signature.is_some() || signer.is_some() {
                return Err(ApiError::bad_request(
                    "authorization_signature and signer need the signed request",
                ));
            }
            let digest = client_digest
                .ok_or_else(|| ApiError::bad_request("request_digest or request is required"))?;
            let nonce = hex_bytes(
                body.nonce
                    .as_deref()
                    .ok_or_else(|| ApiError::bad_request("nonce is required without request"))?,
                "nonce",
            )?;
            if !(16..=64).contains(&nonce.len()) {
                return Err(ApiError::bad_request("nonce must be 16 to 64 bytes"));
            }
            ReleaseRequest {
                request_digest: digest,
                nonce: hex::encode(&nonce),
                signed: None,
                signer: None,
            }
        }
        Some(payload) => {
            if body.nonce.is_some() {
                return Err(ApiError::bad_request(
                    "with a signed request the privy-idempotency-key is the nonce: send no nonce",
                ));
            }
            let signed = authorization::parse_signed(
                payload,
                body.authorization_signature,
                "POST",
                &format!("/v1/wallets/{id}/release"),
            )?;
            if let Some(digest) = client_digest {
                if !bool::from(subtle::ConstantTimeEq::ct_eq(
                    &digest[..],
                    &signed.digest[..],
                )) {
                    return Err(ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "DIGEST_MISMATCH",
                        "request_digest is not SHA-256 of the RFC 8785 form of request",
                    ));
                }
            }
            ReleaseRequest {
                request_digest: signed.digest,
                nonce: signed.nonce.clone(),
                signed: Some(signed),
                signer,
            }
        }
    };
    Ok((request, recipient))
}

async fn release(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    StrictJson(body): StrictJson<ReleaseBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = path_wallet_id(&id)?;
    state.limiter.check(&caller)?;
    let (request, recipient) = match parse_release(&id, body) {
        Ok(parsed) => parsed,
        Err(e) => return Err(audit_forbidden(&state, &id, &caller, "release", e).await),
    };
    let recipient = crypto::hpke_public_key(&recipient)
        .map_err(|_| ApiError::bad_request("hpke_public_key is not an uncompressed P-256 point"))?;

    let mut tx = state.db.pool.begin().await?;
    // Write first (SQLite takes the write lock here), then read under it.
    let fresh = db::use_nonce(&mut tx, &id, &request.nonce).await?;
    let row = db::wallet_in(&mut tx, &id).await?;
    let signers = match (&row, &request.signer) {
        (Some(_), Some(_)) => db::signers_in(&mut tx, &id).await?,
        _ => Vec::new(),
    };
    let decision = match &row {
        None => Err(ApiError::not_found()),
        Some(row) => match authorization::authorize_release(
            row,
            &signers,
            &caller,
            request.signed.as_ref(),
            request.signer.as_deref(),
            authorization::now_ms(),
        ) {
            Err(refusal) => Err(refusal),
            Ok(_) if !fresh => Err(ApiError::new(
                StatusCode::CONFLICT,
                "REPLAYED",
                "this nonce (or idempotency key) was used before",
            )),
            Ok(authorized) => Ok(authorized),
        },
    };
    let epoch = row.as_ref().map_or(-1, |r| r.epoch);
    let (row, authorized) = match (row, decision) {
        (Some(row), Ok(authorized)) => (row, authorized),
        (_, Err(error)) => {
            tx.rollback().await?;
            return Err(refuse(&state, &id, &caller, "release", error, epoch).await);
        }
        (None, Ok(_)) => return Err(ApiError::internal()),
    };

    let wallet_id =
        keysplit_wallet::WalletId::from_hex(&row.wallet_id).ok_or_else(ApiError::internal)?;
    let epoch32 = u32::try_from(row.epoch).map_err(|_| ApiError::internal())?;
    let key = crypto::open_at_rest(&state.master_key, &wallet_id.0, epoch32, &row.auth_key_sealed).map_err(|e| {
        tracing::error!(wallet = %id, error = ?e, "stored auth key does not open under the master key");
        ApiError::internal()
    })?;
    let mut plaintext = Zeroizing::new(Vec::with_capacity(32 + row.auth_share.len()));
    plaintext.extend_from_slice(&key[..]);
    plaintext.extend_from_slice(&row.auth_share);
    drop(key);
    let info = crypto::release_info(&wallet_id.0, epoch32);
    let (enc, ciphertext) =
        crypto::hpke_seal(&recipient, &info, &request.request_digest, &plaintext)
            .map_err(|_| ApiError::internal())?;
    drop(plaintext);
    db::audit_in(
        &mut tx,
        &AuditEntry {
            wallet_id: id.clone(),
            actor: caller.clone(),
            action: "release",
            outcome: "ok",
            epoch: row.epoch,
            detail: format!(
                "request {}; {}",
                hex::encode(request.request_digest),
                authorized.detail
            ),
        },
    )
    .await?;
    // Nothing leaves before the nonce and the audit entry are committed.
    tx.commit().await?;
    tracing::info!(wallet = %id, subject = %caller.subject, epoch = row.epoch, "auth share released");
    Ok(Json(serde_json::json!({
        "wallet": wallet_json(&row),
        "request_digest": hex::encode(request.request_digest),
        "suite": {"kem": "DHKEM(P-256, HKDF-SHA256)", "kdf": "HKDF-SHA256", "aead": "ChaCha20-Poly1305"},
        "info": hex::encode(&info),
        "enc": hex::encode(&enc),
        "ciphertext": hex::encode(&ciphertext),
    })))
}

// ---------------------------------------------------------------------------------------
// Owner-authorized changes

/// A change body: the change itself (user owner), or `{request, authorization_signature}`
/// whose signed `request.body` is the change (key-quorum owner).
fn split_change(
    body: serde_json::Value,
    method: &str,
    path: &str,
) -> Result<(serde_json::Value, Option<SignedRequest>), ApiError> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Envelope {
        request: serde_json::Value,
        #[serde(default)]
        authorization_signature: Option<String>,
    }
    if body.get("request").is_none() {
        return Ok((body, None));
    }
    let envelope: Envelope = serde_json::from_value(body).map_err(|_| {
        ApiError::bad_request("a signed change is {request, authorization_signature}")
    })?;
    let signed = authorization::parse_signed(
        envelope.request,
        envelope.authorization_signature,
        method,
        path,
    )?;
    Ok((signed.body().clone(), Some(signed)))
}

fn change_of<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_json::from_value(value)
        .map_err(|_| ApiError::bad_request("the change is not the JSON this endpoint takes"))
}

/// One owner-authorized change, in one transaction: the signed request's idempotency key
/// is used first (write lock on SQLite), the owner's authorization is checked on the row
/// read under it, the owner is compared-and-swapped (or only locked) so a concurrent owner
/// change cannot slip between check and write, then `apply` runs and the audit entry is
/// written. Refusals are audited after a rollback.
async fn owner_change<F>(
    state: &AppState,
    id: &str,
    caller: &Caller,
    action: &'static str,
    signed: Option<&SignedRequest>,
    new_owner: Option<Option<&str>>,
    apply: F,
) -> Result<WalletRow, ApiError>
where
    F: for<'c> FnOnce(
        &'c mut sqlx::AnyConnection,
    ) -> std::pin::Pin<
        Box<
            dyn std::future::Future<Output = Result<Result<String, ApiError>, sqlx::Error>>
                + Send
                + 'c,
        >,
    >,
{
    let mut tx = state.db.pool.begin().await?;
    let fresh = match signed {
        Some(request) => db::use_nonce(&mut tx, id, &request.nonce).await?,
        None => true,
    };
    let row = db::wallet_in(&mut tx, id).await?;
    let epoch = row.as_ref().map_or(-1, |r| r.epoch);
    let decision = match &row {
        None => Err(ApiError::not_found()),
        Some(row) => {
            match authorization::authorize_owner(row, caller, signed, authorization::now_ms()) {
                Ok(_) if !fresh => Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "REPLAYED",
                    "this idempotency key was used before",
                )),
                other => other,
            }
        }
    };
    let (row, how) = match (row, decision) {
        (Some(row), Ok(how)) => (row, how),
        (_, Err(error)) => {
            tx.rollback().await?;
            return Err(refuse(state, id, caller, action, error, epoch).await);
        }
        (None, Ok(_)) => return Err(ApiError::internal()),
    };
    let old = row.owner_quorum.as_deref();
    let new = new_owner.unwrap_or(old);
    if !db::swap_owner(&mut tx, id, caller, old, new).await? {
        tx.rollback().await?;
        let error = ApiError::new(
            StatusCode::CONFLICT,
            "OWNER_CHANGED",
            "the wallet's owner changed meanwhile; authorize again",
        );
        return Err(refuse(state, id, caller, action, error, epoch).await);
    }
    let detail = match apply(&mut tx).await? {
        Ok(detail) => detail,
        Err(error) => {
            tx.rollback().await?;
            return Err(refuse(state, id, caller, action, error, epoch).await);
        }
    };
    db::audit_in(
        &mut tx,
        &AuditEntry {
            wallet_id: id.to_string(),
            actor: caller.clone(),
            action,
            outcome: "ok",
            epoch,
            detail: format!("{detail}; {how}"),
        },
    )
    .await?;
    tx.commit().await?;
    tracing::info!(wallet = %id, subject = %caller.subject, action, "owner-authorized change");
    state.db.wallet(id).await?.ok_or_else(ApiError::internal)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddSigner {
    public_key: String,
    policy: serde_json::Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RemoveSigner {
    public_key: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeOwner {
    owner: serde_json::Value,
}

async fn add_signer(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    StrictJson(body): StrictJson<serde_json::Value>,
) -> Result<Response, ApiError> {
    let id = path_wallet_id(&id)?;
    let (change, signed) = match split_change(body, "POST", &format!("/v1/wallets/{id}/signers")) {
        Ok(split) => split,
        Err(e) => return Err(audit_forbidden(&state, &id, &caller, "add_signer", e).await),
    };
    let change: AddSigner = change_of(change)?;
    let public_key = authorization::normalize_public_key(&change.public_key)?;
    let policy = authorization::check_policy(&change.policy)?;
    let (key, wallet) = (public_key.clone(), id.clone());
    owner_change(
        &state,
        &id,
        &caller,
        "add_signer",
        signed.as_ref(),
        None,
        move |conn| {
            Box::pin(async move {
                if db::signers_in(conn, &wallet).await?.len() >= authorization::MAX_SIGNERS {
                    return Ok(Err(ApiError::new(
                        StatusCode::CONFLICT,
                        "TOO_MANY_SIGNERS",
                        format!(
                            "a wallet has at most {} signers",
                            authorization::MAX_SIGNERS
                        ),
                    )));
                }
                if !db::insert_signer(conn, &wallet, &key, &policy).await? {
                    return Ok(Err(ApiError::new(
                        StatusCode::CONFLICT,
                        "SIGNER_EXISTS",
                        "this key is a signer of the wallet already; remove it first",
                    )));
                }
                Ok(Ok(format!(
                    "signer {} added",
                    authorization::short_key(&key)
                )))
            })
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "signer": {"public_key": public_key} })),
    )
        .into_response())
}

async fn remove_signer(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    StrictJson(body): StrictJson<serde_json::Value>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = path_wallet_id(&id)?;
    let (change, signed) =
        match split_change(body, "POST", &format!("/v1/wallets/{id}/signers/remove")) {
            Ok(split) => split,
            Err(e) => return Err(audit_forbidden(&state, &id, &caller, "remove_signer", e).await),
        };
    let change: RemoveSigner = change_of(change)?;
    let public_key = authorization::normalize_public_key(&change.public_key)?;
    let (key, wallet) = (public_key.clone(), id.clone());
    owner_change(
        &state,
        &id,
        &caller,
        "remove_signer",
        signed.as_ref(),
        None,
        move |conn| {
            Box::pin(async move {
                if !db::delete_signer(conn, &wallet, &key).await? {
                    return Ok(Err(ApiError::new(
                        StatusCode::NOT_FOUND,
                        "UNKNOWN_SIGNER",
                        "this key is not a signer of the wallet",
                    )));
                }
                Ok(Ok(format!(
                    "signer {} removed",
                    authorization::short_key(&key)
                )))
            })
        },
    )
    .await?;
    Ok(Json(
        serde_json::json!({ "removed": {"public_key": public_key} }),
    ))
}

async fn list_signers(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = path_wallet_id(&id)?;
    if let Err(e) = owned_wallet(&state, &id, &caller).await {
        return Err(refuse(&state, &id, &caller, "signers", e, -1).await);
    }
    let mut conn = state.db.pool.acquire().await?;
    let signers = db::signers_in(&mut conn, &id).await?;
    let list: Vec<serde_json::Value> = signers
        .iter()
        .map(|s| {
            serde_json::json!({
                "public_key": s.public_key,
                "policy": serde_json::from_str::<serde_json::Value>(&s.policy).unwrap_or(serde_json::Value::Null),
                "created_at": s.created_at,
            })
        })
        .collect();
    Ok(Json(serde_json::json!({ "signers": list })))
}

async fn change_owner(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    StrictJson(body): StrictJson<serde_json::Value>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = path_wallet_id(&id)?;
    let (change, signed) = match split_change(body, "PUT", &format!("/v1/wallets/{id}/owner")) {
        Ok(split) => split,
        Err(e) => return Err(audit_forbidden(&state, &id, &caller, "change_owner", e).await),
    };
    let change: ChangeOwner = change_of(change)?;
    let new_owner = authorization::parse_owner(&change.owner)?;
    let note = match &new_owner {
        Some(_) => "owner set to a key quorum".to_string(),
        None => "owner set to the user".to_string(),
    };
    let row = owner_change(
        &state,
        &id,
        &caller,
        "change_owner",
        signed.as_ref(),
        Some(new_owner.as_deref()),
        move |_| Box::pin(async move { Ok(Ok(note)) }),
    )
    .await?;
    Ok(Json(serde_json::json!({
        "wallet": wallet_json(&row),
        "owner": authorization::owner_json(&row),
    })))
}

#[derive(Deserialize)]
struct AuditQuery {
    #[serde(default)]
    limit: Option<i64>,
}

async fn get_audit(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    axum::extract::Query(query): axum::extract::Query<AuditQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = path_wallet_id(&id)?;
    if let Err(e) = owned_wallet(&state, &id, &caller).await {
        return Err(refuse(&state, &id, &caller, "audit", e, -1).await);
    }
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    let entries = state.db.audit_entries(&id, limit).await?;
    Ok(Json(serde_json::json!({ "entries": entries })))
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "NOT_FOUND", "no such endpoint")
}

async fn log_request(req: Request, next: axum::middleware::Next) -> Response {
    let method = req.method().clone();
    // The path holds at most a wallet id (public); query strings and headers stay out.
    let path = req.uri().path().to_string();
    let started = Instant::now();
    let response = next.run(req).await;
    tracing::info!(%method, path = %path, status = response.status().as_u16(), micros = started.elapsed().as_micros() as u64, "request");
    response
}

/// The router with every endpoint, the body limit and CORS for `allowed_origins`.
pub fn router(
    state: Shared,
    max_body_bytes: usize,
    allowed_origins: &[String],
) -> Result<Router, String> {
    let mut router = Router::new()
        .route("/healthz", get(healthz))
        .route("/v1/wallets", post(create_wallet))
        .route("/v1/wallets/{id}", get(get_wallet))
        .route("/v1/wallets/{id}/shares", put(put_shares))
        .route("/v1/wallets/{id}/recovery-share", get(get_recovery_share))
        .route("/v1/wallets/{id}/release", post(release))
        .route(
            "/v1/wallets/{id}/signers",
            post(add_signer).get(list_signers),
        )
        .route("/v1/wallets/{id}/signers/remove", post(remove_signer))
        .route("/v1/wallets/{id}/owner", put(change_owner))
        .route("/v1/wallets/{id}/audit", get(get_audit))
        .fallback(not_found)
        .with_state(state)
        .layer(axum::extract::DefaultBodyLimit::max(max_body_bytes))
        .layer(axum::middleware::from_fn(log_request));
    if !allowed_origins.is_empty() {
        let origins = allowed_origins
            .iter()
            .map(|o| HeaderValue::from_str(o).map_err(|_| format!("bad origin {o:?}")))
            .collect::<Result<Vec<_>, _>>()?;
        let cors = tower_http::cors::CorsLayer::new()
            .allow_origin(tower_http::cors::AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST, Method::PUT])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
            .max_age(Duration::from_secs(600));
        router = router.layer(cors);
    }
    Ok(router)
}
