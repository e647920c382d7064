//! Storage: sqlx's `Any` driver over SQLite or PostgreSQL with run-time queries. Both
//! back ends run the one schema in `schema.sql`; queries use `$n` parameters, which
//! both accept. Every write that changes a wallet's shares is one transaction whose
//! `UPDATE` compares and swaps the epoch.

use std::fmt;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyConnection, AnyPool, Row};

use crate::auth::Caller;

/// The migrations, in order: each text runs once, in the transaction that records its
/// version.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("schema.sql")),
    (2, include_str!("migration_2.sql")),
];
const SCHEMA_VERSION: i64 = 2;

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite (one file).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Backend {
    /// `"sqlite"` or `"postgres"`.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// The database.
#[derive(Clone)]
pub struct Db {
    /// The pool.
    pub pool: AnyPool,
    /// The back end.
    pub backend: Backend,
}

impl fmt::Debug for Db {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Db({})", self.backend.name())
    }
}

/// Unix seconds now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A stored wallet.
#[derive(Clone)]
pub struct WalletRow {
    /// 32 hex digits.
    pub wallet_id: String,
    /// The wallet's user (the creating token subject): every request on the wallet needs
    /// this user's token. The owner too, unless `owner_quorum` is set.
    pub owner: Caller,
    /// The key quorum that owns the wallet (normalized JSON), or `None` when the user
    /// owns it.
    pub owner_quorum: Option<String>,
    /// The current epoch.
    pub epoch: i64,
    /// 32 hex digits.
    pub share_set_id: String,
    /// EIP-55.
    pub ethereum_address: String,
    /// Base58.
    pub solana_address: String,
    /// The sealed auth share.
    pub auth_share: Vec<u8>,
    /// The auth share's key, sealed under the master key.
    pub auth_key_sealed: Vec<u8>,
    /// The sealed recovery share.
    pub recovery_share: Vec<u8>,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
}

impl fmt::Debug for WalletRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WalletRow")
            .field("wallet_id", &self.wallet_id)
            .field("owner", &self.owner)
            .field("epoch", &self.epoch)
            .field("shares", &"<redacted>")
            .finish()
    }
}

fn wallet_from_row(row: &AnyRow) -> Result<WalletRow, sqlx::Error> {
    Ok(WalletRow {
        wallet_id: row.try_get("wallet_id")?,
        owner: Caller {
            issuer: row.try_get("owner_iss")?,
            subject: row.try_get("owner_sub")?,
        },
        owner_quorum: row.try_get("owner_quorum")?,
        epoch: row.try_get("epoch")?,
        share_set_id: row.try_get("share_set_id")?,
        ethereum_address: row.try_get("ethereum_address")?,
        solana_address: row.try_get("solana_address")?,
        auth_share: row.try_get("auth_share")?,
        auth_key_sealed: row.try_get("auth_key_sealed")?,
        recovery_share: row.try_get("recovery_share")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

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

/// What a new wallet or a new share set stores.
pub struct SharesRecord<'a> {
    /// Wallet id, 32 hex digits.
    pub wallet_id: &'a str,
    /// Epoch.
    pub epoch: i64,
    /// Share set id, 32 hex digits.
    pub share_set_id: &'a str,
    /// EIP-55 address.
    pub ethereum_address: &'a str,
    /// Base58 address.
    pub solana_address: &'a str,
    /// Sealed auth share.
    pub auth_share: &'a [u8],
    /// Auth key under the master key.
    pub auth_key_sealed: &'a [u8],
    /// Sealed recovery share.
    pub recovery_share: &'a [u8],
}

impl Db {
    /// Connects (creating a SQLite file when missing) and runs the migrations.
    pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let (backend, url) = if url.starts_with("sqlite:") {
            let url = if url.contains('?') || url.contains(":memory:") {
                url.to_string()
            } else {
                format!("{url}?mode=rwc")
            };
            (Backend::Sqlite, url)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            (Backend::Postgres, url.to_string())
        } else {
            return Err(sqlx::Error::Configuration(
                "the database URL must start with sqlite: or postgres:".into(),
            ));
        };
        let max = match backend {
            // SQLite has one writer at a time anyway: one connection queues requests in the
            // pool instead of in SQLite's busy handler (which gives up after 5 s).
            Backend::Sqlite => 1,
            Backend::Postgres => 16,
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(std::time::Duration::from_secs(30))
            .connect(&url)
            .await?;
        let db = Db { pool, backend };
        db.migrate().await?;
        Ok(db)
    }

    /// Creates the tables (idempotent) and records the schema version.
    pub async fn migrate(&self) -> Result<(), sqlx::Error> {
        self.migrate_to(SCHEMA_VERSION).await
    }

    /// Runs the migrations up to `target` (tests start from an older schema with it).
    async fn migrate_to(&self, target: i64) -> Result<(), sqlx::Error> {
        let (serial, blob) = match self.backend {
            Backend::Sqlite => ("INTEGER PRIMARY KEY AUTOINCREMENT", "BLOB"),
            Backend::Postgres => ("BIGSERIAL PRIMARY KEY", "BYTEA"),
        };
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            // Several instances may start at once: one migrates, the others wait.
            sqlx::query("SELECT pg_advisory_xact_lock(8787001)")
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT PRIMARY KEY)")
            .execute(&mut *tx)
            .await?;
        let current: Option<i64> = sqlx::query("SELECT MAX(version) AS v FROM schema_version")
            .fetch_one(&mut *tx)
            .await?
            .try_get("v")?;
        let current = current.unwrap_or(0);
        if current > SCHEMA_VERSION {
            return Err(sqlx::Error::Configuration(
                format!("the database schema is version {current}, newer than this server ({SCHEMA_VERSION})").into(),
            ));
        }
        for &(version, schema) in MIGRATIONS {
            if version <= current || version > target {
                continue;
            }
            let text = schema
                .replace("{{serial}}", serial)
                .replace("{{blob}}", blob);
            for statement in text.split(";\n") {
                let sql: String = statement
                    .lines()
                    .map(|line| line.split("--").next().unwrap_or(""))
                    .collect::<Vec<_>>()
                    .join("\n");
                if sql.trim().is_empty() {
                    continue;
                }
                sqlx::query(&sql).execute(&mut *tx).await?;
            }
            sqlx::query(
                "INSERT INTO schema_version (version) VALUES ($1) ON CONFLICT (version) DO NOTHING",
            )
            .bind(version)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await
    }

    /// `SELECT 1`.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1")
            .fetch_one(&self.pool)
            .await
            .map(|_| ())
    }

    /// Reads a wallet.
    pub async fn wallet(&self, wallet_id: &str) -> Result<Option<WalletRow>, sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        wallet_in(&mut conn, wallet_id).await
    }

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

/// Reads a wallet inside a transaction or on a connection.
pub async fn wallet_in(
    conn: &mut AnyConnection,
    wallet_id: &str,
) -> Result<Option<WalletRow>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT wallet_id, owner_iss, owner_sub, owner_quorum, epoch, share_set_id, ethereum_address, \
         solana_address, auth_share, auth_key_sealed, recovery_share, created_at, updated_at \
         FROM wallets WHERE wallet_id = $1",
    )
    .bind(wallet_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(wallet_from_row).transpose()
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

/// Inserts a new wallet; `false` when the id is taken.
pub async fn insert_wallet(
    conn: &mut AnyConnection,
    owner: &Caller,
    owner_quorum: Option<&str>,
    record: &SharesRecord<'_>,
) -> Result<bool, sqlx::Error> {
    let now = now();
    let result = sqlx::query(
        "INSERT INTO wallets (wallet_id, owner_iss, owner_sub, epoch, share_set_id, \
         ethereum_address, solana_address, auth_share, auth_key_sealed, recovery_share, \
         created_at, updated_at, owner_quorum) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12) \
         ON CONFLICT (wallet_id) DO NOTHING",
    )
    .bind(record.wallet_id)
    .bind(owner.issuer.as_str())
    .bind(owner.subject.as_str())
    .bind(record.epoch)
    .bind(record.share_set_id)
    .bind(record.ethereum_address)
    .bind(record.solana_address)
    .bind(record.auth_share)
    .bind(record.auth_key_sealed)
    .bind(record.recovery_share)
    .bind(now)
    .bind(owner_quorum)
    .execute(&mut *conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Replaces the share set if, and only if, the wallet belongs to `owner` (its user),
/// its owner is still `owner_quorum` (`None`: the user), it is at `expected_epoch` and
/// keeps its addresses: the compare-and-swap of rotation and recovery. `false` when
/// nothing matched (the caller finds out why).
pub async fn swap_shares(
    conn: &mut AnyConnection,
    owner: &Caller,
    owner_quorum: Option<&str>,
    expected_epoch: i64,
    record: &SharesRecord<'_>,
) -> Result<bool, sqlx::Error> {
    let quorum_condition = match owner_quorum {
        None => "owner_quorum IS NULL",
        Some(_) => "owner_quorum = $13",
    };
    let sql = format!(
        "UPDATE wallets SET epoch = $1, share_set_id = $2, auth_share = $3, \
         auth_key_sealed = $4, recovery_share = $5, updated_at = $6 \
         WHERE wallet_id = $7 AND owner_iss = $8 AND owner_sub = $9 AND epoch = $10 \
         AND epoch < $1 AND ethereum_address = $11 AND solana_address = $12 AND {quorum_condition}"
    );
    let mut query = sqlx::query(&sql)
        .bind(record.epoch)
        .bind(record.share_set_id)
        .bind(record.auth_share)
        .bind(record.auth_key_sealed)
        .bind(record.recovery_share)
        .bind(now())
        .bind(record.wallet_id)
        .bind(owner.issuer.as_str())
        .bind(owner.subject.as_str())
        .bind(expected_epoch)
        .bind(record.ethereum_address)
        .bind(record.solana_address);
    if let Some(quorum) = owner_quorum {
        query = query.bind(quorum);
    }
    let result = query.execute(&mut *conn).await?;
    Ok(result.rows_affected() == 1)
}

/// Records a release nonce; `false` when it was used before for this wallet.
pub async fn use_nonce(
    conn: &mut AnyConnection,
    wallet_id: &str,
    nonce: &str,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "INSERT INTO release_nonces (wallet_id, nonce, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (wallet_id, nonce) DO NOTHING",
    )
    .bind(wallet_id)
    .bind(nonce)
    .bind(now())
    .execute(&mut *conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

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

/// Compare-and-swap on the owner: sets `owner_quorum` to `new` (and touches
/// `updated_at`) only if the wallet's user is `user` and its owner is still `old`. With
/// `new == old` it only locks the row against a concurrent owner change. `false` when
/// nothing matched.
pub async fn swap_owner(
    conn: &mut AnyConnection,
    wallet_id: &str,
    user: &Caller,
    old: Option<&str>,
    new: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let sql = match old {
        None => {
            "UPDATE wallets SET owner_quorum = $1, updated_at = $2 WHERE wallet_id = $3 \
             AND owner_iss = $4 AND owner_sub = $5 AND owner_quorum IS NULL"
        }
        Some(_) => {
            "UPDATE wallets SET owner_quorum = $1, updated_at = $2 WHERE wallet_id = $3 \
             AND owner_iss = $4 AND owner_sub = $5 AND owner_quorum = $6"
        }
    };
    let mut query = sqlx::query(sql)
        .bind(new)
        .bind(now())
        .bind(wallet_id)
        .bind(user.issuer.as_str())
        .bind(user.subject.as_str());
    if let Some(old) = old {
        query = query.bind(old);
    }
    let result = query.execute(&mut *conn).await?;
    Ok(result.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database written by a version-1 server keeps its wallets through migration 2:
    /// they are owned by their user and have no signers.
    #[tokio::test]
    async fn migrates_version_1_to_2() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("v1.sqlite3").display());
        sqlx::any::install_default_drivers();
        let pool = AnyPoolOptions::new()
            .max_connections(1)
            .connect(&format!("{url}?mode=rwc"))
            .await
            .unwrap();
        let old = Db {
            pool,
            backend: Backend::Sqlite,
        };
        old.migrate_to(1).await.unwrap();
        sqlx::query(
            "INSERT INTO wallets (wallet_id, owner_iss, owner_sub, epoch, share_set_id, \
             ethereum_address, solana_address, auth_share, auth_key_sealed, recovery_share, \
             created_at, updated_at) VALUES ('00', 'iss', 'alice', 3, 's', 'e', 'o', $1, $1, $1, 1, 1)",
        )
        .bind(&b"x"[..])
        .execute(&old.pool)
        .await
        .unwrap();
        old.pool.close().await;

        let db = Db::connect(&url).await.unwrap();
        let version: i64 = sqlx::query("SELECT MAX(version) AS v FROM schema_version")
            .fetch_one(&db.pool)
            .await
            .unwrap()
            .try_get("v")
            .unwrap();
        assert_eq!(version, 2);
        let row = db.wallet("00").await.unwrap().unwrap();
        assert_eq!((row.owner.subject.as_str(), row.epoch), ("alice", 3));
        assert_eq!(row.owner_quorum, None);
        let mut conn = db.pool.acquire().await.unwrap();
        assert!(signers_in(&mut conn, "00").await.unwrap().is_empty());
        assert!(insert_signer(&mut conn, "00", "k", "{}").await.unwrap());
        assert!(!insert_signer(&mut conn, "00", "k", "{}").await.unwrap());
        // Running the migrations again changes nothing.
        drop(conn);
        db.migrate().await.unwrap();
        assert_eq!(db.wallet("00").await.unwrap().unwrap().epoch, 3);
    }
}
