//! The schema: migrations run in order, each once.

use sqlx::Row;

use super::{Backend, Db};

/// The migrations, in order: each text runs once, in the transaction that records its
/// version.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("schema.sql")),
    (2, include_str!("migration_2.sql")),
    (3, include_str!("migration_3.sql")),
];
const SCHEMA_VERSION: i64 = 3;

impl Db {
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
}

#[cfg(test)]
mod tests {
    use sqlx::any::AnyPoolOptions;
    use sqlx::Row;

    use super::super::{insert_signer, signers_in, Backend, Db};

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
