//! Crash safety: the server process is killed (SIGKILL) while several wallets rotate;
//! after a restart on the same database every wallet is at exactly one epoch, at least
//! the last acknowledged one, and its stored set is whole: the released auth share of
//! that epoch rebuilds the wallet with the device share of the same upload.
//!
//! The server runs in a child process: this test binary again, running only
//! `fault_child_server` with `KEYSPLIT_FAULT_CHILD` set. SQLite always; PostgreSQL when
//! `KEYSPLIT_TEST_POSTGRES` is set.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hpke::Serializable;
use keysplit_server::auth::Verifier;
use keysplit_server::config::{IssuerConfig, MasterKey, Settings};
use keysplit_server::{crypto, DevAlg, DevIssuer};
use keysplit_wallet::{
    Argon2Params, Protection, Protections, Role, SealedShare, ShareInput, ShareKey, ShareSet,
    Strength, Unlock,
};
use serde_json::{json, Value};

const PASSWORD: &[u8] = b"fault test password";
const FAST: Argon2Params = Argon2Params {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};
const WALLETS: usize = 6;
const EPOCHS: usize = 12;
const KILL_AFTER_ACKS: usize = 25;

/// Not a test on its own: the server half of `killed_during_rotations`.
#[test]
fn fault_child_server() {
    let (Ok(dir), Ok(db)) = (
        std::env::var("KEYSPLIT_FAULT_CHILD"),
        std::env::var("KEYSPLIT_FAULT_DB"),
    ) else {
        return;
    };
    let dir = PathBuf::from(dir);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let issuer = IssuerConfig {
            iss: keysplit_server::dev::DEV_ISSUER.into(),
            audiences: vec![keysplit_server::dev::DEV_AUDIENCE.into()],
            jwks_file: Some("jwks.json".into()),
            pem_file: None,
            alg: None,
            kid: None,
        };
        let settings = Settings {
            listen: "127.0.0.1:0".parse().unwrap(),
            db_url: db,
            master_key: MasterKey::from_bytes(&[7u8; 32]),
            allowed_origins: vec![],
            public_url: None,
            max_body_bytes: 64 * 1024,
            release_per_minute: 10_000,
            verifier: Verifier::from_config(&[issuer], &dir, 30).unwrap(),
        };
        let server = keysplit_server::start(settings).await.unwrap();
        let tmp = dir.join("addr.tmp");
        std::fs::write(&tmp, server.addr.to_string()).unwrap();
        std::fs::rename(&tmp, dir.join("addr")).unwrap();
        server.wait().await.unwrap();
    });
}

struct Chain {
    sets: Vec<(ShareSet, ShareKey, ShareKey)>, // (set, device key, auth key) per epoch
}

fn protections<'a>(device: &'a ShareKey, auth: &'a ShareKey) -> Protections<'a> {
    Protections {
        device: Protection::Key(device),
        auth: Protection::Key(auth),
        recovery: Protection::InsecureFastPassword {
            password: PASSWORD,
            params: FAST,
        },
    }
}

fn chain() -> Chain {
    let mut rng = keysplit::os_rng().unwrap();
    let device = ShareKey::generate(&mut rng);
    let auth = ShareKey::generate(&mut rng);
    let first =
        keysplit_wallet::create(Strength::Bits128, &protections(&device, &auth), &mut rng).unwrap();
    let mut sets = vec![(first, device, auth)];
    for _ in 1..EPOCHS {
        let (prev, _, prev_auth) = sets.last().unwrap();
        let device = ShareKey::generate(&mut rng);
        let auth = ShareKey::generate(&mut rng);
        let next = keysplit_wallet::recover(
            &prev.info,
            ShareInput::new(Role::Auth, &prev.auth, Unlock::Key(prev_auth)),
            ShareInput::new(Role::Recovery, &prev.recovery, Unlock::Password(PASSWORD)),
            &protections(&device, &auth),
            &mut rng,
        )
        .unwrap();
        sets.push((next, device, auth));
    }
    Chain { sets }
}

/// An upload body with its proof: the set is rebuilt from its device and auth shares
/// and the wallet signs the upload statement.
fn body(set: &ShareSet, device: &ShareKey, auth: &ShareKey, expected: Option<u32>) -> Value {
    let t = set.info.to_text();
    let wallet = keysplit_wallet::open(
        &set.info,
        ShareInput::new(Role::Device, &set.device, Unlock::Key(device)),
        ShareInput::new(Role::Auth, &set.auth, Unlock::Key(auth)),
    )
    .unwrap();
    let proof = keysplit_wallet::upload_proof::sign(&wallet, &set.info).unwrap();
    let mut body = json!({
        "wallet": {"wallet_id": t.wallet_id, "epoch": t.epoch, "share_set_id": t.share_set_id,
                   "ethereum_address": t.ethereum_address, "solana_address": t.solana_address},
        "auth_share": set.auth.to_hex(),
        "auth_key": hex::encode(auth.as_bytes()),
        "recovery_share": set.recovery.to_hex(),
        "proof": format!("0x{}", hex::encode(proof)),
    });
    if let Some(e) = expected {
        body["expected_epoch"] = json!(e);
    }
    body
}

/// The child server, killed (SIGKILL) when dropped, also when the test fails.
struct ChildServer(Child);

impl ChildServer {
    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        self.kill();
    }
}

fn spawn_child(dir: &Path, db: &str) -> (ChildServer, String) {
    let _ = std::fs::remove_file(dir.join("addr"));
    let child = Command::new(std::env::current_exe().unwrap())
        .args([
            "fault_child_server",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("KEYSPLIT_FAULT_CHILD", dir)
        .env("KEYSPLIT_FAULT_DB", db)
        .spawn()
        .unwrap();
    let child = ChildServer(child);
    for _ in 0..600 {
        if let Ok(addr) = std::fs::read_to_string(dir.join("addr")) {
            return (child, format!("http://{addr}"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the child server did not start");
}

async fn killed_during_rotations(db: String) {
    let dir = tempfile::tempdir().unwrap();
    let issuer = DevIssuer::generate(DevAlg::EdDSA).unwrap();
    std::fs::write(dir.path().join("jwks.json"), issuer.jwks_json()).unwrap();
    let token = issuer.mint("alice", 600).unwrap();
    let chains: Arc<Vec<Chain>> = Arc::new((0..WALLETS).map(|_| chain()).collect());
    let http = reqwest::Client::new();

    let (mut child, base) = spawn_child(dir.path(), &db);
    for c in chains.iter() {
        let (set, device, auth) = &c.sets[0];
        let r = http
            .post(format!("{base}/v1/wallets"))
            .bearer_auth(&token)
            .json(&body(set, device, auth, None))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }

    // Each wallet rotates epoch after epoch; the child is killed after KILL_AFTER_ACKS
    // acknowledged rotations in total, with others in flight.
    let acks = Arc::new(AtomicUsize::new(0));
    let acked: Vec<Arc<AtomicUsize>> = (0..WALLETS)
        .map(|_| Arc::new(AtomicUsize::new(0)))
        .collect();
    let mut tasks = Vec::new();
    for (w, acked_epoch) in acked.iter().enumerate() {
        let (chains, http, base, token, acks, acked_epoch) = (
            chains.clone(),
            http.clone(),
            base.clone(),
            token.clone(),
            acks.clone(),
            acked_epoch.clone(),
        );
        tasks.push(tokio::spawn(async move {
            for e in 1..EPOCHS {
                let (set, device, auth) = &chains[w].sets[e];
                let id = set.info.wallet_id.to_string();
                let upload = body(set, device, auth, Some(e as u32 - 1));
                let sent = http
                    .put(format!("{base}/v1/wallets/{id}/shares"))
                    .bearer_auth(&token)
                    .json(&upload)
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status() == 200 => {
                        acked_epoch.store(e, Ordering::SeqCst);
                        acks.fetch_add(1, Ordering::SeqCst);
                    }
                    Ok(r) => panic!("rotation refused: {}", r.status()),
                    Err(_) => return, // the server died
                }
            }
        }));
    }
    while acks.load(Ordering::SeqCst) < KILL_AFTER_ACKS {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    child.kill(); // SIGKILL
    for t in tasks {
        t.await.unwrap();
    }

    let (mut child, base) = spawn_child(dir.path(), &db);
    let mut total = 0;
    for (w, c) in chains.iter().enumerate() {
        let id = c.sets[0].0.info.wallet_id.to_string();
        let r: Value = http
            .get(format!("{base}/v1/wallets/{id}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let epoch = r["wallet"]["epoch"].as_u64().unwrap() as usize;
        let acked = acked[w].load(Ordering::SeqCst);
        assert!(
            epoch == acked || epoch == acked + 1,
            "wallet {w}: epoch {epoch}, acknowledged {acked}"
        );
        total += epoch;
        let (set, device, _) = &c.sets[epoch];
        assert_eq!(r["wallet"]["share_set_id"], set.info.to_text().share_set_id);
        // The stored auth share is this epoch's, with this epoch's key.
        let (secret, public) = crypto::hpke_keypair().unwrap();
        // The user owner's unsigned payload; its digest is the HPKE associated data.
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        let request = json!({
            "version": 1, "method": "POST",
            "url": format!("{base}/v1/wallets/{id}/release"),
            "body": {"method": "personal_sign", "params": {"message": "after the crash"}},
            "headers": {"privy-request-expiry": (now_ms + 60_000).to_string(),
                        "privy-idempotency-key": format!("fault-{w}")},
        });
        let digest: [u8; 32] = {
            use sha2::Digest as _;
            let canonical =
                keysplit_wallet::authz::RequestPayload::from_value(request.clone()).unwrap();
            sha2::Sha256::digest(canonical.canonical_bytes()).into()
        };
        let r: Value = http
            .post(format!("{base}/v1/wallets/{id}/release"))
            .bearer_auth(&token)
            .json(&json!({"request": request, "hpke_public_key": hex::encode(public.to_bytes())}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let unhex = |v: &Value| hex::decode(v.as_str().unwrap()).unwrap();
        let info = crypto::release_info(&set.info.wallet_id.0, set.info.epoch);
        let plain = crypto::hpke_open(
            &secret,
            &unhex(&r["enc"]),
            &info,
            &digest,
            &unhex(&r["ciphertext"]),
        )
        .unwrap();
        let key = ShareKey::from_bytes(plain[..32].try_into().unwrap());
        let auth = SealedShare::from_bytes(&plain[32..]).unwrap();
        keysplit_wallet::open(
            &set.info,
            ShareInput::new(Role::Device, &set.device, Unlock::Key(device)),
            ShareInput::new(Role::Auth, &auth, Unlock::Key(&key)),
        )
        .unwrap();
    }
    assert!(total >= KILL_AFTER_ACKS);
    child.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_during_rotations_sqlite() {
    if std::env::var("KEYSPLIT_FAULT_CHILD").is_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("db.sqlite3").display());
    killed_during_rotations(db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_during_rotations_postgres() {
    if std::env::var("KEYSPLIT_FAULT_CHILD").is_ok() {
        return;
    }
    match std::env::var("KEYSPLIT_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => killed_during_rotations(url).await,
        _ => eprintln!("SKIPPED: PostgreSQL fault test: KEYSPLIT_TEST_POSTGRES is not set"),
    }
}
