-- keysplit-server schema, version 3: idempotency keys expire and are pruned; automatic
-- recovery. Applied once, after version 2, by src/db.rs (same placeholders, same
-- statement separator).

-- Each used key is kept until its request's privy-request-expiry (Unix milliseconds),
-- then deleted in batches by later inserts. Keys recorded before version 3 have no known
-- expiry (it was not capped then): they are kept for good.
ALTER TABLE release_nonces ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 9223372036854775807;

-- The stage-1 release form ({request_digest, nonce}) is gone; its nonces can never be
-- presented again.
DELETE FROM release_nonces WHERE nonce NOT LIKE 'idem:%';

CREATE INDEX IF NOT EXISTS release_nonces_expiry ON release_nonces (expires_at);

-- Automatic recovery (optional per wallet): the key the recovery share is sealed under,
-- encrypted under the master key like auth_key_sealed (another associated-data label).
-- NULL: the recovery share is the user's to open (a password).
ALTER TABLE wallets ADD COLUMN recovery_key_sealed {{blob}};
