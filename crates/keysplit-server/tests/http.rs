//! keysplit-server over real HTTP on a loopback port, against SQLite (always) and
//! PostgreSQL (when `KEYSPLIT_TEST_POSTGRES` names a database; scripts/test.d/70-server.sh
//! starts a throw-away cluster and sets it).
//!
//! The oracle for a release is keysplit-wallet itself: the share the server released,
//! opened with the iframe's ephemeral HPKE key, must rebuild the wallet created here
//! with the device share (`keysplit_wallet::open` checks the addresses).

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use keysplit_server::auth::Verifier;
use keysplit_server::config::{IssuerConfig, MasterKey, Settings};
use keysplit_server::crypto;
use keysplit_server::{DevAlg, DevIssuer, RunningServer};
use keysplit_wallet::{
    Argon2Params, Protection, Protections, Role, SealedShare, ShareInput, ShareKey, ShareSet,
    Strength, Unlock,
};
use reqwest::StatusCode;
use serde_json::{json, Value};

const PASSWORD: &[u8] = b"correct horse battery staple";
const FAST: Argon2Params = Argon2Params {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};

#[derive(Clone, Copy, Debug)]
enum Backend {
    Sqlite,
    Postgres,
}

struct Harness {
    server: Option<RunningServer>,
    base: String,
    http: reqwest::Client,
    issuer: DevIssuer,
    _dir: tempfile::TempDir,
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn postgres_url() -> Option<String> {
    std::env::var("KEYSPLIT_TEST_POSTGRES")
        .ok()
        .filter(|s| !s.is_empty())
}

fn verifier_for(issuer: &DevIssuer, dir: &Path) -> Verifier {
    std::fs::write(dir.join("jwks.json"), issuer.jwks_json()).unwrap();
    let config = IssuerConfig {
        iss: issuer.iss.clone(),
        audiences: vec![issuer.aud.clone()],
        jwks_file: Some("jwks.json".into()),
        pem_file: None,
        alg: None,
        kid: None,
    };
    Verifier::from_config(&[config], dir, 30).unwrap()
}

/// A server on 127.0.0.1:0, or None when PostgreSQL is asked for and not configured.
async fn harness_with(backend: Backend, alg: DevAlg, release_per_minute: u32) -> Option<Harness> {
    harness_at(backend, alg, release_per_minute, None).await
}

/// With `public_url` configured (signed requests must name it).
async fn harness_at(
    backend: Backend,
    alg: DevAlg,
    release_per_minute: u32,
    public_url: Option<&str>,
) -> Option<Harness> {
    let dir = tempfile::tempdir().unwrap();
    let db_url = match backend {
        Backend::Sqlite => format!("sqlite://{}", dir.path().join("db.sqlite3").display()),
        Backend::Postgres => match postgres_url() {
            Some(url) => url,
            None => {
                eprintln!("SKIPPED: PostgreSQL test: KEYSPLIT_TEST_POSTGRES is not set (scripts/test.d/70-server.sh sets it)");
                return None;
            }
        },
    };
    let issuer = DevIssuer::generate(alg).unwrap();
    let settings = Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
        db_url,
        master_key: MasterKey::from_bytes(&[7u8; 32]),
        allowed_origins: vec!["https://wallet.example".into()],
        public_url: public_url.map(String::from),
        max_body_bytes: 16 * 1024,
        release_per_minute,
        verifier: verifier_for(&issuer, dir.path()),
    };
    let server = keysplit_server::start(settings).await.unwrap();
    let base = format!("http://{}", server.addr);
    Some(Harness {
        server: Some(server),
        base,
        http: reqwest::Client::new(),
        issuer,
        _dir: dir,
    })
}

async fn harness(backend: Backend) -> Option<Harness> {
    harness_with(backend, DevAlg::EdDSA, 1000).await
}

struct TestWallet {
    set: ShareSet,
    device_key: ShareKey,
    auth_key: ShareKey,
}

fn new_wallet() -> TestWallet {
    let mut rng = keysplit::os_rng().unwrap();
    let device_key = ShareKey::generate(&mut rng);
    let auth_key = ShareKey::generate(&mut rng);
    let set = {
        let protect = Protections {
            device: Protection::Key(&device_key),
            auth: Protection::Key(&auth_key),
            recovery: Protection::InsecureFastPassword {
                password: PASSWORD,
                params: FAST,
            },
        };
        keysplit_wallet::create(Strength::Bits128, &protect, &mut rng).unwrap()
    };
    TestWallet {
        set,
        device_key,
        auth_key,
    }
}

/// Auth + recovery make a new set at epoch + 1 (a new device).
fn recovered(w: &TestWallet) -> TestWallet {
    let mut rng = keysplit::os_rng().unwrap();
    let device_key = ShareKey::generate(&mut rng);
    let auth_key = ShareKey::generate(&mut rng);
    let set = {
        let protect = Protections {
            device: Protection::Key(&device_key),
            auth: Protection::Key(&auth_key),
            recovery: Protection::InsecureFastPassword {
                password: PASSWORD,
                params: FAST,
            },
        };
        keysplit_wallet::recover(
            &w.set.info,
            ShareInput::new(Role::Auth, &w.set.auth, Unlock::Key(&w.auth_key)),
            ShareInput::new(Role::Recovery, &w.set.recovery, Unlock::Password(PASSWORD)),
            &protect,
            &mut rng,
        )
        .unwrap()
    };
    TestWallet {
        set,
        device_key,
        auth_key,
    }
}

fn info_json(set: &ShareSet) -> Value {
    let t = set.info.to_text();
    json!({
        "wallet_id": t.wallet_id, "epoch": t.epoch, "share_set_id": t.share_set_id,
        "ethereum_address": t.ethereum_address, "solana_address": t.solana_address,
    })
}

/// The upload proof as a client makes it: the wallet rebuilt from the device and auth
/// shares signs `upload_proof::statement` (EIP-191), `0x` + 130 hex digits.
/// `None` when the shares do not rebuild a wallet of `w.set.info` (tests that send such
/// sets expect a refusal before the proof is looked at).
fn try_proof(w: &TestWallet) -> Option<String> {
    let wallet = keysplit_wallet::open(
        &w.set.info,
        ShareInput::new(Role::Device, &w.set.device, Unlock::Key(&w.device_key)),
        ShareInput::new(Role::Auth, &w.set.auth, Unlock::Key(&w.auth_key)),
    )
    .ok()?;
    let signature = keysplit_wallet::upload_proof::sign(&wallet, &w.set.info).ok()?;
    Some(format!("0x{}", hex::encode(signature)))
}

fn proof(w: &TestWallet) -> String {
    try_proof(w).expect("the test wallet rebuilds")
}

fn shares_body(w: &TestWallet, expected_epoch: Option<u32>) -> Value {
    let mut body = json!({
        "wallet": info_json(&w.set),
        "auth_share": w.set.auth.to_hex(),
        "auth_key": hex::encode(w.auth_key.as_bytes()),
        "recovery_share": w.set.recovery.to_hex(),
    });
    if let Some(proof) = try_proof(w) {
        body["proof"] = json!(proof);
    }
    if let Some(e) = expected_epoch {
        body["expected_epoch"] = json!(e);
    }
    body
}

/// The payload the iframe builds for a user-owned wallet's release (no signature): a
/// personal_sign request, in time for a minute, with a fresh idempotency key.
fn user_request(wallet_id: &str) -> Value {
    payload(
        "POST",
        &format!("/v1/wallets/{wallet_id}/release"),
        json!({"method": "personal_sign", "params": {"message": "hello", "encoding": "utf-8"}}),
        now_ms() + 60_000,
    )
}

/// SHA-256 of the RFC 8785 form of a payload (the iframe's `custody.requestDigest`).
fn digest_of(payload: &Value) -> [u8; 32] {
    sha2::Sha256::digest(
        RequestPayload::from_value(payload.clone())
            .unwrap()
            .canonical_bytes(),
    )
    .into()
}

fn fresh_nonce() -> String {
    let mut n = [0u8; 16];
    rand_core::Rng::fill_bytes(&mut keysplit::os_rng().unwrap(), &mut n);
    hex::encode(n)
}

impl Harness {
    fn token(&self, sub: &str) -> String {
        self.issuer.mint(sub, 300).unwrap()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.http.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    async fn create(&self, token: &str, w: &TestWallet) -> (StatusCode, Value) {
        self.send(
            reqwest::Method::POST,
            "/v1/wallets",
            Some(token),
            Some(&shares_body(w, None)),
        )
        .await
    }

    /// A release with the payload `request` (unsigned: the user owner's form).
    async fn release(
        &self,
        token: &str,
        wallet_id: &str,
        request: &Value,
        public_key: &[u8],
    ) -> (StatusCode, Value) {
        let body = json!({
            "request": request,
            "hpke_public_key": hex::encode(public_key),
        });
        self.send(
            reqwest::Method::POST,
            &format!("/v1/wallets/{wallet_id}/release"),
            Some(token),
            Some(&body),
        )
        .await
    }

    async fn stop(mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await.unwrap();
        }
    }
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("<no code>")
}

/// Releases the auth share, opens it as the iframe would and rebuilds the wallet with
/// the device share.
async fn release_and_open(h: &Harness, token: &str, w: &TestWallet) {
    use hpke::Serializable;
    let id = w.set.info.wallet_id.to_string();
    let (secret, public) = crypto::hpke_keypair().unwrap();
    let request = user_request(&id);
    let digest = digest_of(&request);
    let (status, body) = h.release(token, &id, &request, &public.to_bytes()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["request_digest"].as_str().unwrap(),
        hex::encode(digest)
    );
    let enc = hex::decode(body["enc"].as_str().unwrap()).unwrap();
    let ciphertext = hex::decode(body["ciphertext"].as_str().unwrap()).unwrap();
    let info = crypto::release_info(&w.set.info.wallet_id.0, w.set.info.epoch);
    assert_eq!(body["info"].as_str().unwrap(), hex::encode(&info));
    // Bound to the request: another digest does not open it.
    let mut other = digest;
    other[0] ^= 1;
    assert!(crypto::hpke_open(&secret, &enc, &info, &other, &ciphertext).is_err());
    let plaintext = crypto::hpke_open(&secret, &enc, &info, &digest, &ciphertext).unwrap();
    assert!(plaintext.len() > 32);
    let key = ShareKey::from_bytes(plaintext[..32].try_into().unwrap());
    let auth = SealedShare::from_bytes(&plaintext[32..]).unwrap();
    let wallet = keysplit_wallet::open(
        &w.set.info,
        ShareInput::new(Role::Device, &w.set.device, Unlock::Key(&w.device_key)),
        ShareInput::new(Role::Auth, &auth, Unlock::Key(&key)),
    )
    .unwrap();
    assert_eq!(
        wallet.ethereum_address(0).unwrap(),
        w.set.info.ethereum_address
    );
}

// ----------------------------------------------------------------------------------------
// Scenarios, each run on both back ends

async fn healthz(backend: Backend) {
    let Some(h) = harness(backend).await else {
        return;
    };
    let (status, body) = h.send(reqwest::Method::GET, "/healthz", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
    let name = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    assert_eq!(body["db"], name);
    h.stop().await;
}

async fn create_get_release_recover(backend: Backend, alg: DevAlg) {
    let Some(h) = harness_with(backend, alg, 1000).await else {
        return;
    };
    let alice = h.token("alice");
    let w = new_wallet();
    let id = w.set.info.wallet_id.to_string();

    let (status, body) = h.create(&alice, &w).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["wallet"], info_json(&w.set));
    // The same id again is refused.
    let (status, body) = h.create(&alice, &w).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::CONFLICT, "WALLET_EXISTS")
    );

    let (status, body) = h
        .send(
            reqwest::Method::GET,
            &format!("/v1/wallets/{id}"),
            Some(&alice),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["wallet"], info_json(&w.set));

    release_and_open(&h, &alice, &w).await;

    // New device: fetch the recovery share, recover at epoch 1, upload by CAS.
    let (status, body) = h
        .send(
            reqwest::Method::GET,
            &format!("/v1/wallets/{id}/recovery-share"),
            Some(&alice),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["recovery_share"].as_str().unwrap(),
        w.set.recovery.to_hex()
    );
    let next = recovered(&w);
    let (status, body) = h
        .send(
            reqwest::Method::PUT,
            &format!("/v1/wallets/{id}/shares"),
            Some(&alice),
            Some(&shares_body(&next, Some(0))),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["wallet"]["epoch"], 1);
    release_and_open(&h, &alice, &next).await;

    // The audit log has every change and release, in order, and no secrets.
    let (status, body) = h
        .send(
            reqwest::Method::GET,
            &format!("/v1/wallets/{id}/audit"),
            Some(&alice),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let actions: Vec<(String, String)> = body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|e| {
            (
                e["action"].as_str().unwrap().into(),
                e["outcome"].as_str().unwrap().into(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("create", "ok"),
        ("create", "WALLET_EXISTS"),
        ("release", "ok"),
        ("recovery_share", "ok"),
        ("rotate", "ok"),
        ("release", "ok"),
    ]
    .iter()
    .map(|(a, o)| (a.to_string(), o.to_string()))
    .collect();
    assert_eq!(actions, expected);
    let text = body.to_string();
    assert!(!text.contains(&hex::encode(w.auth_key.as_bytes())));
    assert!(!text.contains(&w.set.auth.to_hex()));
    h.stop().await;
}

async fn token_refusals(backend: Backend) {
    let Some(h) = harness(backend).await else {
        return;
    };
    let w = new_wallet();
    let id = w.set.info.wallet_id.to_string();
    let path = format!("/v1/wallets/{id}");
    let now = now();
    let claims = |aud: &str, iat: i64, exp: i64| json!({"iss": h.issuer.iss, "aud": aud, "sub": "alice", "iat": iat, "nbf": iat, "exp": exp});
    let expired = h
        .issuer
        .sign_claims(&claims(&h.issuer.aud, now - 600, now - 120))
        .unwrap();
    let wrong_aud = h
        .issuer
        .sign_claims(&claims("another-service", now, now + 300))
        .unwrap();
    let not_yet = h
        .issuer
        .sign_claims(&claims(&h.issuer.aud, now + 600, now + 900))
        .unwrap();
    let wrong_iss = h
        .issuer
        .sign_claims(
            &json!({"iss": "someone-else", "aud": h.issuer.aud, "sub": "alice", "exp": now + 300}),
        )
        .unwrap();
    let no_exp = h
        .issuer
        .sign_claims(&json!({"iss": h.issuer.iss, "aud": h.issuer.aud, "sub": "alice"}))
        .unwrap();
    // `alg: none`, and a token of another key (a second dev issuer with the same names).
    let b64 = |v: &Value| {
        use base64ct::{Base64UrlUnpadded, Encoding};
        Base64UrlUnpadded::encode_string(v.to_string().as_bytes())
    };
    let none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&claims(&h.issuer.aud, now, now + 300))
    );
    let stranger = DevIssuer::generate(DevAlg::EdDSA)
        .unwrap()
        .mint("alice", 300)
        .unwrap();
    // The right key but the header claims ES256.
    let valid = h.token("alice");
    let mut parts: Vec<String> = valid.split('.').map(String::from).collect();
    parts[0] = b64(&json!({"alg": "ES256", "typ": "JWT", "kid": h.issuer.kid}));
    let alg_swapped = parts.join(".");
    // A valid token with a flipped signature byte.
    let mut tampered = valid.clone().into_bytes();
    let last = tampered.len() - 2;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();

    let (status, body) = h.send(reqwest::Method::GET, &path, None, None).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED")
    );
    for (name, token) in [
        ("expired", &expired),
        ("wrong audience", &wrong_aud),
        ("not yet valid", &not_yet),
        ("wrong issuer", &wrong_iss),
        ("no exp", &no_exp),
        ("alg none", &none),
        ("unknown key", &stranger),
        ("alg swapped", &alg_swapped),
        ("tampered", &tampered),
        ("garbage", &"not.a.token".to_string()),
    ] {
        let (status, body) = h.send(reqwest::Method::GET, &path, Some(token), None).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED"),
            "{name}: {body}"
        );
        let (status, _) = h
            .send(
                reqwest::Method::POST,
                "/v1/wallets",
                Some(token),
                Some(&shares_body(&w, None)),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name} (create)");
    }
    // Within the leeway: expired 10 s ago is still accepted (30 s skew).
    let recent = h
        .issuer
        .sign_claims(&claims(&h.issuer.aud, now - 600, now - 10))
        .unwrap();
    let (status, body) = h.create(&recent, &w).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    h.stop().await;
}

async fn ownership_replay_and_limits(backend: Backend) {
    use hpke::Serializable;
    let Some(h) = harness(backend).await else {
        return;
    };
    let alice = h.token("alice");
    let mallory = h.token("mallory");
    let w = new_wallet();
    let id = w.set.info.wallet_id.to_string();
    assert_eq!(h.create(&alice, &w).await.0, StatusCode::CREATED);
    let (_, public) = crypto::hpke_keypair().unwrap();
    let public = public.to_bytes();

    // Another user's wallet: 404, as for a wallet that does not exist.
    for (method, path) in [
        (reqwest::Method::GET, format!("/v1/wallets/{id}")),
        (
            reqwest::Method::GET,
            format!("/v1/wallets/{id}/recovery-share"),
        ),
        (reqwest::Method::GET, format!("/v1/wallets/{id}/audit")),
    ] {
        let (status, body) = h.send(method, &path, Some(&mallory), None).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::NOT_FOUND, "NOT_FOUND"),
            "{path}"
        );
    }
    let (status, body) = h.release(&mallory, &id, &user_request(&id), &public).await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "NOT_FOUND"));
    let next = recovered(&w);
    let (status, body) = h
        .send(
            reqwest::Method::PUT,
            &format!("/v1/wallets/{id}/shares"),
            Some(&mallory),
            Some(&shares_body(&next, Some(0))),
        )
        .await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "NOT_FOUND"));
    let missing = "00112233445566778899aabbccddeeff";
    let (status, _) = h
        .release(&alice, missing, &user_request(missing), &public)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Replayed idempotency key: the same payload, and the key in another payload.
    let request = user_request(&id);
    let (status, body) = h.release(&alice, &id, &request, &public).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = h.release(&alice, &id, &request, &public).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "REPLAYED"));
    let mut reused = user_request(&id);
    reused["headers"]["privy-idempotency-key"] =
        request["headers"]["privy-idempotency-key"].clone();
    let (status, body) = h.release(&alice, &id, &reused, &public).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "REPLAYED"));

    // Malformed release requests: a short or non-hex digest, the removed stage-1 form
    // (digest and nonce, with or without a payload), no payload, a bad HPKE key.
    let key = hex::encode(public);
    let bad_point = "04".to_string() + &"00".repeat(64);
    for body in [
        json!({"request": user_request(&id), "request_digest": "00".repeat(31), "hpke_public_key": key}),
        json!({"request": user_request(&id), "request_digest": "zz".repeat(32), "hpke_public_key": key}),
        json!({"request_digest": "00".repeat(32), "nonce": fresh_nonce(), "hpke_public_key": key}),
        json!({"request": user_request(&id), "nonce": fresh_nonce(), "hpke_public_key": key}),
        json!({"hpke_public_key": key}),
        json!({"request": user_request(&id), "hpke_public_key": bad_point}),
        json!({"request": user_request(&id), "hpke_public_key": key[..128]}),
    ] {
        let (status, answer) = h
            .send(
                reqwest::Method::POST,
                &format!("/v1/wallets/{id}/release"),
                Some(&alice),
                Some(&body),
            )
            .await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::BAD_REQUEST, "BAD_REQUEST"),
            "{body}: {answer}"
        );
    }

    // Oversized body (the limit is 16 KiB here).
    let big = json!({"request_digest": "00".repeat(32), "nonce": "ab".repeat(20_000), "hpke_public_key": ""});
    let (status, body) = h
        .send(
            reqwest::Method::POST,
            &format!("/v1/wallets/{id}/release"),
            Some(&alice),
            Some(&big),
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE")
    );

    // Unknown fields and wrong auth keys are refused.
    let mut body = shares_body(&new_wallet(), None);
    body["extra"] = json!(1);
    let (status, _) = h
        .send(
            reqwest::Method::POST,
            "/v1/wallets",
            Some(&alice),
            Some(&body),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let mut body = shares_body(&new_wallet(), None);
    body["auth_key"] = json!("11".repeat(32));
    let (status, body) = h
        .send(
            reqwest::Method::POST,
            "/v1/wallets",
            Some(&alice),
            Some(&body),
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "AUTH_KEY_MISMATCH")
    );
    // Shares swapped between roles.
    let other = new_wallet();
    let mut body = shares_body(&other, None);
    body["auth_share"] = json!(other.set.recovery.to_hex());
    let (status, body) = h
        .send(
            reqwest::Method::POST,
            "/v1/wallets",
            Some(&alice),
            Some(&body),
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "INVALID_SHARE")
    );

    // Refusals are in the audit log.
    let (_, body) = h
        .send(
            reqwest::Method::GET,
            &format!("/v1/wallets/{id}/audit"),
            Some(&alice),
            None,
        )
        .await;
    let outcomes: Vec<&str> = body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes.iter().filter(|o| **o == "REPLAYED").count(), 2);
    assert!(outcomes.iter().filter(|o| **o == "NOT_FOUND").count() == 5);

    h.stop().await;
}

/// The header's comma-separated items, lower-cased and sorted.
fn header_items(response: &reqwest::Response, name: &str) -> Vec<String> {
    let mut items: Vec<String> = response
        .headers()
        .get_all(name)
        .iter()
        .flat_map(|v| v.to_str().unwrap().split(','))
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect();
    items.sort();
    items
}

/// CORS as the wallet iframe's `fetch` needs it: the preflight of a `PUT` with
/// `Authorization` and `Content-Type: application/json` from the configured origin gets
/// exactly GET/POST/PUT and those two headers; any other origin gets no CORS header.
async fn cors(backend: Backend) {
    let Some(h) = harness(backend).await else {
        return;
    };
    let alice = h.token("alice");
    let w = new_wallet();
    let id = w.set.info.wallet_id.to_string();
    assert_eq!(h.create(&alice, &w).await.0, StatusCode::CREATED);
    let preflight = |origin: &'static str, method: &'static str| {
        h.http
            .request(
                reqwest::Method::OPTIONS,
                h.url(&format!("/v1/wallets/{id}/shares")),
            )
            .header("Origin", origin)
            .header("Access-Control-Request-Method", method)
            .header(
                "Access-Control-Request-Headers",
                "authorization,content-type",
            )
            .send()
    };
    let ok = preflight("https://wallet.example", "PUT").await.unwrap();
    assert!(ok.status().is_success(), "{}", ok.status());
    assert_eq!(
        ok.headers().get("access-control-allow-origin").unwrap(),
        "https://wallet.example"
    );
    assert_eq!(
        header_items(&ok, "access-control-allow-methods"),
        ["get", "post", "put"]
    );
    assert_eq!(
        header_items(&ok, "access-control-allow-headers"),
        ["authorization", "content-type"]
    );
    assert!(ok
        .headers()
        .get("access-control-allow-credentials")
        .is_none());
    assert!(header_items(&ok, "vary").contains(&"origin".to_string()));
    // Another origin, a look-alike and no origin at all: no CORS header whatsoever.
    for origin in [
        "https://evil.example",
        "https://wallet.example.evil.example",
        "http://wallet.example",
        "null",
    ] {
        let other = preflight(origin, "PUT").await.unwrap();
        assert!(!other.status().is_success(), "{origin}: {}", other.status());
        let cors_headers: Vec<_> = other
            .headers()
            .keys()
            .filter(|k| k.as_str().starts_with("access-control-"))
            .collect();
        assert!(cors_headers.is_empty(), "{origin}: {cors_headers:?}");
    }
    // The actual request from the wallet origin carries the origin; from another it does not.
    let get = |origin: &'static str| {
        h.http
            .get(h.url(&format!("/v1/wallets/{id}")))
            .bearer_auth(&alice)
            .header("Origin", origin)
            .send()
    };
    let ok = get("https://wallet.example").await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(
        ok.headers().get("access-control-allow-origin").unwrap(),
        "https://wallet.example"
    );
    let other = get("https://evil.example").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
    // Errors reach the wallet origin's script too (it needs the error code).
    let refused = h
        .http
        .get(h.url(&format!("/v1/wallets/{id}")))
        .header("Origin", "https://wallet.example")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .unwrap(),
        "https://wallet.example"
    );
    h.stop().await;
}

async fn rate_limit(backend: Backend) {
    use hpke::Serializable;
    let Some(h) = harness_with(backend, DevAlg::EdDSA, 3).await else {
        return;
    };
    let alice = h.token("alice");
    let w = new_wallet();
    let id = w.set.info.wallet_id.to_string();
    assert_eq!(h.create(&alice, &w).await.0, StatusCode::CREATED);
    let (_, public) = crypto::hpke_keypair().unwrap();
    for _ in 0..3 {
        let (status, _) = h
            .release(&alice, &id, &user_request(&id), &public.to_bytes())
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, body) = h
        .release(&alice, &id, &user_request(&id), &public.to_bytes())
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED")
    );
    // The recovery share and the recovery key count against the same budget.
    let (status, body) = h
        .send(
            reqwest::Method::GET,
            &format!("/v1/wallets/{id}/recovery-share"),
            Some(&alice),
            None,
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED")
    );
    let (status, body) = h
        .recovery_key(
            &alice,
            &id,
            &recovery_key_request(&id),
            None,
            &public.to_bytes(),
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED")
    );
    // Another user has a budget of their own.
    let bob = h.token("bob");
    let (status, _) = h
        .release(&bob, &id, &user_request(&id), &public.to_bytes())
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    h.stop().await;
}

async fn epoch_compare_and_swap(backend: Backend) {
    let Some(h) = harness(backend).await else {
        return;
    };
    let alice = h.token("alice");
    let w = new_wallet();
    let id = w.set.info.wallet_id.to_string();
    let path = format!("/v1/wallets/{id}/shares");
    assert_eq!(h.create(&alice, &w).await.0, StatusCode::CREATED);

    // Eight racing uploads of epoch 1 over epoch 0: exactly one wins.
    let candidates: Vec<TestWallet> = (0..8).map(|_| recovered(&w)).collect();
    let bodies: Vec<Value> = candidates.iter().map(|c| shares_body(c, Some(0))).collect();
    let results = futures_join(
        bodies
            .iter()
            .map(|b| h.send(reqwest::Method::PUT, &path, Some(&alice), Some(b)))
            .collect(),
    )
    .await;
    let winners: Vec<usize> = results
        .iter()
        .enumerate()
        .filter(|(_, (s, _))| *s == StatusCode::OK)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    for (status, body) in &results {
        if *status != StatusCode::OK {
            assert_eq!(
                (*status, code(body)),
                (StatusCode::CONFLICT, "EPOCH_CONFLICT")
            );
        }
    }
    let winner = &candidates[winners[0]];
    // The stored set is the winner's, whole: its auth share opens with its device share.
    release_and_open(&h, &alice, winner).await;

    // Stale: epoch 0 again, and an equal epoch (1 over 1).
    let (status, body) = h
        .send(
            reqwest::Method::PUT,
            &path,
            Some(&alice),
            Some(&shares_body(&candidates[(winners[0] + 1) % 8], Some(0))),
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::CONFLICT, "EPOCH_CONFLICT")
    );
    let (status, body) = h
        .send(
            reqwest::Method::PUT,
            &path,
            Some(&alice),
            Some(&shares_body(winner, Some(1))),
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::CONFLICT, "EPOCH_CONFLICT")
    );
    // Another wallet's shares cannot replace these (other addresses).
    let mut stranger = recovered(&new_wallet());
    stranger.set.info.wallet_id = w.set.info.wallet_id;
    let (status, _) = h
        .send(
            reqwest::Method::PUT,
            &path,
            Some(&alice),
            Some(&shares_body(&stranger, Some(1))),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST); // the sealed shares name their own wallet
                                                 // The next epoch over the current one works.
    let third = recovered(winner);
    let (status, body) = h
        .send(
            reqwest::Method::PUT,
            &path,
            Some(&alice),
            Some(&shares_body(&third, Some(1))),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["wallet"]["epoch"], 2);
    h.stop().await;
}

/// The upload proof: without it, a token holder could replace a wallet's shares with a
/// share set of another secret that claims the wallet's addresses (everything else about
/// such an upload checks out: shares of this wallet id and epoch, an auth key that opens
/// the auth share, the same addresses for the compare-and-swap).
async fn upload_proofs(backend: Backend) {
    let Some(h) = harness(backend).await else {
        return;
    };
    let alice = h.token("alice");
    let w = new_wallet();
    let id = w.set.info.wallet_id.to_string();
    let path = format!("/v1/wallets/{id}/shares");
    let post = |body: Value| {
        let h = &h;
        let alice = alice.clone();
        async move {
            h.send(
                reqwest::Method::POST,
                "/v1/wallets",
                Some(&alice),
                Some(&body),
            )
            .await
        }
    };
    // Create: no proof, a short one, one for another upload (another wallet's) — refused.
    let mut body = shares_body(&w, None);
    body.as_object_mut().unwrap().remove("proof");
    let (status, answer) = post(body.clone()).await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::BAD_REQUEST, "INVALID_PROOF")
    );
    body["proof"] = json!(format!("0x{}", "00".repeat(64)));
    let (status, answer) = post(body.clone()).await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::BAD_REQUEST, "INVALID_PROOF")
    );
    body["proof"] = json!("0xzz".to_string() + &"00".repeat(64));
    let (status, answer) = post(body.clone()).await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::BAD_REQUEST, "INVALID_PROOF")
    );
    body["proof"] = json!(proof(&new_wallet()));
    let (status, answer) = post(body.clone()).await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::BAD_REQUEST, "INVALID_PROOF")
    );
    // Plain hex (no 0x) is accepted.
    body["proof"] = json!(proof(&w).trim_start_matches("0x"));
    let (status, answer) = post(body).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");

    // The attack: another secret, split for this wallet id at epoch 1, claiming this
    // wallet's addresses, its auth key included, signed by the attacker's own key.
    let mut rng = keysplit::os_rng().unwrap();
    let attacker = keysplit_wallet::Wallet::generate(Strength::Bits128, &mut rng);
    let device_key = ShareKey::generate(&mut rng);
    let auth_key = ShareKey::generate(&mut rng);
    let protect = Protections {
        device: Protection::Key(&device_key),
        auth: Protection::Key(&auth_key),
        recovery: Protection::InsecureFastPassword {
            password: PASSWORD,
            params: FAST,
        },
    };
    let mut forged = attacker
        .split(w.set.info.wallet_id, 1, &protect, &mut rng)
        .unwrap();
    forged.info.ethereum_address = w.set.info.ethereum_address;
    forged.info.solana_address = w.set.info.solana_address;
    let forged = TestWallet {
        set: forged,
        device_key,
        auth_key,
    };
    let forged_proof = attacker
        .sign_personal_message(
            0,
            keysplit_wallet::upload_proof::statement(&forged.set.info).as_bytes(),
        )
        .unwrap();
    let mut body = shares_body(&forged, Some(0));
    assert!(
        body.get("proof").is_none(),
        "the forged set does not rebuild these addresses"
    );
    let put = |body: Value| {
        let (h, path, alice) = (&h, path.clone(), alice.clone());
        async move {
            h.send(reqwest::Method::PUT, &path, Some(&alice), Some(&body))
                .await
        }
    };
    let (status, answer) = put(body.clone()).await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::BAD_REQUEST, "INVALID_PROOF")
    );
    body["proof"] = json!(hex::encode(forged_proof));
    let (status, answer) = put(body).await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::BAD_REQUEST, "INVALID_PROOF")
    );
    // The wallet's own proof of epoch 0 does not carry over to an epoch-1 upload.
    let next = recovered(&w);
    let mut body = shares_body(&next, Some(0));
    body["proof"] = json!(proof(&w));
    let (status, answer) = put(body).await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::BAD_REQUEST, "INVALID_PROOF")
    );
    // Nothing changed: the epoch-0 set still opens; then the real rotation goes through.
    release_and_open(&h, &alice, &w).await;
    let (status, answer) = put(shares_body(&next, Some(0))).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    release_and_open(&h, &alice, &next).await;
    let refusals: Vec<(String, String)> = h
        .audit(&alice, &id)
        .await
        .iter()
        .rev()
        .filter(|e| e["action"] == "rotate")
        .map(|e| {
            (
                e["outcome"].as_str().unwrap().to_string(),
                e["detail"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let outcomes: Vec<&str> = refusals.iter().map(|(o, _)| o.as_str()).collect();
    assert_eq!(
        outcomes,
        ["INVALID_PROOF", "INVALID_PROOF", "INVALID_PROOF", "ok"]
    );
    h.stop().await;
}

async fn futures_join<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut handles = Vec::new();
    for f in futures {
        handles.push(f);
    }
    // Poll all at once on this task.
    let mut pinned: Vec<_> = handles.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = (0..pinned.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in pinned.iter_mut().enumerate() {
            if out[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => out[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter().map(Option::unwrap).collect()
}

macro_rules! on_both {
    ($name:ident $(, $arg:expr)*) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(super::Backend::Sqlite $(, $arg)*).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(super::Backend::Postgres $(, $arg)*).await
            }
        }
    };
}

on_both!(healthz);
on_both!(token_refusals);
on_both!(ownership_replay_and_limits);
on_both!(rate_limit);
on_both!(cors);
on_both!(upload_proofs);
on_both!(epoch_compare_and_swap);

mod create_get_release_recover {
    use keysplit_server::DevAlg;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_eddsa() {
        super::create_get_release_recover(super::Backend::Sqlite, DevAlg::EdDSA).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_es256() {
        super::create_get_release_recover(super::Backend::Sqlite, DevAlg::ES256).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres_es256() {
        super::create_get_release_recover(super::Backend::Postgres, DevAlg::ES256).await
    }
}

// ----------------------------------------------------------------------------------------
// Key-quorum owners, signed requests, additional signers and policies

use keysplit_wallet::authz::{AuthorizationKey, RequestPayload};
use sha2::Digest as _;

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

fn auth_key() -> AuthorizationKey {
    AuthorizationKey::generate(&mut keysplit::os_rng().unwrap())
}

fn quorum_owner(threshold: usize, keys: &[&AuthorizationKey]) -> Value {
    let members: Vec<String> = keys.iter().map(|k| k.public_key().to_base64()).collect();
    json!({"key_quorum": {"threshold": threshold, "members": members}})
}

/// A signed request payload in Privy's shape.
fn payload(method: &str, path: &str, body: Value, expiry_ms: u64) -> Value {
    json!({
        "version": 1,
        "method": method,
        "url": format!("https://keysplit.example{path}"),
        "body": body,
        "headers": {
            "privy-request-expiry": expiry_ms.to_string(),
            "privy-idempotency-key": fresh_nonce(),
        },
    })
}

fn sign(key: &AuthorizationKey, payload: &Value) -> String {
    key.sign(&RequestPayload::from_value(payload.clone()).unwrap())
        .to_base64()
}

fn sign_all(keys: &[&AuthorizationKey], payload: &Value) -> String {
    keys.iter()
        .map(|k| sign(k, payload))
        .collect::<Vec<_>>()
        .join(",")
}

fn sign_request(tx: Value) -> Value {
    json!({"method": "eth_signTransaction", "params": {"transaction": tx}})
}

fn eth_tx(to: &str, value: &str) -> Value {
    json!({"type": 2, "chainId": "1", "nonce": 0, "gasLimit": "21000",
           "maxFeePerGas": "30000000000", "maxPriorityFeePerGas": "1000000000",
           "to": to, "value": value})
}

const GOOD_TO: &str = "0x3535353535353535353535353535353535353535";
const BAD_TO: &str = "0x000000000000000000000000000000000000dead";

fn payout_policy() -> Value {
    json!({"version": "1.0", "name": "Payouts", "chain_type": "ethereum", "rules": [
        {"name": "Known bad recipient", "method": "eth_signTransaction", "action": "DENY",
         "conditions": [{"field_source": "ethereum_transaction", "field": "to",
                         "operator": "eq", "value": BAD_TO}]},
        {"name": "Small payouts on mainnet", "method": "eth_signTransaction", "action": "ALLOW",
         "conditions": [
            {"field_source": "ethereum_transaction", "field": "chain_id", "operator": "eq", "value": "1"},
            {"field_source": "ethereum_transaction", "field": "value", "operator": "lte",
             "value": "1000000000000000000"}]}
    ]})
}

impl Harness {
    async fn create_owned(
        &self,
        token: &str,
        w: &TestWallet,
        owner: &Value,
    ) -> (StatusCode, Value) {
        let mut body = shares_body(w, None);
        body["owner"] = owner.clone();
        self.send(
            reqwest::Method::POST,
            "/v1/wallets",
            Some(token),
            Some(&body),
        )
        .await
    }

    async fn signed_release(
        &self,
        token: &str,
        id: &str,
        request: &Value,
        signatures: Option<&str>,
        signer: Option<&AuthorizationKey>,
        public_key: &[u8],
    ) -> (StatusCode, Value) {
        let mut body = json!({"request": request, "hpke_public_key": hex::encode(public_key)});
        if let Some(s) = signatures {
            body["authorization_signature"] = json!(s);
        }
        if let Some(k) = signer {
            body["signer"] = json!(k.public_key().to_base64());
        }
        self.send(
            reqwest::Method::POST,
            &format!("/v1/wallets/{id}/release"),
            Some(token),
            Some(&body),
        )
        .await
    }

    async fn audit(&self, token: &str, id: &str) -> Vec<Value> {
        let (status, body) = self
            .send(
                reqwest::Method::GET,
                &format!("/v1/wallets/{id}/audit"),
                Some(token),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["entries"].as_array().unwrap().clone()
    }
}

/// Opens a release answer with the iframe's key and `digest`, and rebuilds the wallet.
fn open_release(
    w: &TestWallet,
    secret: &<crypto::HpkeKem as hpke::Kem>::PrivateKey,
    digest: &[u8; 32],
    body: &Value,
) {
    let enc = hex::decode(body["enc"].as_str().unwrap()).unwrap();
    let ciphertext = hex::decode(body["ciphertext"].as_str().unwrap()).unwrap();
    let info = crypto::release_info(&w.set.info.wallet_id.0, w.set.info.epoch);
    let plaintext = crypto::hpke_open(secret, &enc, &info, digest, &ciphertext).unwrap();
    let key = ShareKey::from_bytes(plaintext[..32].try_into().unwrap());
    let auth = SealedShare::from_bytes(&plaintext[32..]).unwrap();
    let wallet = keysplit_wallet::open(
        &w.set.info,
        ShareInput::new(Role::Device, &w.set.device, Unlock::Key(&w.device_key)),
        ShareInput::new(Role::Auth, &auth, Unlock::Key(&key)),
    )
    .unwrap();
    assert_eq!(
        wallet.ethereum_address(0).unwrap(),
        w.set.info.ethereum_address
    );
}

async fn quorum_owned_release(backend: Backend) {
    use hpke::Serializable;
    let Some(h) = harness(backend).await else {
        return;
    };
    let alice = h.token("alice");
    let (k1, k2, outsider) = (auth_key(), auth_key(), auth_key());
    let w = new_wallet();
    let id = w.set.info.wallet_id.to_string();
    let path = format!("/v1/wallets/{id}/release");
    let (status, body) = h
        .create_owned(&alice, &w, &quorum_owner(2, &[&k1, &k2]))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["owner"], quorum_owner(2, &[&k1, &k2]));
    let (_, public) = crypto::hpke_keypair().unwrap();
    let pk = public.to_bytes();
    let later = now_ms() + 120_000;
    let body = sign_request(eth_tx(GOOD_TO, "1"));

    let p = payload("POST", &path, body.clone(), later);
    // Missing signature.
    let (status, b) = h.signed_release(&alice, &id, &p, None, None, &pk).await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::FORBIDDEN, "QUORUM_NOT_MET"),
        "{b}"
    );
    // One of two.
    let (status, b) = h
        .signed_release(&alice, &id, &p, Some(&sign(&k1, &p)), None, &pk)
        .await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::FORBIDDEN, "QUORUM_NOT_MET"),
        "{b}"
    );
    // The same signature twice counts once.
    let s1 = sign(&k1, &p);
    let (status, b) = h
        .signed_release(&alice, &id, &p, Some(&format!("{s1},{s1}")), None, &pk)
        .await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::FORBIDDEN, "QUORUM_NOT_MET"),
        "{b}"
    );
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("already counted"),
        "{b}"
    );
    // A non-member's signature does not count.
    let (status, b) = h
        .signed_release(
            &alice,
            &id,
            &p,
            Some(&sign_all(&[&k1, &outsider], &p)),
            None,
            &pk,
        )
        .await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::FORBIDDEN, "QUORUM_NOT_MET"),
        "{b}"
    );
    // Tampered payload: signatures over p, another transaction sent.
    let mut tampered = p.clone();
    tampered["body"] = sign_request(eth_tx(BAD_TO, "1"));
    let (status, b) = h
        .signed_release(
            &alice,
            &id,
            &tampered,
            Some(&sign_all(&[&k1, &k2], &p)),
            None,
            &pk,
        )
        .await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::FORBIDDEN, "QUORUM_NOT_MET"),
        "{b}"
    );
    // Expired, with both signatures.
    let old = payload("POST", &path, body.clone(), now_ms() - 60_000);
    let (status, b) = h
        .signed_release(
            &alice,
            &id,
            &old,
            Some(&sign_all(&[&k1, &k2], &old)),
            None,
            &pk,
        )
        .await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::FORBIDDEN, "REQUEST_EXPIRED"),
        "{b}"
    );
    // Signed for another endpoint.
    let other = payload(
        "POST",
        &format!("/v1/wallets/{id}/signers"),
        body.clone(),
        later,
    );
    let (status, b) = h
        .signed_release(
            &alice,
            &id,
            &other,
            Some(&sign_all(&[&k1, &k2], &other)),
            None,
            &pk,
        )
        .await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::FORBIDDEN, "REQUEST_MISMATCH"),
        "{b}"
    );
    // Another user's token with a valid quorum: as a missing wallet.
    let sigs = sign_all(&[&k2, &k1], &p);
    let (status, b) = h
        .signed_release(&h.token("mallory"), &id, &p, Some(&sigs), None, &pk)
        .await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::NOT_FOUND, "NOT_FOUND"),
        "{b}"
    );

    // Met. The digest oracle: SHA-256 of the RFC 8785 text written out by hand here
    // (members sorted, no whitespace), not computed by the server's code.
    let key = fresh_nonce();
    let canonical = format!(
        r#"{{"body":{{"method":"personal_sign","params":{{"message":"hi"}}}},"headers":{{"privy-idempotency-key":"{key}","privy-request-expiry":"{later}"}},"method":"POST","url":"https://keysplit.example{path}","version":1}}"#
    );
    let digest: [u8; 32] = sha2::Sha256::digest(canonical.as_bytes()).into();
    let p: Value = serde_json::from_str(&canonical).unwrap();
    let sigs = sign_all(&[&k2, &k1], &p);
    // A wrong client digest is refused before anything else.
    let mut with_digest = json!({"request": p, "authorization_signature": sigs,
        "hpke_public_key": hex::encode(pk), "request_digest": hex::encode([0u8; 32])});
    let (status, b) = h
        .send(
            reqwest::Method::POST,
            &path,
            Some(&alice),
            Some(&with_digest),
        )
        .await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::BAD_REQUEST, "DIGEST_MISMATCH"),
        "{b}"
    );
    let (secret, public) = crypto::hpke_keypair().unwrap();
    with_digest["request_digest"] = json!(hex::encode(digest));
    with_digest["hpke_public_key"] = json!(hex::encode(public.to_bytes()));
    let (status, b) = h
        .send(
            reqwest::Method::POST,
            &path,
            Some(&alice),
            Some(&with_digest),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{b}");
    assert_eq!(b["request_digest"], hex::encode(digest));
    open_release(&w, &secret, &digest, &b);
    // Replayed idempotency key.
    let (status, b) = h
        .signed_release(&alice, &id, &p, Some(&sigs), None, &pk)
        .await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::CONFLICT, "REPLAYED"),
        "{b}"
    );

    let outcomes: Vec<String> = h
        .audit(&alice, &id)
        .await
        .iter()
        .rev()
        .filter(|e| e["action"] == "release")
        .map(|e| e["outcome"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        outcomes,
        [
            "QUORUM_NOT_MET",
            "QUORUM_NOT_MET",
            "QUORUM_NOT_MET",
            "QUORUM_NOT_MET",
            "QUORUM_NOT_MET",
            "REQUEST_EXPIRED",
            "REQUEST_MISMATCH",
            "NOT_FOUND",
            "ok",
            "REPLAYED"
        ]
    );
    h.stop().await;
}

async fn signers_and_policies(backend: Backend) {
    use hpke::Serializable;
    let Some(h) = harness(backend).await else {
        return;
    };
    let alice = h.token("alice");
    let bob = h.token("bob");
    let signer = auth_key();
    let stranger = auth_key();
    let w = new_wallet();
    let id = w.set.info.wallet_id.to_string();
    let release_path = format!("/v1/wallets/{id}/release");
    let signers_path = format!("/v1/wallets/{id}/signers");
    let (status, b) = h.create(&alice, &w).await;
    assert_eq!(status, StatusCode::CREATED, "{b}");
    assert_eq!(b["owner"], "user");
    let add = json!({"public_key": signer.public_key().to_base64(), "policy": payout_policy()});

    // Not the owner.
    let (status, b) = h
        .send(reqwest::Method::POST, &signers_path, Some(&bob), Some(&add))
        .await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::NOT_FOUND, "NOT_FOUND"),
        "{b}"
    );
    // A policy the library cannot evaluate.
    let mut bad = add.clone();
    bad["policy"]["rules"][0]["action"] = json!("MAYBE");
    let (status, b) = h
        .send(
            reqwest::Method::POST,
            &signers_path,
            Some(&alice),
            Some(&bad),
        )
        .await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::BAD_REQUEST, "POLICY_INVALID"),
        "{b}"
    );
    // Added; twice is refused.
    let (status, b) = h
        .send(
            reqwest::Method::POST,
            &signers_path,
            Some(&alice),
            Some(&add),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{b}");
    let (status, b) = h
        .send(
            reqwest::Method::POST,
            &signers_path,
            Some(&alice),
            Some(&add),
        )
        .await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::CONFLICT, "SIGNER_EXISTS"),
        "{b}"
    );
    let (status, b) = h
        .send(reqwest::Method::GET, &signers_path, Some(&alice), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        b["signers"][0]["public_key"],
        signer.public_key().to_base64()
    );
    assert_eq!(b["signers"][0]["policy"], payout_policy());

    let later = now_ms() + 120_000;
    let (_, public) = crypto::hpke_keypair().unwrap();
    let pk = public.to_bytes();

    // Allowed by the policy: released and opens.
    let p = payload(
        "POST",
        &release_path,
        sign_request(eth_tx(GOOD_TO, "100000000000000000")),
        later,
    );
    let (secret, public) = crypto::hpke_keypair().unwrap();
    let (status, b) = h
        .signed_release(
            &alice,
            &id,
            &p,
            Some(&sign(&signer, &p)),
            Some(&signer),
            &public.to_bytes(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{b}");
    let digest: [u8; 32] = hex::decode(b["request_digest"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    open_release(&w, &secret, &digest, &b);

    // Denied by the DENY rule, named.
    let p = payload(
        "POST",
        &release_path,
        sign_request(eth_tx(BAD_TO, "1")),
        later,
    );
    let (status, b) = h
        .signed_release(
            &alice,
            &id,
            &p,
            Some(&sign(&signer, &p)),
            Some(&signer),
            &pk,
        )
        .await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::FORBIDDEN, "POLICY_DENIED"),
        "{b}"
    );
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Known bad recipient"),
        "{b}"
    );
    // Above the cap: nothing allows it.
    let p = payload(
        "POST",
        &release_path,
        sign_request(eth_tx(GOOD_TO, "2000000000000000000")),
        later,
    );
    let (status, b) = h
        .signed_release(
            &alice,
            &id,
            &p,
            Some(&sign(&signer, &p)),
            Some(&signer),
            &pk,
        )
        .await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::FORBIDDEN, "POLICY_DENIED"),
        "{b}"
    );
    // Signed by another key than the named signer.
    let p = payload(
        "POST",
        &release_path,
        sign_request(eth_tx(GOOD_TO, "1")),
        later,
    );
    let (status, b) = h
        .signed_release(
            &alice,
            &id,
            &p,
            Some(&sign(&stranger, &p)),
            Some(&signer),
            &pk,
        )
        .await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::FORBIDDEN, "QUORUM_NOT_MET"),
        "{b}"
    );
    // A key that is no signer.
    let (status, b) = h
        .signed_release(
            &alice,
            &id,
            &p,
            Some(&sign(&stranger, &p)),
            Some(&stranger),
            &pk,
        )
        .await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::FORBIDDEN, "UNKNOWN_SIGNER"),
        "{b}"
    );
    // A method the server cannot decode for a policy.
    let p = payload(
        "POST",
        &release_path,
        json!({"method": "eth_sendTransaction", "params": {}}),
        later,
    );
    let (status, b) = h
        .signed_release(
            &alice,
            &id,
            &p,
            Some(&sign(&signer, &p)),
            Some(&signer),
            &pk,
        )
        .await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::BAD_REQUEST, "UNSUPPORTED_METHOD"),
        "{b}"
    );

    // The owner (a user) with a signed request: the token authorizes, the expiry holds.
    let old = payload(
        "POST",
        &release_path,
        sign_request(eth_tx(GOOD_TO, "1")),
        now_ms() - 1000,
    );
    let (status, b) = h.signed_release(&alice, &id, &old, None, None, &pk).await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::FORBIDDEN, "REQUEST_EXPIRED"),
        "{b}"
    );
    let p = payload(
        "POST",
        &release_path,
        sign_request(eth_tx(BAD_TO, "1")),
        later,
    );
    let (status, b) = h.signed_release(&alice, &id, &p, None, None, &pk).await;
    assert_eq!(status, StatusCode::OK, "{b}");

    // Removed: refused.
    let remove = json!({"public_key": signer.public_key().to_base64()});
    let (status, b) = h
        .send(
            reqwest::Method::POST,
            &format!("{signers_path}/remove"),
            Some(&bob),
            Some(&remove),
        )
        .await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::NOT_FOUND, "NOT_FOUND"),
        "{b}"
    );
    let (status, b) = h
        .send(
            reqwest::Method::POST,
            &format!("{signers_path}/remove"),
            Some(&alice),
            Some(&remove),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{b}");
    let p = payload(
        "POST",
        &release_path,
        sign_request(eth_tx(GOOD_TO, "1")),
        later,
    );
    let (status, b) = h
        .signed_release(
            &alice,
            &id,
            &p,
            Some(&sign(&signer, &p)),
            Some(&signer),
            &pk,
        )
        .await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::FORBIDDEN, "UNKNOWN_SIGNER"),
        "{b}"
    );

    // The denial is audited with the rule's name.
    let entries = h.audit(&alice, &id).await;
    assert!(
        entries.iter().any(|e| e["action"] == "release"
            && e["outcome"] == "POLICY_DENIED"
            && e["detail"]
                .as_str()
                .unwrap()
                .contains("Known bad recipient")),
        "{entries:?}"
    );
    assert!(entries
        .iter()
        .any(|e| e["action"] == "add_signer" && e["outcome"] == "ok"));
    assert!(entries
        .iter()
        .any(|e| e["action"] == "remove_signer" && e["outcome"] == "ok"));
    h.stop().await;
}

async fn quorum_owner_changes(backend: Backend) {
    use hpke::Serializable;
    let Some(h) = harness(backend).await else {
        return;
    };
    let alice = h.token("alice");
    let (k1, k2, signer) = (auth_key(), auth_key(), auth_key());
    let w = new_wallet();
    let id = w.set.info.wallet_id.to_string();
    let signers_path = format!("/v1/wallets/{id}/signers");
    let owner_path = format!("/v1/wallets/{id}/owner");
    // A user-owned wallet becomes quorum-owned with the user's token.
    let (status, b) = h.create(&alice, &w).await;
    assert_eq!(status, StatusCode::CREATED, "{b}");
    let (status, b) = h
        .send(
            reqwest::Method::PUT,
            &owner_path,
            Some(&h.token("bob")),
            Some(&json!({"owner": quorum_owner(2, &[&k1, &k2])})),
        )
        .await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::NOT_FOUND, "NOT_FOUND"),
        "{b}"
    );
    let (status, b) = h
        .send(
            reqwest::Method::PUT,
            &owner_path,
            Some(&alice),
            Some(&json!({"owner": quorum_owner(2, &[&k1, &k2])})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{b}");
    assert_eq!(b["owner"], quorum_owner(2, &[&k1, &k2]));

    let add = json!({"public_key": signer.public_key().to_base64(), "policy": payout_policy()});
    // The token alone no longer changes anything.
    let (status, b) = h
        .send(
            reqwest::Method::POST,
            &signers_path,
            Some(&alice),
            Some(&add),
        )
        .await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::FORBIDDEN, "SIGNED_REQUEST_REQUIRED"),
        "{b}"
    );
    let (status, b) = h
        .send(
            reqwest::Method::PUT,
            &owner_path,
            Some(&alice),
            Some(&json!({"owner": "user"})),
        )
        .await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::FORBIDDEN, "SIGNED_REQUEST_REQUIRED"),
        "{b}"
    );
    let later = now_ms() + 120_000;
    let p = payload("POST", &signers_path, add.clone(), later);
    // One member; a signer (non-member) trying to add a signer.
    for sigs in [sign(&k1, &p), sign_all(&[&k1, &signer], &p)] {
        let envelope = json!({"request": p, "authorization_signature": sigs});
        let (status, b) = h
            .send(
                reqwest::Method::POST,
                &signers_path,
                Some(&alice),
                Some(&envelope),
            )
            .await;
        assert_eq!(
            (status, code(&b)),
            (StatusCode::FORBIDDEN, "QUORUM_NOT_MET"),
            "{b}"
        );
    }
    // The quorum's signatures: added; the same request again is a replay.
    let envelope = json!({"request": p, "authorization_signature": sign_all(&[&k1, &k2], &p)});
    let (status, b) = h
        .send(
            reqwest::Method::POST,
            &signers_path,
            Some(&alice),
            Some(&envelope),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{b}");
    let (status, b) = h
        .send(
            reqwest::Method::POST,
            &signers_path,
            Some(&alice),
            Some(&envelope),
        )
        .await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::CONFLICT, "REPLAYED"),
        "{b}"
    );
    // On the quorum-owned wallet the signer releases within its policy, without the
    // quorum, and only within it.
    let (_, public) = crypto::hpke_keypair().unwrap();
    let pk = public.to_bytes();
    let release_path = format!("/v1/wallets/{id}/release");
    let ok = payload(
        "POST",
        &release_path,
        sign_request(eth_tx(GOOD_TO, "5")),
        later,
    );
    let (status, b) = h
        .signed_release(
            &alice,
            &id,
            &ok,
            Some(&sign(&signer, &ok)),
            Some(&signer),
            &pk,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{b}");
    let bad = payload(
        "POST",
        &release_path,
        sign_request(eth_tx(BAD_TO, "5")),
        later,
    );
    let (status, b) = h
        .signed_release(
            &alice,
            &id,
            &bad,
            Some(&sign(&signer, &bad)),
            Some(&signer),
            &pk,
        )
        .await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::FORBIDDEN, "POLICY_DENIED"),
        "{b}"
    );
    // The signer's signature is no owner's: without `signer` it does not count.
    let ok = payload(
        "POST",
        &release_path,
        sign_request(eth_tx(GOOD_TO, "5")),
        later,
    );
    let (status, b) = h
        .signed_release(&alice, &id, &ok, Some(&sign(&signer, &ok)), None, &pk)
        .await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::FORBIDDEN, "QUORUM_NOT_MET"),
        "{b}"
    );
    // A body naming a member twice is refused before anything is read from it.
    let raw = format!(
        r#"{{"hpke_public_key":"{}","request":{},"request":{}}}"#,
        hex::encode(pk),
        ok,
        bad
    );
    let response = h
        .http
        .post(h.url(&release_path))
        .bearer_auth(&alice)
        .header("content-type", "application/json")
        .body(raw)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    // A change signed for the signers endpoint does not change the owner.
    let p_owner = payload("PUT", &owner_path, json!({"owner": "user"}), later);
    let (status, b) = h
        .send(
            reqwest::Method::PUT,
            &owner_path,
            Some(&alice),
            Some(&json!({"request": p, "authorization_signature": sign_all(&[&k1, &k2], &p)})),
        )
        .await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::FORBIDDEN, "REQUEST_MISMATCH"),
        "{b}"
    );
    // The owner back to the user, by the quorum.
    let envelope =
        json!({"request": p_owner, "authorization_signature": sign_all(&[&k2, &k1], &p_owner)});
    let (status, b) = h
        .send(
            reqwest::Method::PUT,
            &owner_path,
            Some(&alice),
            Some(&envelope),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{b}");
    assert_eq!(b["owner"], "user");
    h.stop().await;
}

on_both!(quorum_owned_release);
on_both!(signers_and_policies);
on_both!(quorum_owner_changes);

// ----------------------------------------------------------------------------------------
// Rotation and recovery-share fetch of quorum-owned wallets

/// The signed form of an upload: `request.body` names the upload by its public parts and
/// the SHA-256 of each sealed share; the shares and the auth key travel beside it.
fn signed_upload_payload(w: &TestWallet, id: &str, expected: u32, expiry_ms: u64) -> Value {
    let sha = |bytes: &[u8]| hex::encode(sha2::Sha256::digest(bytes));
    payload(
        "PUT",
        &format!("/v1/wallets/{id}/shares"),
        json!({
            "expected_epoch": expected,
            "wallet": info_json(&w.set),
            "proof": proof(w),
            "auth_share_sha256": sha(w.set.auth.as_bytes()),
            "recovery_share_sha256": sha(w.set.recovery.as_bytes()),
        }),
        expiry_ms,
    )
}

fn signed_upload(w: &TestWallet, request: &Value, signatures: Option<&str>) -> Value {
    let mut body = json!({
        "request": request,
        "auth_share": w.set.auth.to_hex(),
        "auth_key": hex::encode(w.auth_key.as_bytes()),
        "recovery_share": w.set.recovery.to_hex(),
    });
    if let Some(s) = signatures {
        body["authorization_signature"] = json!(s);
    }
    body
}

fn envelope(request: &Value, signatures: Option<&str>) -> Value {
    let mut body = json!({ "request": request });
    if let Some(s) = signatures {
        body["authorization_signature"] = json!(s);
    }
    body
}

async fn quorum_rotation_and_recovery_share(backend: Backend) {
    use hpke::Serializable;
    let Some(h) = harness(backend).await else {
        return;
    };
    let alice = h.token("alice");
    let mallory = h.token("mallory");
    let (k1, k2) = (auth_key(), auth_key());
    let w = new_wallet();
    let id = w.set.info.wallet_id.to_string();
    let (status, b) = h
        .create_owned(&alice, &w, &quorum_owner(2, &[&k1, &k2]))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{b}");
    let later = now_ms() + 120_000;
    let share_path = format!("/v1/wallets/{id}/recovery-share");
    let post_share = |token: &str, body: Value| {
        let (h, path, token) = (&h, share_path.clone(), token.to_string());
        async move {
            h.send(reqwest::Method::POST, &path, Some(&token), Some(&body))
                .await
        }
    };

    // Recovery share: the token alone (GET, or POST without signatures) gets nothing.
    let (status, b) = h
        .send(reqwest::Method::GET, &share_path, Some(&alice), None)
        .await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::FORBIDDEN, "SIGNED_REQUEST_REQUIRED"),
        "{b}"
    );
    let p = payload("POST", &share_path, json!({}), later);
    let (status, b) = post_share(&alice, envelope(&p, None)).await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::FORBIDDEN, "QUORUM_NOT_MET")
    );
    let (status, b) = post_share(&alice, envelope(&p, Some(&sign(&k1, &p)))).await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::FORBIDDEN, "QUORUM_NOT_MET")
    );
    // Signed by both, but for the release endpoint, or expired.
    let release_p = payload(
        "POST",
        &format!("/v1/wallets/{id}/release"),
        json!({}),
        later,
    );
    let (status, b) = post_share(
        &alice,
        envelope(&release_p, Some(&sign_all(&[&k1, &k2], &release_p))),
    )
    .await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::FORBIDDEN, "REQUEST_MISMATCH")
    );
    let old = payload("POST", &share_path, json!({}), now_ms() - 60_000);
    let (status, b) = post_share(&alice, envelope(&old, Some(&sign_all(&[&k1, &k2], &old)))).await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::FORBIDDEN, "REQUEST_EXPIRED")
    );
    // Another user with the quorum's signatures: 404.
    let (status, b) = post_share(&mallory, envelope(&p, Some(&sign_all(&[&k1, &k2], &p)))).await;
    assert_eq!((status, code(&b)), (StatusCode::NOT_FOUND, "NOT_FOUND"));
    // The quorum: the recovery share; once.
    let (status, b) = post_share(&alice, envelope(&p, Some(&sign_all(&[&k1, &k2], &p)))).await;
    assert_eq!(status, StatusCode::OK, "{b}");
    assert_eq!(
        b["recovery_share"].as_str().unwrap(),
        w.set.recovery.to_hex()
    );
    let (status, b) = post_share(&alice, envelope(&p, Some(&sign_all(&[&k1, &k2], &p)))).await;
    assert_eq!((status, code(&b)), (StatusCode::CONFLICT, "REPLAYED"));

    // Rotation: the token with a valid upload proof is not enough.
    let next = recovered(&w);
    let shares_path = format!("/v1/wallets/{id}/shares");
    let put = |body: Value| {
        let (h, path, alice) = (&h, shares_path.clone(), alice.clone());
        async move {
            h.send(reqwest::Method::PUT, &path, Some(&alice), Some(&body))
                .await
        }
    };
    let (status, b) = put(shares_body(&next, Some(0))).await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::FORBIDDEN, "SIGNED_REQUEST_REQUIRED"),
        "{b}"
    );
    let up = signed_upload_payload(&next, &id, 0, later);
    let (status, b) = put(signed_upload(&next, &up, None)).await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::FORBIDDEN, "QUORUM_NOT_MET"),
        "{b}"
    );
    let (status, b) = put(signed_upload(&next, &up, Some(&sign(&k2, &up)))).await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::FORBIDDEN, "QUORUM_NOT_MET"),
        "{b}"
    );
    // The quorum signed this upload; other shares sent with it are refused.
    let both = sign_all(&[&k1, &k2], &up);
    let other = recovered(&w);
    let mut swapped = signed_upload(&next, &up, Some(&both));
    swapped["auth_share"] = json!(other.set.auth.to_hex());
    swapped["auth_key"] = json!(hex::encode(other.auth_key.as_bytes()));
    let (status, b) = put(swapped).await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::BAD_REQUEST, "DIGEST_MISMATCH"),
        "{b}"
    );
    let mut swapped = signed_upload(&next, &up, Some(&both));
    swapped["recovery_share"] = json!(other.set.recovery.to_hex());
    let (status, b) = put(swapped).await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::BAD_REQUEST, "DIGEST_MISMATCH"),
        "{b}"
    );
    // The signed body names no share material, and the whole body is checked strictly.
    assert!(!up
        .to_string()
        .contains(&hex::encode(next.auth_key.as_bytes())));
    assert!(!up.to_string().contains(&next.set.auth.to_hex()));
    assert!(!up.to_string().contains(&next.set.recovery.to_hex()));
    let mut extra = signed_upload(&next, &up, Some(&both));
    extra["expected_epoch"] = json!(0);
    let (status, _) = put(extra).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Signed for the owner endpoint: REQUEST_MISMATCH.
    let mut wrong = up.clone();
    wrong["url"] = json!(format!("https://keysplit.example/v1/wallets/{id}/owner"));
    let (status, b) = put(signed_upload(
        &next,
        &wrong,
        Some(&sign_all(&[&k1, &k2], &wrong)),
    ))
    .await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::FORBIDDEN, "REQUEST_MISMATCH"),
        "{b}"
    );
    // The quorum: epoch 1; the same authorization again is a replay.
    let (status, b) = put(signed_upload(&next, &up, Some(&both))).await;
    assert_eq!(status, StatusCode::OK, "{b}");
    assert_eq!(b["wallet"]["epoch"], 1);
    let (status, b) = put(signed_upload(&next, &up, Some(&both))).await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::CONFLICT, "REPLAYED"),
        "{b}"
    );
    // The new set is stored whole: a quorum-signed release opens with its device share.
    let (secret, public) = crypto::hpke_keypair().unwrap();
    let rp = payload(
        "POST",
        &format!("/v1/wallets/{id}/release"),
        sign_request(eth_tx(GOOD_TO, "1")),
        later,
    );
    let (status, b) = h
        .signed_release(
            &alice,
            &id,
            &rp,
            Some(&sign_all(&[&k1, &k2], &rp)),
            None,
            &public.to_bytes(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{b}");
    let digest: [u8; 32] = sha2::Sha256::digest(
        RequestPayload::from_value(rp.clone())
            .unwrap()
            .canonical_bytes(),
    )
    .into();
    open_release(&next, &secret, &digest, &b);

    let outcomes: Vec<(String, String)> = h
        .audit(&alice, &id)
        .await
        .iter()
        .rev()
        .filter(|e| e["action"] == "rotate" || e["action"] == "recovery_share")
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("recovery_share", "SIGNED_REQUEST_REQUIRED"),
        ("recovery_share", "QUORUM_NOT_MET"),
        ("recovery_share", "QUORUM_NOT_MET"),
        ("recovery_share", "REQUEST_MISMATCH"),
        ("recovery_share", "REQUEST_EXPIRED"),
        ("recovery_share", "NOT_FOUND"),
        ("recovery_share", "ok"),
        ("recovery_share", "REPLAYED"),
        ("rotate", "SIGNED_REQUEST_REQUIRED"),
        ("rotate", "QUORUM_NOT_MET"),
        ("rotate", "QUORUM_NOT_MET"),
        ("rotate", "REQUEST_MISMATCH"),
        ("rotate", "ok"),
        ("rotate", "REPLAYED"),
    ]
    .iter()
    .map(|(a, o)| (a.to_string(), o.to_string()))
    .collect();
    assert_eq!(outcomes, expected);
    h.stop().await;
}

/// A user-owned wallet takes the same signed forms without signatures: the token
/// authorizes, the payload must name the endpoint and be in time, its key is used once.
async fn user_owned_signed_forms(backend: Backend) {
    let Some(h) = harness(backend).await else {
        return;
    };
    let alice = h.token("alice");
    let w = new_wallet();
    let id = w.set.info.wallet_id.to_string();
    assert_eq!(h.create(&alice, &w).await.0, StatusCode::CREATED);
    let share_path = format!("/v1/wallets/{id}/recovery-share");
    let p = payload("POST", &share_path, json!({}), now_ms() + 60_000);
    let (status, b) = h
        .send(
            reqwest::Method::POST,
            &share_path,
            Some(&alice),
            Some(&envelope(&p, None)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{b}");
    assert_eq!(
        b["recovery_share"].as_str().unwrap(),
        w.set.recovery.to_hex()
    );
    let (status, b) = h
        .send(
            reqwest::Method::POST,
            &share_path,
            Some(&alice),
            Some(&envelope(&p, None)),
        )
        .await;
    assert_eq!((status, code(&b)), (StatusCode::CONFLICT, "REPLAYED"));
    let old = payload("POST", &share_path, json!({}), now_ms() - 1_000);
    let (status, b) = h
        .send(
            reqwest::Method::POST,
            &share_path,
            Some(&alice),
            Some(&envelope(&old, None)),
        )
        .await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::FORBIDDEN, "REQUEST_EXPIRED")
    );
    // The signed upload form works for a user owner too (no signature needed).
    let next = recovered(&w);
    let up = signed_upload_payload(&next, &id, 0, now_ms() + 60_000);
    let (status, b) = h
        .send(
            reqwest::Method::PUT,
            &format!("/v1/wallets/{id}/shares"),
            Some(&alice),
            Some(&signed_upload(&next, &up, None)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{b}");
    release_and_open(&h, &alice, &next).await;
    h.stop().await;
}

on_both!(quorum_rotation_and_recovery_share);
on_both!(user_owned_signed_forms);

// ----------------------------------------------------------------------------------------
// Expiry of request payloads

/// The iframe's unsigned payload (user owner) has its expiry checked like a signed one,
/// and no payload may be valid for more than an hour (its key is kept until then).
async fn request_expiry(backend: Backend) {
    use hpke::Serializable;
    let Some(h) = harness(backend).await else {
        return;
    };
    let alice = h.token("alice");
    let w = new_wallet();
    let id = w.set.info.wallet_id.to_string();
    assert_eq!(h.create(&alice, &w).await.0, StatusCode::CREATED);
    let (_, public) = crypto::hpke_keypair().unwrap();
    let pk = public.to_bytes();
    let path = format!("/v1/wallets/{id}/release");
    let body = json!({"method": "personal_sign", "params": {"message": "hi"}});
    let at = |expiry: u64| payload("POST", &path, body.clone(), expiry);

    let (status, b) = h.release(&alice, &id, &at(now_ms() - 1_000), &pk).await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::FORBIDDEN, "REQUEST_EXPIRED"),
        "{b}"
    );
    let (status, b) = h
        .release(&alice, &id, &at(now_ms() + 2 * 3_600_000), &pk)
        .await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::BAD_REQUEST, "INVALID_REQUEST_PAYLOAD"),
        "{b}"
    );
    assert!(
        b["error"]["message"].as_str().unwrap().contains("too far"),
        "{b}"
    );
    let (status, b) = h.release(&alice, &id, &at(now_ms() + 3_610_000), &pk).await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::BAD_REQUEST, "INVALID_REQUEST_PAYLOAD"),
        "{b}"
    );
    let mut no_expiry = at(now_ms() + 60_000);
    no_expiry["headers"]
        .as_object_mut()
        .unwrap()
        .remove("privy-request-expiry");
    let (status, b) = h.release(&alice, &id, &no_expiry, &pk).await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::BAD_REQUEST, "INVALID_REQUEST_PAYLOAD"),
        "{b}"
    );
    // Within the hour: accepted.
    let (status, b) = h.release(&alice, &id, &at(now_ms() + 3_500_000), &pk).await;
    assert_eq!(status, StatusCode::OK, "{b}");
    // The same cap on every signed request: a recovery-share payload, an owner change.
    let share_path = format!("/v1/wallets/{id}/recovery-share");
    let far = payload("POST", &share_path, json!({}), now_ms() + 2 * 3_600_000);
    let (status, b) = h
        .send(
            reqwest::Method::POST,
            &share_path,
            Some(&alice),
            Some(&envelope(&far, None)),
        )
        .await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::BAD_REQUEST, "INVALID_REQUEST_PAYLOAD"),
        "{b}"
    );
    let k = auth_key();
    let (status, _) = h
        .send(
            reqwest::Method::PUT,
            &format!("/v1/wallets/{id}/owner"),
            Some(&alice),
            Some(&json!({"owner": quorum_owner(1, &[&k])})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let owner_path = format!("/v1/wallets/{id}/owner");
    let far = payload(
        "PUT",
        &owner_path,
        json!({"owner": "user"}),
        now_ms() + 2 * 3_600_000,
    );
    let (status, b) = h
        .send(
            reqwest::Method::PUT,
            &owner_path,
            Some(&alice),
            Some(&envelope(&far, Some(&sign(&k, &far)))),
        )
        .await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::BAD_REQUEST, "INVALID_REQUEST_PAYLOAD"),
        "{b}"
    );
    let outcomes: Vec<String> = h
        .audit(&alice, &id)
        .await
        .iter()
        .rev()
        .filter(|e| e["action"] == "release")
        .map(|e| e["outcome"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(outcomes, ["REQUEST_EXPIRED", "ok"]);
    h.stop().await;
}

on_both!(request_expiry);

// ----------------------------------------------------------------------------------------
// Host binding

/// With `public_url` set, a payload must name exactly that origin; without it, any
/// `http(s)` origin is taken (only the path is checked).
async fn host_binding(backend: Backend) {
    use hpke::Serializable;
    let Some(h) = harness_at(
        backend,
        DevAlg::EdDSA,
        1000,
        Some("https://keysplit.example"),
    )
    .await
    else {
        return;
    };
    let alice = h.token("alice");
    let w = new_wallet();
    let id = w.set.info.wallet_id.to_string();
    assert_eq!(h.create(&alice, &w).await.0, StatusCode::CREATED);
    let (_, public) = crypto::hpke_keypair().unwrap();
    let pk = public.to_bytes();
    let path = format!("/v1/wallets/{id}/release");
    let at = |origin: &str| {
        let mut p = user_request(&id);
        p["url"] = json!(format!("{origin}{path}"));
        p
    };
    for origin in [
        "https://evil.example",
        "https://keysplit.example.evil.example",
        "http://keysplit.example",
        "https://keysplit.example:443",
        "https://KEYSPLIT.example",
        "https://keysplit.example/prefix",
    ] {
        let (status, b) = h.release(&alice, &id, &at(origin), &pk).await;
        assert_eq!(
            (status, code(&b)),
            (StatusCode::FORBIDDEN, "REQUEST_MISMATCH"),
            "{origin}: {b}"
        );
    }
    // The same binding on the other endpoints that take payloads.
    let share_path = format!("/v1/wallets/{id}/recovery-share");
    let mut p = payload("POST", &share_path, json!({}), now_ms() + 60_000);
    p["url"] = json!(format!("https://evil.example{share_path}"));
    let (status, b) = h
        .send(
            reqwest::Method::POST,
            &share_path,
            Some(&alice),
            Some(&envelope(&p, None)),
        )
        .await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::FORBIDDEN, "REQUEST_MISMATCH"),
        "{b}"
    );
    let (status, b) = h
        .release(&alice, &id, &at("https://keysplit.example"), &pk)
        .await;
    assert_eq!(status, StatusCode::OK, "{b}");
    let outcomes: Vec<String> = h
        .audit(&alice, &id)
        .await
        .iter()
        .rev()
        .filter(|e| e["action"] == "release" || e["action"] == "recovery_share")
        .map(|e| e["outcome"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(outcomes.len(), 8);
    assert!(
        outcomes[..7].iter().all(|o| o == "REQUEST_MISMATCH"),
        "{outcomes:?}"
    );
    assert_eq!(outcomes[7], "ok");
    h.stop().await;

    // No public_url: the origin is not checked, the path still is.
    let Some(h) = harness(backend).await else {
        return;
    };
    let alice = h.token("alice");
    let w = new_wallet();
    let id = w.set.info.wallet_id.to_string();
    assert_eq!(h.create(&alice, &w).await.0, StatusCode::CREATED);
    let mut p = user_request(&id);
    p["url"] = json!(format!("https://elsewhere.example/v1/wallets/{id}/release"));
    let (status, b) = h.release(&alice, &id, &p, &pk).await;
    assert_eq!(status, StatusCode::OK, "{b}");
    let mut p = user_request(&id);
    p["url"] = json!(format!("https://elsewhere.example/v1/wallets/{id}/signers"));
    let (status, b) = h.release(&alice, &id, &p, &pk).await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::FORBIDDEN, "REQUEST_MISMATCH"),
        "{b}"
    );
    h.stop().await;
}

on_both!(host_binding);

// ----------------------------------------------------------------------------------------
// Automatic recovery

/// A wallet whose recovery share is sealed under a key the server keeps (automatic
/// recovery), with that key.
struct AutoWallet {
    w: TestWallet,
    recovery_key: ShareKey,
}

fn auto_protections<'a>(
    device: &'a ShareKey,
    auth: &'a ShareKey,
    recovery: &'a ShareKey,
) -> Protections<'a> {
    Protections {
        device: Protection::Key(device),
        auth: Protection::Key(auth),
        recovery: Protection::Key(recovery),
    }
}

fn new_auto_wallet() -> AutoWallet {
    let mut rng = keysplit::os_rng().unwrap();
    let (device_key, auth_key, recovery_key) = (
        ShareKey::generate(&mut rng),
        ShareKey::generate(&mut rng),
        ShareKey::generate(&mut rng),
    );
    let set = keysplit_wallet::create(
        Strength::Bits128,
        &auto_protections(&device_key, &auth_key, &recovery_key),
        &mut rng,
    )
    .unwrap();
    AutoWallet {
        w: TestWallet {
            set,
            device_key,
            auth_key,
        },
        recovery_key,
    }
}

fn auto_body(a: &AutoWallet, expected: Option<u32>) -> Value {
    let mut body = shares_body(&a.w, expected);
    body["recovery_key"] = json!(hex::encode(a.recovery_key.as_bytes()));
    body
}

fn recovery_key_request(id: &str) -> Value {
    payload(
        "POST",
        &format!("/v1/wallets/{id}/recovery-key"),
        json!({"method": "keysplit_recover", "params": {}}),
        now_ms() + 60_000,
    )
}

impl Harness {
    async fn recovery_key(
        &self,
        token: &str,
        id: &str,
        request: &Value,
        signatures: Option<&str>,
        public_key: &[u8],
    ) -> (StatusCode, Value) {
        let mut body = json!({"request": request, "hpke_public_key": hex::encode(public_key)});
        if let Some(s) = signatures {
            body["authorization_signature"] = json!(s);
        }
        self.send(
            reqwest::Method::POST,
            &format!("/v1/wallets/{id}/recovery-key"),
            Some(token),
            Some(&body),
        )
        .await
    }
}

/// Opens a recovery-key answer as the iframe would: its own key, info and digest.
fn open_recovery_key(
    info: &keysplit_wallet::WalletInfo,
    secret: &<crypto::HpkeKem as hpke::Kem>::PrivateKey,
    digest: &[u8; 32],
    body: &Value,
) -> Result<ShareKey, crypto::CryptoError> {
    let enc = hex::decode(body["enc"].as_str().unwrap()).unwrap();
    let ciphertext = hex::decode(body["ciphertext"].as_str().unwrap()).unwrap();
    let hpke_info = crypto::recovery_key_info(&info.wallet_id.0, info.epoch);
    assert_eq!(body["info"].as_str().unwrap(), hex::encode(&hpke_info));
    let plaintext = crypto::hpke_open(secret, &enc, &hpke_info, digest, &ciphertext)?;
    Ok(ShareKey::from_bytes(plaintext[..].try_into().unwrap()))
}

async fn automatic_recovery(backend: Backend) {
    use hpke::Serializable;
    let Some(h) = harness(backend).await else {
        return;
    };
    let alice = h.token("alice");
    let a = new_auto_wallet();
    let id = a.w.set.info.wallet_id.to_string();
    let post = |body: Value| {
        let (h, alice) = (&h, alice.clone());
        async move {
            h.send(
                reqwest::Method::POST,
                "/v1/wallets",
                Some(&alice),
                Some(&body),
            )
            .await
        }
    };
    // Create refusals: a wrong key, a short key, a key with a password-sealed share.
    let mut body = auto_body(&a, None);
    body["recovery_key"] = json!("11".repeat(32));
    let (status, b) = post(body).await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::BAD_REQUEST, "RECOVERY_KEY_MISMATCH"),
        "{b}"
    );
    let mut body = auto_body(&a, None);
    body["recovery_key"] = json!("11".repeat(31));
    let (status, b) = post(body).await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::BAD_REQUEST, "BAD_REQUEST"),
        "{b}"
    );
    let plain = new_wallet();
    let mut body = shares_body(&plain, None);
    body["recovery_key"] = json!(hex::encode(a.recovery_key.as_bytes()));
    let (status, b) = post(body).await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::BAD_REQUEST, "INVALID_SHARE"),
        "{b}"
    );
    // Created with automatic recovery; the key is in no answer.
    let (status, b) = post(auto_body(&a, None)).await;
    assert_eq!(status, StatusCode::CREATED, "{b}");
    assert_eq!(b["automatic_recovery"], true);
    let (_, b) = h
        .send(
            reqwest::Method::GET,
            &format!("/v1/wallets/{id}"),
            Some(&alice),
            None,
        )
        .await;
    assert_eq!(b["automatic_recovery"], true);
    assert!(!b
        .to_string()
        .contains(&hex::encode(a.recovery_key.as_bytes())));

    // A new device, no password: recovery key, recovery share and auth share from the
    // server rebuild the wallet.
    let (secret, public) = crypto::hpke_keypair().unwrap();
    let pk = public.to_bytes();
    let request = recovery_key_request(&id);
    let digest = digest_of(&request);
    let (status, b) = h.recovery_key(&alice, &id, &request, None, &pk).await;
    assert_eq!(status, StatusCode::OK, "{b}");
    assert_eq!(b["request_digest"].as_str().unwrap(), hex::encode(digest));
    let mut other = digest;
    other[31] ^= 1;
    assert!(open_recovery_key(&a.w.set.info, &secret, &other, &b).is_err());
    let recovery_key = open_recovery_key(&a.w.set.info, &secret, &digest, &b).unwrap();
    assert_eq!(recovery_key.as_bytes(), a.recovery_key.as_bytes());
    // ... opened as an auth-share release it is refused (other info label).
    let enc = hex::decode(b["enc"].as_str().unwrap()).unwrap();
    let ct = hex::decode(b["ciphertext"].as_str().unwrap()).unwrap();
    let release_info = crypto::release_info(&a.w.set.info.wallet_id.0, 0);
    assert!(crypto::hpke_open(&secret, &enc, &release_info, &digest, &ct).is_err());
    let (_, b) = h
        .send(
            reqwest::Method::GET,
            &format!("/v1/wallets/{id}/recovery-share"),
            Some(&alice),
            None,
        )
        .await;
    let recovery_share = SealedShare::from_hex(b["recovery_share"].as_str().unwrap()).unwrap();
    let mut rng = keysplit::os_rng().unwrap();
    let (device_key, auth_key, new_recovery_key) = (
        ShareKey::generate(&mut rng),
        ShareKey::generate(&mut rng),
        ShareKey::generate(&mut rng),
    );
    let set = keysplit_wallet::recover(
        &a.w.set.info,
        ShareInput::new(Role::Auth, &a.w.set.auth, Unlock::Key(&a.w.auth_key)),
        ShareInput::new(Role::Recovery, &recovery_share, Unlock::Key(&recovery_key)),
        &auto_protections(&device_key, &auth_key, &new_recovery_key),
        &mut rng,
    )
    .unwrap();
    let next = AutoWallet {
        w: TestWallet {
            set,
            device_key,
            auth_key,
        },
        recovery_key: new_recovery_key,
    };
    let shares = format!("/v1/wallets/{id}/shares");
    let put = |body: Value| {
        let (h, alice, shares) = (&h, alice.clone(), shares.clone());
        async move {
            h.send(reqwest::Method::PUT, &shares, Some(&alice), Some(&body))
                .await
        }
    };
    // A key-sealed recovery share without its key would strand automatic recovery.
    let (status, b) = put(shares_body(&next.w, Some(0))).await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::BAD_REQUEST, "RECOVERY_KEY_REQUIRED"),
        "{b}"
    );
    let mut wrong = auto_body(&next, Some(0));
    wrong["recovery_key"] = json!(hex::encode(a.recovery_key.as_bytes()));
    let (status, b) = put(wrong).await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::BAD_REQUEST, "RECOVERY_KEY_MISMATCH"),
        "{b}"
    );
    let (status, b) = put(auto_body(&next, Some(0))).await;
    assert_eq!(status, StatusCode::OK, "{b}");
    release_and_open(&h, &alice, &next.w).await;
    // The new key is the one handed out now (bound to epoch 1).
    let request = recovery_key_request(&id);
    let (status, b) = h.recovery_key(&alice, &id, &request, None, &pk).await;
    assert_eq!(status, StatusCode::OK, "{b}");
    let key = open_recovery_key(&next.w.set.info, &secret, &digest_of(&request), &b).unwrap();
    assert_eq!(key.as_bytes(), next.recovery_key.as_bytes());

    // Refusals: replay, another endpoint's payload, expired, another user.
    let (status, b) = h.recovery_key(&alice, &id, &request, None, &pk).await;
    assert_eq!((status, code(&b)), (StatusCode::CONFLICT, "REPLAYED"));
    let (status, b) = h
        .recovery_key(&alice, &id, &user_request(&id), None, &pk)
        .await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::FORBIDDEN, "REQUEST_MISMATCH")
    );
    let mut old = recovery_key_request(&id);
    old["headers"]["privy-request-expiry"] = json!((now_ms() - 1_000).to_string());
    let (status, b) = h.recovery_key(&alice, &id, &old, None, &pk).await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::FORBIDDEN, "REQUEST_EXPIRED")
    );
    let (status, b) = h
        .recovery_key(
            &h.token("mallory"),
            &id,
            &recovery_key_request(&id),
            None,
            &pk,
        )
        .await;
    assert_eq!((status, code(&b)), (StatusCode::NOT_FOUND, "NOT_FOUND"));

    // Rotating to a password-sealed recovery share turns automatic recovery off.
    let third = {
        let mut rng = keysplit::os_rng().unwrap();
        let (device_key, auth_key) = (ShareKey::generate(&mut rng), ShareKey::generate(&mut rng));
        let protect = Protections {
            device: Protection::Key(&device_key),
            auth: Protection::Key(&auth_key),
            recovery: Protection::InsecureFastPassword {
                password: PASSWORD,
                params: FAST,
            },
        };
        let set = keysplit_wallet::recover(
            &next.w.set.info,
            ShareInput::new(Role::Auth, &next.w.set.auth, Unlock::Key(&next.w.auth_key)),
            ShareInput::new(
                Role::Recovery,
                &next.w.set.recovery,
                Unlock::Key(&next.recovery_key),
            ),
            &protect,
            &mut rng,
        )
        .unwrap();
        TestWallet {
            set,
            device_key,
            auth_key,
        }
    };
    let (status, b) = put(shares_body(&third, Some(1))).await;
    assert_eq!(status, StatusCode::OK, "{b}");
    let (status, b) = h
        .recovery_key(&alice, &id, &recovery_key_request(&id), None, &pk)
        .await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::CONFLICT, "NO_AUTOMATIC_RECOVERY")
    );
    let (_, b) = h
        .send(
            reqwest::Method::GET,
            &format!("/v1/wallets/{id}"),
            Some(&alice),
            None,
        )
        .await;
    assert_eq!(b["automatic_recovery"], false);
    // A wallet created without it has none either.
    assert_eq!(post(shares_body(&plain, None)).await.0, StatusCode::CREATED);
    let plain_id = plain.set.info.wallet_id.to_string();
    let (status, b) = h
        .recovery_key(
            &alice,
            &plain_id,
            &recovery_key_request(&plain_id),
            None,
            &pk,
        )
        .await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::CONFLICT, "NO_AUTOMATIC_RECOVERY")
    );

    let outcomes: Vec<(String, String)> = h
        .audit(&alice, &id)
        .await
        .iter()
        .rev()
        .filter(|e| e["action"] == "recovery_key" || e["action"] == "rotate")
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("recovery_key", "ok"),
        ("rotate", "RECOVERY_KEY_REQUIRED"),
        ("rotate", "ok"),
        ("recovery_key", "ok"),
        ("recovery_key", "REPLAYED"),
        ("recovery_key", "REQUEST_MISMATCH"),
        ("recovery_key", "REQUEST_EXPIRED"),
        ("recovery_key", "NOT_FOUND"),
        ("rotate", "ok"),
        ("recovery_key", "NO_AUTOMATIC_RECOVERY"),
    ]
    .iter()
    .map(|(a, o)| (a.to_string(), o.to_string()))
    .collect();
    assert_eq!(outcomes, expected);
    h.stop().await;
}

/// A quorum-owned wallet's recovery key needs the quorum.
async fn automatic_recovery_quorum(backend: Backend) {
    use hpke::Serializable;
    let Some(h) = harness(backend).await else {
        return;
    };
    let alice = h.token("alice");
    let (k1, k2) = (auth_key(), auth_key());
    let a = new_auto_wallet();
    let id = a.w.set.info.wallet_id.to_string();
    let mut body = auto_body(&a, None);
    body["owner"] = quorum_owner(2, &[&k1, &k2]);
    let (status, b) = h
        .send(
            reqwest::Method::POST,
            "/v1/wallets",
            Some(&alice),
            Some(&body),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{b}");
    let (secret, public) = crypto::hpke_keypair().unwrap();
    let pk = public.to_bytes();
    let request = recovery_key_request(&id);
    let (status, b) = h.recovery_key(&alice, &id, &request, None, &pk).await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::FORBIDDEN, "QUORUM_NOT_MET")
    );
    let (status, b) = h
        .recovery_key(&alice, &id, &request, Some(&sign(&k1, &request)), &pk)
        .await;
    assert_eq!(
        (status, code(&b)),
        (StatusCode::FORBIDDEN, "QUORUM_NOT_MET")
    );
    let (status, b) = h
        .recovery_key(
            &alice,
            &id,
            &request,
            Some(&sign_all(&[&k1, &k2], &request)),
            &pk,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{b}");
    let key = open_recovery_key(&a.w.set.info, &secret, &digest_of(&request), &b).unwrap();
    assert_eq!(key.as_bytes(), a.recovery_key.as_bytes());
    h.stop().await;
}

on_both!(automatic_recovery);
on_both!(automatic_recovery_quorum);
