//! `keysplit wallet sign-typed-data`: the EIP-712 specification's Mail example signed
//! through the CLI recovers, over the specification's own digest, to the wallet's
//! address; refusals are one line with their code and nothing on stdout.

mod common;

use common::{KDF, PASSWORD};

const MAIL: &str = include_str!("fixtures/eip712-mail.json");

/// The digest the EIP-712 specification gives for its example.
const MAIL_DIGEST: &str = "be609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2";

fn env() -> [(&'static str, &'static str); 1] {
    [("KEYSPLIT_RECOVERY_PASSWORD", PASSWORD)]
}

fn sign(dir: &str, extra: &[&str], json: &str) -> std::process::Output {
    let mut args = vec!["wallet", "sign-typed-data", "--dir", dir];
    args.extend(extra);
    common::run(&args, &env(), json.as_bytes())
}

#[test]
fn mail_example_recovers_to_the_wallet() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("w");
    let dir = dir.to_str().unwrap();
    let mut args = vec!["wallet", "create", "--dir", dir];
    args.extend(KDF);
    let created = common::run(&args, &env(), b"");
    assert!(
        created.status.success(),
        "{}",
        common::text(&created.stderr)
    );
    let address = common::text(&created.stdout).trim().to_string();
    let digest: [u8; 32] = hex::decode(MAIL_DIGEST).unwrap().try_into().unwrap();

    for (extra, index) in [
        (&["--using", "device,auth"][..], 0),
        (&["--using", "auth,recovery"][..], 0),
        (&["--using", "device,auth", "--index", "3"][..], 3),
    ] {
        let out = sign(dir, extra, MAIL);
        assert!(out.status.success(), "{}", common::text(&out.stderr));
        let line = common::text(&out.stdout);
        let hex_sig = line.trim().strip_prefix("0x").expect("0x prefix");
        let signature: [u8; 65] = hex::decode(hex_sig).unwrap().try_into().unwrap();
        let recovered = keysplit_wallet::ethereum::recover_address(&digest, &signature).unwrap();
        if index == 0 {
            assert_eq!(recovered.to_checksum(), address);
        } else {
            let mut args = vec!["wallet", "address", "--dir", dir, "--index", "3"];
            args.extend(["--using", "device,auth"]);
            let other = common::run(&args, &env(), b"");
            assert_eq!(recovered.to_checksum(), common::text(&other.stdout).trim());
            assert_ne!(recovered.to_checksum(), address);
        }
    }

    for (bad, code) in [
        (
            MAIL.replace("\"Person\"}", "\"Persona\"}"),
            "TYPED_DATA_UNDEFINED_TYPE",
        ),
        (
            MAIL.replace("\"chainId\": 1", "\"chainId\": -1"),
            "TYPED_DATA_OUT_OF_RANGE",
        ),
        (
            MAIL.replace("0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826", "0xCD2a"),
            "TYPED_DATA_INVALID_ADDRESS",
        ),
        (
            "{\"types\": {\"EIP712Domain\": []}}".to_string(),
            "TYPED_DATA_MISSING_FIELD",
        ),
    ] {
        assert_ne!(bad, MAIL, "{code}: the replacement applied");
        let out = sign(dir, &["--using", "device,auth"], &bad);
        assert_eq!(out.status.code(), Some(1), "{code}");
        assert!(out.stdout.is_empty(), "{code}");
        let stderr = common::text(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.starts_with("keysplit: error: ")
                && stderr.trim_end().ends_with(&format!("[{code}]")),
            "{stderr}"
        );
    }
}
