//! `keysplit wallet import --slip39` / `wallet export --slip39`: a wallet whose BIP-32
//! seed is the SLIP-39 master secret, so its addresses are a Trezor's restored from the
//! same shares. The expected address comes from the official vector's xprv, not from the
//! code under test.

mod common;

use std::process::Output;

use common::{assert_refused, succeeded, text, KDF, PASSWORD};

/// Official vector 4 of python-shamir-mnemonic (2-of-3, 128 bits, passphrase "TREZOR").
const SHARES: &str = "shadow pistol academic always adequate wildlife fancy gross oasis cylinder mustang wrist rescue view short owner flip making coding armed\n\
                      shadow pistol academic acid actress prayer class unknown daughter sweater depict flip twice unkind craft early superior advocate guest smoking\n";
const SECRET: &str = "b43ceb7e57a0ea8766221624d01b0864";
const XPRV: &str = "xprv9s21ZrQH143K2nNuAbfWPHBtfiSCS14XQgb3otW4pX655q58EEZeC8zmjEUwucBu9dPnxdpbZLCn57yx45RBkwJHnwHFjZK4XPJ8SyeYjYg";

fn keysplit(args: &[&str], stdin: &str, passphrase: Option<&str>) -> Output {
    let mut env = vec![("KEYSPLIT_RECOVERY_PASSWORD", PASSWORD)];
    if let Some(p) = passphrase {
        env.push(("KEYSPLIT_SLIP39_PASSPHRASE", p));
    }
    common::run(args, &env, stdin.as_bytes())
}

#[track_caller]
fn ok(args: &[&str], stdin: &str, passphrase: Option<&str>) -> String {
    succeeded(&keysplit(args, stdin, passphrase))
}

#[track_caller]
fn refused(args: &[&str], stdin: &str, needle: &str) {
    assert_refused(&keysplit(args, stdin, None), needle);
}

/// `wallet import --slip39 --dir DIR` with the fast test KDF.
fn import_args(dir: &str) -> Vec<&str> {
    let mut args = vec!["wallet", "import", "--slip39", "--dir", dir];
    args.extend(KDF);
    args
}

/// `wallet export --dir DIR --using device,auth` and `extra`.
fn export_args<'a>(dir: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["wallet", "export", "--dir", dir, "--using", "device,auth"];
    args.extend(extra);
    args
}

/// The Ethereum address at m/44'/60'/0'/0/0 of the vector's master key.
fn trezor_address() -> String {
    let master = keysplit_wallet::ExtendedPrivateKey::from_xprv(XPRV).expect("xprv");
    let key = master
        .derive_path(&keysplit_wallet::DerivationPath::ethereum(0).expect("path"))
        .expect("derive");
    keysplit_wallet::ethereum::EthereumAddress::from_extended_public_key(
        &key.to_extended_public_key(),
    )
    .to_checksum()
}

#[test]
fn import_slip39_gives_trezors_addresses_and_exports_back_to_shares() {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = temp.path().join("w");
    let d = dir.to_str().expect("path");
    let import = import_args(d);
    let printed = ok(&import, SHARES, Some("TREZOR"));
    let expected = trezor_address();
    assert_eq!(printed.trim(), expected);
    // Derived again from two shares of the stored set.
    let again = ok(&["wallet", "address", "--dir", d], "", None);
    assert_eq!(again.trim(), expected);
    let via_recovery = ok(
        &["wallet", "address", "--dir", d, "--using", "auth,recovery"],
        "",
        None,
    );
    assert_eq!(via_recovery.trim(), expected);

    // Its BIP-39 words would restore another wallet: plain export is refused.
    refused(&export_args(d, &[]), "", "SLIP-39 wallet");
    refused(&export_args(d, &["--slip39"]), "", "--group-threshold");
    // Export as new SLIP-39 shares (another passphrase), and combine them back.
    let o = keysplit(
        &export_args(d, &["--slip39", "--group-threshold", "1", "--group", "2/3"]),
        "",
        Some("new passphrase"),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("WARNING"));
    let shares: Vec<String> = text(&o.stdout).lines().map(str::to_string).collect();
    assert_eq!(shares.len(), 3);
    let two = format!("{}\n{}\n", shares[2], shares[0]);
    let secret = ok(&["slip39", "combine"], &two, Some("new passphrase"));
    assert_eq!(secret.trim(), SECRET);
    // Importing the exported shares gives the same wallet.
    let dir2 = temp.path().join("w2");
    let d2 = dir2.to_str().expect("path");
    assert_eq!(
        ok(&import_args(d2), &two, Some("new passphrase")).trim(),
        expected
    );
}

#[test]
fn slip39_flags_refuse_what_does_not_fit() {
    let temp = tempfile::tempdir().expect("tempdir");
    // A BIP-39 wallet cannot be exported as SLIP-39 shares (other addresses).
    let dir = temp.path().join("bip39");
    let d = dir.to_str().expect("path");
    let mut create = vec!["wallet", "create", "--dir", d];
    create.extend(KDF);
    ok(&create, "", None);
    refused(
        &export_args(d, &["--slip39", "--group-threshold", "1", "--group", "2/3"]),
        "",
        "BIP-39 wallet",
    );
    // Bad shares are refused naming the share, and no wallet is created.
    let dir = temp.path().join("bad");
    let d = dir.to_str().expect("path");
    let import = import_args(d);
    let first = SHARES.lines().next().expect("a share");
    refused(&import, first, "exactly 2 needed");
    assert!(!dir.join("wallet.json").exists());
    refused(
        &export_args(d, &["--group", "2/3"]),
        "",
        "required arguments",
    );
}
