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
}

/// A release request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseBody {
    /// SHA-256 (or other 32-byte) digest of the canonical request, 64 hex digits.
    pub request_digest: String,
    /// A fresh nonce, 32 to 128 hex digits; each is accepted once per wallet.
    pub nonce: String,
    /// The ephemeral HPKE public key: uncompressed P-256 point, 130 hex digits.
    pub hpke_public_key: String,
}

/// What a release request names, checked.
#[derive(Debug)]
pub struct ReleaseRequest {
    /// The request digest.
    pub request_digest: [u8; 32],
    /// The nonce, lower-case hex.
    pub nonce: String,
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
// The authorization decision

/// Why a release is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The caller does not own the wallet (answered as 404, like a missing wallet).
    NotOwner,
}

impl Refusal {
    fn code(&self) -> &'static str {
        match self {
            Refusal::NotOwner => "NOT_FOUND",
        }
    }

    fn into_api(self) -> ApiError {
        match self {
            Refusal::NotOwner => ApiError::not_found(),
        }
    }
}

/// THE decision whether `caller` may have `wallet`'s auth share for `request`.
///
/// Today: the caller must be the wallet's owner (token issuer and subject).
///
/// After issue 15 (authorization keys, key quorums, policies, request summaries) lands,
/// this is where the rest plugs in, in this order: (1) owner is a key quorum -> at least
/// `threshold` distinct member signatures over the RFC 8785 canonical request whose
/// SHA-256 is `request.request_digest`; (2) the caller acts as an additional signer -> its
/// authorization signature and its policy evaluated on the request's summary (DENY wins,
/// nothing matched is DENY); (3) the signed request's expiry. Nonce single use is checked
/// by the caller of this function in the same transaction as the audit entry.
pub fn authorize_release(
    wallet: &WalletRow,
    caller: &Caller,
    request: &ReleaseRequest,
) -> Result<(), Refusal> {
    let _ = request;
    if wallet.owner != *caller {
        return Err(Refusal::NotOwner);
    }
    Ok(())
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
    let checked = check_shares(&body, &state.master_key)?;
    let record = checked.record();
    let mut tx = state.db.pool.begin().await?;
    if !db::insert_wallet(&mut tx, &caller, &record).await? {
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
            detail: format!("share set {}", record.share_set_id),
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
        Json(serde_json::json!({ "wallet": wallet_json(&row) })),
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

async fn release(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ReleaseBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = path_wallet_id(&id)?;
    state.limiter.check(&caller)?;
    let digest: [u8; 32] = hex_bytes(&body.request_digest, "request_digest")?
        .try_into()
        .map_err(|_| ApiError::bad_request("request_digest is not 32 bytes"))?;
    let nonce = hex_bytes(&body.nonce, "nonce")?;
    if !(16..=64).contains(&nonce.len()) {
        return Err(ApiError::bad_request("nonce must be 16 to 64 bytes"));
    }
    let recipient = crypto::hpke_public_key(&hex_bytes(&body.hpke_public_key, "hpke_public_key")?)
        .map_err(|_| ApiError::bad_request("hpke_public_key is not an uncompressed P-256 point"))?;
    let request = ReleaseRequest {
        request_digest: digest,
        nonce: hex::encode(&nonce),
    };

    let mut tx = state.db.pool.begin().await?;
    // Write first (SQLite takes the write lock here), then read under it.
    let fresh = db::use_nonce(&mut tx, &id, &request.nonce).await?;
    let row = db::wallet_in(&mut tx, &id).await?;
    let decision = match &row {
        None => Err(ApiError::not_found()),
        Some(row) => match authorize_release(row, &caller, &request) {
            Err(refusal) => {
                tracing::debug!(
                    code = refusal.code(),
                    "release refused by authorize_release"
                );
                Err(refusal.into_api())
            }
            Ok(()) if !fresh => Err(ApiError::new(
                StatusCode::CONFLICT,
                "REPLAYED",
                "this nonce was used before",
            )),
            Ok(()) => Ok(()),
        },
    };
    let epoch = row.as_ref().map_or(-1, |r| r.epoch);
    let (row, ()) = match (row, decision) {
        (Some(row), Ok(())) => (row, ()),
        (_, Err(error)) => {
            tx.rollback().await?;
            return Err(refuse(&state, &id, &caller, "release", error, epoch).await);
        }
        (None, Ok(())) => return Err(ApiError::internal()),
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
            detail: format!("request {}", hex::encode(request.request_digest)),
        },
    )
    .await?;
    // Nothing leaves before the nonce and the audit entry are committed.
    tx.commit().await?;
    tracing::info!(wallet = %id, subject = %caller.subject, epoch = row.epoch, "auth share released");
    Ok(Json(serde_json::json!({
        "wallet": wallet_json(&row),
        "suite": {"kem": "DHKEM(P-256, HKDF-SHA256)", "kdf": "HKDF-SHA256", "aead": "ChaCha20-Poly1305"},
        "info": hex::encode(&info),
        "enc": hex::encode(&enc),
        "ciphertext": hex::encode(&ciphertext),
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
