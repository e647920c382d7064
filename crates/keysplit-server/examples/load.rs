//! A bounded load test on loopback (a benchmark, not a test): C concurrent clients, each
//! its own user with its own wallet, send R share releases each through real HTTP to a
//! server in this process; prints throughput, p50/p99 latency and errors, then checks
//! through the audit endpoint that every wallet has exactly R release entries with
//! distinct sequence numbers (no lost or duplicated audit entries).
//!
//! cargo run --release -p keysplit-server --example load -- [--db URL] [--clients C] [--releases R]
//! (default: a fresh SQLite file, 100 clients, 100 releases each = 10,000 requests)

use std::collections::HashSet;
use std::time::{Duration, Instant};

use hpke::Serializable;
use keysplit_server::auth::Verifier;
use keysplit_server::config::{IssuerConfig, MasterKey, Settings};
use keysplit_server::{DevAlg, DevIssuer};
use keysplit_wallet::{Argon2Params, Protection, Protections, ShareKey, Strength};
use serde_json::{json, Value};

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

#[tokio::main]
async fn main() {
    let clients: usize = arg("--clients").map_or(100, |v| v.parse().expect("--clients N"));
    let releases: usize = arg("--releases").map_or(100, |v| v.parse().expect("--releases N"));
    let dir = tempfile::tempdir().expect("temp dir");
    let db = arg("--db")
        .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("load.sqlite3").display()));
    let issuer = DevIssuer::generate(DevAlg::EdDSA).expect("dev issuer");
    std::fs::write(dir.path().join("jwks.json"), issuer.jwks_json()).expect("jwks");
    let config = IssuerConfig {
        iss: issuer.iss.clone(),
        audiences: vec![issuer.aud.clone()],
        jwks_file: Some("jwks.json".into()),
        pem_file: None,
        alg: None,
        kid: None,
    };
    let settings = Settings {
        listen: "127.0.0.1:0".parse().expect("addr"),
        db_url: db.clone(),
        master_key: MasterKey::from_bytes(&[7u8; 32]),
        allowed_origins: vec![],
        public_url: None,
        max_body_bytes: 64 * 1024,
        release_per_minute: u32::MAX,
        verifier: Verifier::from_config(&[config], dir.path(), 30).expect("verifier"),
    };
    let server = keysplit_server::start(settings).await.expect("server");
    let base = format!("http://{}", server.addr);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .expect("client");

    // One user and one wallet per client.
    let mut users = Vec::new();
    let mut rng = keysplit::os_rng().expect("rng");
    for c in 0..clients {
        let device = ShareKey::generate(&mut rng);
        let auth = ShareKey::generate(&mut rng);
        let protect = Protections {
            device: Protection::Key(&device),
            auth: Protection::Key(&auth),
            recovery: Protection::InsecureFastPassword {
                password: b"load",
                params: Argon2Params {
                    memory_kib: 64,
                    iterations: 1,
                    parallelism: 1,
                },
            },
        };
        let wallet = keysplit_wallet::Wallet::generate(Strength::Bits128, &mut rng);
        let set = wallet
            .split(
                keysplit_wallet::WalletId::generate(&mut rng),
                0,
                &protect,
                &mut rng,
            )
            .expect("wallet");
        let proof = keysplit_wallet::upload_proof::sign(&wallet, &set.info).expect("proof");
        let t = set.info.to_text();
        let token = issuer.mint(&format!("user-{c}"), 3600).expect("token");
        let r = http
            .post(format!("{base}/v1/wallets"))
            .bearer_auth(&token)
            .json(&json!({
                "wallet": {"wallet_id": t.wallet_id, "epoch": t.epoch, "share_set_id": t.share_set_id,
                           "ethereum_address": t.ethereum_address, "solana_address": t.solana_address},
                "auth_share": set.auth.to_hex(), "auth_key": hex::encode(auth.as_bytes()),
                "recovery_share": set.recovery.to_hex(), "proof": hex::encode(proof),
            }))
            .send()
            .await
            .expect("create");
        assert_eq!(r.status(), 201, "create");
        users.push((token, t.wallet_id));
    }

    let (_, public) = keysplit_server::crypto::hpke_keypair().expect("hpke");
    let public = hex::encode(public.to_bytes());
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (c, (token, id)) in users.iter().cloned().enumerate() {
        let (http, base, public) = (http.clone(), base.clone(), public.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(releases);
            let mut errors = 0usize;
            for r in 0..releases {
                // The user owner's unsigned payload, as the wallet iframe sends it.
                let expiry = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_millis() as u64 + 60_000);
                let request = json!({
                    "version": 1, "method": "POST",
                    "url": format!("{base}/v1/wallets/{id}/release"),
                    "body": {"method": "personal_sign", "params": {"message": "load"}},
                    "headers": {"privy-request-expiry": expiry.to_string(),
                                "privy-idempotency-key": format!("{c:016x}{r:016x}")},
                });
                let t0 = Instant::now();
                let sent = http
                    .post(format!("{base}/v1/wallets/{id}/release"))
                    .bearer_auth(&token)
                    .json(&json!({"request": request, "hpke_public_key": public}))
                    .send()
                    .await;
                match sent {
                    Ok(resp) if resp.status() == 200 => {
                        let _ = resp.bytes().await;
                        latencies.push(t0.elapsed());
                    }
                    Ok(resp) => {
                        errors += 1;
                        let status = resp.status();
                        eprintln!(
                            "release refused: {status} {}",
                            resp.text().await.unwrap_or_default()
                        );
                    }
                    Err(e) => {
                        errors += 1;
                        eprintln!("release failed: {e}");
                    }
                }
            }
            (latencies, errors)
        }));
    }
    let mut latencies: Vec<Duration> = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.expect("task");
        latencies.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * p).round() as usize)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    let total = clients * releases;

    // Audit: exactly `releases` ok release entries per wallet, distinct ids.
    let mut audit_problems = 0;
    let mut seen = HashSet::new();
    for (token, id) in &users {
        let body: Value = http
            .get(format!("{base}/v1/wallets/{id}/audit?limit=1000"))
            .bearer_auth(token)
            .send()
            .await
            .expect("audit")
            .json()
            .await
            .expect("audit json");
        let entries = body["entries"].as_array().cloned().unwrap_or_default();
        let ok_releases = entries
            .iter()
            .filter(|e| e["action"] == "release" && e["outcome"] == "ok")
            .count();
        for e in &entries {
            if !seen.insert(e["id"].as_i64().unwrap_or(-1)) {
                audit_problems += 1;
            }
        }
        if ok_releases != releases {
            audit_problems += 1;
        }
    }
    let backend = server.db;
    println!(
        "db={backend} clients={clients} releases={total} errors={errors} time={:.2}s throughput={:.0}/s p50={:.2}ms p99={:.2}ms audit_problems={audit_problems}",
        elapsed.as_secs_f64(),
        (total - errors) as f64 / elapsed.as_secs_f64(),
        pct(0.50),
        pct(0.99),
    );
    server.stop().await.expect("stop");
    if errors > 0 || audit_problems > 0 {
        std::process::exit(1);
    }
}
