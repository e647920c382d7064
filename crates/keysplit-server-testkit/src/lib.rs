//! What keysplit-server's tests (`http.rs`, `fault.rs`) and its load example share: the
//! server's settings, test wallets and their upload bodies, request payloads, and opening
//! a release as the wallet iframe does. Test code: it panics on any failure.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use keysplit_server::auth::Verifier;
use keysplit_server::config::{IssuerConfig, MasterKey, Settings};
use keysplit_server::crypto;
use keysplit_server::{DevAlg, DevIssuer};
use keysplit_wallet::authz::RequestPayload;
use keysplit_wallet::{
    Argon2Params, Protection, Protections, Role, SealedShare, ShareInput, ShareKey, ShareSet,
    Strength, Unlock, WalletInfo,
};
use serde_json::{json, Value};
use sha2::Digest as _;

pub const PASSWORD: &[u8] = b"correct horse battery staple";

/// Argon2 at its floor: the recovery share's password protection is not under test.
pub const FAST: Argon2Params = Argon2Params {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};

/// The issuer `iss`/`aud` with its keys in `jwks.json` (relative to the config folder).
pub fn issuer_config(iss: &str, aud: &str) -> IssuerConfig {
    IssuerConfig {
        iss: iss.into(),
        audiences: vec![aud.into()],
        jwks_file: Some("jwks.json".into()),
        pem_file: None,
        alg: None,
        kid: None,
    }
}

/// A new dev issuer of `alg` with its keys written to `dir`/jwks.json, and its config.
pub fn dev_issuer(alg: DevAlg, dir: &Path) -> (DevIssuer, IssuerConfig) {
    let issuer = DevIssuer::generate(alg).unwrap();
    std::fs::write(dir.join("jwks.json"), issuer.jwks_json()).unwrap();
    let config = issuer_config(&issuer.iss, &issuer.aud);
    (issuer, config)
}

/// A server on 127.0.0.1:0 for `db_url` that trusts `issuer` (keys in `dir`/jwks.json),
/// with no CORS origin, no public URL, 64 KiB bodies and no practical release limit.
pub fn settings(db_url: String, issuer: IssuerConfig, dir: &Path) -> Settings {
    Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
        db_url,
        master_key: MasterKey::from_bytes(&[7u8; 32]),
        allowed_origins: vec![],
        public_url: None,
        max_body_bytes: 64 * 1024,
        release_per_minute: u32::MAX,
        verifier: Verifier::from_config(&[issuer], dir, 30).unwrap(),
    }
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// A share set with its device and auth keys (the recovery share is sealed with
/// `PASSWORD`).
pub struct TestWallet {
    pub set: ShareSet,
    pub device_key: ShareKey,
    pub auth_key: ShareKey,
}

pub fn password_protections<'a>(device: &'a ShareKey, auth: &'a ShareKey) -> Protections<'a> {
    Protections {
        device: Protection::Key(device),
        auth: Protection::Key(auth),
        recovery: Protection::InsecureFastPassword {
            password: PASSWORD,
            params: FAST,
        },
    }
}

/// A share set that `make` builds under new device and auth keys.
pub fn with_new_keys(
    make: impl FnOnce(&Protections, &mut dyn rand_core::CryptoRng) -> ShareSet,
) -> TestWallet {
    let mut rng = keysplit::os_rng().unwrap();
    let device_key = ShareKey::generate(&mut rng);
    let auth_key = ShareKey::generate(&mut rng);
    let set = make(&password_protections(&device_key, &auth_key), &mut rng);
    TestWallet {
        set,
        device_key,
        auth_key,
    }
}

pub fn new_wallet() -> TestWallet {
    with_new_keys(|protect, rng| keysplit_wallet::create(Strength::Bits128, protect, rng).unwrap())
}

/// Auth + recovery make a new set at epoch + 1 (a new device).
pub fn recovered(w: &TestWallet) -> TestWallet {
    with_new_keys(|protect, rng| {
        keysplit_wallet::recover(
            &w.set.info,
            ShareInput::new(Role::Auth, &w.set.auth, Unlock::Key(&w.auth_key)),
            ShareInput::new(Role::Recovery, &w.set.recovery, Unlock::Password(PASSWORD)),
            protect,
            rng,
        )
        .unwrap()
    })
}

pub fn info_json(info: &WalletInfo) -> Value {
    let t = info.to_text();
    json!({
        "wallet_id": t.wallet_id, "epoch": t.epoch, "share_set_id": t.share_set_id,
        "ethereum_address": t.ethereum_address, "solana_address": t.solana_address,
    })
}

/// The upload proof as a client makes it: the wallet rebuilt from the device and auth
/// shares signs `upload_proof::statement` (EIP-191), `0x` + 130 hex digits.
/// `None` when the shares do not rebuild a wallet of `w.set.info` (tests that send such
/// sets expect a refusal before the proof is looked at).
pub fn try_proof(w: &TestWallet) -> Option<String> {
    let wallet = keysplit_wallet::open(
        &w.set.info,
        ShareInput::new(Role::Device, &w.set.device, Unlock::Key(&w.device_key)),
        ShareInput::new(Role::Auth, &w.set.auth, Unlock::Key(&w.auth_key)),
    )
    .ok()?;
    let signature = keysplit_wallet::upload_proof::sign(&wallet, &w.set.info).ok()?;
    Some(format!("0x{}", hex::encode(signature)))
}

pub fn proof(w: &TestWallet) -> String {
    try_proof(w).expect("the test wallet rebuilds")
}

/// The body of a create (`expected_epoch` None) or a rotation, with its proof.
pub fn shares_body(w: &TestWallet, expected_epoch: Option<u32>) -> Value {
    let mut body = json!({
        "wallet": info_json(&w.set.info),
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

pub fn fresh_nonce() -> String {
    let mut n = [0u8; 16];
    rand_core::Rng::fill_bytes(&mut keysplit::os_rng().unwrap(), &mut n);
    hex::encode(n)
}

/// A signed request payload in Privy's shape.
pub fn payload(method: &str, path: &str, body: Value, expiry_ms: u64) -> Value {
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

/// The payload the iframe builds for a user-owned wallet's release (no signature): a
/// personal_sign request, in time for a minute, with a fresh idempotency key.
pub fn user_request(wallet_id: &str) -> Value {
    payload(
        "POST",
        &format!("/v1/wallets/{wallet_id}/release"),
        json!({"method": "personal_sign", "params": {"message": "hello", "encoding": "utf-8"}}),
        now_ms() + 60_000,
    )
}

/// SHA-256 of the RFC 8785 form of a payload (the iframe's `custody.requestDigest`).
pub fn digest_of(payload: &Value) -> [u8; 32] {
    sha2::Sha256::digest(
        RequestPayload::from_value(payload.clone())
            .unwrap()
            .canonical_bytes(),
    )
    .into()
}

pub fn unhex(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

/// Opens a release answer with the iframe's key and `digest`, and rebuilds the wallet
/// with the device share of `w`.
pub fn open_release(
    w: &TestWallet,
    secret: &<crypto::HpkeKem as hpke::Kem>::PrivateKey,
    digest: &[u8; 32],
    body: &Value,
) {
    let (enc, ciphertext) = (unhex(&body["enc"]), unhex(&body["ciphertext"]));
    let info = crypto::release_info(&w.set.info.wallet_id.0, w.set.info.epoch);
    assert_eq!(body["info"].as_str().unwrap(), hex::encode(&info));
    let plaintext =
        keysplit_wallet::custody::hpke_open(secret, &enc, &info, digest, &ciphertext).unwrap();
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
