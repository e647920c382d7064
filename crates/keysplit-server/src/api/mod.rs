//! The HTTP API (see docs/server.md for the reference): state, extractors, router.

mod access;
mod owner;
mod release;
mod wallets;

pub use release::{RecoveryKeyBody, ReleaseBody, ReleaseRequest};
pub use wallets::{SecretText, SharesBody, WalletJson};

use owner::{add_signer, change_owner, list_signers, remove_signer};
use release::{release, release_recovery_key};
use wallets::{
    create_wallet, get_audit, get_recovery_share, get_wallet, post_recovery_share, put_shares,
};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::de::DeserializeOwned;

use crate::auth::{Caller, Verifier};
use crate::config::MasterKey;
use crate::db::{AuditEntry, Db, WalletRow};
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
    /// The origin signed requests must name, if configured.
    pub public_url: Option<String>,
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

/// A request on one wallet with a strict JSON body ([`StrictJson`]): the wallet id from
/// the path, `404` when it is not one. Read in this order: the path, the body, then the
/// id's check.
pub(crate) struct WalletRequest<T> {
    /// The wallet id, 32 lowercase hex digits.
    pub(crate) id: String,
    /// The body.
    pub(crate) body: T,
}

impl<T: DeserializeOwned> FromRequest<Shared> for WalletRequest<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &Shared) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let Path(id) = Path::<String>::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let StrictJson(body) =
            StrictJson::<T>::from_request(Request::from_parts(parts, body), state)
                .await
                .map_err(IntoResponse::into_response)?;
        let id = path_wallet_id(&id).map_err(IntoResponse::into_response)?;
        Ok(WalletRequest { id, body })
    }
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

fn hex_bytes(text: &str, what: &str) -> Result<Vec<u8>, ApiError> {
    hex::decode(text.trim()).map_err(|_| ApiError::bad_request(format!("{what} is not hex")))
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

/// The wallet if `caller` owns it; 404 otherwise (also for another user's wallet).
async fn owned_wallet(state: &AppState, id: &str, caller: &Caller) -> Result<WalletRow, ApiError> {
    match state.db.wallet(id).await? {
        Some(row) if row.owner == *caller => Ok(row),
        _ => Err(ApiError::not_found()),
    }
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

/// The methods a wallet origin may use (preflight answer).
pub const CORS_METHODS: &str = "GET, POST, PUT";
/// The request headers a wallet origin may send (preflight answer).
pub const CORS_HEADERS: &str = "authorization, content-type";

/// CORS for the configured wallet origins, and nothing for any other origin.
///
/// * A preflight (`OPTIONS` with `Access-Control-Request-Method`) from an allowed origin
///   is answered here with `204`: that origin, methods `GET, POST, PUT`, headers
///   `authorization, content-type`, max age 600 s. No credentials (the token is a
///   header, not a cookie).
/// * Any other request from an allowed origin runs and gets `Access-Control-Allow-Origin`
///   with that origin.
/// * A request from any other origin (or none) gets no CORS header at all; its preflight
///   reaches the router, which has no `OPTIONS` route (405), so the browser sends nothing.
async fn cors(
    State(origins): State<Arc<Vec<HeaderValue>>>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    let allowed = req
        .headers()
        .get(header::ORIGIN)
        .filter(|o| origins.iter().any(|a| a == *o))
        .cloned();
    let vary = |response: &mut Response, value: &'static str| {
        response
            .headers_mut()
            .append(header::VARY, HeaderValue::from_static(value));
    };
    let Some(origin) = allowed else {
        let mut response = next.run(req).await;
        vary(&mut response, "origin");
        return response;
    };
    if req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
    {
        let mut response = StatusCode::NO_CONTENT.into_response();
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static(CORS_METHODS),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(CORS_HEADERS),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
        vary(
            &mut response,
            "origin, access-control-request-method, access-control-request-headers",
        );
        return response;
    }
    let mut response = next.run(req).await;
    response
        .headers_mut()
        .insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    vary(&mut response, "origin");
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
        .route(
            "/v1/wallets/{id}/recovery-share",
            get(get_recovery_share).post(post_recovery_share),
        )
        .route("/v1/wallets/{id}/release", post(release))
        .route("/v1/wallets/{id}/recovery-key", post(release_recovery_key))
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
            .map(|o| {
                crate::config::check_origin(o).map_err(|e| e.0)?;
                HeaderValue::from_str(o).map_err(|_| format!("bad origin {o:?}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        router = router.layer(axum::middleware::from_fn_with_state(
            Arc::new(origins),
            cors,
        ));
    }
    Ok(router)
}
