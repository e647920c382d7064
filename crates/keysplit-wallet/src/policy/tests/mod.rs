//! Unit tests of the policy engine. Policies are in Privy's documented JSON shape; the
//! call data vectors are built by hand from the Solidity ABI specification (selector
//! `a9059cbb` is ERC-20's `transfer(address,uint256)`), not by the code under test.

use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use super::*;
use crate::summary::*;
use crate::EthereumAddress;

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
            one_rule(
                "ethereum",
                "*",
                "ALLOW",
                &cond("ethereum_magic", "to", "eq", "\"1\""),
            ),
            "unknown field_source",
        ),
        (
            one_rule(
                "ethereum",
                "*",
                "ALLOW",
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
            one_rule(
                "ethereum",
                "*",
                "ALLOW",
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
            one_rule(
                "solana",
                "*",
                "ALLOW",
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
            one_rule(
                "solana",
                "*",
                "ALLOW",
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
            one_rule(
                "ethereum",
                "*",
                "ALLOW",
                &cond("ethereum_calldata", "transfer.amount", "lte", "\"1\""),
            ),
            "needs the function's abi",
        ),
        (
            one_rule(
                "ethereum",
                "*",
                "ALLOW",
                r#"{"field_source":"ethereum_transaction","field":"value","operator":"lte","value":"1","abi":[]}"#,
            ),
            "only ethereum_calldata",
        ),
        (
            one_rule(
                "ethereum",
                "*",
                "ALLOW",
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
    let json = one_rule(
        "ethereum",
        "*",
        "ALLOW",
        &cond(
            "ethereum_transaction",
            "chain_id",
            "in",
            &alloc::format!("[{}]", list.join(",")),
        ),
    );
    assert!(load_err(&json).contains("more than 1000 values"));
    let long_name = one_rule("ethereum", "*", "ALLOW", "")
        .replace("\"r0\"", &alloc::format!("\"{}\"", "n".repeat(101)));
    assert!(load_err(&long_name).contains("1 to 100 characters"));
}

// -------------------------------------------------------------------------------------
// Evaluation.

#[test]
fn deny_wins_and_nothing_matched_denies() {
    let policy = load(&alloc::format!(
        r#"{{"version":"1.0","name":"p","chain_type":"ethereum","rules":[
          {{"name":"allow usdc","method":"eth_signTransaction","action":"ALLOW","conditions":[
             {{"field_source":"ethereum_transaction","field":"to","operator":"eq","value":"{USDC_BASE}"}}]}},
          {{"name":"no value to usdc","method":"*","action":"DENY","conditions":[
             {{"field_source":"ethereum_transaction","field":"value","operator":"gt","value":"0"}}]}}]}}"#
    ));
    let ok = policy.evaluate(&eth_tx(Some(USDC_BASE), U256::ZERO, 8453, vec![]), 0);
    assert!(ok.allowed, "{ok}");
    assert_eq!(ok.rule.as_deref(), Some("allow usdc"));
    let denied = policy.evaluate(&eth_tx(Some(USDC_BASE), U256::from(1u8), 8453, vec![]), 0);
    assert!(!denied.allowed);
    assert_eq!(denied.rule.as_deref(), Some("no value to usdc"));
    let other = policy.evaluate(
        &eth_tx(
            Some("0x0000000000000000000000000000000000000001"),
            U256::ZERO,
            1,
            vec![],
        ),
        0,
    );
    assert!(!other.allowed);
    assert_eq!(other.rule, None);
    assert!(other.reason.contains("no ALLOW rule"), "{}", other.reason);
    // Contract creation has no `to`: the ALLOW condition does not hold.
    let create = policy.evaluate(&eth_tx(None, U256::ZERO, 1, vec![0x60]), 0);
    assert!(!create.allowed);
    // A policy without rules denies everything.
    let empty = load(r#"{"version":"1.0","name":"empty","chain_type":"ethereum","rules":[]}"#);
    assert!(
        !empty
            .evaluate(&eth_tx(Some(USDC_BASE), U256::ZERO, 1, vec![]), 0)
            .allowed
    );
    // The error form.
    let err = denied.into_result().unwrap_err();
    assert_eq!(err.code(), "POLICY_DENIED");
    assert!(err.to_string().contains("\"no value to usdc\""), "{err}");
    assert!(ok.into_result().is_ok());
}

#[test]
fn methods_match_exactly_and_chain_type_must_agree() {
    let send_only = load(&one_rule("ethereum", "eth_sendTransaction", "ALLOW", ""));
    let d = send_only.evaluate(&eth_tx(Some(USDC_BASE), U256::ZERO, 1, vec![]), 0);
    assert!(!d.allowed);
    assert!(d.reason.contains("do not cover it"), "{}", d.reason);
    let wildcard = load(&one_rule("ethereum", "*", "ALLOW", ""));
    assert!(
        wildcard
            .evaluate(&eth_tx(Some(USDC_BASE), U256::ZERO, 1, vec![]), 0)
            .allowed
    );
    assert!(wildcard.evaluate(&typed_data(Some(1), None), 0).allowed);
    // A Solana request under an Ethereum policy.
    let d = wildcard.evaluate(&sol_tx(vec![transfer(BOB, 1)], 0), 0);
    assert!(!d.allowed);
    assert!(d.reason.contains("for ethereum requests"), "{}", d.reason);
    // A typed-data rule does not allow a transaction.
    let td = load(&one_rule("ethereum", "eth_signTypedData_v4", "ALLOW", ""));
    assert!(
        !td.evaluate(&eth_tx(Some(USDC_BASE), U256::ZERO, 1, vec![]), 0)
            .allowed
    );
}

#[test]
fn time_bound_signer() {
    let policy = load(&one_rule(
        "ethereum",
        "eth_signTransaction",
        "ALLOW",
        &cond("system", "current_unix_timestamp", "lt", "\"1759291200\""),
    ));
    let tx = eth_tx(Some(USDC_BASE), U256::ZERO, 1, vec![]);
    assert!(policy.evaluate(&tx, 1_759_291_199).allowed);
    assert!(!policy.evaluate(&tx, 1_759_291_200).allowed);
    assert!(!policy.evaluate(&tx, u64::MAX).allowed);
    assert!(policy.evaluate(&tx, 0).allowed);
}

#[test]
fn value_limits_at_the_boundaries() {
    let max = U256::MAX;
    let tx = |v: U256| eth_tx(Some(USDC_BASE), v, 1, vec![]);
    let check = |op: &str, value: &str, wei: U256| {
        load(&one_rule(
            "ethereum",
            "eth_signTransaction",
            "ALLOW",
            &cond("ethereum_transaction", "value", op, value),
        ))
        .evaluate(&tx(wei), 0)
        .allowed
    };
    let max_dec = alloc::format!("\"{MAX_U256}\"");
    let max_hex = alloc::format!("\"0x{}\"", "f".repeat(64));
    assert!(check("eq", &max_dec, max));
    assert!(check("eq", &max_hex, max));
    assert!(!check("eq", &max_dec, max - U256::from(1u8)));
    assert!(!check("gt", &max_dec, max));
    assert!(check("gte", &max_dec, max));
    assert!(check("lte", &max_dec, max));
    assert!(!check("lt", &max_dec, max));
    assert!(check("lt", &max_dec, max - U256::from(1u8)));
    assert!(check("eq", "\"0\"", U256::ZERO));
    assert!(check("eq", "0", U256::ZERO));
    assert!(check("gte", "\"0\"", U256::ZERO));
    assert!(!check("gt", "\"0\"", U256::ZERO));
    assert!(check("gt", "\"0\"", U256::from(1u8)));
    assert!(!check("lt", "\"0\"", U256::ZERO));
    assert!(check("lte", "\"0x0\"", U256::ZERO));
    // Privy's example limit: 0x2386F26FC10000 wei = 0.01 ETH = 10^16.
    let cent = U256::from(10_000_000_000_000_000u64);
    assert!(check("lte", "\"0x2386F26FC10000\"", cent));
    assert!(!check(
        "lte",
        "\"0x2386F26FC10000\"",
        cent + U256::from(1u8)
    ));
    // Chain ids as numbers or decimal strings.
    let chain = |value: &str, id: u64| {
        load(&one_rule(
            "ethereum",
            "*",
            "ALLOW",
            &cond("ethereum_transaction", "chain_id", "in", value),
        ))
        .evaluate(&eth_tx(Some(USDC_BASE), U256::ZERO, id, vec![]), 0)
        .allowed
    };
    assert!(chain("[8453, \"84532\"]", 8453));
    assert!(chain("[8453, \"84532\"]", 84532));
    assert!(!chain("[8453, \"84532\"]", 1));
}

#[test]
fn address_lists_compare_case_insensitively() {
    let list = r#"["0x833589FCD6EDB6E08F4C7C32D4F71B54BDA02913", "0xd8da6bf26964af9d7eed9e03e53415d37aa96045"]"#;
    let policy = load(&one_rule(
        "ethereum",
        "eth_signTransaction",
        "ALLOW",
        &cond("ethereum_transaction", "to", "in", list),
    ));
    assert!(
        policy
            .evaluate(&eth_tx(Some(USDC_BASE), U256::ZERO, 1, vec![]), 0)
            .allowed
    );
    assert!(
        policy
            .evaluate(
                &eth_tx(
                    Some("0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045"),
                    U256::ZERO,
                    1,
                    vec![]
                ),
                0
            )
            .allowed
    );
    assert!(
        !policy
            .evaluate(
                &eth_tx(
                    Some("0xd8da6bf26964af9d7eed9e03e53415d37aa96046"),
                    U256::ZERO,
                    1,
                    vec![]
                ),
                0
            )
            .allowed
    );
}

#[test]
fn typed_data_domain() {
    let policy = load(&alloc::format!(
        r#"{{"version":"1.0","name":"p","chain_type":"ethereum","rules":[
          {{"name":"base permits","method":"eth_signTypedData_v4","action":"ALLOW","conditions":[
            {{"field_source":"ethereum_typed_data_domain","field":"chainId","operator":"eq","value":"8453"}},
            {{"field_source":"ethereum_typed_data_domain","field":"verifying_contract","operator":"eq","value":"{}"}}]}}]}}"#,
        USDC_BASE.to_lowercase()
    ));
    assert!(
        policy
            .evaluate(&typed_data(Some(8453), Some(USDC_BASE)), 0)
            .allowed
    );
    assert!(
        !policy
            .evaluate(&typed_data(Some(1), Some(USDC_BASE)), 0)
            .allowed
    );
    assert!(
        !policy
            .evaluate(&typed_data(None, Some(USDC_BASE)), 0)
            .allowed
    );
    assert!(!policy.evaluate(&typed_data(Some(8453), None), 0).allowed);
}

fn erc20_policy(extra_deny: &str) -> Policy {
    load(&alloc::format!(
        r#"{{"version":"1.0","name":"usdc","chain_type":"ethereum","rules":[
          {{"name":"small usdc to bob","method":"eth_signTransaction","action":"ALLOW","conditions":[
            {{"field_source":"ethereum_transaction","field":"to","operator":"eq","value":"{USDC_BASE}"}},
            {{"field_source":"ethereum_calldata","field":"transfer.recipient","abi":{ERC20_ABI},"operator":"eq",
              "value":"0xD8DA6BF26964AF9D7EED9E03E53415D37AA96045"}},
            {{"field_source":"ethereum_calldata","field":"transfer.amount","abi":{ERC20_ABI},"operator":"lte","value":"100000000"}}]}}
          {extra_deny}]}}"#
    ))
}

#[test]
fn erc20_transfer_calldata_is_decoded() {
    let policy = erc20_policy("");
    let bob = "0xd8da6bf26964af9d7eed9e03e53415d37aa96045";
    // 100 USDC (6 decimals) = 100_000_000 = 0x5f5e100.
    let at_cap = erc20_transfer(
        bob,
        "0000000000000000000000000000000000000000000000000000000005f5e100",
    );
    let over = erc20_transfer(
        bob,
        "0000000000000000000000000000000000000000000000000000000005f5e101",
    );
    let tx = |data: Vec<u8>| eth_tx(Some(USDC_BASE), U256::ZERO, 8453, data);
    let d = policy.evaluate(&tx(at_cap.clone()), 0);
    assert!(d.allowed, "{d}");
    assert!(!policy.evaluate(&tx(over), 0).allowed);
    let to_eve = erc20_transfer(
        "0xd8da6bf26964af9d7eed9e03e53415d37aa96046",
        "0000000000000000000000000000000000000000000000000000000000000001",
    );
    assert!(!policy.evaluate(&tx(to_eve), 0).allowed);
    // approve(address,uint256) = 0x095ea7b3: not this function, the conditions do not hold.
    let mut approve = at_cap.clone();
    approve[..4].copy_from_slice(&hex("095ea7b3"));
    assert!(!policy.evaluate(&tx(approve), 0).allowed);
    // Truncated, or a dirty high part of the address word: not canonical, not allowed.
    assert!(!policy.evaluate(&tx(at_cap[..60].to_vec()), 0).allowed);
    let mut dirty = at_cap.clone();
    dirty[4] = 1;
    let d = policy.evaluate(&tx(dirty.clone()), 0);
    assert!(!d.allowed);
    assert!(d.reason.contains("could not be evaluated"), "{}", d.reason);
    // A DENY rule that cannot be ruled out denies.
    let deny = erc20_policy(&alloc::format!(
        r#",{{"name":"no transfers to eve","method":"*","action":"DENY","conditions":[
            {{"field_source":"ethereum_calldata","field":"transfer.recipient","abi":{ERC20_ABI},"operator":"eq",
              "value":"0xd8da6bf26964af9d7eed9e03e53415d37aa96046"}}]}}"#
    ));
    assert!(deny.evaluate(&tx(at_cap), 0).allowed);
    let d = deny.evaluate(&tx(dirty), 0);
    assert!(!d.allowed);
    assert_eq!(d.rule.as_deref(), Some("no transfers to eve"));
}

#[test]
fn selector_comes_from_the_canonical_signature() {
    // ERC-20 transfer(address,uint256) is 0xa9059cbb; `uint` is `uint256`.
    let abi: Value = serde_json::from_str(
        r#"[{"type":"function","name":"transfer","inputs":[{"name":"to","type":"address"},{"name":"v","type":"uint"}]}]"#,
    )
    .unwrap();
    let arg = abi::resolve(&abi, "transfer.v").unwrap();
    assert_eq!(arg.selector, [0xa9, 0x05, 0x9c, 0xbb]);
    assert_eq!(arg.signature, "transfer(address,uint256)");
    assert_eq!(arg.word, 1);
    // approve(address,uint256) = 0x095ea7b3 with a single-item (object) abi.
    let abi: Value = serde_json::from_str(
        r#"{"type":"function","name":"approve","inputs":[{"name":"spender","type":"address"},{"name":"value","type":"uint256"}]}"#,
    )
    .unwrap();
    assert_eq!(
        abi::resolve(&abi, "approve.spender").unwrap().selector,
        [0x09, 0x5e, 0xa7, 0xb3]
    );
}

#[test]
fn signed_bool_and_bytes_arguments() {
    // f(string,int8,bool,bytes4): the string's head word is an offset; int8 is word 1.
    let abi = r#"[{"type":"function","name":"f","inputs":[{"name":"s","type":"string"},{"name":"i","type":"int8"},{"name":"b","type":"bool"},{"name":"x","type":"bytes4"}]}]"#;
    let rule = |field: &str, op: &str, value: &str| {
        load(&one_rule(
            "ethereum",
            "eth_signTransaction",
            "ALLOW",
            &alloc::format!(
                r#"{{"field_source":"ethereum_calldata","field":"{field}","abi":{abi},"operator":"{op}","value":{value}}}"#
            ),
        ))
    };
    let selector = crate::ethereum::keccak256(b"f(string,int8,bool,bytes4)");
    let mut data = selector[..4].to_vec();
    data.extend(hex(
        "0000000000000000000000000000000000000000000000000000000000000080",
    )); // offset
    data.extend(hex(
        "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffb",
    )); // -5
    data.extend(hex(
        "0000000000000000000000000000000000000000000000000000000000000001",
    )); // true
    data.extend(hex(
        "deadbeef00000000000000000000000000000000000000000000000000000000",
    )); // bytes4
    data.extend(hex(
        "0000000000000000000000000000000000000000000000000000000000000000",
    )); // ""
    let tx = |d: &Vec<u8>| eth_tx(Some(USDC_BASE), U256::ZERO, 1, d.clone());
    assert!(rule("f.i", "lt", "\"0\"").evaluate(&tx(&data), 0).allowed);
    assert!(rule("f.i", "eq", "\"-5\"").evaluate(&tx(&data), 0).allowed);
    assert!(rule("f.i", "eq", "-5").evaluate(&tx(&data), 0).allowed);
    assert!(rule("f.i", "gte", "\"-5\"").evaluate(&tx(&data), 0).allowed);
    assert!(!rule("f.i", "gt", "\"-5\"").evaluate(&tx(&data), 0).allowed);
    assert!(
        rule("f.b", "eq", "\"true\"")
            .evaluate(&tx(&data), 0)
            .allowed
    );
    assert!(
        rule("f.x", "eq", "\"0xDEADBEEF\"")
            .evaluate(&tx(&data), 0)
            .allowed
    );
    assert!(
        !rule("f.x", "eq", "\"0xdeadbeee\"")
            .evaluate(&tx(&data), 0)
            .allowed
    );
    // -129 does not fit int8: not canonical.
    let mut bad = data.clone();
    bad[4 + 32..4 + 64].copy_from_slice(&hex(
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ));
    assert!(!rule("f.i", "lt", "\"0\"").evaluate(&tx(&bad), 0).allowed);
    // bool 2 is not a bool.
    let mut bad = data.clone();
    bad[4 + 95] = 2;
    assert!(!rule("f.b", "eq", "\"true\"").evaluate(&tx(&bad), 0).allowed);
}

#[test]
fn solana_every_instruction_must_be_allowed() {
    let policy = load(&alloc::format!(
        r#"{{"version":"1.0","name":"sol","chain_type":"solana","rules":[
          {{"name":"compute budget","method":"signTransaction","action":"ALLOW","conditions":[
            {{"field_source":"solana_program_instruction","field":"programId","operator":"eq","value":"{COMPUTE_BUDGET}"}}]}},
          {{"name":"small transfers to bob","method":"signTransaction","action":"ALLOW","conditions":[
            {{"field_source":"solana_system_program_instruction","field":"instructionName","operator":"eq","value":"Transfer"}},
            {{"field_source":"solana_system_program_instruction","field":"Transfer.to","operator":"in","value":["{BOB}"]}},
            {{"field_source":"solana_system_program_instruction","field":"Transfer.lamports","operator":"lte","value":"1000000000"}}]}}]}}"#
    ));
    let ok = policy.evaluate(
        &sol_tx(
            vec![program(COMPUTE_BUDGET), transfer(BOB, 1_000_000_000)],
            0,
        ),
        0,
    );
    assert!(ok.allowed, "{ok}");
    // One transfer over the cap, though another is fine: denied, naming the instruction.
    let d = policy.evaluate(
        &sol_tx(vec![transfer(BOB, 5), transfer(BOB, 1_000_000_001)], 0),
        0,
    );
    assert!(!d.allowed);
    assert!(d.reason.contains("instruction #1"), "{}", d.reason);
    // An instruction of another program nothing allows.
    let d = policy.evaluate(&sol_tx(vec![transfer(BOB, 5), program(ALICE)], 0), 0);
    assert!(!d.allowed);
    // A System Program instruction that is not a transfer.
    assert!(
        !policy
            .evaluate(&sol_tx(vec![program(SYSTEM)], 0), 0)
            .allowed
    );
    // A transfer to someone else.
    assert!(
        !policy
            .evaluate(&sol_tx(vec![transfer(ALICE, 5)], 0), 0)
            .allowed
    );
    // No instructions: nothing matched.
    assert!(!policy.evaluate(&sol_tx(vec![], 0), 0).allowed);
    // signAndSendTransaction rules do not cover keysplit's signTransaction.
    let send = load(&one_rule("solana", "signAndSendTransaction", "ALLOW", ""));
    let d = send.evaluate(&sol_tx(vec![transfer(BOB, 1)], 0), 0);
    assert!(!d.allowed);
    assert!(d.reason.contains("do not cover it"), "{}", d.reason);
}

#[test]
fn solana_deny_any_transfer_and_unresolved_accounts() {
    let policy = load(&alloc::format!(
        r#"{{"version":"1.0","name":"sol","chain_type":"solana","rules":[
          {{"name":"anything","method":"*","action":"ALLOW","conditions":[]}},
          {{"name":"never to alice","method":"*","action":"DENY","conditions":[
            {{"field_source":"solana_system_program_instruction","field":"Transfer.to","operator":"eq","value":"{ALICE}"}}]}}]}}"#
    ));
    assert!(
        policy
            .evaluate(&sol_tx(vec![transfer(BOB, 1), program(SYSTEM)], 0), 0)
            .allowed
    );
    let d = policy.evaluate(&sol_tx(vec![transfer(BOB, 1), transfer(ALICE, 1)], 0), 0);
    assert!(!d.allowed);
    assert_eq!(d.rule.as_deref(), Some("never to alice"));
    // A System Program instruction whose accounts sit in a lookup table: the DENY rule
    // cannot be ruled out.
    let d = policy.evaluate(&sol_tx(vec![program(SYSTEM)], 2), 0);
    assert!(!d.allowed);
    assert!(d.reason.contains("lookup tables"), "{}", d.reason);
    // Other programs are unaffected by unresolved lookups.
    assert!(
        policy
            .evaluate(&sol_tx(vec![program(COMPUTE_BUDGET)], 2), 0)
            .allowed
    );
}

#[test]
fn messages_only_match_rules_without_transaction_fields() {
    let policy = load(&alloc::format!(
        r#"{{"version":"1.0","name":"p","chain_type":"ethereum","rules":[
          {{"name":"usdc only","method":"*","action":"ALLOW","conditions":[
            {{"field_source":"ethereum_transaction","field":"to","operator":"eq","value":"{USDC_BASE}"}}]}}]}}"#
    ));
    let message = RequestSummary::EthereumMessage(EthereumMessageSummary {
        from: EthereumAddress([1; 20]),
        message: b"hello".to_vec(),
    });
    assert!(!policy.evaluate(&message, 0).allowed);
    let sign = load(&one_rule("ethereum", "personal_sign", "ALLOW", ""));
    assert!(sign.evaluate(&message, 0).allowed);
}

#[test]
fn num_ordering() {
    let n = |neg: bool, v: u64| Num::new(neg, U256::from(v));
    assert!(n(true, 5) < n(true, 4));
    assert!(n(true, 1) < n(false, 0));
    assert_eq!(n(true, 0), n(false, 0));
    assert!(n(false, 2) > n(false, 1));
}
