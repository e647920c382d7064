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
    (3, include_str!("migration_3.sql")),
];
const SCHEMA_VERSION: i64 = 3;

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
    /// Automatic recovery: the key that opens the recovery share, sealed under the master
    /// key; `None` when the wallet has none.
    pub recovery_key_sealed: Option<Vec<u8>>,
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
            .field("automatic_recovery", &self.recovery_key_sealed.is_some())
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
        recovery_key_sealed: row.try_get("recovery_key_sealed")?,
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
    /// Automatic recovery: the recovery share's key under the master key, or `None`.
    pub recovery_key_sealed: Option<&'a [u8]>,
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
         solana_address, auth_share, auth_key_sealed, recovery_share, recovery_key_sealed, \
         created_at, updated_at FROM wallets WHERE wallet_id = $1",
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
         created_at, updated_at, owner_quorum, recovery_key_sealed) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, $13) \
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
    .bind(record.recovery_key_sealed)
    .execute(&mut *conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Replaces the share set if, and only if, the wallet belongs to `owner` (its user),
/// its owner is still `owner_quorum` (`None`: the user), it is at `expected_epoch` and
/// keeps its addresses: the compare-and-swap of rotation and recovery. With
/// `no_automatic_recovery` it also matches only a wallet without automatic recovery (an
/// upload of a key-sealed recovery share without its key must not land on one). The
/// stored recovery key becomes `record.recovery_key_sealed`. `false` when nothing
/// matched (the caller finds out why).
pub async fn swap_shares(
    conn: &mut AnyConnection,
    owner: &Caller,
    owner_quorum: Option<&str>,
    expected_epoch: i64,
    no_automatic_recovery: bool,
    record: &SharesRecord<'_>,
) -> Result<bool, sqlx::Error> {
    let quorum_condition = match owner_quorum {
        None => "owner_quorum IS NULL",
        Some(_) => "owner_quorum = $14",
    };
    let recovery_condition = if no_automatic_recovery {
        " AND recovery_key_sealed IS NULL"
    } else {
        ""
    };
    let sql = format!(
        "UPDATE wallets SET epoch = $1, share_set_id = $2, auth_share = $3, \
         auth_key_sealed = $4, recovery_share = $5, updated_at = $6, recovery_key_sealed = $13 \
         WHERE wallet_id = $7 AND owner_iss = $8 AND owner_sub = $9 AND epoch = $10 \
         AND epoch < $1 AND ethereum_address = $11 AND solana_address = $12 \
         AND {quorum_condition}{recovery_condition}"
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
        .bind(record.solana_address)
        .bind(record.recovery_key_sealed);
    if let Some(quorum) = owner_quorum {
        query = query.bind(quorum);
    }
    let result = query.execute(&mut *conn).await?;
    Ok(result.rows_affected() == 1)
}

/// How many expired idempotency keys one insert deletes at most.
pub const PRUNE_BATCH: i64 = 64;

/// How long after its request's expiry an idempotency key is kept: a margin for clocks
/// of several instances that disagree a little (an instance whose clock is behind still
/// takes the request as in time).
pub const PRUNE_MARGIN_MS: u64 = 5 * 60 * 1000;

/// Unix milliseconds now.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

fn ms(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// Records a signed request's single-use key (`idem:` + its idempotency key) for the
/// wallet, kept until `expires_at_ms` (its `privy-request-expiry`); `false` when it was
/// used before. After a new insert, in the same transaction, deletes at most
/// [`PRUNE_BATCH`] keys that expired more than [`PRUNE_MARGIN_MS`] ago (any wallet's).
pub async fn use_nonce(
    conn: &mut AnyConnection,
    backend: Backend,
    wallet_id: &str,
    nonce: &str,
    expires_at_ms: u64,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "INSERT INTO release_nonces (wallet_id, nonce, created_at, expires_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (wallet_id, nonce) DO NOTHING",
    )
    .bind(wallet_id)
    .bind(nonce)
    .bind(now())
    .bind(ms(expires_at_ms))
    .execute(&mut *conn)
    .await?;
    let fresh = result.rows_affected() == 1;
    if fresh {
        prune_nonces(conn, backend, now_ms().saturating_sub(PRUNE_MARGIN_MS)).await?;
    }
    Ok(fresh)
}

/// Deletes at most [`PRUNE_BATCH`] keys whose expiry is before `before_ms`, oldest
/// first; returns how many. The batch is chosen by a subquery with `LIMIT` (SQLite and
/// PostgreSQL both take a row value `IN` it); PostgreSQL skips rows another transaction
/// is deleting (`FOR UPDATE SKIP LOCKED`), so concurrent requests never wait on each
/// other here; SQLite has one writer.
pub async fn prune_nonces(
    conn: &mut AnyConnection,
    backend: Backend,
    before_ms: u64,
) -> Result<u64, sqlx::Error> {
    let lock = match backend {
        Backend::Sqlite => "",
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
    };
    let sql = format!(
        "DELETE FROM release_nonces WHERE (wallet_id, nonce) IN \
         (SELECT wallet_id, nonce FROM release_nonces WHERE expires_at < $1 \
          ORDER BY expires_at LIMIT {PRUNE_BATCH}{lock})"
    );
    let result = sqlx::query(&sql)
        .bind(ms(before_ms))
        .execute(&mut *conn)
        .await?;
    Ok(result.rows_affected())
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

    async fn count(db: &Db, sql: &str) -> i64 {
        sqlx::query(sql)
            .fetch_one(&db.pool)
            .await
            .unwrap()
            .try_get("n")
            .unwrap()
    }

    /// Expired keys are deleted by later inserts, at most PRUNE_BATCH per insert, oldest
    /// first, past the margin only; keys in time and keys of unknown expiry stay.
    async fn prunes_expired_keys(url: &str) {
        let db = Db::connect(url).await.unwrap();
        let wallet = format!("prune-{:032x}", now_ms());
        let now = now_ms();
        let insert = |nonce: String, expires: i64| {
            let (db, wallet) = (db.clone(), wallet.clone());
            async move {
                sqlx::query(
                    "INSERT INTO release_nonces (wallet_id, nonce, created_at, expires_at) \
                     VALUES ($1, $2, 0, $3)",
                )
                .bind(wallet)
                .bind(nonce)
                .bind(expires)
                .execute(&db.pool)
                .await
                .unwrap();
            }
        };
        // Leftovers of an earlier, interrupted run would be older than ours.
        sqlx::query("DELETE FROM release_nonces WHERE expires_at < 1000")
            .execute(&db.pool)
            .await
            .unwrap();
        for i in 0..100 {
            insert(format!("idem:old-{i}"), i + 1).await;
        }
        // Expired, but within the margin; in time; unknown expiry (before version 3).
        insert("idem:recent".into(), ms(now - 60_000)).await;
        insert("idem:live".into(), ms(now + 60_000)).await;
        sqlx::query(
            "INSERT INTO release_nonces (wallet_id, nonce, created_at) VALUES ($1, 'idem:legacy', 0)",
        )
        .bind(&wallet)
        .execute(&db.pool)
        .await
        .unwrap();
        let mine = format!("SELECT COUNT(*) AS n FROM release_nonces WHERE wallet_id = '{wallet}'");

        let mut tx = db.pool.begin().await.unwrap();
        assert!(
            use_nonce(&mut tx, db.backend, &wallet, "idem:new", now + 60_000)
                .await
                .unwrap()
        );
        tx.commit().await.unwrap();
        assert_eq!(count(&db, &mine).await, 104 - PRUNE_BATCH);
        // The oldest went first.
        let oldest = format!(
            "SELECT COUNT(*) AS n FROM release_nonces WHERE wallet_id = '{wallet}' AND expires_at <= {PRUNE_BATCH}"
        );
        assert_eq!(count(&db, &oldest).await, 0);
        // A refused insert (a replay) deletes nothing.
        let mut tx = db.pool.begin().await.unwrap();
        assert!(
            !use_nonce(&mut tx, db.backend, &wallet, "idem:new", now + 60_000)
                .await
                .unwrap()
        );
        tx.commit().await.unwrap();
        assert_eq!(count(&db, &mine).await, 104 - PRUNE_BATCH);
        // The next insert takes the rest of the expired ones, and nothing else.
        let mut tx = db.pool.begin().await.unwrap();
        assert!(
            use_nonce(&mut tx, db.backend, &wallet, "idem:new2", now + 60_000)
                .await
                .unwrap()
        );
        tx.commit().await.unwrap();
        let left: Vec<String> = sqlx::query(&format!(
            "SELECT nonce FROM release_nonces WHERE wallet_id = '{wallet}' ORDER BY nonce"
        ))
        .fetch_all(&db.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get("nonce").unwrap())
        .collect();
        assert_eq!(
            left,
            [
                "idem:legacy",
                "idem:live",
                "idem:new",
                "idem:new2",
                "idem:recent"
            ]
        );
        let legacy: i64 = sqlx::query(&format!(
            "SELECT expires_at FROM release_nonces WHERE wallet_id = '{wallet}' AND nonce = 'idem:legacy'"
        ))
        .fetch_one(&db.pool)
        .await
        .unwrap()
        .try_get("expires_at")
        .unwrap();
        assert_eq!(legacy, i64::MAX);
        sqlx::query(&format!(
            "DELETE FROM release_nonces WHERE wallet_id = '{wallet}'"
        ))
        .execute(&db.pool)
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn prunes_expired_keys_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        prunes_expired_keys(&format!(
            "sqlite://{}",
            dir.path().join("p.sqlite3").display()
        ))
        .await;
    }

    #[tokio::test]
    async fn prunes_expired_keys_postgres() {
        match std::env::var("KEYSPLIT_TEST_POSTGRES") {
            Ok(url) if !url.is_empty() => prunes_expired_keys(&url).await,
            _ => eprintln!("SKIPPED: KEYSPLIT_TEST_POSTGRES is not set"),
        }
    }

    /// A database written by a version-1 server keeps its wallets through migrations 2
    /// and 3: they are owned by their user and have no signers; idempotency keys are kept
    /// with no known expiry, stage-1 nonces are dropped.
    #[tokio::test]
    async fn migrates_version_1_to_3() {
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
        sqlx::query(
            "INSERT INTO release_nonces (wallet_id, nonce, created_at) VALUES \
             ('00', '00112233445566778899aabbccddeeff', 1), ('00', 'idem:k', 1)",
        )
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
        assert_eq!(version, 3);
        let nonces: Vec<(String, i64)> =
            sqlx::query("SELECT nonce, expires_at FROM release_nonces ORDER BY nonce")
                .fetch_all(&db.pool)
                .await
                .unwrap()
                .iter()
                .map(|r| {
                    (
                        r.try_get("nonce").unwrap(),
                        r.try_get("expires_at").unwrap(),
                    )
                })
                .collect();
        assert_eq!(nonces, [("idem:k".to_string(), i64::MAX)]);
        let row = db.wallet("00").await.unwrap().unwrap();
        assert_eq!((row.owner.subject.as_str(), row.epoch), ("alice", 3));
        assert_eq!(row.owner_quorum, None);
        assert_eq!(row.recovery_key_sealed, None); // no automatic recovery
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
