//! The checks of an uploaded share set: shares, keys, the upload proof.

use axum::http::StatusCode;
use keysplit_wallet::{Role, SealedShare, ShareKey, Unlock, WalletInfo};
use zeroize::Zeroizing;

use super::{SecretText, SharesBody};
use crate::api::hex_bytes;
use crate::config::MasterKey;
use crate::crypto;
use crate::db::SharesRecord;
use crate::error::ApiError;

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
pub(super) struct CheckedShares {
    info: WalletInfo,
    wallet_id_hex: String,
    share_set_hex: String,
    ethereum_address: String,
    solana_address: String,
    auth_share: Vec<u8>,
    auth_key_sealed: Vec<u8>,
    recovery_share: Vec<u8>,
    /// The recovery key under the master key, when one was uploaded.
    pub(super) recovery_key_sealed: Option<Vec<u8>>,
    /// Whether the recovery share is sealed under a key (not a password).
    pub(super) recovery_key_sealed_share: bool,
}

impl CheckedShares {
    pub(super) fn record(&self) -> SharesRecord<'_> {
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
pub(super) fn check_shares(
    body: &SharesBody,
    master: &MasterKey,
) -> Result<CheckedShares, ApiError> {
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
