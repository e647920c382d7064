//! HPKE interop with npm's @hpke/core (an independent RFC 9180 implementation) in node:
//! what keysplit-server seals opens there, and what @hpke/core seals opens here, with
//! the server's release `info` and a request digest as associated data. Skips (with a
//! message) when node or the npm packages in tests/node are missing;
//! scripts/test.d/70-server.sh installs them.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use hpke::{Deserializable, Serializable};
use keysplit_server::crypto::{self, HpkeKem};
use keysplit_wallet::custody;
use serde_json::{json, Value};

fn node_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/node")
}

fn peer(request: &Value) -> Value {
    let mut child = Command::new("node")
        .arg(node_dir().join("hpke-peer.mjs"))
        .current_dir(node_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "hpke-peer.mjs failed on {request}");
    serde_json::from_slice(&output.stdout).unwrap()
}

fn available() -> bool {
    let node = Command::new("node")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    let packages = node_dir().join("node_modules/@hpke/core").is_dir()
        && node_dir()
            .join("node_modules/@hpke/chacha20poly1305")
            .is_dir();
    if !(node && packages) {
        eprintln!(
            "SKIPPED: HPKE interop: needs node and `npm install` in {} (scripts/test.d/70-server.sh does it)",
            node_dir().display()
        );
    }
    node && packages
}

fn unhex(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

#[test]
fn server_seal_opens_in_hpke_core() {
    if !available() {
        return;
    }
    let keys = peer(&json!({"op": "keypair"}));
    let public = crypto::hpke_public_key(&unhex(&keys["pk"])).unwrap();
    let info = crypto::release_info(&[0xab; 16], 7);
    let digest = [0x42u8; 32];
    // What a release carries: 32-byte key || sealed share (here any bytes).
    let plaintext: Vec<u8> = (0u8..=200).collect();
    let (enc, ct) = crypto::hpke_seal(&public, &info, &digest, &plaintext).unwrap();
    let opened = peer(&json!({
        "op": "open", "sk": keys["sk"], "pk": keys["pk"], "enc": hex::encode(&enc),
        "ct": hex::encode(&ct), "info": hex::encode(&info), "aad": hex::encode(digest),
    }));
    assert_eq!(unhex(&opened["pt"]), plaintext);
}

#[test]
fn hpke_core_seal_opens_here() {
    if !available() {
        return;
    }
    let (secret, public) = crypto::hpke_keypair().unwrap();
    let info = crypto::release_info(&[0x01; 16], 0);
    let digest = [0x99u8; 32];
    let plaintext = b"sealed by @hpke/core".to_vec();
    let sealed = peer(&json!({
        "op": "seal", "pk": hex::encode(public.to_bytes()), "pt": hex::encode(&plaintext),
        "info": hex::encode(&info), "aad": hex::encode(digest),
    }));
    let (enc, ct) = (unhex(&sealed["enc"]), unhex(&sealed["ct"]));
    let opened = custody::hpke_open(&secret, &enc, &info, &digest, &ct).unwrap();
    assert_eq!(&opened[..], &plaintext[..]);
    // The digest is bound in: another one does not open it.
    assert!(custody::hpke_open(&secret, &enc, &info, &[0u8; 32], &ct).is_none());
    // And the encapsulated key is a P-256 point this side reads.
    assert!(<HpkeKem as hpke::Kem>::EncappedKey::from_bytes(&enc).is_ok());
}
