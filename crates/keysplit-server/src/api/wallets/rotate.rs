//! `PUT .../shares`: rotation and recovery uploads, plain or signed (a key-quorum owner).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

use super::check::check_shares;
use super::{on_off, SecretText, SharesBody, WalletJson};
use crate::api::access::{authorize_in_tx, commit_ok, Authority, Granted};
use crate::api::{audit_forbidden, hex_bytes, refuse, wallet_json, Shared, WalletRequest};
use crate::auth::Caller;
use crate::authorization::{self, SignedRequest};
use crate::db;
use crate::error::ApiError;

/// The signed form of an upload: the payload (signed for `PUT .../shares`) whose body
/// names the upload by its public parts and the SHA-256 of each sealed share; the shares
/// and keys themselves travel beside it, so no signer ever sees share material.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignedUpload {
    request: serde_json::Value,
    #[serde(default)]
    authorization_signature: Option<String>,
    auth_share: String,
    auth_key: SecretText,
    recovery_share: String,
    #[serde(default)]
    recovery_key: Option<SecretText>,
}

/// `request.body` of a signed upload.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignedUploadBody {
    expected_epoch: u32,
    wallet: WalletJson,
    proof: String,
    auth_share_sha256: String,
    recovery_share_sha256: String,
}

/// Checks that `hex_text` decodes to bytes whose SHA-256 is `digest_hex`.
fn check_sha256(hex_text: &str, digest_hex: &str, name: &str) -> Result<(), ApiError> {
    use sha2::Digest as _;
    let bytes = hex_bytes(hex_text, name)?;
    let want: [u8; 32] = hex_bytes(digest_hex, &format!("{name}_sha256"))?
        .try_into()
        .map_err(|_| ApiError::bad_request(format!("{name}_sha256 is not 32 bytes")))?;
    let have: [u8; 32] = sha2::Sha256::digest(&bytes).into();
    if have != want {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "DIGEST_MISMATCH",
            format!("{name} is not the share whose SHA-256 the signed request names"),
        ));
    }
    Ok(())
}

/// Reads an upload: the plain `SharesBody`, or the signed form (a key-quorum owner's
/// rotation) checked against the endpoint and the shares' digests.
fn read_upload(
    body: serde_json::Value,
    path: &str,
    public_url: Option<&str>,
) -> Result<(SharesBody, Option<SignedRequest>), ApiError> {
    let shape = || ApiError::bad_request("request body is not the JSON this endpoint takes");
    if body.get("request").is_none() {
        return Ok((serde_json::from_value(body).map_err(|_| shape())?, None));
    }
    let upload: SignedUpload = serde_json::from_value(body).map_err(|_| {
        ApiError::bad_request(
            "a signed upload is {request, authorization_signature, auth_share, auth_key, \
             recovery_share}",
        )
    })?;
    let signed = authorization::parse_signed(
        upload.request,
        upload.authorization_signature,
        "PUT",
        path,
        public_url,
        authorization::now_ms(),
    )?;
    let inner: SignedUploadBody = serde_json::from_value(signed.body().clone()).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST_PAYLOAD",
            "the signed upload's body is {expected_epoch, wallet, proof, auth_share_sha256, \
             recovery_share_sha256}",
        )
    })?;
    check_sha256(&upload.auth_share, &inner.auth_share_sha256, "auth_share")?;
    check_sha256(
        &upload.recovery_share,
        &inner.recovery_share_sha256,
        "recovery_share",
    )?;
    Ok((
        SharesBody {
            wallet: inner.wallet,
            auth_share: upload.auth_share,
            auth_key: upload.auth_key,
            recovery_share: upload.recovery_share,
            expected_epoch: Some(inner.expected_epoch),
            owner: None,
            proof: Some(inner.proof),
            recovery_key: upload.recovery_key,
        },
        Some(signed),
    ))
}

pub(in crate::api) async fn put_shares(
    State(state): State<Shared>,
    caller: Caller,
    WalletRequest { id, body }: WalletRequest<serde_json::Value>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let path = format!("/v1/wallets/{id}/shares");
    let (body, signed) = match read_upload(body, &path, state.public_url.as_deref()) {
        Ok(read) => read,
        Err(e) => return Err(audit_forbidden(&state, &id, &caller, "rotate", e).await),
    };
    let expected = body
        .expected_epoch
        .ok_or_else(|| ApiError::bad_request("expected_epoch is required"))?;
    if body.owner.is_some() {
        return Err(ApiError::bad_request(
            "owner belongs to create; change it with PUT .../owner",
        ));
    }
    let checked = match check_shares(&body, &state.master_key) {
        Ok(checked) => checked,
        // A token holder trying to replace the shares without the wallet's key: audited.
        Err(e) if e.code == "INVALID_PROOF" => {
            return Err(refuse(&state, &id, &caller, "rotate", e, -1).await)
        }
        Err(e) => return Err(e),
    };
    let record = checked.record();
    if record.wallet_id != id {
        return Err(ApiError::bad_request(
            "the body names another wallet than the path",
        ));
    }
    // Unsigned (a user owner): the UPDATE is the first statement (on SQLite it takes the
    // write lock at once) and matches only a user-owned wallet. Signed: the idempotency
    // key is used first, the owner's authorization checked on the row read under it, and
    // the UPDATE matches that owner, so an owner change in between fails the swap.
    let (mut tx, expected_quorum, how) = match &signed {
        None => (
            state.db.pool.begin().await?,
            None,
            "owner: user token".to_string(),
        ),
        Some(request) => {
            let Granted { tx, row, how } = authorize_in_tx(
                &state,
                &id,
                &caller,
                "rotate",
                Some(request),
                Authority::OwnerAccess,
            )
            .await?;
            (tx, row.owner_quorum, how)
        }
    };
    // A key-sealed recovery share without its key must not replace the share of a
    // wallet with automatic recovery (the server could no longer hand out the key).
    let no_automatic_recovery =
        checked.recovery_key_sealed.is_none() && checked.recovery_key_sealed_share;
    if db::swap_shares(
        &mut tx,
        &caller,
        expected_quorum.as_deref(),
        i64::from(expected),
        no_automatic_recovery,
        &record,
    )
    .await?
    {
        let detail = format!(
            "epoch {expected} -> {}, share set {}; automatic recovery {}; {how}",
            record.epoch,
            record.share_set_id,
            on_off(record.recovery_key_sealed.is_some()),
        );
        commit_ok(tx, &id, &caller, "rotate", record.epoch, detail).await?;
        tracing::info!(wallet = %id, subject = %caller.subject, from = expected, to = record.epoch, "shares rotated");
        let row = state.db.wallet(&id).await?.ok_or_else(ApiError::internal)?;
        return Ok(Json(serde_json::json!({ "wallet": wallet_json(&row) })));
    }
    tx.rollback().await?;
    // Nothing matched: say why (without revealing other users' wallets).
    let error = match state.db.wallet(&id).await? {
        Some(row) if row.owner == caller => {
            if row.owner_quorum != expected_quorum {
                if signed.is_some() {
                    ApiError::new(
                        StatusCode::CONFLICT,
                        "OWNER_CHANGED",
                        "the wallet's owner changed meanwhile; authorize again",
                    )
                } else {
                    // A key quorum owns the wallet: the token alone cannot rotate it.
                    authorization::authorize_owner_access(&row, &caller, None, 0)
                        .err()
                        .unwrap_or_else(ApiError::internal)
                }
            } else if row.ethereum_address != record.ethereum_address
                || row.solana_address != record.solana_address
            {
                ApiError::new(
                    StatusCode::CONFLICT,
                    "ADDRESS_MISMATCH",
                    "the new share set has other addresses",
                )
            } else if row.epoch == i64::from(expected)
                && record.epoch > i64::from(expected)
                && no_automatic_recovery
                && row.recovery_key_sealed.is_some()
            {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "RECOVERY_KEY_REQUIRED",
                    "the wallet has automatic recovery: send the recovery_key that opens the \
                     new recovery_share (or a password-sealed recovery_share to turn it off)",
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
