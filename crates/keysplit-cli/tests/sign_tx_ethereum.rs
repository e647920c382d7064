//! `keysplit wallet sign-transaction` for Ethereum through the binary: the signed bytes
//! of a known wallet equal what ethers v6 signs, and every refusal exits 1 with one
//! error line, its code, and nothing on stdout.

mod common;

use common::{wallet_args, Run, KDF};
use std::path::Path;

const ABANDON: &str =
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

/// A type 2 transaction, and what ethers 6.17 signs it to with the ABANDON mnemonic at
/// m/44'/60'/0'/0/0 and m/44'/60'/0'/0/1 (`HDNodeWallet.fromPhrase(...).signTransaction`).
const TX: &str = r#"{"type": 2, "chainId": "1", "nonce": 7, "to": "0x3535353535353535353535353535353535353535",
  "value": "123456789", "data": "0xa9059cbb", "gasLimit": "60000",
  "maxFeePerGas": "40000000000", "maxPriorityFeePerGas": "1500000000"}"#;
const SIGNED_0: &str = "0x02f87301078459682f008509502f900082ea6094353535353535353535353535353535353535353584075bcd1584a9059cbbc080a0287d8e94052203d4645da88853f378a6786a944af73d8480122e4203cc1c7344a072a1cadca102d879f387ff5f4cc76f0352f5e83cd351507ec33fc665c2e47c7b";
const SIGNED_1: &str = "0x02f87301078459682f008509502f900082ea6094353535353535353535353535353535353535353584075bcd1584a9059cbbc080a06fed33bedc62b3a03a709363ee66dc03b9feefad1535738edb690a09e39e140ea03bb1cda53cd7aa1cac8e05211585c6e5fc18e1ef460e2cbadcd16f1025684e54";

fn keysplit(args: &[&str], stdin: &str) -> Run {
    common::run_with_password(args, &[], stdin.as_bytes())
}

fn wallet(dir: &Path) -> String {
    let d = dir.join("w");
    let d = d.to_str().unwrap().to_string();
    let mut args = vec!["wallet", "import", "--dir", &d];
    args.extend(KDF);
    let run = keysplit(&args, ABANDON);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        run.stdout.trim(),
        "0x9858EfFD232B4033E47d90003D41EC34EcaEda94"
    );
    d
}

fn sign(dir: &str, extra: &[&str], tx: &str) -> Run {
    keysplit(
        &wallet_args("sign-transaction", dir, "device,auth", extra),
        tx,
    )
}

#[test]
fn signs_what_ethers_signs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = wallet(tmp.path());
    let run = sign(&dir, &[], TX);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.stdout, format!("{SIGNED_0}\n"));
    assert_eq!(run.stderr, "");
    let run = sign(&dir, &["--index", "1"], TX);
    assert_eq!(run.stdout, format!("{SIGNED_1}\n"));
    // The auth and recovery shares (password from the environment) sign the same bytes.
    let args = wallet_args("sign-transaction", &dir, "auth,recovery", &[]);
    let run = keysplit(&args, TX);
    assert_eq!(run.stdout, format!("{SIGNED_0}\n"), "{}", run.stderr);
    // `from` equal to the signer is accepted, any other refused.
    let with_from = TX.replacen(
        '{',
        r#"{"from": "0x9858effd232b4033e47d90003d41ec34ecaeda94", "#,
        1,
    );
    assert_eq!(sign(&dir, &[], &with_from).stdout, format!("{SIGNED_0}\n"));
    let run = sign(&dir, &["--index", "1"], &with_from);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.ends_with("[TRANSACTION_FROM_MISMATCH]\n"),
        "{}",
        run.stderr
    );
}

#[test]
fn refusals_exit_1_with_their_code() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = wallet(tmp.path());
    let no_chain = TX.replace(r#""chainId": "1", "#, "");
    let no_to = TX.replace(r#""to": "0x3535353535353535353535353535353535353535","#, "");
    let cases: Vec<(String, &str)> = vec![
        (no_chain, "MISSING_CHAIN_ID"),
        (
            TX.replace(r#""chainId": "1""#, r#""chainId": 0"#),
            "MISSING_CHAIN_ID",
        ),
        (no_to.clone(), "CONTRACT_CREATION_NOT_ALLOWED"),
        (
            TX.replacen('{', r#"{"gas": "1", "#, 1),
            "UNKNOWN_TRANSACTION_FIELD",
        ),
        (
            TX.replace(r#""123456789""#, &format!("\"0x1{}\"", "0".repeat(64))),
            "VALUE_OVERFLOW",
        ),
        (
            TX.replace("0xa9059cbb", "0xa9059cb"),
            "INVALID_TRANSACTION_FIELD",
        ),
        (
            TX.replace("0xa9059cbb", "0xa9059cbg"),
            "INVALID_TRANSACTION_FIELD",
        ),
        (
            TX.replace(
                "0x3535353535353535353535353535353535353535",
                "0x9858efFD232B4033E47d90003D41EC34EcaEda94",
            ),
            "INVALID_TRANSACTION_FIELD",
        ),
        (
            TX.replacen('{', r#"{"gasPrice": "1", "#, 1),
            "TRANSACTION_TYPE_CONFLICT",
        ),
        ("not json".into(), "TRANSACTION_JSON"),
    ];
    for (tx, code) in cases {
        let run = sign(&dir, &[], &tx);
        assert_eq!(run.code, Some(1), "{tx}: {}", run.stdout);
        assert_eq!(run.stdout, "", "{tx}");
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        assert!(
            run.stderr.starts_with("keysplit: error: "),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.ends_with(&format!("[{code}]\n")),
            "{tx}: {}",
            run.stderr
        );
    }
    // Contract creation when asked for.
    let run = sign(&dir, &["--allow-contract-creation"], &no_to);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.starts_with("0x02"));
    // A malformed transaction is refused before any share is opened: no password needed.
    let args = wallet_args("sign-transaction", &dir, "auth,recovery", &[]);
    let out = common::run(&args, &[], b"{}");
    assert_eq!(out.status.code(), Some(1));
    assert!(common::text(&out.stderr).contains("[MISSING_CHAIN_ID]"));
}
