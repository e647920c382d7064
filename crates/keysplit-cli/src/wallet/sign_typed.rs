//! `keysplit wallet sign-typed-data`: EIP-712 typed data (the JSON of
//! `eth_signTypedData_v4`) from stdin, parsed and summarised, signed by two shares; the
//! 65-byte signature `r || s || v` as `0x` hex on stdout.

use std::path::PathBuf;

use clap::Args;
use keysplit_wallet::ethereum::typed_data::TypedData;
use keysplit_wallet::RequestSummary;

use super::{print_line, wallet_error, OpenArgs};
use crate::io::read_stdin_request;
use crate::CliResult;

#[derive(Args, Debug)]
pub struct SignTypedDataArgs {
    #[command(flatten)]
    open: OpenArgs,
    /// Account index (m/44'/60'/0'/0/I).
    #[arg(long, default_value_t = 0)]
    index: u32,
    /// A policy (Privy's policy JSON) the typed data must pass (method
    /// `eth_signTypedData_v4`); a denied request exits 1 with POLICY_DENIED.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
}

pub fn sign_typed_data(args: SignTypedDataArgs) -> CliResult {
    let policy = super::sign_tx::policy::load(args.policy.as_deref())?;
    sign_checked(&args, |summary| policy.check(summary))
}

/// Parses the request before any share is touched, builds its summary with the opened
/// wallet, and signs only if `check` accepts the summary (a policy, for example).
pub fn sign_checked(
    args: &SignTypedDataArgs,
    check: impl FnOnce(&RequestSummary) -> CliResult,
) -> CliResult {
    let input = read_stdin_request("typed-data JSON")?;
    let typed = TypedData::from_json(&input).map_err(wallet_error)?;
    let wallet = args.open.open()?;
    let summary = wallet
        .typed_data_summary(args.index, &typed)
        .map_err(wallet_error)?;
    check(&summary)?;
    let signature = wallet
        .sign_typed_data_parsed(args.index, &typed)
        .map_err(wallet_error)?;
    print_line(&format!(
        "0x{}",
        keysplit::hazmat::encode_hex(&signature).as_str()
    ))
}
