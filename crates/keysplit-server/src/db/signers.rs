//! Additional signers of a wallet and their policies.

use sqlx::{AnyConnection, Row};

use super::now;

/// An additional signer of a wallet.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SignerRow {
    /// Base64 SPKI DER (normalized).
    pub public_key: String,
    /// The policy JSON as uploaded.
    pub policy: String,
    /// Unix seconds.
    pub created_at: i64,
}

/// The signers of a wallet, oldest first.
pub async fn signers_in(
    conn: &mut AnyConnection,
    wallet_id: &str,
) -> Result<Vec<SignerRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT public_key, policy, created_at FROM wallet_signers WHERE wallet_id = $1 \
         ORDER BY created_at, public_key",
    )
    .bind(wallet_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(SignerRow {
                public_key: row.try_get("public_key")?,
                policy: row.try_get("policy")?,
                created_at: row.try_get("created_at")?,
            })
        })
        .collect()
}

/// Adds a signer; `false` when this key is a signer of the wallet already.
pub async fn insert_signer(
    conn: &mut AnyConnection,
    wallet_id: &str,
    public_key: &str,
    policy: &str,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "INSERT INTO wallet_signers (wallet_id, public_key, policy, created_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (wallet_id, public_key) DO NOTHING",
    )
    .bind(wallet_id)
    .bind(public_key)
    .bind(policy)
    .bind(now())
    .execute(&mut *conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Removes a signer; `false` when the key was not a signer of the wallet.
pub async fn delete_signer(
    conn: &mut AnyConnection,
    wallet_id: &str,
    public_key: &str,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query("DELETE FROM wallet_signers WHERE wallet_id = $1 AND public_key = $2")
        .bind(wallet_id)
        .bind(public_key)
        .execute(&mut *conn)
        .await?;
    Ok(result.rows_affected() == 1)
}
