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
use keysplit_server::dev::{DEV_AUDIENCE, DEV_ISSUER};
use keysplit_server::{crypto, DevAlg};
use keysplit_server_testkit::*;
use serde_json::{json, Value};

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
        let settings = settings(db, issuer_config(DEV_ISSUER, DEV_AUDIENCE), &dir);
        let server = keysplit_server::start(settings).await.unwrap();
        let tmp = dir.join("addr.tmp");
        std::fs::write(&tmp, server.addr.to_string()).unwrap();
        std::fs::rename(&tmp, dir.join("addr")).unwrap();
        server.wait().await.unwrap();
    });
}

/// One wallet's share sets, epoch after epoch.
fn chain() -> Vec<TestWallet> {
    let mut sets = vec![new_wallet()];
    for _ in 1..EPOCHS {
        sets.push(recovered(sets.last().unwrap()));
    }
    sets
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

async fn json_of(request: reqwest::RequestBuilder) -> Value {
    request.send().await.unwrap().json().await.unwrap()
}

async fn killed_during_rotations(db: String) {
    let dir = tempfile::tempdir().unwrap();
    let (issuer, _) = dev_issuer(DevAlg::EdDSA, dir.path());
    let token = issuer.mint("alice", 600).unwrap();
    let chains: Arc<Vec<Vec<TestWallet>>> = Arc::new((0..WALLETS).map(|_| chain()).collect());
    let http = reqwest::Client::new();

    let (mut child, base) = spawn_child(dir.path(), &db);
    for c in chains.iter() {
        let r = http
            .post(format!("{base}/v1/wallets"))
            .bearer_auth(&token)
            .json(&shares_body(&c[0], None))
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
                let next = &chains[w][e];
                let id = next.set.info.wallet_id.to_string();
                let upload = shares_body(next, Some(e as u32 - 1));
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
        let id = c[0].set.info.wallet_id.to_string();
        let r = json_of(
            http.get(format!("{base}/v1/wallets/{id}"))
                .bearer_auth(&token),
        )
        .await;
        let epoch = r["wallet"]["epoch"].as_u64().unwrap() as usize;
        let acked = acked[w].load(Ordering::SeqCst);
        assert!(
            epoch == acked || epoch == acked + 1,
            "wallet {w}: epoch {epoch}, acknowledged {acked}"
        );
        total += epoch;
        let stored = &c[epoch];
        assert_eq!(
            r["wallet"]["share_set_id"],
            stored.set.info.to_text().share_set_id
        );
        // The stored auth share is this epoch's, with this epoch's key.
        let (secret, public) = crypto::hpke_keypair().unwrap();
        // The user owner's unsigned payload; its digest is the HPKE associated data.
        let request = user_request(&id);
        let release = http
            .post(format!("{base}/v1/wallets/{id}/release"))
            .bearer_auth(&token)
            .json(&json!({"request": request, "hpke_public_key": hex::encode(public.to_bytes())}));
        let r = json_of(release).await;
        open_release(stored, &secret, &digest_of(&request), &r);
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
