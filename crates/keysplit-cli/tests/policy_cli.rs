//! `--policy FILE` end to end through the binary: Privy-style policies allow, deny (naming
//! the deciding rule) or fail to load, for Ethereum transactions, Solana messages and
//! EIP-712 typed data. A denied or invalid request prints nothing on stdout.

mod common;

use std::path::Path;

use base64ct::{Base64, Encoding};
use common::{wallet_args, Run, KDF};
use keysplit_wallet::solana::transaction::SYSTEM_PROGRAM_ID;
use keysplit_wallet::SolanaAddress;

fn keysplit(args: &[&str], stdin: &[u8]) -> Run {
    common::run_with_password(args, &[], stdin)
}

fn create(dir: &Path) -> String {
    let d = dir.join("w").to_str().unwrap().to_string();
    let mut args = vec!["wallet", "create", "--dir", d.as_str()];
    args.extend(KDF);
    let run = keysplit(&args, b"");
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    d
}

fn write_policy(dir: &Path, name: &str, json: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, json).unwrap();
    path.to_str().unwrap().to_string()
}

/// Runs a signing command with `--policy` (when given) and checks the refusal shape.
fn sign(command: &[&str], wallet: &str, policy: Option<&str>, stdin: &[u8]) -> Run {
    let mut args = wallet_args(command[0], wallet, "device,auth", &command[1..]);
    if let Some(policy) = policy {
        args.extend(["--policy", policy]);
    }
    let run = keysplit(&args, stdin);
    if run.code != Some(0) {
        assert_eq!(run.code, Some(1), "{}", run.stderr);
        assert!(run.stdout.is_empty(), "nothing on stdout: {}", run.stdout);
        assert_eq!(run.stderr.lines().count(), 1, "one line: {}", run.stderr);
    }
    run
}

const ETH_POLICY: &str = r#"{"version": "1.0", "name": "Payments", "chain_type": "ethereum", "rules": [
  {"name": "Up to 1 ETH to the payee on mainnet", "method": "eth_signTransaction", "action": "ALLOW",
   "conditions": [
     {"field_source": "ethereum_transaction", "field": "to", "operator": "eq",
      "value": "0x3535353535353535353535353535353535353535"},
     {"field_source": "ethereum_transaction", "field": "value", "operator": "lte", "value": "1000000000000000000"},
     {"field_source": "ethereum_transaction", "field": "chain_id", "operator": "in", "value": ["1"]}]},
  {"name": "Never the burn address", "method": "*", "action": "DENY",
   "conditions": [{"field_source": "ethereum_transaction", "field": "to", "operator": "eq",
                   "value": "0x000000000000000000000000000000000000dEaD"}]}]}"#;

fn eth_tx(to: &str, value: &str, chain: u32) -> Vec<u8> {
    format!(
        r#"{{"type": 2, "chainId": {chain}, "nonce": 1, "to": "{to}", "value": "{value}",
            "gasLimit": "21000", "maxFeePerGas": "30000000000", "maxPriorityFeePerGas": "1"}}"#
    )
    .into_bytes()
}

#[test]
fn ethereum_transactions_pass_or_fail_the_policy() {
    let tmp = tempfile::tempdir().unwrap();
    let wallet = create(tmp.path());
    let policy = write_policy(tmp.path(), "eth.json", ETH_POLICY);
    let cmd = ["sign-transaction"];
    let payee = "0x3535353535353535353535353535353535353535";

    // Allowed: the same bytes as without a policy.
    let tx = eth_tx(payee, "1000000000000000000", 1);
    let plain = sign(&cmd, &wallet, None, &tx);
    assert_eq!(plain.code, Some(0), "{}", plain.stderr);
    let allowed = sign(&cmd, &wallet, Some(&policy), &tx);
    assert_eq!(allowed.code, Some(0), "{}", allowed.stderr);
    assert_eq!(allowed.stdout, plain.stdout);
    assert!(allowed.stdout.starts_with("0x02"));

    // One wei over the limit, another chain, another payee: no ALLOW rule matches.
    for tx in [
        eth_tx(payee, "1000000000000000001", 1),
        eth_tx(payee, "1", 5),
        eth_tx("0x3636363636363636363636363636363636363636", "1", 1),
    ] {
        let run = sign(&cmd, &wallet, Some(&policy), &tx);
        assert!(run.stderr.ends_with("[POLICY_DENIED]\n"), "{}", run.stderr);
    }

    // A DENY rule names itself.
    let run = sign(
        &cmd,
        &wallet,
        Some(&policy),
        &eth_tx("0x000000000000000000000000000000000000dead", "0", 1),
    );
    assert!(
        run.stderr.contains("\"Never the burn address\"") && run.stderr.contains("[POLICY_DENIED]"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_policy_that_does_not_load_stops_before_signing() {
    let tmp = tempfile::tempdir().unwrap();
    let wallet = create(tmp.path());
    let bad = ETH_POLICY.replace("\"lte\"", "\"approximately\"");
    let policy = write_policy(tmp.path(), "bad.json", &bad);
    let tx = eth_tx("0x3535353535353535353535353535353535353535", "1", 1);
    let run = sign(&["sign-transaction"], &wallet, Some(&policy), &tx);
    assert!(run.stderr.ends_with("[POLICY_INVALID]\n"), "{}", run.stderr);
    let missing = tmp.path().join("none.json");
    let run = sign(
        &["sign-transaction"],
        &wallet,
        Some(missing.to_str().unwrap()),
        &tx,
    );
    assert_eq!(run.code, Some(1));
}

/// A legacy message in which `payer` sends `lamports` to `to`.
fn sol_transfer(payer: SolanaAddress, to: SolanaAddress, lamports: u64) -> Vec<u8> {
    let mut out = vec![1, 0, 1, 3];
    for key in [payer, to, SYSTEM_PROGRAM_ID] {
        out.extend_from_slice(&key.0);
    }
    out.extend_from_slice(&[0x42; 32]);
    out.extend_from_slice(&[1, 2, 2, 0, 1, 12, 2, 0, 0, 0]);
    out.extend_from_slice(&lamports.to_le_bytes());
    Base64::encode_string(&out).into_bytes()
}

#[test]
fn solana_transfers_pass_or_fail_the_policy() {
    let tmp = tempfile::tempdir().unwrap();
    let wallet = create(tmp.path());
    let run = keysplit(
        &["wallet", "address", "--dir", &wallet, "--chain", "solana"],
        b"",
    );
    let payer = SolanaAddress::parse(run.stdout.trim()).unwrap();
    let payee = SolanaAddress([7; 32]);
    let policy = write_policy(
        tmp.path(),
        "sol.json",
        &format!(
            r#"{{"version": "1.0", "name": "SOL limit", "chain_type": "solana", "rules": [
              {{"name": "At most 0.001 SOL to the payee", "method": "signTransaction", "action": "ALLOW",
                "conditions": [
                  {{"field_source": "solana_system_program_instruction", "field": "Transfer.to",
                    "operator": "eq", "value": "{payee}"}},
                  {{"field_source": "solana_system_program_instruction", "field": "Transfer.lamports",
                    "operator": "lte", "value": "1000000"}}]}}]}}"#
        ),
    );
    let cmd = ["sign-transaction", "--chain", "solana"];
    let ok = sign(
        &cmd,
        &wallet,
        Some(&policy),
        &sol_transfer(payer, payee, 1_000_000),
    );
    assert_eq!(ok.code, Some(0), "{}", ok.stderr);
    let signature = Base64::decode_vec(ok.stdout.trim()).unwrap();
    assert_eq!(signature.len(), 64);
    for message in [
        sol_transfer(payer, payee, 1_000_001),
        sol_transfer(payer, SolanaAddress([8; 32]), 1),
    ] {
        let run = sign(&cmd, &wallet, Some(&policy), &message);
        assert!(run.stderr.ends_with("[POLICY_DENIED]\n"), "{}", run.stderr);
    }
}

/// EIP-712's own example (`Mail`), whose domain's verifying contract is 0xCcCC…cC.
const MAIL: &str = include_str!("fixtures/eip712-mail.json");

#[test]
fn typed_data_domains_pass_or_fail_the_policy() {
    let tmp = tempfile::tempdir().unwrap();
    let wallet = create(tmp.path());
    let policy = |contract: &str| {
        format!(
            r#"{{"version": "1.0", "name": "Known dapp", "chain_type": "ethereum", "rules": [
              {{"name": "Only the mail contract", "method": "eth_signTypedData_v4", "action": "ALLOW",
                "conditions": [{{"field_source": "ethereum_typed_data_domain",
                  "field": "verifyingContract", "operator": "eq", "value": "{contract}"}}]}}]}}"#
        )
    };
    let allow = write_policy(
        tmp.path(),
        "mail.json",
        &policy("0xcccccccccccccccccccccccccccccccccccccccc"),
    );
    let other = write_policy(
        tmp.path(),
        "other.json",
        &policy("0x3535353535353535353535353535353535353535"),
    );
    let cmd = ["sign-typed-data"];
    let ok = sign(&cmd, &wallet, Some(&allow), MAIL.as_bytes());
    assert_eq!(ok.code, Some(0), "{}", ok.stderr);
    assert_eq!(ok.stdout.trim().len(), 2 + 130);
    let denied = sign(&cmd, &wallet, Some(&other), MAIL.as_bytes());
    assert!(
        denied.stderr.ends_with("[POLICY_DENIED]\n"),
        "{}",
        denied.stderr
    );
    // A transaction rule does not cover typed data.
    let eth = write_policy(tmp.path(), "eth.json", ETH_POLICY);
    let denied = sign(&cmd, &wallet, Some(&eth), MAIL.as_bytes());
    assert!(
        denied.stderr.ends_with("[POLICY_DENIED]\n"),
        "{}",
        denied.stderr
    );
}
