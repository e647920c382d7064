//! Unit tests of the policy engine. Policies are in Privy's documented JSON shape; the
//! call data vectors are built by hand from the Solidity ABI specification (selector
//! `a9059cbb` is ERC-20's `transfer(address,uint256)`), not by the code under test.
//! Shared fixtures and the loading tests; the evaluation tests are in `evaluate.rs`.

use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use super::condition::{parse_eth_address, parse_hex};
use super::*;
use crate::summary::*;
use crate::{EthereumAddress, SolanaAddress};

mod evaluate;

const USDC_BASE: &str = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913";
const MAX_U256: &str =
    "115792089237316195423570985008687907853269984665640564039457584007913129639935";

fn hex(text: &str) -> Vec<u8> {
    parse_hex(&alloc::format!("0x{text}")).expect("test hex")
}

fn addr(text: &str) -> EthereumAddress {
    EthereumAddress(parse_eth_address(text).expect("test address"))
}

fn load(json: &str) -> Policy {
    match Policy::from_json(json.as_bytes()) {
        Ok(p) => p,
        Err(e) => panic!("policy should load: {e}\n{json}"),
    }
}

fn load_err(json: &str) -> String {
    match Policy::from_json(json.as_bytes()) {
        Ok(_) => panic!("policy should be refused:\n{json}"),
        Err(e) => {
            assert_eq!(e.code(), "POLICY_INVALID", "{e}");
            e.to_string()
        }
    }
}

fn eth_tx(to: Option<&str>, value: U256, chain_id: u64, data: Vec<u8>) -> RequestSummary {
    RequestSummary::EthereumTransaction(EthereumTransactionSummary {
        from: EthereumAddress([0x11; 20]),
        transaction_type: EthereumTransactionType::Eip1559,
        chain_id,
        nonce: 0,
        to: to.map(addr),
        value,
        data,
        gas_limit: 100_000,
        max_fee_per_gas: U256::from(1_000_000_000u64),
        max_priority_fee_per_gas: Some(U256::from(1u64)),
    })
}

fn typed_data(chain_id: Option<u64>, contract: Option<&str>) -> RequestSummary {
    RequestSummary::EthereumTypedData(EthereumTypedDataSummary {
        from: EthereumAddress([0x11; 20]),
        domain: TypedDataDomain {
            name: Some("Permit".to_string()),
            version: Some("1".to_string()),
            chain_id: chain_id.map(U256::from),
            verifying_contract: contract.map(addr),
            salt: None,
        },
        primary_type: "Permit".to_string(),
        digest: [7; 32],
    })
}

fn sol(text: &str) -> SolanaAddress {
    SolanaAddress::parse(text).expect("test solana address")
}

const SYSTEM: &str = "11111111111111111111111111111111";
const COMPUTE_BUDGET: &str = "ComputeBudget111111111111111111111111111111";
const ALICE: &str = "4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T";
const BOB: &str = "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM";

fn transfer(to: &str, lamports: u64) -> SolanaInstructionSummary {
    SolanaInstructionSummary {
        program_id: sol(SYSTEM),
        transfer: Some(SolanaTransfer {
            from: sol(ALICE),
            to: sol(to),
            lamports,
        }),
        opaque: false,
    }
}

fn program(id: &str) -> SolanaInstructionSummary {
    SolanaInstructionSummary {
        program_id: sol(id),
        transfer: None,
        opaque: false,
    }
}

fn sol_tx(instructions: Vec<SolanaInstructionSummary>, unresolved: usize) -> RequestSummary {
    RequestSummary::SolanaTransaction(SolanaTransactionSummary {
        from: sol(ALICE),
        versioned: unresolved > 0,
        fee_payer: sol(ALICE),
        recent_blockhash: [9; 32],
        instructions,
        unresolved_lookups: unresolved,
    })
}

/// ERC-20 `transfer(address,uint256)` call data, laid out by hand per the ABI spec.
fn erc20_transfer(to: &str, amount_hex64: &str) -> Vec<u8> {
    let mut data = hex("a9059cbb");
    data.extend(hex("000000000000000000000000"));
    data.extend(hex(&to[2..]));
    data.extend(hex(amount_hex64));
    data
}

const ERC20_ABI: &str = r#"[{"inputs":[{"internalType":"address","name":"recipient","type":"address"},
  {"internalType":"uint256","name":"amount","type":"uint256"}],"name":"transfer",
  "outputs":[{"internalType":"bool","name":"","type":"bool"}],"stateMutability":"nonpayable","type":"function"}]"#;

fn one_rule(chain: &str, method: &str, action: &str, conditions: &str) -> String {
    alloc::format!(
        r#"{{"version":"1.0","name":"test","chain_type":"{chain}","rules":[
          {{"name":"r0","method":"{method}","action":"{action}","conditions":[{conditions}]}}]}}"#
    )
}

/// One rule allowing every method of `chain` under `conditions`.
fn allow_all(chain: &str, conditions: &str) -> String {
    one_rule(chain, "*", "ALLOW", conditions)
}

fn cond(source: &str, field: &str, op: &str, value: &str) -> String {
    alloc::format!(
        r#"{{"field_source":"{source}","field":"{field}","operator":"{op}","value":{value}}}"#
    )
}

// -------------------------------------------------------------------------------------
// Privy's documented example policies load (shapes copied from docs.privy.io).

#[test]
fn privy_documented_examples_load() {
    let examples = [
        // Allowlist a specific smart contract + typed data on Base.
        r#"{"version":"1.0","name":"Allowlisted contracts","chain_type":"ethereum","rules":[
          {"name":"Allowlist the USDC address","method":"eth_sendTransaction","action":"ALLOW",
           "conditions":[{"field_source":"ethereum_transaction","field":"to","operator":"eq",
                          "value":"0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"}]},
          {"name":"Allowlist for Base specifically","method":"eth_signTypedData_v4","action":"ALLOW",
           "conditions":[{"field_source":"ethereum_typed_data_domain","field":"chainId","operator":"eq","value":"8453"}]}]}"#,
        // Configure a max transfer value of ETH (hex value, as in Privy's example).
        r#"{"version":"1.0","name":"Native token transfer maximums","chain_type":"ethereum","rules":[
          {"name":"Restrict ETH transfers to a maximum value","method":"eth_sendTransaction",
           "conditions":[{"field_source":"ethereum_transaction","field":"value","operator":"lte","value":"0x2386F26FC10000"}],
           "action":"ALLOW"}]}"#,
        // Allowlist networks.
        r#"{"version":"1.0","name":"Allowlisted networks","chain_type":"ethereum","rules":[
          {"name":"Base and Base Sepolia only","method":"*","action":"ALLOW",
           "conditions":[{"field_source":"ethereum_transaction","field":"chain_id","operator":"in","value":["8453","84532"]}]}]}"#,
        // Deny list of recipients.
        r#"{"version":"1.0","name":"Denylisted recipients","chain_type":"ethereum","rules":[
          {"name":"Deny a recipient","method":"eth_sendTransaction","action":"DENY",
           "conditions":[{"field_source":"ethereum_transaction","field":"to","operator":"in",
                          "value":["0x0000000000000000000000000000000000000bad"]}]}]}"#,
        // Time-bound signer.
        r#"{"version":"1.0","name":"Time-bound signer","chain_type":"ethereum","rules":[
          {"name":"Until October 2025","method":"eth_signTransaction","action":"ALLOW",
           "conditions":[{"field_source":"system","field":"current_unix_timestamp","operator":"lt","value":"1759291200"}]}]}"#,
        // Solana: allowlist programs.
        r#"{"version":"1.0","name":"Allowlisted programs","chain_type":"solana","rules":[
          {"name":"Allowlist the Compute Budget Program and System Program","method":"signAndSendTransaction",
           "conditions":[{"field_source":"solana_program_instruction","field":"programId","operator":"in",
                          "value":["ComputeBudget111111111111111111111111111111","11111111111111111111111111111111"]}],
           "action":"ALLOW"}]}"#,
        // Solana: SOL transfer maximum.
        r#"{"version":"1.0","name":"SOL transfer maximums","chain_type":"solana","rules":[
          {"name":"Restrict SOL transfers to a maximum value","method":"signAndSendTransaction",
           "conditions":[{"field_source":"solana_system_program_instruction","field":"Transfer.lamports","operator":"lte","value":"1000000000"}],
           "action":"ALLOW"}]}"#,
        // Solana: time window.
        r#"{"version":"1.0","name":"Time-bound Solana transactions policy","chain_type":"solana","rules":[
          {"name":"Allow Solana transactions only during September 2025","method":"signAndSendTransaction",
           "conditions":[{"field_source":"system","field":"current_unix_timestamp","operator":"gte","value":"1756699200"},
                         {"field_source":"system","field":"current_unix_timestamp","operator":"lt","value":"1759291200"}],
           "action":"ALLOW"}]}"#,
        // Solana: max value to allowlisted recipients, with instructionName.
        r#"{"version":"1.0","name":"Restrict SOL transfers to a specific recipient","chain_type":"solana","rules":[
          {"name":"Max value to a recipient","method":"signAndSendTransaction",
           "conditions":[{"field_source":"solana_system_program_instruction","field":"instructionName","operator":"eq","value":"Transfer"},
                         {"field_source":"solana_system_program_instruction","field":"Transfer.to","operator":"in","value":["9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM"]},
                         {"field_source":"solana_system_program_instruction","field":"Transfer.lamports","operator":"lte","value":"1000000000"}],
           "action":"ALLOW"}]}"#,
        // Prevent private key exports while allowing other actions.
        r#"{"version":"1.0","name":"No exports","chain_type":"solana","rules":[
          {"name":"Deny key export","method":"exportPrivateKey","conditions":[],"action":"DENY"},
          {"name":"Allow everything else","method":"*","conditions":[],"action":"ALLOW"}]}"#,
        // A policy as Privy's API returns it (id, owner_id, created_at, rule ids).
        r#"{"id":"tb54eps4z44ed0jepousxi4n","name":"Allowlisted stablecoins","chain_type":"ethereum",
            "rules":[{"id":"bdyfoa65pro1eez6iwtzanol","name":"Allowlist USDC contract on Base","method":"eth_sendTransaction",
              "conditions":[{"field_source":"ethereum_transaction","field":"to","operator":"eq","value":"0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"}],
              "action":"ALLOW"}],
            "owner_id":null,"version":"1.0","created_at":1741833088894}"#,
    ];
    for json in examples {
        load(json);
    }
    // USDC transfer cap through call data (Privy's ERC-20 example, abi as an array).
    load(&alloc::format!(
        r#"{{"version":"1.0","name":"USDC cap","chain_type":"ethereum","rules":[
          {{"name":"Restrict USDC transfers on Base","method":"eth_sendTransaction","action":"ALLOW","conditions":[
            {{"field_source":"ethereum_transaction","field":"to","operator":"eq","value":"{USDC_BASE}"}},
            {{"field_source":"ethereum_transaction","field":"chain_id","operator":"eq","value":"8453"}},
            {{"field_source":"ethereum_calldata","field":"transfer.amount","abi":{ERC20_ABI},"operator":"lte","value":"100000000"}}]}}]}}"#
    ));
}

// -------------------------------------------------------------------------------------
// Refusals at load time: every one is POLICY_INVALID and says where.

#[test]
fn load_refusals_name_the_place() {
    let tx = |field: &str, op: &str, value: &str| {
        one_rule(
            "ethereum",
            "eth_signTransaction",
            "ALLOW",
            &cond("ethereum_transaction", field, op, value),
        )
    };
    let cases: Vec<(String, &str)> = vec![
        ("not json".to_string(), "policy"),
        (
            r#"{"version":"1.0","name":"x","chain_type":"ethereum","rules":[],"extra":1}"#
                .to_string(),
            "unknown field",
        ),
        (
            r#"{"version":"2.0","name":"x","chain_type":"ethereum","rules":[]}"#.to_string(),
            "version",
        ),
        (
            r#"{"version":"1.0","name":"","chain_type":"ethereum","rules":[]}"#.to_string(),
            "policy.name",
        ),
        (
            r#"{"version":"1.0","name":"x","chain_type":"tron","rules":[]}"#.to_string(),
            "chain_type",
        ),
        (
            one_rule("ethereum", "eth_fly", "ALLOW", ""),
            "unknown method",
        ),
        (
            one_rule("ethereum", "signTransaction", "ALLOW", ""),
            "is a solana method",
        ),
        (
            one_rule("solana", "eth_signTransaction", "ALLOW", ""),
            "is a ethereum method",
        ),
        (
            one_rule("ethereum", "*", "allow", ""),
            "neither ALLOW nor DENY",
        ),
        (
            allow_all("ethereum", &cond("ethereum_magic", "to", "eq", "\"1\"")),
            "unknown field_source",
        ),
        (
            allow_all(
                "ethereum",
                &cond("ethereum_typed_data_message", "x", "eq", "\"1\""),
            ),
            "does not evaluate",
        ),
        (tx("gas", "eq", "\"1\""), "unknown field \"gas\""),
        (tx("value", "ne", "\"1\""), "unknown operator"),
        (
            tx("value", "in_condition_set", "\"abc\""),
            "in_condition_set",
        ),
        (tx("value", "in", "\"1\""), "needs a list"),
        (tx("value", "in", "[]"), "non-empty"),
        (tx("value", "eq", "[\"1\"]"), "not a list"),
        (
            tx("to", "gt", "\"0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913\""),
            "not a number",
        ),
        (
            tx("value", "lte", "\"12abc\""),
            "not a non-negative integer",
        ),
        (tx("value", "lte", "\"-1\""), "not a non-negative integer"),
        (tx("value", "lte", "\"1.5\""), "not a non-negative integer"),
        (tx("value", "lte", "1.5"), "whole number"),
        (tx("value", "lte", "true"), "expected a string"),
        (
            tx("value", "lte", &alloc::format!("\"{MAX_U256}0\"")),
            "below 2^256",
        ),
        (tx("to", "eq", "\"0x1234\""), "not an Ethereum address"),
        (
            tx(
                "to",
                "in",
                "[\"0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913\", 5]",
            ),
            "value[1]",
        ),
        (
            one_rule(
                "ethereum",
                "personal_sign",
                "ALLOW",
                &cond(
                    "ethereum_transaction",
                    "to",
                    "eq",
                    "\"0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913\"",
                ),
            ),
            "cannot apply",
        ),
        (
            allow_all(
                "ethereum",
                &cond(
                    "solana_program_instruction",
                    "programId",
                    "eq",
                    "\"11111111111111111111111111111111\"",
                ),
            ),
            "is for solana policies",
        ),
        (
            allow_all(
                "solana",
                &cond(
                    "solana_system_program_instruction",
                    "instructionName",
                    "eq",
                    "\"CreateAccount\"",
                ),
            ),
            "only System Program Transfer",
        ),
        (
            allow_all(
                "solana",
                &cond(
                    "solana_system_program_instruction",
                    "Transfer.to",
                    "eq",
                    "\"not-base58-0OIl\"",
                ),
            ),
            "base58",
        ),
        (
            allow_all(
                "ethereum",
                &cond("ethereum_calldata", "transfer.amount", "lte", "\"1\""),
            ),
            "needs the function's abi",
        ),
        (
            allow_all(
                "ethereum",
                r#"{"field_source":"ethereum_transaction","field":"value","operator":"lte","value":"1","abi":[]}"#,
            ),
            "only ethereum_calldata",
        ),
        (
            allow_all(
                "ethereum",
                r#"{"field_source":"system","field":"current_unix_timestamp","operator":"lt","value":"1","extra":2}"#,
            ),
            "unknown field",
        ),
    ];
    for (json, expected) in &cases {
        let message = load_err(json);
        assert!(
            message.contains(expected),
            "{message:?} should contain {expected:?}"
        );
    }
    // The location names the rule and condition index.
    let two = r#"{"version":"1.0","name":"x","chain_type":"ethereum","rules":[
        {"name":"ok","method":"*","action":"ALLOW","conditions":[]},
        {"name":"bad","method":"*","action":"ALLOW","conditions":[
           {"field_source":"system","field":"current_unix_timestamp","operator":"lt","value":"1"},
           {"field_source":"system","field":"current_unix_timestamp","operator":"between","value":"1"}]}]}"#;
    let message = load_err(two);
    assert!(
        message.contains("rules[1] (\"bad\").conditions[1]"),
        "{message}"
    );
}

#[test]
fn calldata_abi_refusals() {
    let calldata = |field: &str, abi: &str| {
        one_rule(
            "ethereum",
            "eth_signTransaction",
            "ALLOW",
            &alloc::format!(
                r#"{{"field_source":"ethereum_calldata","field":"{field}","abi":{abi},"operator":"eq","value":"1"}}"#
            ),
        )
    };
    let f =
        |inputs: &str| alloc::format!(r#"[{{"type":"function","name":"f","inputs":[{inputs}]}}]"#);
    let cases = [
        (calldata("transfer", ERC20_ABI), "<function>.<argument>"),
        (calldata("approve.amount", ERC20_ABI), "no function named"),
        (calldata("transfer.value", ERC20_ABI), "no argument named"),
        (
            calldata("f.s", &f(r#"{"name":"s","type":"string"}"#)),
            "compares address",
        ),
        (
            calldata(
                "f.a",
                &f(r#"{"name":"t","type":"tuple","components":[]},{"name":"a","type":"uint256"}"#),
            ),
            "tuples",
        ),
        (
            calldata(
                "f.a",
                &f(r#"{"name":"t","type":"uint256[2]"},{"name":"a","type":"uint256"}"#),
            ),
            "fixed-size arrays",
        ),
        (
            calldata("f.a", &f(r#"{"name":"a","type":"uint7"}"#)),
            "not a type keysplit can decode",
        ),
        (
            calldata(
                "f.a",
                &alloc::format!(
                    "[{},{}]",
                    &f(r#"{"name":"a","type":"uint256"}"#)
                        [1..f(r#"{"name":"a","type":"uint256"}"#).len() - 1],
                    &f(r#"{"name":"a","type":"address"}"#)
                        [1..f(r#"{"name":"a","type":"address"}"#).len() - 1]
                ),
            ),
            "more than one function",
        ),
        (calldata("f.a", "\"nope\""), "Solidity JSON ABI"),
    ];
    for (json, expected) in &cases {
        let message = load_err(json);
        assert!(
            message.contains(expected),
            "{message:?} should contain {expected:?}"
        );
    }
}

#[test]
fn oversized_policies_are_refused() {
    let big = alloc::format!("{{\"pad\":\"{}\"}}", "a".repeat(MAX_POLICY_BYTES));
    assert!(load_err(&big).contains("larger than"));
    let rules: Vec<String> = (0..=MAX_RULES)
        .map(|i| {
            alloc::format!(r#"{{"name":"r{i}","method":"*","action":"ALLOW","conditions":[]}}"#)
        })
        .collect();
    let json = alloc::format!(
        r#"{{"version":"1.0","name":"x","chain_type":"ethereum","rules":[{}]}}"#,
        rules.join(",")
    );
    assert!(load_err(&json).contains("more than 100 rules"));
    let list: Vec<String> = (0..=MAX_IN_VALUES)
        .map(|i| alloc::format!("\"{i}\""))
        .collect();
    let json = allow_all(
        "ethereum",
        &cond(
            "ethereum_transaction",
            "chain_id",
            "in",
            &alloc::format!("[{}]", list.join(",")),
        ),
    );
    assert!(load_err(&json).contains("more than 1000 values"));
    let long_name =
        allow_all("ethereum", "").replace("\"r0\"", &alloc::format!("\"{}\"", "n".repeat(101)));
    assert!(load_err(&long_name).contains("1 to 100 characters"));
}
