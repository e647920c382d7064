//! Wallet handlers: create, read (wallet, recovery share, audit) and rotate shares.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use keysplit_wallet::{Role, SealedShare, ShareKey, Unlock, WalletInfo, WalletInfoText};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::access::{authorize_in_tx, Authority, Granted};
use super::{
    audit_forbidden, hex_bytes, owned_wallet, path_wallet_id, refuse, wallet_json, JsonBody,
    Shared, StrictJson,
};
use crate::auth::Caller;
use crate::authorization::{self, SignedRequest};
use crate::config::MasterKey;
use crate::crypto;
use crate::db::{self, AuditEntry, SharesRecord};
use crate::error::ApiError;

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

fn invalid_proof(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "INVALID_PROOF", message)
}

/// Checks the upload proof against the uploaded info: `keysplit_wallet::upload_proof::verify`
/// (the recovered signer must be the info's `ethereum_address`). `400 INVALID_PROOF` when
/// it is missing, malformed or signed by another key or for another upload.
fn check_proof(proof: Option<&str>, info: &WalletInfo) -> Result<(), ApiError> {
    let text = proof.ok_or_else(|| {
        invalid_proof(
            "proof is required: the EIP-191 signature of the upload statement by the wallet's \
             index-0 Ethereum key",
        )
    })?;
    let text = text.trim();
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    let bytes: [u8; 65] = hex::decode(digits)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| invalid_proof("proof is not 65 bytes (r || s || v) in hex"))?;
    keysplit_wallet::upload_proof::verify(info, &bytes).map_err(|_| {
        invalid_proof(
            "proof is not a signature of this upload's statement by the wallet's Ethereum address",
        )
    })
}

fn invalid_share(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "INVALID_SHARE", message)
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
    /// The recovery key under the master key, when one was uploaded.
    recovery_key_sealed: Option<Vec<u8>>,
    /// Whether the recovery share is sealed under a key (not a password).
    recovery_key_sealed_share: bool,
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
            recovery_key_sealed: self.recovery_key_sealed.as_deref(),
        }
    }
}

/// A 32-byte key in hex (`auth_key`, `recovery_key`), wiped on drop.
fn key_bytes(text: &SecretText, name: &str) -> Result<Zeroizing<[u8; 32]>, ApiError> {
    let bytes = Zeroizing::new(
        hex::decode(text.0.trim())
            .map_err(|_| ApiError::bad_request(format!("{name} is not hex")))?,
    );
    let array: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| ApiError::bad_request(format!("{name} is not 32 bytes")))?;
    Ok(Zeroizing::new(array))
}

/// Checks an uploaded share set: public info well formed; both shares of this wallet and
/// epoch in the right roles; the auth key opens the auth share and the share belongs to
/// the named share set; a recovery key, if sent, opens the recovery share, which belongs
/// to the set too; the upload proof. Then seals the key(s) under the master key.
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
    let key_array = key_bytes(&body.auth_key, "auth_key")?;
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
    let recovery_key = body
        .recovery_key
        .as_ref()
        .map(|text| key_bytes(text, "recovery_key"))
        .transpose()?;
    if let Some(recovery_key) = &recovery_key {
        if recovery.is_password_sealed() {
            return Err(invalid_share(
                "recovery_key needs a recovery_share sealed under that key, not a password",
            ));
        }
        let share = recovery
            .open(Unlock::Key(&ShareKey::from_bytes(recovery_key)))
            .map_err(|_| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "RECOVERY_KEY_MISMATCH",
                    "recovery_key does not open recovery_share",
                )
            })?;
        if share.set_id() != info.share_set_id {
            return Err(invalid_share(
                "recovery_share is not of the named share set",
            ));
        }
    }
    check_proof(body.proof.as_deref(), &info)?;
    let auth_key_sealed = crypto::seal_at_rest(master, &info.wallet_id.0, info.epoch, &key_array)
        .map_err(|_| ApiError::internal())?;
    let recovery_key_sealed = recovery_key
        .map(|key| {
            crypto::seal_recovery_key_at_rest(master, &info.wallet_id.0, info.epoch, &key)
                .map_err(|_| ApiError::internal())
        })
        .transpose()?;
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
        recovery_key_sealed,
        recovery_key_sealed_share: !recovery.is_password_sealed(),
    })
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
    db::audit_in(
        &mut tx,
        &AuditEntry {
            wallet_id: record.wallet_id.to_string(),
            actor: caller.clone(),
            action: "create",
            outcome: "ok",
            epoch: record.epoch,
            detail: format!(
                "share set {}; owner {}; automatic recovery {}",
                record.share_set_id,
                if owner_quorum.is_some() {
                    "key quorum"
                } else {
                    "user"
                },
                if record.recovery_key_sealed.is_some() {
                    "on"
                } else {
                    "off"
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

pub(super) async fn get_recovery_share(
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
pub(super) async fn post_recovery_share(
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
    let Granted { mut tx, row, how } = authorize_in_tx(
        &state,
        &id,
        &caller,
        "recovery_share",
        Some(&signed),
        Authority::OwnerAccess,
    )
    .await?;
    db::audit_in(
        &mut tx,
        &AuditEntry {
            wallet_id: id.clone(),
            actor: caller.clone(),
            action: "recovery_share",
            outcome: "ok",
            epoch: row.epoch,
            detail: format!("request {}; {how}", hex::encode(signed.digest)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Json(serde_json::json!({
        "wallet": wallet_json(&row),
        "recovery_share": hex::encode(&row.recovery_share),
    })))
}

/// A signed request and its signatures, nothing else.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SignedEnvelope {
    request: serde_json::Value,
    #[serde(default)]
    authorization_signature: Option<String>,
}

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

pub(super) async fn put_shares(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    StrictJson(body): StrictJson<serde_json::Value>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = path_wallet_id(&id)?;
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
        db::audit_in(
            &mut tx,
            &AuditEntry {
                wallet_id: id.clone(),
                actor: caller.clone(),
                action: "rotate",
                outcome: "ok",
                epoch: record.epoch,
                detail: format!(
                    "epoch {expected} -> {}, share set {}; automatic recovery {}; {how}",
                    record.epoch,
                    record.share_set_id,
                    if record.recovery_key_sealed.is_some() {
                        "on"
                    } else {
                        "off"
                    }
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
