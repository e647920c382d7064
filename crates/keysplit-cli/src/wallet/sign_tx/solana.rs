//! `sign-transaction --chain solana`: a base64 serialized message (legacy or v0) on stdin,
//! the base64 64-byte ed25519 signature on stdout.
//!
//! The input is the message a signature covers (web3.js `serializeMessage()` /
//! `VersionedMessage.serialize()`), not a whole transaction with its signature slots.
//! Standard base64 alphabet with padding; ASCII whitespace anywhere (line breaks of
//! `base64` output, a trailing newline) is ignored.
//!
//! Order: decode the message (before any share is read), open the wallet, check that the
//! account is a required signer and build the summary, check the policy, then sign.

use base64ct::{Base64, Encoding};
use keysplit_wallet::solana::transaction::SolanaMessage;
use keysplit_wallet::RequestSummary;

use super::policy::LoadedPolicy;
use super::SignTransactionArgs;
use crate::wallet::{print_line, wallet_error};
use crate::{CliError, CliResult};

/// The message bytes of the base64 text on stdin.
fn decode_base64(input: &[u8]) -> CliResult<Vec<u8>> {
    let text: Vec<u8> = input
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    Base64::decode_vec(core::str::from_utf8(&text).unwrap_or("\u{fffd}")).map_err(|_| {
        CliError(
            "the Solana message on standard input is not base64 (standard alphabet, with \
             padding) [INVALID_BASE64]"
                .into(),
        )
    })
}

pub fn sign(args: &SignTransactionArgs, policy: &LoadedPolicy, input: &[u8]) -> CliResult {
    let message = decode_base64(input)?;
    // Refuse a malformed message before any share is read.
    SolanaMessage::decode(&message).map_err(wallet_error)?;
    let wallet = args.open.open()?;
    let summary = wallet
        .solana_transaction_summary(args.index, &message)
        .map_err(wallet_error)?;
    policy.check(&RequestSummary::SolanaTransaction(summary))?;
    let (signature, _) = wallet
        .sign_solana_transaction(args.index, &message)
        .map_err(wallet_error)?;
    drop(wallet);
    print_line(&Base64::encode_string(&signature))
}
