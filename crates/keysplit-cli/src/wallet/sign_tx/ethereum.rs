//! `sign-transaction` for Ethereum: ethers v6 JSON on stdin, the signed serialized
//! transaction (`0x` hex) on stdout.

use keysplit_wallet::ethereum::transaction::{
    EthereumTransactionOptions, EthereumTransactionRequest,
};
use keysplit_wallet::RequestSummary;

use super::policy::LoadedPolicy;
use super::SignTransactionArgs;
use crate::wallet::{print_line, wallet_error};
use crate::CliResult;

pub fn sign(args: &SignTransactionArgs, policy: &LoadedPolicy, input: &[u8]) -> CliResult {
    let options = EthereumTransactionOptions {
        allow_contract_creation: args.allow_contract_creation,
    };
    // Decoded before any share is opened: a malformed transaction fails without a password.
    let request = EthereumTransactionRequest::from_json(input, &options).map_err(wallet_error)?;
    let wallet = args.open.open()?;
    let from = wallet.ethereum_address(args.index).map_err(wallet_error)?;
    let summary = request.summary(from).map_err(wallet_error)?;
    policy.check(&RequestSummary::EthereumTransaction(summary))?;
    let signed = wallet
        .sign_ethereum_transaction(args.index, &request)
        .map_err(wallet_error)?;
    drop(wallet);
    print_line(&signed.to_hex())
}
