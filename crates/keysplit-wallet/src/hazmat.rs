//! Blind signing: signatures over values nobody can show a user or check against a policy.
//!
//! A 32-byte digest or a pair of EIP-712 hashes says nothing about what it commits to, so
//! whoever can call these can have the wallet sign anything: a transaction draining it, a
//! permit, a login. Sign requests through their decoders instead
//! ([`Wallet::sign_ethereum_transaction`], [`Wallet::sign_typed_data_json`],
//! [`Wallet::sign_personal_message`], [`Wallet::sign_solana_transaction`]), which build the
//! [`RequestSummary`](crate::RequestSummary) a person or a
//! [`Policy`](crate::policy::Policy) can check first. These stay for callers that really
//! hold a digest (protocols keysplit does not decode) and accept that risk.

use crate::error::Error;
use crate::ethereum;
use crate::share_set::Wallet;

/// Signs a 32-byte digest with Ethereum account `index`: 65 bytes `r || s || v`
/// (recoverable, RFC 6979, low s).
///
/// # Errors
/// [`Error::InvalidChildKey`] in the (negligible) case that the account's key does not
/// derive.
pub fn sign_digest(wallet: &Wallet, index: u32, digest: &[u8; 32]) -> Result<[u8; 65], Error> {
    wallet.sign_digest(index, digest)
}

/// Signs EIP-712 typed data given only its domain separator and struct hash (the hashes
/// hide the domain and the message: prefer [`Wallet::sign_typed_data_json`]).
///
/// # Errors
/// As [`sign_digest`].
pub fn sign_typed_data_hashes(
    wallet: &Wallet,
    index: u32,
    domain_separator: &[u8; 32],
    struct_hash: &[u8; 32],
) -> Result<[u8; 65], Error> {
    wallet.sign_digest(
        index,
        &ethereum::typed_data_digest(domain_separator, struct_hash),
    )
}
