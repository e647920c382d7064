-- keysplit-server schema, version 2: key-quorum owners and additional signers. Applied
-- once, after version 1, by src/db.rs (same placeholders, same statement separator).

-- NULL: the wallet is owned by its user (owner_iss, owner_sub). Otherwise the owner is
-- this key quorum, `{"threshold": m, "members": ["<base64 SPKI>", ...]}` as normalized by
-- the server; owner_iss/owner_sub then stay the wallet's user (the creating token
-- subject), whose token every request on the wallet still needs.
ALTER TABLE wallets ADD COLUMN owner_quorum TEXT;

-- Additional signers: an authorization public key (base64 SPKI DER, normalized) and the
-- Privy policy JSON that bounds what it may authorize.
CREATE TABLE IF NOT EXISTS wallet_signers (
    wallet_id  TEXT NOT NULL,
    public_key TEXT NOT NULL,
    policy     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (wallet_id, public_key)
);
