//! Storage: sqlx's `Any` driver over SQLite or PostgreSQL with run-time queries. Both
//! back ends run the one schema in `db/schema.sql` (and its migrations); queries use `$n` parameters, which
//! both accept. Every write that changes a wallet's shares is one transaction whose
//! `UPDATE` compares and swaps the epoch.
//!
//! By job: `wallets` (the wallet rows and their compare-and-swap writes), `audit`,
//! `nonces` (single use of idempotency keys), `signers`, `migrate` (the schema).

mod audit;
mod migrate;
mod nonces;
mod signers;
mod wallets;

pub use audit::{audit_in, AuditEntry, AuditRecord};
pub use nonces::{now_ms, prune_nonces, use_nonce, PRUNE_BATCH, PRUNE_MARGIN_MS};
pub use signers::{delete_signer, insert_signer, signers_in, SignerRow};
pub use wallets::{insert_wallet, swap_owner, swap_shares, wallet_in, SharesRecord, WalletRow};

use std::fmt;

use sqlx::any::AnyPoolOptions;
use sqlx::AnyPool;

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

    /// `SELECT 1`.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1")
            .fetch_one(&self.pool)
            .await
            .map(|_| ())
    }
}
