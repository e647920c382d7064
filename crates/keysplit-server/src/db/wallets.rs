//! Wallet rows: read, insert, and the compare-and-swap writes of shares and owner.

use std::fmt;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::{now, Db};
use crate::auth::Caller;

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
    /// Reads a wallet.
    pub async fn wallet(&self, wallet_id: &str) -> Result<Option<WalletRow>, sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        wallet_in(&mut conn, wallet_id).await
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
