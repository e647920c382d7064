//! keysplit-server over real HTTP on a loopback port, against SQLite (always) and
//! PostgreSQL (when `KEYSPLIT_TEST_POSTGRES` names a database; scripts/test.d/70-server.sh
//! starts a throw-away cluster and sets it).
//!
//! The oracle for a release is keysplit-wallet itself: the share the server released,
//! opened with the iframe's ephemeral HPKE key, must rebuild the wallet created here
//! with the device share (`keysplit_wallet::open` checks the addresses).

use std::time::{SystemTime, UNIX_EPOCH};

use keysplit_server::config::Settings;
use keysplit_server::crypto;
use keysplit_server::{DevAlg, DevIssuer, RunningServer};
use keysplit_server_testkit::*;
use keysplit_wallet::custody;
use keysplit_wallet::{
    Protection, Protections, Role, SealedShare, ShareInput, ShareKey, Strength, Unlock,
};
use reqwest::StatusCode;
use serde_json::{json, Value};

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
    let (issuer, config) = dev_issuer(alg, dir.path());
    let settings = Settings {
        allowed_origins: vec!["https://wallet.example".into()],
        public_url: public_url.map(String::from),
        max_body_bytes: 16 * 1024,
        release_per_minute,
        ..settings(db_url, config, dir.path())
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

    async fn get(&self, path: &str, token: &str) -> Reply {
        self.send(reqwest::Method::GET, path, Some(token), None)
            .await
    }

    async fn post(&self, path: &str, token: &str, body: &Value) -> Reply {
        self.send(reqwest::Method::POST, path, Some(token), Some(body))
            .await
    }

    /// The same POST twice, as a replay would send it: both answers.
    async fn post_twice(&self, path: &str, token: &str, body: &Value) -> (Reply, Reply) {
        let first = self.post(path, token, body).await;
        (first, self.post(path, token, body).await)
    }

    async fn put(&self, path: &str, token: &str, body: &Value) -> Reply {
        self.send(reqwest::Method::PUT, path, Some(token), Some(body))
            .await
    }

    async fn create(&self, token: &str, w: &TestWallet) -> (StatusCode, Value) {
        self.post("/v1/wallets", token, &shares_body(w, None)).await
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
        self.post(&format!("/v1/wallets/{wallet_id}/release"), token, &body)
            .await
    }

    async fn stop(mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await.unwrap();
        }
    }
}

/// An answer: the HTTP status and the JSON body (a string when the body is no JSON).
type Reply = (StatusCode, Value);

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("<no code>")
}

/// Checks on an answer, at the caller's line when they fail.
trait Check {
    /// Asserts a refusal by its HTTP status and error code; the body, for further checks.
    fn refused(self, status: StatusCode, error_code: &str) -> Value;
    /// Asserts the HTTP status; the body, for further checks.
    fn answered(self, status: StatusCode) -> Value;
}

impl Check for Reply {
    #[track_caller]
    fn refused(self, status: StatusCode, error_code: &str) -> Value {
        let (got, body) = self;
        assert_eq!((got, code(&body)), (status, error_code), "{body}");
        body
    }

    #[track_caller]
    fn answered(self, status: StatusCode) -> Value {
        let (got, body) = self;
        assert_eq!(got, status, "{body}");
        body
    }
}

/// The audit entries of `actions` (all when empty), oldest first, as "action outcome".
fn trail(entries: &[Value], actions: &[&str]) -> Vec<String> {
    entries
        .iter()
        .rev()
        .filter(|e| actions.is_empty() || actions.iter().any(|a| e["action"] == *a))
        .map(|e| {
            let (action, outcome) = (e["action"].as_str(), e["outcome"].as_str());
            format!("{} {}", action.unwrap(), outcome.unwrap())
        })
        .collect()
}

/// Releases the auth share, opens it as the iframe would and rebuilds the wallet with
/// the device share.
async fn release_and_open(h: &Harness, token: &str, w: &TestWallet) {
    use hpke::Serializable;
    let id = w.set.info.wallet_id.to_string();
    let (secret, public) = crypto::hpke_keypair().unwrap();
    let request = user_request(&id);
    let digest = digest_of(&request);
    let body = h
        .release(token, &id, &request, &public.to_bytes())
        .await
        .answered(StatusCode::OK);
    assert_eq!(
        body["request_digest"].as_str().unwrap(),
        hex::encode(digest)
    );
    // Bound to the request: another digest does not open it.
    let mut other = digest;
    other[0] ^= 1;
    let (enc, ciphertext) = (unhex(&body["enc"]), unhex(&body["ciphertext"]));
    let info = crypto::release_info(&w.set.info.wallet_id.0, w.set.info.epoch);
    assert!(custody::hpke_open(&secret, &enc, &info, &other, &ciphertext).is_none());
    open_release(w, &secret, &digest, &body);
}

/// Alice's token, and a new user-owned wallet of hers on the server with its id.
async fn alice_wallet(h: &Harness) -> (String, TestWallet, String) {
    let alice = h.token("alice");
    let w = new_wallet();
    let id = w.set.info.wallet_id.to_string();
    h.create(&alice, &w).await.answered(StatusCode::CREATED);
    (alice, w, id)
}

/// An HPKE public key for releases whose answers the test does not open.
fn unused_hpke_key() -> Vec<u8> {
    use hpke::Serializable;
    crypto::hpke_keypair().unwrap().1.to_bytes().to_vec()
}

// ----------------------------------------------------------------------------------------
// Scenarios, each run on both back ends

async fn healthz(backend: Backend) {
    let Some(h) = harness(backend).await else {
        return;
    };
    let body = h
        .send(reqwest::Method::GET, "/healthz", None, None)
        .await
        .answered(StatusCode::OK);
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

    let body = h.create(&alice, &w).await.answered(StatusCode::CREATED);
    assert_eq!(body["wallet"], info_json(&w.set.info));
    // The same id again is refused.
    h.create(&alice, &w)
        .await
        .refused(StatusCode::CONFLICT, "WALLET_EXISTS");

    let body = h
        .get(&format!("/v1/wallets/{id}"), &alice)
        .await
        .answered(StatusCode::OK);
    assert_eq!(body["wallet"], info_json(&w.set.info));

    release_and_open(&h, &alice, &w).await;

    // New device: fetch the recovery share, recover at epoch 1, upload by CAS.
    let body = h
        .get(&format!("/v1/wallets/{id}/recovery-share"), &alice)
        .await
        .answered(StatusCode::OK);
    assert_eq!(
        body["recovery_share"].as_str().unwrap(),
        w.set.recovery.to_hex()
    );
    let next = recovered(&w);
    let body = h
        .put(
            &format!("/v1/wallets/{id}/shares"),
            &alice,
            &shares_body(&next, Some(0)),
        )
        .await
        .answered(StatusCode::OK);
    assert_eq!(body["wallet"]["epoch"], 1);
    release_and_open(&h, &alice, &next).await;

    // The audit log has every change and release, in order, and no secrets.
    let body = h
        .get(&format!("/v1/wallets/{id}/audit"), &alice)
        .await
        .answered(StatusCode::OK);
    let entries = body["entries"].as_array().unwrap();
    assert_eq!(
        trail(entries, &[]),
        [
            "create ok",
            "create WALLET_EXISTS",
            "release ok",
            "recovery_share ok",
            "rotate ok",
            "release ok",
        ]
    );
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

    h.send(reqwest::Method::GET, &path, None, None)
        .await
        .refused(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED");
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
        let (status, body) = h.get(&path, token).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED"),
            "{name}: {body}"
        );
        let (status, _) = h.post("/v1/wallets", token, &shares_body(&w, None)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name} (create)");
    }
    // Within the leeway: expired 10 s ago is still accepted (30 s skew).
    let recent = h
        .issuer
        .sign_claims(&claims(&h.issuer.aud, now - 600, now - 10))
        .unwrap();
    h.create(&recent, &w).await.answered(StatusCode::CREATED);
    h.stop().await;
}

async fn ownership_replay_and_limits(backend: Backend) {
    let Some(h) = harness(backend).await else {
        return;
    };
    let alice = h.token("alice");
    let mallory = h.token("mallory");
    let w = new_wallet();
    let id = w.set.info.wallet_id.to_string();
    assert_eq!(h.create(&alice, &w).await.0, StatusCode::CREATED);
    let public = unused_hpke_key();

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
    h.release(&mallory, &id, &user_request(&id), &public)
        .await
        .refused(StatusCode::NOT_FOUND, "NOT_FOUND");
    let next = recovered(&w);
    h.put(
        &format!("/v1/wallets/{id}/shares"),
        &mallory,
        &shares_body(&next, Some(0)),
    )
    .await
    .refused(StatusCode::NOT_FOUND, "NOT_FOUND");
    let missing = "00112233445566778899aabbccddeeff";
    h.release(&alice, missing, &user_request(missing), &public)
        .await
        .answered(StatusCode::NOT_FOUND);

    // Replayed idempotency key: the same payload, and the key in another payload.
    let request = user_request(&id);
    h.release(&alice, &id, &request, &public)
        .await
        .answered(StatusCode::OK);
    h.release(&alice, &id, &request, &public)
        .await
        .refused(StatusCode::CONFLICT, "REPLAYED");
    let mut reused = user_request(&id);
    reused["headers"]["privy-idempotency-key"] =
        request["headers"]["privy-idempotency-key"].clone();
    h.release(&alice, &id, &reused, &public)
        .await
        .refused(StatusCode::CONFLICT, "REPLAYED");

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
            .post(&format!("/v1/wallets/{id}/release"), &alice, &body)
            .await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::BAD_REQUEST, "BAD_REQUEST"),
            "{body}: {answer}"
        );
    }

    // Oversized body (the limit is 16 KiB here).
    let big = json!({"request_digest": "00".repeat(32), "nonce": "ab".repeat(20_000), "hpke_public_key": ""});
    h.post(&format!("/v1/wallets/{id}/release"), &alice, &big)
        .await
        .refused(StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE");

    // Unknown fields and wrong auth keys are refused.
    let mut body = shares_body(&new_wallet(), None);
    body["extra"] = json!(1);
    h.post("/v1/wallets", &alice, &body)
        .await
        .answered(StatusCode::BAD_REQUEST);
    let mut body = shares_body(&new_wallet(), None);
    body["auth_key"] = json!("11".repeat(32));
    h.post("/v1/wallets", &alice, &body)
        .await
        .refused(StatusCode::BAD_REQUEST, "AUTH_KEY_MISMATCH");
    // Shares swapped between roles.
    let other = new_wallet();
    let mut body = shares_body(&other, None);
    body["auth_share"] = json!(other.set.recovery.to_hex());
    h.post("/v1/wallets", &alice, &body)
        .await
        .refused(StatusCode::BAD_REQUEST, "INVALID_SHARE");

    // Refusals are in the audit log.
    let outcomes = h.trail(&alice, &id, &[]).await;
    let count = |outcome: &str| outcomes.iter().filter(|e| e.ends_with(outcome)).count();
    assert_eq!(count(" REPLAYED"), 2, "{outcomes:?}");
    assert_eq!(count(" NOT_FOUND"), 5, "{outcomes:?}");

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
    let (alice, _, id) = alice_wallet(&h).await;
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
    let Some(h) = harness_with(backend, DevAlg::EdDSA, 3).await else {
        return;
    };
    let (alice, _, id) = alice_wallet(&h).await;
    let pk = unused_hpke_key();
    for _ in 0..3 {
        h.release(&alice, &id, &user_request(&id), &pk)
            .await
            .answered(StatusCode::OK);
    }
    h.release(&alice, &id, &user_request(&id), &pk)
        .await
        .refused(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED");
    // The recovery share and the recovery key count against the same budget.
    h.get(&format!("/v1/wallets/{id}/recovery-share"), &alice)
        .await
        .refused(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED");
    h.recovery_key(&alice, &id, &recovery_key_request(&id), None, &pk)
        .await
        .refused(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED");
    // Another user has a budget of their own.
    let bob = h.token("bob");
    h.release(&bob, &id, &user_request(&id), &pk)
        .await
        .answered(StatusCode::NOT_FOUND);
    h.stop().await;
}

async fn epoch_compare_and_swap(backend: Backend) {
    let Some(h) = harness(backend).await else {
        return;
    };
    let (alice, w, id) = alice_wallet(&h).await;
    let path = format!("/v1/wallets/{id}/shares");

    // Eight racing uploads of epoch 1 over epoch 0: exactly one wins.
    let candidates: Vec<TestWallet> = (0..8).map(|_| recovered(&w)).collect();
    let bodies: Vec<Value> = candidates.iter().map(|c| shares_body(c, Some(0))).collect();
    let results = futures_join(bodies.iter().map(|b| h.put(&path, &alice, b)).collect()).await;
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
    h.put(
        &path,
        &alice,
        &shares_body(&candidates[(winners[0] + 1) % 8], Some(0)),
    )
    .await
    .refused(StatusCode::CONFLICT, "EPOCH_CONFLICT");
    h.put(&path, &alice, &shares_body(winner, Some(1)))
        .await
        .refused(StatusCode::CONFLICT, "EPOCH_CONFLICT");
    // Another wallet's shares cannot replace these (other addresses).
    let mut stranger = recovered(&new_wallet());
    stranger.set.info.wallet_id = w.set.info.wallet_id;
    h.put(&path, &alice, &shares_body(&stranger, Some(1)))
        .await
        .answered(StatusCode::BAD_REQUEST); // the sealed shares name their own wallet
                                            // The next epoch over the current one works.
    let third = recovered(winner);
    let body = h
        .put(&path, &alice, &shares_body(&third, Some(1)))
        .await
        .answered(StatusCode::OK);
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
        async move { h.post("/v1/wallets", &alice, &body).await }
    };
    // Create: no proof, a short one, one for another upload (another wallet's) — refused.
    let mut body = shares_body(&w, None);
    body.as_object_mut().unwrap().remove("proof");
    post(body.clone())
        .await
        .refused(StatusCode::BAD_REQUEST, "INVALID_PROOF");
    body["proof"] = json!(format!("0x{}", "00".repeat(64)));
    post(body.clone())
        .await
        .refused(StatusCode::BAD_REQUEST, "INVALID_PROOF");
    body["proof"] = json!("0xzz".to_string() + &"00".repeat(64));
    post(body.clone())
        .await
        .refused(StatusCode::BAD_REQUEST, "INVALID_PROOF");
    body["proof"] = json!(proof(&new_wallet()));
    post(body.clone())
        .await
        .refused(StatusCode::BAD_REQUEST, "INVALID_PROOF");
    // Plain hex (no 0x) is accepted.
    body["proof"] = json!(proof(&w).trim_start_matches("0x"));
    post(body).await.answered(StatusCode::CREATED);

    // The attack: another secret, split for this wallet id at epoch 1, claiming this
    // wallet's addresses, its auth key included, signed by the attacker's own key.
    let attacker =
        keysplit_wallet::Wallet::generate(Strength::Bits128, &mut keysplit::os_rng().unwrap());
    let mut forged = with_new_keys(|protect, rng| {
        attacker
            .split(w.set.info.wallet_id, 1, protect, rng)
            .unwrap()
    });
    forged.set.info.ethereum_address = w.set.info.ethereum_address;
    forged.set.info.solana_address = w.set.info.solana_address;
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
        async move { h.put(&path, &alice, &body).await }
    };
    put(body.clone())
        .await
        .refused(StatusCode::BAD_REQUEST, "INVALID_PROOF");
    body["proof"] = json!(hex::encode(forged_proof));
    put(body)
        .await
        .refused(StatusCode::BAD_REQUEST, "INVALID_PROOF");
    // The wallet's own proof of epoch 0 does not carry over to an epoch-1 upload.
    let next = recovered(&w);
    let mut body = shares_body(&next, Some(0));
    body["proof"] = json!(proof(&w));
    put(body)
        .await
        .refused(StatusCode::BAD_REQUEST, "INVALID_PROOF");
    // Nothing changed: the epoch-0 set still opens; then the real rotation goes through.
    release_and_open(&h, &alice, &w).await;
    put(shares_body(&next, Some(0)))
        .await
        .answered(StatusCode::OK);
    release_and_open(&h, &alice, &next).await;
    assert_eq!(
        h.trail(&alice, &id, &["rotate"]).await,
        [
            "rotate INVALID_PROOF",
            "rotate INVALID_PROOF",
            "rotate INVALID_PROOF",
            "rotate ok"
        ]
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

fn auth_key() -> AuthorizationKey {
    AuthorizationKey::generate(&mut keysplit::os_rng().unwrap())
}

fn quorum_owner(threshold: usize, keys: &[&AuthorizationKey]) -> Value {
    let members: Vec<String> = keys.iter().map(|k| k.public_key().to_base64()).collect();
    json!({"key_quorum": {"threshold": threshold, "members": members}})
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

/// A release payload for `path`: an EIP-1559 transaction of `value` wei to `to`.
fn tx_payload(path: &str, to: &str, value: &str, expiry_ms: u64) -> Value {
    payload("POST", path, sign_request(eth_tx(to, value)), expiry_ms)
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
        self.post("/v1/wallets", token, &body).await
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
        self.post(&format!("/v1/wallets/{id}/release"), token, &body)
            .await
    }

    /// A release signed by `by` that names `signer` as the additional signer it is from.
    async fn signer_release(
        &self,
        token: &str,
        id: &str,
        request: &Value,
        by: &AuthorizationKey,
        signer: &AuthorizationKey,
        public_key: &[u8],
    ) -> Reply {
        let signature = sign(by, request);
        self.signed_release(
            token,
            id,
            request,
            Some(&signature),
            Some(signer),
            public_key,
        )
        .await
    }

    /// A release signed by `keys` (members of an owner quorum, or not).
    async fn quorum_release(
        &self,
        token: &str,
        id: &str,
        request: &Value,
        keys: &[&AuthorizationKey],
        public_key: &[u8],
    ) -> Reply {
        let signatures = sign_all(keys, request);
        self.signed_release(token, id, request, Some(&signatures), None, public_key)
            .await
    }

    /// The audit trail of `actions` (all when empty), oldest first: see [`trail`].
    async fn trail(&self, token: &str, id: &str, actions: &[&str]) -> Vec<String> {
        trail(&self.audit(token, id).await, actions)
    }

    async fn audit(&self, token: &str, id: &str) -> Vec<Value> {
        let body = self
            .get(&format!("/v1/wallets/{id}/audit"), token)
            .await
            .answered(StatusCode::OK);
        body["entries"].as_array().unwrap().clone()
    }
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
    let body = h
        .create_owned(&alice, &w, &quorum_owner(2, &[&k1, &k2]))
        .await
        .answered(StatusCode::CREATED);
    assert_eq!(body["owner"], quorum_owner(2, &[&k1, &k2]));
    let pk = unused_hpke_key();
    let later = now_ms() + 120_000;
    let body = sign_request(eth_tx(GOOD_TO, "1"));

    let p = payload("POST", &path, body.clone(), later);
    // Missing signature.
    h.signed_release(&alice, &id, &p, None, None, &pk)
        .await
        .refused(StatusCode::FORBIDDEN, "QUORUM_NOT_MET");
    // One of two.
    h.quorum_release(&alice, &id, &p, &[&k1], &pk)
        .await
        .refused(StatusCode::FORBIDDEN, "QUORUM_NOT_MET");
    // The same signature twice counts once.
    let s1 = sign(&k1, &p);
    let b = h
        .signed_release(&alice, &id, &p, Some(&format!("{s1},{s1}")), None, &pk)
        .await
        .refused(StatusCode::FORBIDDEN, "QUORUM_NOT_MET");
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("already counted"),
        "{b}"
    );
    // A non-member's signature does not count.
    h.quorum_release(&alice, &id, &p, &[&k1, &outsider], &pk)
        .await
        .refused(StatusCode::FORBIDDEN, "QUORUM_NOT_MET");
    // Tampered payload: signatures over p, another transaction sent.
    let mut tampered = p.clone();
    tampered["body"] = sign_request(eth_tx(BAD_TO, "1"));
    h.signed_release(
        &alice,
        &id,
        &tampered,
        Some(&sign_all(&[&k1, &k2], &p)),
        None,
        &pk,
    )
    .await
    .refused(StatusCode::FORBIDDEN, "QUORUM_NOT_MET");
    // Expired, with both signatures.
    let old = payload("POST", &path, body.clone(), now_ms() - 60_000);
    h.quorum_release(&alice, &id, &old, &[&k1, &k2], &pk)
        .await
        .refused(StatusCode::FORBIDDEN, "REQUEST_EXPIRED");
    // Signed for another endpoint.
    let other = payload(
        "POST",
        &format!("/v1/wallets/{id}/signers"),
        body.clone(),
        later,
    );
    h.quorum_release(&alice, &id, &other, &[&k1, &k2], &pk)
        .await
        .refused(StatusCode::FORBIDDEN, "REQUEST_MISMATCH");
    // Another user's token with a valid quorum: as a missing wallet.
    let sigs = sign_all(&[&k2, &k1], &p);
    h.signed_release(&h.token("mallory"), &id, &p, Some(&sigs), None, &pk)
        .await
        .refused(StatusCode::NOT_FOUND, "NOT_FOUND");

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
        "hpke_public_key": hex::encode(&pk), "request_digest": hex::encode([0u8; 32])});
    h.post(&path, &alice, &with_digest)
        .await
        .refused(StatusCode::BAD_REQUEST, "DIGEST_MISMATCH");
    let (secret, public) = crypto::hpke_keypair().unwrap();
    with_digest["request_digest"] = json!(hex::encode(digest));
    with_digest["hpke_public_key"] = json!(hex::encode(public.to_bytes()));
    let b = h
        .post(&path, &alice, &with_digest)
        .await
        .answered(StatusCode::OK);
    assert_eq!(b["request_digest"], hex::encode(digest));
    open_release(&w, &secret, &digest, &b);
    // Replayed idempotency key.
    h.signed_release(&alice, &id, &p, Some(&sigs), None, &pk)
        .await
        .refused(StatusCode::CONFLICT, "REPLAYED");

    assert_eq!(
        h.trail(&alice, &id, &["release"]).await,
        [
            "release QUORUM_NOT_MET",
            "release QUORUM_NOT_MET",
            "release QUORUM_NOT_MET",
            "release QUORUM_NOT_MET",
            "release QUORUM_NOT_MET",
            "release REQUEST_EXPIRED",
            "release REQUEST_MISMATCH",
            "release NOT_FOUND",
            "release ok",
            "release REPLAYED"
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
    let b = h.create(&alice, &w).await.answered(StatusCode::CREATED);
    assert_eq!(b["owner"], "user");
    let add = json!({"public_key": signer.public_key().to_base64(), "policy": payout_policy()});

    // Not the owner.
    h.post(&signers_path, &bob, &add)
        .await
        .refused(StatusCode::NOT_FOUND, "NOT_FOUND");
    // A policy the library cannot evaluate.
    let mut bad = add.clone();
    bad["policy"]["rules"][0]["action"] = json!("MAYBE");
    h.post(&signers_path, &alice, &bad)
        .await
        .refused(StatusCode::BAD_REQUEST, "POLICY_INVALID");
    // Added; twice is refused.
    let (first, again) = h.post_twice(&signers_path, &alice, &add).await;
    first.answered(StatusCode::CREATED);
    again.refused(StatusCode::CONFLICT, "SIGNER_EXISTS");
    let b = h.get(&signers_path, &alice).await.answered(StatusCode::OK);
    assert_eq!(
        b["signers"][0]["public_key"],
        signer.public_key().to_base64()
    );
    assert_eq!(b["signers"][0]["policy"], payout_policy());

    let later = now_ms() + 120_000;
    let pk = unused_hpke_key();

    // Allowed by the policy: released and opens.
    let p = tx_payload(&release_path, GOOD_TO, "100000000000000000", later);
    let (secret, public) = crypto::hpke_keypair().unwrap();
    let b = h
        .signer_release(&alice, &id, &p, &signer, &signer, &public.to_bytes())
        .await
        .answered(StatusCode::OK);
    let digest: [u8; 32] = hex::decode(b["request_digest"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    open_release(&w, &secret, &digest, &b);

    // Denied by the DENY rule, named.
    let p = tx_payload(&release_path, BAD_TO, "1", later);
    let b = h
        .signer_release(&alice, &id, &p, &signer, &signer, &pk)
        .await
        .refused(StatusCode::FORBIDDEN, "POLICY_DENIED");
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Known bad recipient"),
        "{b}"
    );
    // Above the cap: nothing allows it.
    let p = tx_payload(&release_path, GOOD_TO, "2000000000000000000", later);
    h.signer_release(&alice, &id, &p, &signer, &signer, &pk)
        .await
        .refused(StatusCode::FORBIDDEN, "POLICY_DENIED");
    // Signed by another key than the named signer.
    let p = tx_payload(&release_path, GOOD_TO, "1", later);
    h.signer_release(&alice, &id, &p, &stranger, &signer, &pk)
        .await
        .refused(StatusCode::FORBIDDEN, "QUORUM_NOT_MET");
    // A key that is no signer.
    h.signer_release(&alice, &id, &p, &stranger, &stranger, &pk)
        .await
        .refused(StatusCode::FORBIDDEN, "UNKNOWN_SIGNER");
    // A method the server cannot decode for a policy.
    let p = payload(
        "POST",
        &release_path,
        json!({"method": "eth_sendTransaction", "params": {}}),
        later,
    );
    h.signer_release(&alice, &id, &p, &signer, &signer, &pk)
        .await
        .refused(StatusCode::BAD_REQUEST, "UNSUPPORTED_METHOD");

    // The owner (a user) with a signed request: the token authorizes, the expiry holds.
    let old = payload(
        "POST",
        &release_path,
        sign_request(eth_tx(GOOD_TO, "1")),
        now_ms() - 1000,
    );
    h.signed_release(&alice, &id, &old, None, None, &pk)
        .await
        .refused(StatusCode::FORBIDDEN, "REQUEST_EXPIRED");
    let p = tx_payload(&release_path, BAD_TO, "1", later);
    h.signed_release(&alice, &id, &p, None, None, &pk)
        .await
        .answered(StatusCode::OK);

    // Removed: refused.
    let remove = json!({"public_key": signer.public_key().to_base64()});
    h.post(&format!("{signers_path}/remove"), &bob, &remove)
        .await
        .refused(StatusCode::NOT_FOUND, "NOT_FOUND");
    h.post(&format!("{signers_path}/remove"), &alice, &remove)
        .await
        .answered(StatusCode::OK);
    let p = tx_payload(&release_path, GOOD_TO, "1", later);
    h.signer_release(&alice, &id, &p, &signer, &signer, &pk)
        .await
        .refused(StatusCode::FORBIDDEN, "UNKNOWN_SIGNER");

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
    h.create(&alice, &w).await.answered(StatusCode::CREATED);
    h.put(
        &owner_path,
        &h.token("bob"),
        &json!({"owner": quorum_owner(2, &[&k1, &k2])}),
    )
    .await
    .refused(StatusCode::NOT_FOUND, "NOT_FOUND");
    let b = h
        .put(
            &owner_path,
            &alice,
            &json!({"owner": quorum_owner(2, &[&k1, &k2])}),
        )
        .await
        .answered(StatusCode::OK);
    assert_eq!(b["owner"], quorum_owner(2, &[&k1, &k2]));

    let add = json!({"public_key": signer.public_key().to_base64(), "policy": payout_policy()});
    // The token alone no longer changes anything.
    h.post(&signers_path, &alice, &add)
        .await
        .refused(StatusCode::FORBIDDEN, "SIGNED_REQUEST_REQUIRED");
    h.put(&owner_path, &alice, &json!({"owner": "user"}))
        .await
        .refused(StatusCode::FORBIDDEN, "SIGNED_REQUEST_REQUIRED");
    let later = now_ms() + 120_000;
    let p = payload("POST", &signers_path, add.clone(), later);
    // One member; a signer (non-member) trying to add a signer.
    for sigs in [sign(&k1, &p), sign_all(&[&k1, &signer], &p)] {
        let envelope = json!({"request": p, "authorization_signature": sigs});
        h.post(&signers_path, &alice, &envelope)
            .await
            .refused(StatusCode::FORBIDDEN, "QUORUM_NOT_MET");
    }
    // The quorum's signatures: added; the same request again is a replay.
    let envelope = json!({"request": p, "authorization_signature": sign_all(&[&k1, &k2], &p)});
    let (first, again) = h.post_twice(&signers_path, &alice, &envelope).await;
    first.answered(StatusCode::CREATED);
    again.refused(StatusCode::CONFLICT, "REPLAYED");
    // On the quorum-owned wallet the signer releases within its policy, without the
    // quorum, and only within it.
    let pk = unused_hpke_key();
    let release_path = format!("/v1/wallets/{id}/release");
    let ok = tx_payload(&release_path, GOOD_TO, "5", later);
    h.signer_release(&alice, &id, &ok, &signer, &signer, &pk)
        .await
        .answered(StatusCode::OK);
    let bad = tx_payload(&release_path, BAD_TO, "5", later);
    h.signer_release(&alice, &id, &bad, &signer, &signer, &pk)
        .await
        .refused(StatusCode::FORBIDDEN, "POLICY_DENIED");
    // The signer's signature is no owner's: without `signer` it does not count.
    let ok = tx_payload(&release_path, GOOD_TO, "5", later);
    h.quorum_release(&alice, &id, &ok, &[&signer], &pk)
        .await
        .refused(StatusCode::FORBIDDEN, "QUORUM_NOT_MET");
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
    h.put(
        &owner_path,
        &alice,
        &json!({"request": p, "authorization_signature": sign_all(&[&k1, &k2], &p)}),
    )
    .await
    .refused(StatusCode::FORBIDDEN, "REQUEST_MISMATCH");
    // The owner back to the user, by the quorum.
    let envelope =
        json!({"request": p_owner, "authorization_signature": sign_all(&[&k2, &k1], &p_owner)});
    let b = h
        .put(&owner_path, &alice, &envelope)
        .await
        .answered(StatusCode::OK);
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
            "wallet": info_json(&w.set.info),
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
    h.create_owned(&alice, &w, &quorum_owner(2, &[&k1, &k2]))
        .await
        .answered(StatusCode::CREATED);
    let later = now_ms() + 120_000;
    let share_path = format!("/v1/wallets/{id}/recovery-share");
    let post_share = |token: &str, body: Value| {
        let (h, path, token) = (&h, share_path.clone(), token.to_string());
        async move { h.post(&path, &token, &body).await }
    };

    // Recovery share: the token alone (GET, or POST without signatures) gets nothing.
    h.get(&share_path, &alice)
        .await
        .refused(StatusCode::FORBIDDEN, "SIGNED_REQUEST_REQUIRED");
    let p = payload("POST", &share_path, json!({}), later);
    post_share(&alice, envelope(&p, None))
        .await
        .refused(StatusCode::FORBIDDEN, "QUORUM_NOT_MET");
    post_share(&alice, envelope(&p, Some(&sign(&k1, &p))))
        .await
        .refused(StatusCode::FORBIDDEN, "QUORUM_NOT_MET");
    // Signed by both, but for the release endpoint, or expired.
    let release_p = payload(
        "POST",
        &format!("/v1/wallets/{id}/release"),
        json!({}),
        later,
    );
    post_share(
        &alice,
        envelope(&release_p, Some(&sign_all(&[&k1, &k2], &release_p))),
    )
    .await
    .refused(StatusCode::FORBIDDEN, "REQUEST_MISMATCH");
    let old = payload("POST", &share_path, json!({}), now_ms() - 60_000);
    post_share(&alice, envelope(&old, Some(&sign_all(&[&k1, &k2], &old))))
        .await
        .refused(StatusCode::FORBIDDEN, "REQUEST_EXPIRED");
    // Another user with the quorum's signatures: 404.
    post_share(&mallory, envelope(&p, Some(&sign_all(&[&k1, &k2], &p))))
        .await
        .refused(StatusCode::NOT_FOUND, "NOT_FOUND");
    // The quorum: the recovery share; once.
    let b = post_share(&alice, envelope(&p, Some(&sign_all(&[&k1, &k2], &p))))
        .await
        .answered(StatusCode::OK);
    assert_eq!(
        b["recovery_share"].as_str().unwrap(),
        w.set.recovery.to_hex()
    );
    post_share(&alice, envelope(&p, Some(&sign_all(&[&k1, &k2], &p))))
        .await
        .refused(StatusCode::CONFLICT, "REPLAYED");

    // Rotation: the token with a valid upload proof is not enough.
    let next = recovered(&w);
    let shares_path = format!("/v1/wallets/{id}/shares");
    let put = |body: Value| {
        let (h, path, alice) = (&h, shares_path.clone(), alice.clone());
        async move { h.put(&path, &alice, &body).await }
    };
    put(shares_body(&next, Some(0)))
        .await
        .refused(StatusCode::FORBIDDEN, "SIGNED_REQUEST_REQUIRED");
    let up = signed_upload_payload(&next, &id, 0, later);
    put(signed_upload(&next, &up, None))
        .await
        .refused(StatusCode::FORBIDDEN, "QUORUM_NOT_MET");
    put(signed_upload(&next, &up, Some(&sign(&k2, &up))))
        .await
        .refused(StatusCode::FORBIDDEN, "QUORUM_NOT_MET");
    // The quorum signed this upload; other shares sent with it are refused.
    let both = sign_all(&[&k1, &k2], &up);
    let other = recovered(&w);
    let mut swapped = signed_upload(&next, &up, Some(&both));
    swapped["auth_share"] = json!(other.set.auth.to_hex());
    swapped["auth_key"] = json!(hex::encode(other.auth_key.as_bytes()));
    put(swapped)
        .await
        .refused(StatusCode::BAD_REQUEST, "DIGEST_MISMATCH");
    let mut swapped = signed_upload(&next, &up, Some(&both));
    swapped["recovery_share"] = json!(other.set.recovery.to_hex());
    put(swapped)
        .await
        .refused(StatusCode::BAD_REQUEST, "DIGEST_MISMATCH");
    // The signed body names no share material, and the whole body is checked strictly.
    assert!(!up
        .to_string()
        .contains(&hex::encode(next.auth_key.as_bytes())));
    assert!(!up.to_string().contains(&next.set.auth.to_hex()));
    assert!(!up.to_string().contains(&next.set.recovery.to_hex()));
    let mut extra = signed_upload(&next, &up, Some(&both));
    extra["expected_epoch"] = json!(0);
    put(extra).await.answered(StatusCode::BAD_REQUEST);
    // Signed for the owner endpoint: REQUEST_MISMATCH.
    let mut wrong = up.clone();
    wrong["url"] = json!(format!("https://keysplit.example/v1/wallets/{id}/owner"));
    put(signed_upload(
        &next,
        &wrong,
        Some(&sign_all(&[&k1, &k2], &wrong)),
    ))
    .await
    .refused(StatusCode::FORBIDDEN, "REQUEST_MISMATCH");
    // The quorum: epoch 1; the same authorization again is a replay.
    let b = put(signed_upload(&next, &up, Some(&both)))
        .await
        .answered(StatusCode::OK);
    assert_eq!(b["wallet"]["epoch"], 1);
    put(signed_upload(&next, &up, Some(&both)))
        .await
        .refused(StatusCode::CONFLICT, "REPLAYED");
    // The new set is stored whole: a quorum-signed release opens with its device share.
    let (secret, public) = crypto::hpke_keypair().unwrap();
    let rp = payload(
        "POST",
        &format!("/v1/wallets/{id}/release"),
        sign_request(eth_tx(GOOD_TO, "1")),
        later,
    );
    let b = h
        .quorum_release(&alice, &id, &rp, &[&k1, &k2], &public.to_bytes())
        .await
        .answered(StatusCode::OK);
    let digest: [u8; 32] = sha2::Sha256::digest(
        RequestPayload::from_value(rp.clone())
            .unwrap()
            .canonical_bytes(),
    )
    .into();
    open_release(&next, &secret, &digest, &b);

    assert_eq!(
        h.trail(&alice, &id, &["rotate", "recovery_share"]).await,
        [
            "recovery_share SIGNED_REQUEST_REQUIRED",
            "recovery_share QUORUM_NOT_MET",
            "recovery_share QUORUM_NOT_MET",
            "recovery_share REQUEST_MISMATCH",
            "recovery_share REQUEST_EXPIRED",
            "recovery_share NOT_FOUND",
            "recovery_share ok",
            "recovery_share REPLAYED",
            "rotate SIGNED_REQUEST_REQUIRED",
            "rotate QUORUM_NOT_MET",
            "rotate QUORUM_NOT_MET",
            "rotate REQUEST_MISMATCH",
            "rotate ok",
            "rotate REPLAYED",
        ]
    );
    h.stop().await;
}

/// A user-owned wallet takes the same signed forms without signatures: the token
/// authorizes, the payload must name the endpoint and be in time, its key is used once.
async fn user_owned_signed_forms(backend: Backend) {
    let Some(h) = harness(backend).await else {
        return;
    };
    let (alice, w, id) = alice_wallet(&h).await;
    let share_path = format!("/v1/wallets/{id}/recovery-share");
    let p = payload("POST", &share_path, json!({}), now_ms() + 60_000);
    let b = h
        .post(&share_path, &alice, &envelope(&p, None))
        .await
        .answered(StatusCode::OK);
    assert_eq!(
        b["recovery_share"].as_str().unwrap(),
        w.set.recovery.to_hex()
    );
    h.post(&share_path, &alice, &envelope(&p, None))
        .await
        .refused(StatusCode::CONFLICT, "REPLAYED");
    let old = payload("POST", &share_path, json!({}), now_ms() - 1_000);
    h.post(&share_path, &alice, &envelope(&old, None))
        .await
        .refused(StatusCode::FORBIDDEN, "REQUEST_EXPIRED");
    // The signed upload form works for a user owner too (no signature needed).
    let next = recovered(&w);
    let up = signed_upload_payload(&next, &id, 0, now_ms() + 60_000);
    h.put(
        &format!("/v1/wallets/{id}/shares"),
        &alice,
        &signed_upload(&next, &up, None),
    )
    .await
    .answered(StatusCode::OK);
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
    let Some(h) = harness(backend).await else {
        return;
    };
    let (alice, _, id) = alice_wallet(&h).await;
    let pk = unused_hpke_key();
    let path = format!("/v1/wallets/{id}/release");
    let body = json!({"method": "personal_sign", "params": {"message": "hi"}});
    let at = |expiry: u64| payload("POST", &path, body.clone(), expiry);

    h.release(&alice, &id, &at(now_ms() - 1_000), &pk)
        .await
        .refused(StatusCode::FORBIDDEN, "REQUEST_EXPIRED");
    let b = h
        .release(&alice, &id, &at(now_ms() + 2 * 3_600_000), &pk)
        .await
        .refused(StatusCode::BAD_REQUEST, "INVALID_REQUEST_PAYLOAD");
    assert!(
        b["error"]["message"].as_str().unwrap().contains("too far"),
        "{b}"
    );
    h.release(&alice, &id, &at(now_ms() + 3_610_000), &pk)
        .await
        .refused(StatusCode::BAD_REQUEST, "INVALID_REQUEST_PAYLOAD");
    let mut no_expiry = at(now_ms() + 60_000);
    no_expiry["headers"]
        .as_object_mut()
        .unwrap()
        .remove("privy-request-expiry");
    h.release(&alice, &id, &no_expiry, &pk)
        .await
        .refused(StatusCode::BAD_REQUEST, "INVALID_REQUEST_PAYLOAD");
    // Within the hour: accepted.
    h.release(&alice, &id, &at(now_ms() + 3_500_000), &pk)
        .await
        .answered(StatusCode::OK);
    // The same cap on every signed request: a recovery-share payload, an owner change.
    let share_path = format!("/v1/wallets/{id}/recovery-share");
    let far = payload("POST", &share_path, json!({}), now_ms() + 2 * 3_600_000);
    h.post(&share_path, &alice, &envelope(&far, None))
        .await
        .refused(StatusCode::BAD_REQUEST, "INVALID_REQUEST_PAYLOAD");
    let k = auth_key();
    h.put(
        &format!("/v1/wallets/{id}/owner"),
        &alice,
        &json!({"owner": quorum_owner(1, &[&k])}),
    )
    .await
    .answered(StatusCode::OK);
    let owner_path = format!("/v1/wallets/{id}/owner");
    let far = payload(
        "PUT",
        &owner_path,
        json!({"owner": "user"}),
        now_ms() + 2 * 3_600_000,
    );
    h.put(&owner_path, &alice, &envelope(&far, Some(&sign(&k, &far))))
        .await
        .refused(StatusCode::BAD_REQUEST, "INVALID_REQUEST_PAYLOAD");
    assert_eq!(
        h.trail(&alice, &id, &["release"]).await,
        ["release REQUEST_EXPIRED", "release ok"]
    );
    h.stop().await;
}

on_both!(request_expiry);

// ----------------------------------------------------------------------------------------
// Host binding

/// With `public_url` set, a payload must name exactly that origin; without it, any
/// `http(s)` origin is taken (only the path is checked).
async fn host_binding(backend: Backend) {
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
    let (alice, _, id) = alice_wallet(&h).await;
    let pk = unused_hpke_key();
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
    h.post(&share_path, &alice, &envelope(&p, None))
        .await
        .refused(StatusCode::FORBIDDEN, "REQUEST_MISMATCH");
    h.release(&alice, &id, &at("https://keysplit.example"), &pk)
        .await
        .answered(StatusCode::OK);
    let mut expected = vec!["release REQUEST_MISMATCH"; 6];
    expected.extend(["recovery_share REQUEST_MISMATCH", "release ok"]);
    assert_eq!(
        h.trail(&alice, &id, &["release", "recovery_share"]).await,
        expected
    );
    h.stop().await;

    // No public_url: the origin is not checked, the path still is.
    let Some(h) = harness(backend).await else {
        return;
    };
    let (alice, _, id) = alice_wallet(&h).await;
    let mut p = user_request(&id);
    p["url"] = json!(format!("https://elsewhere.example/v1/wallets/{id}/release"));
    h.release(&alice, &id, &p, &pk)
        .await
        .answered(StatusCode::OK);
    let mut p = user_request(&id);
    p["url"] = json!(format!("https://elsewhere.example/v1/wallets/{id}/signers"));
    h.release(&alice, &id, &p, &pk)
        .await
        .refused(StatusCode::FORBIDDEN, "REQUEST_MISMATCH");
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
        self.post(&format!("/v1/wallets/{id}/recovery-key"), token, &body)
            .await
    }
}

/// Opens a recovery-key answer as the iframe would: its own key, info and digest.
fn open_recovery_key(
    info: &keysplit_wallet::WalletInfo,
    secret: &<crypto::HpkeKem as hpke::Kem>::PrivateKey,
    digest: &[u8; 32],
    body: &Value,
) -> Option<ShareKey> {
    let enc = hex::decode(body["enc"].as_str().unwrap()).unwrap();
    let ciphertext = hex::decode(body["ciphertext"].as_str().unwrap()).unwrap();
    let hpke_info = crypto::recovery_key_info(&info.wallet_id.0, info.epoch);
    assert_eq!(body["info"].as_str().unwrap(), hex::encode(&hpke_info));
    let plaintext = custody::hpke_open(secret, &enc, &hpke_info, digest, &ciphertext)?;
    Some(ShareKey::from_bytes(plaintext[..].try_into().unwrap()))
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
        async move { h.post("/v1/wallets", &alice, &body).await }
    };
    // Create refusals: a wrong key, a short key, a key with a password-sealed share.
    let mut body = auto_body(&a, None);
    body["recovery_key"] = json!("11".repeat(32));
    post(body)
        .await
        .refused(StatusCode::BAD_REQUEST, "RECOVERY_KEY_MISMATCH");
    let mut body = auto_body(&a, None);
    body["recovery_key"] = json!("11".repeat(31));
    post(body)
        .await
        .refused(StatusCode::BAD_REQUEST, "BAD_REQUEST");
    let plain = new_wallet();
    let mut body = shares_body(&plain, None);
    body["recovery_key"] = json!(hex::encode(a.recovery_key.as_bytes()));
    post(body)
        .await
        .refused(StatusCode::BAD_REQUEST, "INVALID_SHARE");
    // Created with automatic recovery; the key is in no answer.
    let b = post(auto_body(&a, None))
        .await
        .answered(StatusCode::CREATED);
    assert_eq!(b["automatic_recovery"], true);
    let (_, b) = h.get(&format!("/v1/wallets/{id}"), &alice).await;
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
    let b = h
        .recovery_key(&alice, &id, &request, None, &pk)
        .await
        .answered(StatusCode::OK);
    assert_eq!(b["request_digest"].as_str().unwrap(), hex::encode(digest));
    let mut other = digest;
    other[31] ^= 1;
    assert!(open_recovery_key(&a.w.set.info, &secret, &other, &b).is_none());
    let recovery_key = open_recovery_key(&a.w.set.info, &secret, &digest, &b).unwrap();
    assert_eq!(recovery_key.as_bytes(), a.recovery_key.as_bytes());
    // ... opened as an auth-share release it is refused (other info label).
    let enc = hex::decode(b["enc"].as_str().unwrap()).unwrap();
    let ct = hex::decode(b["ciphertext"].as_str().unwrap()).unwrap();
    let release_info = crypto::release_info(&a.w.set.info.wallet_id.0, 0);
    assert!(custody::hpke_open(&secret, &enc, &release_info, &digest, &ct).is_none());
    let (_, b) = h
        .get(&format!("/v1/wallets/{id}/recovery-share"), &alice)
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
        async move { h.put(&shares, &alice, &body).await }
    };
    // A key-sealed recovery share without its key would strand automatic recovery.
    put(shares_body(&next.w, Some(0)))
        .await
        .refused(StatusCode::BAD_REQUEST, "RECOVERY_KEY_REQUIRED");
    let mut wrong = auto_body(&next, Some(0));
    wrong["recovery_key"] = json!(hex::encode(a.recovery_key.as_bytes()));
    put(wrong)
        .await
        .refused(StatusCode::BAD_REQUEST, "RECOVERY_KEY_MISMATCH");
    put(auto_body(&next, Some(0)))
        .await
        .answered(StatusCode::OK);
    release_and_open(&h, &alice, &next.w).await;
    // The new key is the one handed out now (bound to epoch 1).
    let request = recovery_key_request(&id);
    let b = h
        .recovery_key(&alice, &id, &request, None, &pk)
        .await
        .answered(StatusCode::OK);
    let key = open_recovery_key(&next.w.set.info, &secret, &digest_of(&request), &b).unwrap();
    assert_eq!(key.as_bytes(), next.recovery_key.as_bytes());

    // Refusals: replay, another endpoint's payload, expired, another user.
    h.recovery_key(&alice, &id, &request, None, &pk)
        .await
        .refused(StatusCode::CONFLICT, "REPLAYED");
    h.recovery_key(&alice, &id, &user_request(&id), None, &pk)
        .await
        .refused(StatusCode::FORBIDDEN, "REQUEST_MISMATCH");
    let mut old = recovery_key_request(&id);
    old["headers"]["privy-request-expiry"] = json!((now_ms() - 1_000).to_string());
    h.recovery_key(&alice, &id, &old, None, &pk)
        .await
        .refused(StatusCode::FORBIDDEN, "REQUEST_EXPIRED");
    let mallory = h.token("mallory");
    h.recovery_key(&mallory, &id, &recovery_key_request(&id), None, &pk)
        .await
        .refused(StatusCode::NOT_FOUND, "NOT_FOUND");

    // Rotating to a password-sealed recovery share turns automatic recovery off.
    let third = with_new_keys(|protect, rng| {
        keysplit_wallet::recover(
            &next.w.set.info,
            ShareInput::new(Role::Auth, &next.w.set.auth, Unlock::Key(&next.w.auth_key)),
            ShareInput::new(
                Role::Recovery,
                &next.w.set.recovery,
                Unlock::Key(&next.recovery_key),
            ),
            protect,
            rng,
        )
        .unwrap()
    });
    put(shares_body(&third, Some(1)))
        .await
        .answered(StatusCode::OK);
    h.recovery_key(&alice, &id, &recovery_key_request(&id), None, &pk)
        .await
        .refused(StatusCode::CONFLICT, "NO_AUTOMATIC_RECOVERY");
    let (_, b) = h.get(&format!("/v1/wallets/{id}"), &alice).await;
    assert_eq!(b["automatic_recovery"], false);
    // A wallet created without it has none either.
    assert_eq!(post(shares_body(&plain, None)).await.0, StatusCode::CREATED);
    let plain_id = plain.set.info.wallet_id.to_string();
    let request = recovery_key_request(&plain_id);
    h.recovery_key(&alice, &plain_id, &request, None, &pk)
        .await
        .refused(StatusCode::CONFLICT, "NO_AUTOMATIC_RECOVERY");

    assert_eq!(
        h.trail(&alice, &id, &["recovery_key", "rotate"]).await,
        [
            "recovery_key ok",
            "rotate RECOVERY_KEY_REQUIRED",
            "rotate ok",
            "recovery_key ok",
            "recovery_key REPLAYED",
            "recovery_key REQUEST_MISMATCH",
            "recovery_key REQUEST_EXPIRED",
            "recovery_key NOT_FOUND",
            "rotate ok",
            "recovery_key NO_AUTOMATIC_RECOVERY",
        ]
    );
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
    h.post("/v1/wallets", &alice, &body)
        .await
        .answered(StatusCode::CREATED);
    let (secret, public) = crypto::hpke_keypair().unwrap();
    let pk = public.to_bytes();
    let request = recovery_key_request(&id);
    h.recovery_key(&alice, &id, &request, None, &pk)
        .await
        .refused(StatusCode::FORBIDDEN, "QUORUM_NOT_MET");
    h.recovery_key(&alice, &id, &request, Some(&sign(&k1, &request)), &pk)
        .await
        .refused(StatusCode::FORBIDDEN, "QUORUM_NOT_MET");
    let b = h
        .recovery_key(
            &alice,
            &id,
            &request,
            Some(&sign_all(&[&k1, &k2], &request)),
            &pk,
        )
        .await
        .answered(StatusCode::OK);
    let key = open_recovery_key(&a.w.set.info, &secret, &digest_of(&request), &b).unwrap();
    assert_eq!(key.as_bytes(), a.recovery_key.as_bytes());
    h.stop().await;
}

on_both!(automatic_recovery);
on_both!(automatic_recovery_quorum);
