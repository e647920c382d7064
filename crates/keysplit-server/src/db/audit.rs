//! The audit log: one entry per decision, never secrets.

use sqlx::{AnyConnection, Row};

use super::{now, Db};
use crate::auth::Caller;

/// One audit entry (never secrets).
#[derive(Debug, Clone)]
pub struct AuditEntry {
    /// The wallet.
    pub wallet_id: String,
    /// Who asked.
    pub actor: Caller,
    /// What was asked: `create`, `rotate`, `release`, `recovery_share`.
    pub action: &'static str,
    /// `ok` or the refusal's error code.
    pub outcome: &'static str,
    /// The epoch concerned, -1 when unknown.
    pub epoch: i64,
    /// A short note (request digest, new epoch...).
    pub detail: String,
}

/// An audit entry as read back.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditRecord {
    /// Sequence number.
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    /// Actor subject.
    pub actor_sub: String,
    /// Action.
    pub action: String,
    /// Outcome.
    pub outcome: String,
    /// Epoch.
    pub epoch: i64,
    /// Detail.
    pub detail: String,
}

impl Db {
    /// Writes an audit entry on its own (for refusals, after a rollback).
    pub async fn audit(&self, entry: &AuditEntry) -> Result<(), sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        audit_in(&mut conn, entry).await
    }

    /// The newest `limit` audit entries of a wallet, newest first.
    pub async fn audit_entries(
        &self,
        wallet_id: &str,
        limit: i64,
    ) -> Result<Vec<AuditRecord>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT id, at, actor_sub, action, outcome, epoch, detail FROM audit_log \
             WHERE wallet_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(wallet_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AuditRecord {
                    id: row.try_get("id")?,
                    at: row.try_get("at")?,
                    actor_sub: row.try_get("actor_sub")?,
                    action: row.try_get("action")?,
                    outcome: row.try_get("outcome")?,
                    epoch: row.try_get("epoch")?,
                    detail: row.try_get("detail")?,
                })
            })
            .collect()
    }
}

/// Appends an audit entry.
pub async fn audit_in(conn: &mut AnyConnection, entry: &AuditEntry) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (at, wallet_id, actor_iss, actor_sub, action, outcome, epoch, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(now())
    .bind(entry.wallet_id.as_str())
    .bind(entry.actor.issuer.as_str())
    .bind(entry.actor.subject.as_str())
    .bind(entry.action)
    .bind(entry.outcome)
    .bind(entry.epoch)
    .bind(entry.detail.as_str())
    .execute(&mut *conn)
    .await
    .map(|_| ())
}
