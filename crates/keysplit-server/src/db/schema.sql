-- keysplit-server schema, version 1: one text for SQLite and PostgreSQL. `{{serial}}` and
-- `{{blob}}` are the only words that differ (src/db.rs replaces them); statements are
-- separated by semicolons at the end of a line.

CREATE TABLE IF NOT EXISTS wallets (
    wallet_id        TEXT PRIMARY KEY,       -- 32 lower-case hex digits
    owner_iss        TEXT NOT NULL,          -- the owner's token issuer ...
    owner_sub        TEXT NOT NULL,          -- ... and subject
    epoch            BIGINT NOT NULL,        -- current share set; only ever increases
    share_set_id     TEXT NOT NULL,
    ethereum_address TEXT NOT NULL,
    solana_address   TEXT NOT NULL,
    auth_share       {{blob}} NOT NULL,      -- sealed share (keysplit-wallet format)
    auth_key_sealed  {{blob}} NOT NULL,      -- its key under the master key (72 bytes)
    recovery_share   {{blob}} NOT NULL,      -- sealed share (password or key)
    created_at       BIGINT NOT NULL,        -- Unix seconds
    updated_at       BIGINT NOT NULL
);

CREATE INDEX IF NOT EXISTS wallets_owner ON wallets (owner_iss, owner_sub);

-- Single-use release nonces; a second use of one is refused (REPLAYED).
CREATE TABLE IF NOT EXISTS release_nonces (
    wallet_id  TEXT NOT NULL,
    nonce      TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (wallet_id, nonce)
);

-- Append-only: the server only ever INSERTs here. No shares, keys, tokens or passwords.
CREATE TABLE IF NOT EXISTS audit_log (
    id          {{serial}},
    at          BIGINT NOT NULL,
    wallet_id   TEXT NOT NULL,
    actor_iss   TEXT NOT NULL,
    actor_sub   TEXT NOT NULL,
    action      TEXT NOT NULL,               -- create, rotate, release, recovery_share, ...
    outcome     TEXT NOT NULL,               -- ok, or the refusal's error code
    epoch       BIGINT NOT NULL,             -- -1 when unknown
    detail      TEXT NOT NULL
);

CREATE INDEX IF NOT EXISTS audit_log_wallet ON audit_log (wallet_id, id);
