//! `sign-transaction` end to end in the library, as the iframe and the CLI run it: open
//! the wallet from two sealed shares (key-sealed device and auth shares, so no Argon2id),
//! decode the ethers-v6 JSON, check a policy against the summary, sign, serialize; and
//! the parts on their own. Run: `cargo bench -p keysplit-benches --bench sign_transaction`.

use std::hint::black_box;

use chacha20::ChaCha20Rng;
use criterion::{criterion_group, criterion_main, Criterion};
use keysplit_wallet::ethereum::transaction::{
    EthereumTransactionOptions, EthereumTransactionRequest,
};
use keysplit_wallet::policy::Policy;
use keysplit_wallet::{
    Argon2Params, Protection, Protections, RequestSummary, Role, ShareInput, ShareKey, Strength,
    Unlock,
};
use rand_core::SeedableRng;

const TX: &str = r#"{"type": 2, "chainId": "8453", "nonce": 7,
  "to": "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", "value": "0",
  "data": "0xa9059cbb000000000000000000000000d8da6bf26964af9d7eed9e03e53415d37aa960450000000000000000000000000000000000000000000000000000000000989680",
  "gasLimit": "60000", "maxFeePerGas": "40000000000", "maxPriorityFeePerGas": "1500000000"}"#;

const POLICY: &str = r#"{"version": "1.0", "name": "USDC payouts", "chain_type": "ethereum", "rules": [
  {"name": "USDC on Base, at most 100", "method": "eth_signTransaction", "action": "ALLOW",
   "conditions": [
     {"field_source": "ethereum_transaction", "field": "to", "operator": "eq",
      "value": "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"},
     {"field_source": "ethereum_transaction", "field": "chain_id", "operator": "eq", "value": "8453"},
     {"field_source": "ethereum_calldata", "field": "transfer.amount", "operator": "lte",
      "value": "100000000",
      "abi": [{"type": "function", "name": "transfer",
               "inputs": [{"name": "to", "type": "address"}, {"name": "amount", "type": "uint256"}]}]}]}]}"#;

const NOW: u64 = 1_765_000_000;

fn bench(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::from_seed([7; 32]);
    let device_key = ShareKey::generate(&mut rng);
    let auth_key = ShareKey::generate(&mut rng);
    let protect = Protections {
        device: Protection::Key(&device_key),
        auth: Protection::Key(&auth_key),
        recovery: Protection::InsecureFastPassword {
            password: b"pw",
            params: Argon2Params {
                memory_kib: 64,
                iterations: 1,
                parallelism: 1,
            },
        },
    };
    let set = keysplit_wallet::create(Strength::Bits128, &protect, &mut rng).unwrap();
    let policy = Policy::from_json(POLICY.as_bytes()).unwrap();
    let options = EthereumTransactionOptions::default();
    let open = || {
        keysplit_wallet::open(
            &set.info,
            ShareInput::new(Role::Device, &set.device, Unlock::Key(&device_key)),
            ShareInput::new(Role::Auth, &set.auth, Unlock::Key(&auth_key)),
        )
        .unwrap()
    };

    let mut group = c.benchmark_group("sign_transaction");
    group.bench_function("end_to_end_open_decode_policy_sign", |b| {
        b.iter(|| {
            let wallet = open();
            let request =
                EthereumTransactionRequest::from_json(black_box(TX.as_bytes()), &options).unwrap();
            let from = wallet.ethereum_address(0).unwrap();
            let summary = RequestSummary::EthereumTransaction(request.summary(from).unwrap());
            policy.evaluate(&summary, NOW).into_result().unwrap();
            wallet
                .sign_ethereum_transaction(0, &request)
                .unwrap()
                .to_hex()
        })
    });
    group.bench_function("open_wallet_from_two_shares", |b| b.iter(open));
    group.bench_function("decode_json", |b| {
        b.iter(|| {
            EthereumTransactionRequest::from_json(black_box(TX.as_bytes()), &options).unwrap()
        })
    });
    let wallet = open();
    let request = EthereumTransactionRequest::from_json(TX.as_bytes(), &options).unwrap();
    group.bench_function("sign_opened_wallet", |b| {
        b.iter(|| {
            wallet
                .sign_ethereum_transaction(0, black_box(&request))
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
