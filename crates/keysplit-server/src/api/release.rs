//! The release handler: the auth share and its key, HPKE-sealed to the caller once authorized.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

use super::access::{authorize_in_tx, commit_ok, refuse_in, Authority, Granted};
use super::{audit_forbidden, hex_bytes, path_wallet_id, wallet_json, Shared, StrictJson};
use crate::auth::Caller;
use crate::authorization::{self, SignedRequest};
use crate::crypto;
use crate::db;
use crate::error::ApiError;

/// A release request: the request payload (signed, or for a user owner possibly not),
/// and the ephemeral key to seal the answer to.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseBody {
    /// The request payload `{version: 1, method, url, body, headers}` for
    /// `POST /v1/wallets/<id>/release`, with `privy-request-expiry` and
    /// `privy-idempotency-key`. Required (the stage-1 form `{request_digest, nonce}` is
    /// gone).
    #[serde(default)]
    pub request: Option<serde_json::Value>,
    /// The `privy-authorization-signature` value: comma-separated base64 signatures.
    #[serde(default)]
    pub authorization_signature: Option<String>,
    /// The additional signer acting (base64 SPKI); absent: the owner acts.
    #[serde(default)]
    pub signer: Option<String>,
    /// Optional: SHA-256 of the RFC 8785 form of `request`, 64 hex digits, checked
    /// against the digest the server computes.
    #[serde(default)]
    pub request_digest: Option<String>,
    /// The ephemeral HPKE public key: uncompressed P-256 point, 130 hex digits.
    pub hpke_public_key: String,
}

/// What a release request names, checked.
#[derive(Debug)]
pub struct ReleaseRequest {
    /// The request digest: the HPKE associated data.
    pub request_digest: [u8; 32],
    /// The signed request.
    pub signed: SignedRequest,
    /// The signer acting (normalized base64 SPKI), if any.
    pub signer: Option<String>,
}

fn parse_release(
    id: &str,
    body: ReleaseBody,
    public_url: Option<&str>,
) -> Result<(ReleaseRequest, Vec<u8>), ApiError> {
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
    let payload = body.request.ok_or_else(|| {
        ApiError::bad_request(
            "request is required: the payload {version, method, url, body, headers} for this \
             endpoint (the {request_digest, nonce} form was removed)",
        )
    })?;
    let signed = authorization::parse_signed(
        payload,
        body.authorization_signature,
        "POST",
        &format!("/v1/wallets/{id}/release"),
        public_url,
        authorization::now_ms(),
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
    Ok((
        ReleaseRequest {
            request_digest: signed.digest,
            signed,
            signer,
        },
        recipient,
    ))
}

pub(super) async fn release(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    StrictJson(body): StrictJson<ReleaseBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = path_wallet_id(&id)?;
    state.limiter.check(&caller)?;
    let (request, recipient) = match parse_release(&id, body, state.public_url.as_deref()) {
        Ok(parsed) => parsed,
        Err(e) => return Err(audit_forbidden(&state, &id, &caller, "release", e).await),
    };
    let recipient = keysplit_wallet::custody::HpkePublicKey::from_bytes(&recipient)
        .map_err(|_| ApiError::bad_request("hpke_public_key is not an uncompressed P-256 point"))?;

    let Granted {
        tx,
        row,
        how: authorized,
    } = authorize_in_tx(
        &state,
        &id,
        &caller,
        "release",
        Some(&request.signed),
        Authority::Release {
            signer: request.signer.as_deref(),
        },
    )
    .await?;

    let wallet_id =
        keysplit_wallet::WalletId::from_hex(&row.wallet_id).ok_or_else(ApiError::internal)?;
    let epoch32 = u32::try_from(row.epoch).map_err(|_| ApiError::internal())?;
    let key = crypto::open_at_rest(&state.master_key, &wallet_id.0, epoch32, &row.auth_key_sealed).map_err(|e| {
        tracing::error!(wallet = %id, error = ?e, "stored auth key does not open under the master key");
        ApiError::internal()
    })?;
    let info = crypto::release_info(&wallet_id.0, epoch32);
    let (enc, ciphertext) = crypto::seal_release(
        &recipient,
        &wallet_id.0,
        epoch32,
        &request.request_digest,
        &key,
        &row.auth_share,
    )
    .map_err(|_| ApiError::internal())?;
    drop(key);
    // Nothing leaves before the nonce and the audit entry are committed.
    let detail = format!(
        "request {}; {}",
        hex::encode(request.request_digest),
        authorized
    );
    commit_ok(tx, &id, &caller, "release", row.epoch, detail).await?;
    tracing::info!(wallet = %id, subject = %caller.subject, epoch = row.epoch, "auth share released");
    Ok(sealed_answer(
        &row,
        &request.request_digest,
        &info,
        &enc,
        &ciphertext,
    ))
}

/// The answer of a release: the wallet's public info, the request digest it is bound to,
/// the HPKE suite, `info`, `enc` and the ciphertext.
fn sealed_answer(
    row: &db::WalletRow,
    digest: &[u8; 32],
    info: &[u8],
    enc: &[u8],
    ciphertext: &[u8],
) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "wallet": wallet_json(row),
        "request_digest": hex::encode(digest),
        "suite": {"kem": "DHKEM(P-256, HKDF-SHA256)", "kdf": "HKDF-SHA256", "aead": "ChaCha20-Poly1305"},
        "info": hex::encode(info),
        "enc": hex::encode(enc),
        "ciphertext": hex::encode(ciphertext),
    }))
}

/// `POST .../recovery-key`: automatic recovery. The payload for this endpoint (the token
/// authorizes for a user owner; a key-quorum owner's wallet needs the quorum), and the
/// ephemeral key to seal the answer to.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecoveryKeyBody {
    /// The request payload for `POST /v1/wallets/<id>/recovery-key`.
    pub request: serde_json::Value,
    /// The `privy-authorization-signature` value (a key-quorum owner).
    #[serde(default)]
    pub authorization_signature: Option<String>,
    /// The ephemeral HPKE public key: uncompressed P-256 point, 130 hex digits.
    pub hpke_public_key: String,
}

/// Releases the recovery key of a wallet with automatic recovery, HPKE-sealed like an
/// auth-share release (info = [`crypto::recovery_key_info`], aad = the request digest),
/// in one transaction with the single use of the payload's key and the audit entry.
pub(super) async fn release_recovery_key(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    StrictJson(body): StrictJson<RecoveryKeyBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = path_wallet_id(&id)?;
    state.limiter.check(&caller)?;
    let signed = match authorization::parse_signed(
        body.request,
        body.authorization_signature,
        "POST",
        &format!("/v1/wallets/{id}/recovery-key"),
        state.public_url.as_deref(),
        authorization::now_ms(),
    ) {
        Ok(signed) => signed,
        Err(e) => return Err(audit_forbidden(&state, &id, &caller, "recovery_key", e).await),
    };
    let recipient = keysplit_wallet::custody::HpkePublicKey::from_bytes(&hex_bytes(
        &body.hpke_public_key,
        "hpke_public_key",
    )?)
    .map_err(|_| ApiError::bad_request("hpke_public_key is not an uncompressed P-256 point"))?;

    let Granted { tx, row, how } = authorize_in_tx(
        &state,
        &id,
        &caller,
        "recovery_key",
        Some(&signed),
        Authority::OwnerAccess,
    )
    .await?;
    if row.recovery_key_sealed.is_none() {
        let error = ApiError::new(
            StatusCode::CONFLICT,
            "NO_AUTOMATIC_RECOVERY",
            "this wallet has no automatic recovery: its recovery share opens with the \
             user's password",
        );
        return Err(refuse_in(tx, &state, &id, &caller, "recovery_key", error, row.epoch).await);
    }
    let wallet_id =
        keysplit_wallet::WalletId::from_hex(&row.wallet_id).ok_or_else(ApiError::internal)?;
    let epoch32 = u32::try_from(row.epoch).map_err(|_| ApiError::internal())?;
    let sealed = row
        .recovery_key_sealed
        .as_deref()
        .ok_or_else(ApiError::internal)?;
    let key = crypto::open_recovery_key_at_rest(&state.master_key, &wallet_id.0, epoch32, sealed)
        .map_err(|e| {
            tracing::error!(wallet = %id, error = ?e, "stored recovery key does not open under the master key");
            ApiError::internal()
        })?;
    let info = crypto::recovery_key_info(&wallet_id.0, epoch32);
    let (enc, ciphertext) =
        crypto::seal_recovery_key(&recipient, &wallet_id.0, epoch32, &signed.digest, &key)
            .map_err(|_| ApiError::internal())?;
    drop(key);
    let detail = format!("request {}; {how}", hex::encode(signed.digest));
    commit_ok(tx, &id, &caller, "recovery_key", row.epoch, detail).await?;
    tracing::info!(wallet = %id, subject = %caller.subject, epoch = row.epoch, "recovery key released");
    Ok(sealed_answer(
        &row,
        &signed.digest,
        &info,
        &enc,
        &ciphertext,
    ))
}
