//! The policy engine (`keysplit_wallet::policy`): loading a realistic 5-rule Privy policy
//! and evaluating an ERC-20 `transfer` against it. Run:
//! `cargo bench -p keysplit-benches --bench policy`. Numbers belong in BENCHMARKING.md.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use keysplit_wallet::policy::Policy;
use keysplit_wallet::summary::{
    EthereumTransactionSummary, EthereumTransactionType, RequestSummary, U256,
};
use keysplit_wallet::EthereumAddress;

/// USDC on Base; a treasury allowlist; a cap on the amount; ETH value cap; chain
/// allowlist; a denylist; a time bound.
const POLICY: &str = r#"{
  "version": "1.0", "name": "Treasury payouts", "chain_type": "ethereum",
  "rules": [
    {"name": "USDC to vendors, at most 10k", "method": "eth_signTransaction", "action": "ALLOW",
     "conditions": [
       {"field_source": "ethereum_transaction", "field": "to", "operator": "eq",
        "value": "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"},
       {"field_source": "ethereum_transaction", "field": "chain_id", "operator": "in", "value": ["8453", "84532"]},
       {"field_source": "ethereum_calldata", "field": "transfer.recipient", "operator": "in",
        "abi": [{"type": "function", "name": "transfer", "stateMutability": "nonpayable",
                 "inputs": [{"name": "recipient", "type": "address"}, {"name": "amount", "type": "uint256"}],
                 "outputs": [{"name": "", "type": "bool"}]}],
        "value": ["0xd8da6bf26964af9d7eed9e03e53415d37aa96045", "0x1111111111111111111111111111111111111111",
                  "0x2222222222222222222222222222222222222222", "0x3333333333333333333333333333333333333333"]},
       {"field_source": "ethereum_calldata", "field": "transfer.amount", "operator": "lte",
        "abi": [{"type": "function", "name": "transfer", "stateMutability": "nonpayable",
                 "inputs": [{"name": "recipient", "type": "address"}, {"name": "amount", "type": "uint256"}],
                 "outputs": [{"name": "", "type": "bool"}]}],
        "value": "10000000000"}]},
    {"name": "Small ETH", "method": "eth_signTransaction", "action": "ALLOW",
     "conditions": [{"field_source": "ethereum_transaction", "field": "value", "operator": "lte",
                     "value": "0x2386F26FC10000"}]},
    {"name": "Known bad recipients", "method": "*", "action": "DENY",
     "conditions": [{"field_source": "ethereum_transaction", "field": "to", "operator": "in",
                     "value": ["0x0000000000000000000000000000000000000bad", "0x000000000000000000000000000000000000dead"]}]},
    {"name": "Signer expires", "method": "*", "action": "DENY",
     "conditions": [{"field_source": "system", "field": "current_unix_timestamp", "operator": "gte",
                     "value": "4102444800"}]},
    {"name": "Base permits", "method": "eth_signTypedData_v4", "action": "ALLOW",
     "conditions": [{"field_source": "ethereum_typed_data_domain", "field": "chainId", "operator": "eq",
                     "value": "8453"}]}
  ]
}"#;

fn erc20_transfer() -> RequestSummary {
    let mut data = vec![0xa9, 0x05, 0x9c, 0xbb];
    data.extend([0u8; 12]);
    data.extend([
        0xd8, 0xda, 0x6b, 0xf2, 0x69, 0x64, 0xaf, 0x9d, 0x7e, 0xed, 0x9e, 0x03, 0xe5, 0x34, 0x15,
        0xd3, 0x7a, 0xa9, 0x60, 0x45,
    ]);
    let mut amount = [0u8; 32];
    amount[28..].copy_from_slice(&5_000_000u32.to_be_bytes());
    data.extend(amount);
    RequestSummary::EthereumTransaction(EthereumTransactionSummary {
        from: EthereumAddress([1; 20]),
        transaction_type: EthereumTransactionType::Eip1559,
        chain_id: 8453,
        nonce: 12,
        to: Some(
            "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"
                .parse()
                .unwrap(),
        ),
        value: U256::ZERO,
        data,
        gas_limit: 65_000,
        max_fee_per_gas: U256::from(2_000_000_000u64),
        max_priority_fee_per_gas: Some(U256::from(1_000_000u64)),
    })
}

fn policy(c: &mut Criterion) {
    let policy = Policy::from_json(POLICY.as_bytes()).expect("bench policy loads");
    let request = erc20_transfer();
    let now = 1_767_225_600;
    assert!(
        policy.evaluate(&request, now).allowed,
        "the bench request is allowed"
    );
    c.bench_function("policy evaluate ERC-20 transfer (5 rules)", |b| {
        b.iter(|| black_box(policy.evaluate(black_box(&request), black_box(now))))
    });
    c.bench_function("policy load (5 rules)", |b| {
        b.iter(|| black_box(Policy::from_json(black_box(POLICY.as_bytes()))))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = policy
}
criterion_main!(benches);
