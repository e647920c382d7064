//! `keysplit authz keygen | sign | verify` through the binary.

mod common;

use std::path::Path;

use common::{run, text};

const PAYLOAD: &str = r#"{"version":1,"method":"POST","url":"https://api.privy.io/v1/wallets/w1/rpc",
  "body":{"method":"personal_sign","params":{"message":"hello","encoding":"utf-8"}},
  "headers":{"privy-app-id":"app-1"}}"#;

/// The same payload, members reordered and spaced differently.
const PAYLOAD_SHUFFLED: &str = r#"
{ "headers" : { "privy-app-id" : "app-1" },
  "body" : { "params" : { "encoding" : "utf-8", "message" : "hello" }, "method" : "personal_sign" },
  "url" : "https://api.privy.io/v1/wallets/w1/rpc", "method" : "POST", "version" : 1 }
"#;

// A P-256 public key exported by Node (spki, DER, base64).
const NODE_SPKI: &str = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEZ2j7SEpB92B6YFdpACZiL+9c+dVFrWtTc7r0IEdwnPWMJgVOUd+vq3M4WNC3DWJgjknW1ig/9JtdWHv2wUrxHA==";

fn keygen(dir: &Path, name: &str) -> (std::path::PathBuf, String) {
    let path = dir.join(name);
    let out = run(
        &["authz", "keygen", "--out", path.to_str().unwrap()],
        &[],
        b"",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    (path, text(&out.stdout).trim().to_string())
}

fn sign(key: &Path, payload: &str) -> String {
    let out = run(
        &["authz", "sign", "--key", key.to_str().unwrap()],
        &[],
        payload.as_bytes(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).trim().to_string()
}

fn verify(quorum: &Path, sigs: &[&str], payload: &str) -> std::process::Output {
    let mut args = vec!["authz", "verify", "--quorum", quorum.to_str().unwrap()];
    for s in sigs {
        args.push("--signature");
        args.push(s);
    }
    run(&args, &[], payload.as_bytes())
}

fn write_quorum(dir: &Path, threshold: usize, members: &[&str]) -> std::path::PathBuf {
    let path = dir.join(format!("quorum-{threshold}-{}.json", members.len()));
    let list: Vec<String> = members.iter().map(|m| format!("\"{m}\"")).collect();
    std::fs::write(
        &path,
        format!(
            r#"{{"threshold":{threshold},"members":[{}]}}"#,
            list.join(",")
        ),
    )
    .unwrap();
    path
}

fn assert_fails(out: &std::process::Output, code: &str) {
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.starts_with("keysplit: error: "), "{err}");
    assert!(err.trim_end().ends_with(&format!("[{code}]")), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
}

#[test]
fn keygen_writes_a_private_file_once() {
    let dir = tempfile::tempdir().unwrap();
    let (path, public) = keygen(dir.path(), "k1");
    let contents = std::fs::read_to_string(&path).unwrap();
    assert!(
        contents.starts_with("wallet-auth:MIG"),
        "PKCS#8 DER in base64"
    );
    assert!(!contents.contains(&public));
    assert!(
        public.starts_with("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE"),
        "P-256 SPKI: {public}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let out = run(
        &["authz", "keygen", "--out", path.to_str().unwrap()],
        &[],
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("already exists"));
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        contents,
        "never overwritten"
    );
}

#[test]
fn two_of_three_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let (k1, p1) = keygen(dir.path(), "k1");
    let (k2, p2) = keygen(dir.path(), "k2");
    let (k3, p3) = keygen(dir.path(), "k3");
    let (k4, _) = keygen(dir.path(), "outsider");
    let quorum = write_quorum(dir.path(), 2, &[&p1, &p2, &p3]);

    let s1 = sign(&k1, PAYLOAD);
    // Member order and whitespace do not change the signed bytes.
    assert_eq!(sign(&k1, PAYLOAD_SHUFFLED), s1);
    let s3 = sign(&k3, PAYLOAD_SHUFFLED);
    let s2 = sign(&k2, PAYLOAD);
    let s4 = sign(&k4, PAYLOAD);

    let out = verify(&quorum, &[&s1, &s3], PAYLOAD_SHUFFLED);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("2 of 3"));
    // Comma-separated, as in the privy-authorization-signature header.
    let header = format!("{s1},{s2}, {s3}");
    let out = verify(&quorum, &[&header], PAYLOAD);
    assert!(out.status.success(), "{}", text(&out.stderr));

    assert_fails(&verify(&quorum, &[&s1], PAYLOAD), "QUORUM_NOT_MET");
    assert_fails(&verify(&quorum, &[], PAYLOAD), "QUORUM_NOT_MET");
    assert_fails(&verify(&quorum, &[&s1, &s1], PAYLOAD), "QUORUM_NOT_MET");
    assert_fails(&verify(&quorum, &[&s1, &s4], PAYLOAD), "QUORUM_NOT_MET");
    assert_fails(
        &verify(&quorum, &[&s1, "garbage"], PAYLOAD),
        "QUORUM_NOT_MET",
    );
    let tampered = PAYLOAD.replace("hello", "hellO");
    assert_fails(&verify(&quorum, &[&s1, &s2], &tampered), "QUORUM_NOT_MET");
    let err = text(&verify(&quorum, &[&s1, &s1], PAYLOAD).stderr);
    assert!(
        err.contains("1 distinct member(s) signed, 2 needed"),
        "{err}"
    );
}

#[test]
fn expiry_uses_the_clock() {
    let dir = tempfile::tempdir().unwrap();
    let (k1, p1) = keygen(dir.path(), "k1");
    let quorum = write_quorum(dir.path(), 1, &[&p1]);
    let with_expiry = |ms: &str| {
        PAYLOAD.replace(
            r#""privy-app-id":"app-1""#,
            &format!(r#""privy-app-id":"app-1","privy-request-expiry":"{ms}""#),
        )
    };
    let past = with_expiry("1000000000000"); // 2001
    let s = sign(&k1, &past);
    assert_fails(&verify(&quorum, &[&s], &past), "REQUEST_EXPIRED");
    let future = with_expiry("4000000000000"); // 2096
    let s = sign(&k1, &future);
    assert!(verify(&quorum, &[&s], &future).status.success());
}

#[test]
fn refusals_have_codes() {
    let dir = tempfile::tempdir().unwrap();
    let (k1, p1) = keygen(dir.path(), "k1");
    let quorum = write_quorum(dir.path(), 1, &[&p1]);
    let bad = dir.path().join("bad-quorum.json");
    std::fs::write(&bad, format!(r#"{{"threshold":2,"members":["{p1}"]}}"#)).unwrap();
    assert_fails(&verify(&bad, &[], PAYLOAD), "INVALID_KEY_QUORUM");
    std::fs::write(
        &bad,
        format!(r#"{{"threshold":1,"members":["{p1}","{p1}"]}}"#),
    )
    .unwrap();
    assert_fails(&verify(&bad, &[], PAYLOAD), "INVALID_KEY_QUORUM");
    std::fs::write(
        &bad,
        format!(r#"{{"threshold":1,"members":["{NODE_SPKI}"],"x":1}}"#),
    )
    .unwrap();
    assert_fails(&verify(&bad, &[], PAYLOAD), "INVALID_KEY_QUORUM");
    assert_fails(
        &verify(&quorum, &[], r#"{"version":2,"method":"POST","url":"u"}"#),
        "INVALID_REQUEST_PAYLOAD",
    );
    assert_fails(&verify(&quorum, &[], "[1,2]"), "INVALID_REQUEST_PAYLOAD");
    let out = run(
        &["authz", "sign", "--key", k1.to_str().unwrap()],
        &[],
        b"{\"version\":1}",
    );
    assert_fails(&out, "INVALID_REQUEST_PAYLOAD");
    let not_key = dir.path().join("not-a-key");
    std::fs::write(&not_key, "wallet-auth:AAAA\n").unwrap();
    let out = run(
        &["authz", "sign", "--key", not_key.to_str().unwrap()],
        &[],
        PAYLOAD.as_bytes(),
    );
    assert_fails(&out, "INVALID_AUTHORIZATION_KEY");
    // The key never shows in an error.
    let secret = std::fs::read_to_string(&k1).unwrap();
    let out = run(
        &["authz", "sign", "--key", k1.to_str().unwrap()],
        &[],
        b"not json",
    );
    assert!(!text(&out.stderr).contains(secret.trim()));
}
