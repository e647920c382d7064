//! Unit tests of policy evaluation: precedence, boundaries, call data, domains, Solana.

use alloc::string::ToString;
use alloc::vec;
use alloc::vec::Vec;

use serde_json::Value;

use super::*;

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
