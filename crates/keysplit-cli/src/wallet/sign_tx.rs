//! `keysplit wallet sign-transaction`: one transaction from stdin, decoded, checked
//! against an optional policy, signed by two shares; the signed form on stdout.
//!
//! Ethereum: a JSON transaction in ethers v6's field names in, the signed serialized
//! transaction (`0x` hex) out. Solana (`--chain solana`): a base64 serialized message in,
//! the base64 64-byte ed25519 signature out.

mod ethereum;
pub(super) mod policy;
mod solana;

use std::path::PathBuf;

use clap::Args;

use super::{Chain, OpenArgs};
use crate::io::read_stdin_request;
use crate::CliResult;

#[derive(Args, Debug)]
pub struct SignTransactionArgs {
    #[command(flatten)]
    open: OpenArgs,
    /// The transaction's chain: Ethereum (JSON on stdin) or Solana (base64 message).
    #[arg(long, value_enum, default_value_t = Chain::Ethereum)]
    chain: Chain,
    /// Account index.
    #[arg(long, default_value_t = 0)]
    index: u32,
    /// A policy (Privy's policy JSON) the transaction must pass; a denied transaction
    /// exits 1 with POLICY_DENIED and the deciding rule.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Allow an Ethereum transaction without `to` (a contract creation).
    #[arg(long)]
    allow_contract_creation: bool,
}

pub fn sign_transaction(args: SignTransactionArgs) -> CliResult {
    // The policy is read and loaded before stdin or any share is touched, so a bad policy
    // file fails without opening the wallet.
    let policy = policy::load(args.policy.as_deref())?;
    match args.chain {
        Chain::Ethereum => {
            let input = read_stdin_request("transaction JSON")?;
            ethereum::sign(&args, &policy, &input)
        }
        Chain::Solana => {
            let input = read_stdin_request("base64 transaction message")?;
            solana::sign(&args, &policy, &input)
        }
    }
}
