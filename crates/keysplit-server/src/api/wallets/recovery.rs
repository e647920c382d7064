//! The recovery share: read with the token, or with a signed request (single use).

use axum::extract::{Path, State};
use axum::Json;

use crate::api::access::{authorize_in_tx, commit_ok, Authority, Granted, SignedEnvelope};
use crate::api::{
    audit_forbidden, owned_wallet, path_wallet_id, refuse, wallet_json, Shared, StrictJson,
};
use crate::auth::Caller;
use crate::authorization;
use crate::db::AuditEntry;
use crate::error::ApiError;

pub(in crate::api) async fn get_recovery_share(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = path_wallet_id(&id)?;
    state.limiter.check(&caller)?;
    let decision = match owned_wallet(&state, &id, &caller).await {
        Ok(row) => {
            authorization::authorize_owner_access(&row, &caller, None, 0).map(|how| (row, how))
        }
        Err(e) => Err(e),
    };
    let (row, how) = match decision {
        Ok(decided) => decided,
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
            detail: how,
        })
        .await?;
    Ok(Json(serde_json::json!({
        "wallet": wallet_json(&row),
        "recovery_share": hex::encode(&row.recovery_share),
    })))
}

/// `POST .../recovery-share`: `{request, authorization_signature?}`, the payload signed
/// for this endpoint. A user owner's token suffices (the payload must be in time, its
/// idempotency key is used once); a key-quorum owner's wallet needs the quorum.
pub(in crate::api) async fn post_recovery_share(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    StrictJson(body): StrictJson<SignedEnvelope>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = path_wallet_id(&id)?;
    state.limiter.check(&caller)?;
    let path = format!("/v1/wallets/{id}/recovery-share");
    let public_url = state.public_url.as_deref();
    let signed = match authorization::parse_signed(
        body.request,
        body.authorization_signature,
        "POST",
        &path,
        public_url,
        authorization::now_ms(),
    ) {
        Ok(signed) => signed,
        Err(e) => return Err(audit_forbidden(&state, &id, &caller, "recovery_share", e).await),
    };
    let Granted { tx, row, how } = authorize_in_tx(
        &state,
        &id,
        &caller,
        "recovery_share",
        Some(&signed),
        Authority::OwnerAccess,
    )
    .await?;
    let detail = format!("request {}; {how}", hex::encode(signed.digest));
    commit_ok(tx, &id, &caller, "recovery_share", row.epoch, detail).await?;
    Ok(Json(serde_json::json!({
        "wallet": wallet_json(&row),
        "recovery_share": hex::encode(&row.recovery_share),
    })))
}
