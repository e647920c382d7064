//! Wallet handlers: create, read (wallet, audit) here; the share-set checks in `check`,
//! the recovery share in `recovery`, rotation and recovery uploads in `rotate`.

mod check;
mod recovery;
mod rotate;

pub(super) use recovery::{get_recovery_share, post_recovery_share};
pub(super) use rotate::put_shares;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use keysplit_wallet::{WalletInfo, WalletInfoText};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::access::commit_ok;
use check::check_shares;

use super::{owned_wallet, path_wallet_id, refuse, wallet_json, JsonBody, Shared};
use crate::auth::Caller;
use crate::authorization;
use crate::db;
use crate::error::ApiError;

/// `"on"` or `"off"`, for the audit log.
fn on_off(on: bool) -> &'static str {
    if on {
        "on"
    } else {
        "off"
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
    /// The upload proof: EIP-191 signature `r || s || v` (65 bytes, hex, `0x` optional)
    /// by the wallet's index-0 Ethereum key over
    /// `keysplit_wallet::upload_proof::statement(&wallet)`. Required.
    #[serde(default)]
    pub proof: Option<String>,
    /// Automatic recovery (optional): the 32-byte key, hex, that opens `recovery_share`
    /// (then sealed under a key, not a password). Stored under the master key and
    /// released to the owner by `POST .../recovery-key`.
    #[serde(default)]
    pub recovery_key: Option<SecretText>,
}

pub(super) async fn create_wallet(
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
    let detail = format!(
        "share set {}; owner {}; automatic recovery {}",
        record.share_set_id,
        if owner_quorum.is_some() {
            "key quorum"
        } else {
            "user"
        },
        on_off(record.recovery_key_sealed.is_some()),
    );
    commit_ok(
        tx,
        record.wallet_id,
        &caller,
        "create",
        record.epoch,
        detail,
    )
    .await?;
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
            "automatic_recovery": row.recovery_key_sealed.is_some(),
        })),
    )
        .into_response())
}

pub(super) async fn get_wallet(
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
        "automatic_recovery": row.recovery_key_sealed.is_some(),
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    })))
}

#[derive(Deserialize)]
pub(super) struct AuditQuery {
    #[serde(default)]
    limit: Option<i64>,
}

pub(super) async fn get_audit(
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
