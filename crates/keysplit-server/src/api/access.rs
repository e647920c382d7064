//! The one start of every request that acts on a wallet on its owner's or a signer's
//! authority in a transaction: the idempotency key used first, the decision taken on the
//! row read under it, refusals rolled back and audited.

use axum::http::StatusCode;
use serde::Deserialize;
use sqlx::{Any, Transaction};

use super::{refuse, AppState};
use crate::auth::Caller;
use crate::authorization::{self, SignedRequest};
use crate::db::{self, AuditEntry, WalletRow};
use crate::error::ApiError;

/// A signed request and its signatures, nothing else: `{request, authorization_signature}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SignedEnvelope {
    /// The request payload.
    pub request: serde_json::Value,
    /// The `privy-authorization-signature` value, if any.
    #[serde(default)]
    pub authorization_signature: Option<String>,
}

/// Whose authority a request acts on, and so which decision applies.
#[derive(Debug, Clone, Copy)]
pub(super) enum Authority<'a> {
    /// The owner changes the wallet: [`authorization::authorize_owner`].
    OwnerChange,
    /// The owner has secret material or replaces the share set:
    /// [`authorization::authorize_owner_access`].
    OwnerAccess,
    /// A release by the named signer, or by the owner: [`authorization::authorize_release`].
    Release {
        /// The signer acting (normalized base64 SPKI), if any.
        signer: Option<&'a str>,
    },
}

impl Authority<'_> {
    /// `409 REPLAYED`: the request was allowed, but its idempotency key was used before.
    fn replayed(self) -> ApiError {
        let message = match self {
            Authority::Release { .. } => "this nonce (or idempotency key) was used before",
            Authority::OwnerChange | Authority::OwnerAccess => {
                "this idempotency key was used before"
            }
        };
        ApiError::new(StatusCode::CONFLICT, "REPLAYED", message)
    }
}

/// A request let through: its open transaction (the idempotency key used in it), the
/// wallet read under it, and the note on the authorization for the audit entry.
pub(super) struct Granted {
    pub tx: Transaction<'static, Any>,
    pub row: WalletRow,
    pub how: String,
}

/// Opens the transaction of a request on wallet `id` and decides it by `authority`: the
/// signed request's idempotency key is used first (on SQLite that takes the write lock),
/// the wallet is read under it, and the decision is taken on that row. No wallet is
/// `404`; a request allowed but seen before is `409 REPLAYED`. A refusal is rolled back
/// and audited as `action` with the wallet's epoch (-1 without a wallet).
pub(super) async fn authorize_in_tx(
    state: &AppState,
    id: &str,
    caller: &Caller,
    action: &'static str,
    signed: Option<&SignedRequest>,
    authority: Authority<'_>,
) -> Result<Granted, ApiError> {
    let mut tx = state.db.pool.begin().await?;
    let fresh = match signed {
        Some(request) => {
            db::use_nonce(
                &mut tx,
                state.db.backend,
                id,
                &request.nonce,
                request.expiry_ms,
            )
            .await?
        }
        None => true,
    };
    let Some(row) = db::wallet_in(&mut tx, id).await? else {
        let error = ApiError::not_found();
        return Err(refuse_in(tx, state, id, caller, action, error, -1).await);
    };
    let decision = match authority {
        Authority::OwnerChange => {
            authorization::authorize_owner(&row, caller, signed, authorization::now_ms())
        }
        Authority::OwnerAccess => {
            authorization::authorize_owner_access(&row, caller, signed, authorization::now_ms())
        }
        Authority::Release { signer } => {
            let signers = match signer {
                Some(_) => db::signers_in(&mut tx, id).await?,
                None => Vec::new(),
            };
            let now = authorization::now_ms();
            authorization::authorize_release(&row, &signers, caller, signed, signer, now)
                .map(|authorized| authorized.detail)
        }
    };
    let error = match decision {
        Ok(how) if fresh => return Ok(Granted { tx, row, how }),
        Ok(_) => authority.replayed(),
        Err(error) => error,
    };
    let epoch = row.epoch;
    Err(refuse_in(tx, state, id, caller, action, error, epoch).await)
}

/// Rolls `tx` back, then audits the refusal on its own ([`refuse`]).
pub(super) async fn refuse_in(
    tx: Transaction<'static, Any>,
    state: &AppState,
    id: &str,
    caller: &Caller,
    action: &'static str,
    error: ApiError,
    epoch: i64,
) -> ApiError {
    match tx.rollback().await {
        Ok(()) => refuse(state, id, caller, action, error, epoch).await,
        Err(e) => ApiError::from(e),
    }
}

/// Ends a request let through: writes its `ok` audit entry in `tx`, then commits, so
/// nothing leaves before the idempotency key (if any) and the entry are stored.
pub(super) async fn commit_ok(
    mut tx: Transaction<'static, Any>,
    id: &str,
    caller: &Caller,
    action: &'static str,
    epoch: i64,
    detail: String,
) -> Result<(), ApiError> {
    let entry = AuditEntry {
        wallet_id: id.to_string(),
        actor: caller.clone(),
        action,
        outcome: "ok",
        epoch,
        detail,
    };
    db::audit_in(&mut tx, &entry).await?;
    tx.commit().await?;
    Ok(())
}
