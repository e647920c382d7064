//! Owner-authorized changes: add, list and remove signers; change the owner.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::access::{authorize_in_tx, commit_ok, refuse_in, Authority, Granted, SignedEnvelope};
use super::{
    audit_forbidden, owned_wallet, path_wallet_id, refuse, wallet_json, AppState, Shared,
    WalletRequest,
};
use crate::auth::Caller;
use crate::authorization::{self, SignedRequest};
use crate::db::{self, WalletRow};
use crate::error::ApiError;

// ---------------------------------------------------------------------------------------
// Owner-authorized changes

/// A change body: the change itself (user owner), or `{request, authorization_signature}`
/// whose signed `request.body` is the change (key-quorum owner).
fn split_change(
    body: serde_json::Value,
    method: &str,
    path: &str,
    public_url: Option<&str>,
) -> Result<(serde_json::Value, Option<SignedRequest>), ApiError> {
    if body.get("request").is_none() {
        return Ok((body, None));
    }
    let envelope: SignedEnvelope = serde_json::from_value(body).map_err(|_| {
        ApiError::bad_request("a signed change is {request, authorization_signature}")
    })?;
    let signed = authorization::parse_signed(
        envelope.request,
        envelope.authorization_signature,
        method,
        path,
        public_url,
        authorization::now_ms(),
    )?;
    Ok((signed.body().clone(), Some(signed)))
}

/// Reads the change `T` sent to `method path` for `action`, and the signed request that
/// carries it if any. A request presented for another endpoint or wallet (403) is audited.
async fn read_change<T: DeserializeOwned>(
    state: &AppState,
    id: &str,
    caller: &Caller,
    action: &'static str,
    body: serde_json::Value,
    method: &str,
    path: &str,
) -> Result<(T, Option<SignedRequest>), ApiError> {
    let (change, signed) = match split_change(body, method, path, state.public_url.as_deref()) {
        Ok(split) => split,
        Err(e) => return Err(audit_forbidden(state, id, caller, action, e).await),
    };
    let change = serde_json::from_value(change)
        .map_err(|_| ApiError::bad_request("the change is not the JSON this endpoint takes"))?;
    Ok((change, signed))
}

/// What an owner-authorized change writes once the owner is checked.
enum Change<'a> {
    /// A new signer (normalized key) with its policy (checked text).
    AddSigner { key: &'a str, policy: &'a str },
    /// A signer removed (normalized key).
    RemoveSigner { key: &'a str },
    /// A new owner: a key quorum (normalized JSON), or `None` for the user.
    Owner(Option<&'a str>),
}

impl Change<'_> {
    /// Writes the change of wallet `id` in `conn`; the note for the audit log, or
    /// `Ok(Err(refusal))` when it cannot be made.
    async fn apply(
        &self,
        conn: &mut sqlx::AnyConnection,
        id: &str,
    ) -> Result<Result<String, ApiError>, sqlx::Error> {
        Ok(Ok(match *self {
            Change::AddSigner { key, policy } => {
                if db::signers_in(conn, id).await?.len() >= authorization::MAX_SIGNERS {
                    return Ok(Err(ApiError::new(
                        StatusCode::CONFLICT,
                        "TOO_MANY_SIGNERS",
                        format!(
                            "a wallet has at most {} signers",
                            authorization::MAX_SIGNERS
                        ),
                    )));
                }
                if !db::insert_signer(conn, id, key, policy).await? {
                    return Ok(Err(ApiError::new(
                        StatusCode::CONFLICT,
                        "SIGNER_EXISTS",
                        "this key is a signer of the wallet already; remove it first",
                    )));
                }
                format!("signer {} added", authorization::short_key(key))
            }
            Change::RemoveSigner { key } => {
                if !db::delete_signer(conn, id, key).await? {
                    return Ok(Err(ApiError::new(
                        StatusCode::NOT_FOUND,
                        "UNKNOWN_SIGNER",
                        "this key is not a signer of the wallet",
                    )));
                }
                format!("signer {} removed", authorization::short_key(key))
            }
            Change::Owner(Some(_)) => "owner set to a key quorum".to_string(),
            Change::Owner(None) => "owner set to the user".to_string(),
        }))
    }
}

/// One owner-authorized change, in one transaction: the owner's authorization is
/// checked on the row read after the idempotency key is used ([`authorize_in_tx`]), the
/// owner is compared-and-swapped (or only locked) so a concurrent owner change cannot
/// slip between check and write, then the change is applied and the audit entry
/// written. Refusals are audited after a rollback.
async fn owner_change(
    state: &AppState,
    id: &str,
    caller: &Caller,
    action: &'static str,
    signed: Option<&SignedRequest>,
    change: Change<'_>,
) -> Result<WalletRow, ApiError> {
    let Granted { mut tx, row, how } =
        authorize_in_tx(state, id, caller, action, signed, Authority::OwnerChange).await?;
    let epoch = row.epoch;
    let old = row.owner_quorum.as_deref();
    let new = match change {
        Change::Owner(new) => new,
        Change::AddSigner { .. } | Change::RemoveSigner { .. } => old,
    };
    if !db::swap_owner(&mut tx, id, caller, old, new).await? {
        let error = ApiError::new(
            StatusCode::CONFLICT,
            "OWNER_CHANGED",
            "the wallet's owner changed meanwhile; authorize again",
        );
        return Err(refuse_in(tx, state, id, caller, action, error, epoch).await);
    }
    let detail = match change.apply(&mut tx, id).await? {
        Ok(detail) => detail,
        Err(error) => return Err(refuse_in(tx, state, id, caller, action, error, epoch).await),
    };
    commit_ok(tx, id, caller, action, epoch, format!("{detail}; {how}")).await?;
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

pub(super) async fn add_signer(
    State(state): State<Shared>,
    caller: Caller,
    WalletRequest { id, body }: WalletRequest<serde_json::Value>,
) -> Result<Response, ApiError> {
    let path = format!("/v1/wallets/{id}/signers");
    let (change, signed): (AddSigner, _) =
        read_change(&state, &id, &caller, "add_signer", body, "POST", &path).await?;
    let public_key = authorization::normalize_public_key(&change.public_key)?;
    let policy = authorization::check_policy(&change.policy)?;
    let add = Change::AddSigner {
        key: &public_key,
        policy: &policy,
    };
    owner_change(&state, &id, &caller, "add_signer", signed.as_ref(), add).await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "signer": {"public_key": public_key} })),
    )
        .into_response())
}

pub(super) async fn remove_signer(
    State(state): State<Shared>,
    caller: Caller,
    WalletRequest { id, body }: WalletRequest<serde_json::Value>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let path = format!("/v1/wallets/{id}/signers/remove");
    let (change, signed): (RemoveSigner, _) =
        read_change(&state, &id, &caller, "remove_signer", body, "POST", &path).await?;
    let public_key = authorization::normalize_public_key(&change.public_key)?;
    let remove = Change::RemoveSigner { key: &public_key };
    owner_change(
        &state,
        &id,
        &caller,
        "remove_signer",
        signed.as_ref(),
        remove,
    )
    .await?;
    Ok(Json(
        serde_json::json!({ "removed": {"public_key": public_key} }),
    ))
}

pub(super) async fn list_signers(
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

pub(super) async fn change_owner(
    State(state): State<Shared>,
    caller: Caller,
    WalletRequest { id, body }: WalletRequest<serde_json::Value>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let path = format!("/v1/wallets/{id}/owner");
    let (change, signed): (ChangeOwner, _) =
        read_change(&state, &id, &caller, "change_owner", body, "PUT", &path).await?;
    let new_owner = authorization::parse_owner(&change.owner)?;
    let change = Change::Owner(new_owner.as_deref());
    let row = owner_change(
        &state,
        &id,
        &caller,
        "change_owner",
        signed.as_ref(),
        change,
    )
    .await?;
    Ok(Json(serde_json::json!({
        "wallet": wallet_json(&row),
        "owner": authorization::owner_json(&row),
    })))
}
