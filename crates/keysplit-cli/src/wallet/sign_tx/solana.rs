//! `sign-transaction --chain solana`.

use super::policy::LoadedPolicy;
use super::SignTransactionArgs;
use crate::{CliError, CliResult};

pub fn sign(_args: &SignTransactionArgs, _policy: &LoadedPolicy, _input: &[u8]) -> CliResult {
    Err(CliError("Solana transactions are not supported yet".into()))
}
