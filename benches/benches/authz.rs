//! Authorization requests: verifying a 2-of-3 key quorum (parse + RFC 8785 + ECDSA P-256),
//! and its parts. Run: `cargo bench -p keysplit-benches --bench authz`.

use std::hint::black_box;

use chacha20::ChaCha20Rng;
use criterion::{criterion_group, criterion_main, Criterion};
use keysplit_wallet::authz::{AuthorizationKey, KeyQuorum, RequestPayload};
use rand_core::SeedableRng;

const PAYLOAD: &str = r#"{"version":1,"method":"POST",
 "url":"https://api.privy.io/v1/wallets/clz2rqy4500061234abcd/rpc",
 "body":{"method":"eth_sendTransaction","caip2":"eip155:8453","params":{"transaction":{
   "to":"0x742d35Cc6634C0532925a3b844Bc454e4438f44e","value":"1000000000000000","data":"0x",
   "gas_limit":21000,"max_fee_per_gas":"30000000000"}}},
 "headers":{"privy-app-id":"clz2rqy4500061234abcd","privy-idempotency-key":"5f0e4d4e-7a5e-4f43-9a47-0d3c7b5c2a10",
   "privy-request-expiry":"4000000000000"}}"#;

const NOW_MS: u64 = 1_765_000_000_000;

fn bench(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::from_seed([42; 32]);
    let keys: Vec<AuthorizationKey> = (0..3)
        .map(|_| AuthorizationKey::generate(&mut rng))
        .collect();
    let quorum = KeyQuorum::new(2, keys.iter().map(|k| k.public_key()).collect()).unwrap();
    let payload = RequestPayload::from_json(PAYLOAD.as_bytes()).unwrap();
    let sigs: Vec<String> = keys.iter().map(|k| k.sign(&payload).to_base64()).collect();
    // Members 1 and 2: the first signature is tried against member 0 before it matches.
    let two = [sigs[1].clone(), sigs[2].clone()];

    let mut group = c.benchmark_group("authz");
    group.bench_function("verify_2_of_3_end_to_end", |b| {
        b.iter(|| {
            let payload = RequestPayload::from_json(black_box(PAYLOAD.as_bytes())).unwrap();
            quorum.verify(&payload, black_box(&two), NOW_MS).unwrap()
        })
    });
    group.bench_function("verify_2_of_3_parsed", |b| {
        b.iter(|| {
            quorum
                .verify(black_box(&payload), black_box(&two), NOW_MS)
                .unwrap()
        })
    });
    group.bench_function("payload_parse_canonicalize", |b| {
        b.iter(|| RequestPayload::from_json(black_box(PAYLOAD.as_bytes())).unwrap())
    });
    group.bench_function("sign", |b| b.iter(|| keys[0].sign(black_box(&payload))));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
