//! Single use of signed requests' idempotency keys, kept until their requests expire.

use sqlx::AnyConnection;

use super::{now, Backend};

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

#[cfg(test)]
mod tests {
    use sqlx::Row;

    use super::*;
    use crate::db::Db;

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
}
