//! `keysplit wallet ...` end to end: the documented flow, crash safety of rotate and
//! recover (a simulated crash after every single durable write), and that nothing secret
//! reaches stdout or stderr except `export`'s mnemonic.

mod common;

use common::{wallet_args, Run, KDF, PASSWORD};
use std::path::{Path, PathBuf};
use std::process::Command;

const MESSAGE: &str = "hello from keysplit";

/// The CLI with `args` and the test password in its environment.
fn command(args: &[&str]) -> Command {
    common::command(args, &[("KEYSPLIT_RECOVERY_PASSWORD", PASSWORD)])
}

fn keysplit(args: &[&str], env: &[(&str, &str)]) -> Run {
    common::run_with_password(args, env, b"")
}

fn ok(args: &[&str]) -> Run {
    let run = keysplit(args, &[]);
    assert_eq!(run.code, Some(0), "{args:?} failed: {}", run.stderr);
    run
}

fn fails(args: &[&str]) -> Run {
    let run = keysplit(args, &[]);
    assert_eq!(run.code, Some(1), "{args:?} should fail: {}", run.stdout);
    assert_eq!(
        run.stderr.lines().count(),
        1,
        "one error line: {}",
        run.stderr
    );
    run
}

fn dir_arg(dir: &Path) -> String {
    dir.to_str().unwrap().to_string()
}

fn create(dir: &Path) -> String {
    let d = dir_arg(dir);
    let mut args = vec!["wallet", "create", "--dir", &d];
    args.extend(KDF);
    ok(&args).stdout.trim().to_string()
}

fn sign(dir: &Path, using: &str) -> Run {
    let d = dir_arg(dir);
    keysplit(
        &wallet_args("sign-message", &d, using, &["--message", MESSAGE]),
        &[],
    )
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

fn epoch(dir: &Path) -> u64 {
    let text = std::fs::read_to_string(dir.join("wallet.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["epoch"].as_u64().unwrap()
}

/// Every secret in the directory: key files, share files, and the password.
fn secrets_in(dir: &Path) -> Vec<String> {
    let mut out = vec![PASSWORD.to_string()];
    for entry in std::fs::read_dir(dir).unwrap() {
        let path: PathBuf = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.contains(".key") || name.contains(".share") {
            let text = std::fs::read_to_string(&path).unwrap();
            // Any 32-hex-digit window of a key or sealed share is too much to show.
            let text = text.trim();
            out.push(text[..32].to_string());
            out.push(text[text.len() - 32..].to_string());
        }
    }
    out
}

fn assert_no_secrets(run: &Run, secrets: &[String], what: &str) {
    for secret in secrets {
        assert!(
            !run.stdout.contains(secret.as_str()),
            "{what}: stdout shows a secret"
        );
        assert!(
            !run.stderr.contains(secret.as_str()),
            "{what}: stderr shows a secret"
        );
    }
}

#[test]
fn documented_flow_and_nothing_secret_in_output() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("wallet");
    let d = dir_arg(&dir);
    let address = create(&dir);
    assert!(
        address.starts_with("0x") && address.len() == 42,
        "{address}"
    );

    let first = sign(&dir, "device,auth");
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    let signature = first.stdout.trim().to_string();
    assert!(
        signature.starts_with("0x") && signature.len() == 2 + 130,
        "{signature}"
    );
    let bytes = hex::decode(&signature[2..]).unwrap();
    let digest = keysplit_wallet::ethereum::personal_message_digest(MESSAGE.as_bytes());
    let recovered =
        keysplit_wallet::ethereum::recover_address(&digest, &bytes.try_into().unwrap()).unwrap();
    assert_eq!(recovered.to_checksum(), address);
    let mut secrets = secrets_in(&dir);
    assert_no_secrets(&first, &secrets, "sign-message");

    // A lost device: the device share is gone, so device+auth cannot sign...
    std::fs::remove_file(dir.join("device.share")).unwrap();
    let missing = sign(&dir, "device,auth");
    assert_eq!(missing.code, Some(1));
    assert!(
        missing.stderr.contains("device share is missing"),
        "{}",
        missing.stderr
    );
    // ...and auth + recovery rebuild it on the new device.
    let old_auth = std::fs::read(dir.join("auth.share")).unwrap();
    let run = ok(&["wallet", "recover", "--dir", &d, "--using", "auth,recovery"]);
    assert_eq!(run.stdout.trim(), address);
    assert_eq!(epoch(&dir), 1);
    secrets.extend(secrets_in(&dir));
    assert_no_secrets(&run, &secrets, "recover");
    let again = sign(&dir, "device,auth");
    assert_eq!(
        again.stdout.trim(),
        signature,
        "same key, deterministic signature"
    );

    // The epoch-0 auth share no longer opens the wallet.
    let new_auth = std::fs::read(dir.join("auth.share")).unwrap();
    std::fs::write(dir.join("auth.share"), &old_auth).unwrap();
    let stale = sign(&dir, "device,auth");
    assert_eq!(stale.code, Some(1));
    assert!(stale.stderr.contains("EPOCH_MISMATCH"), "{}", stale.stderr);
    std::fs::write(dir.join("auth.share"), &new_auth).unwrap();

    let run = ok(&wallet_args("rotate", &d, "device,recovery", &[]));
    assert_eq!(epoch(&dir), 2);
    secrets.extend(secrets_in(&dir));
    assert_no_secrets(&run, &secrets, "rotate");
    for pair in ["device,auth", "auth,recovery", "recovery,device"] {
        let run = sign(&dir, pair);
        assert_eq!(run.stdout.trim(), signature, "{pair}");
        assert_no_secrets(&run, &secrets, pair);
    }

    let status = ok(&["wallet", "status", "--dir", &d]);
    assert!(status.stdout.contains("epoch     2"));
    assert_no_secrets(&status, &secrets, "status");
    let solana = ok(&["wallet", "address", "--dir", &d, "--chain", "solana"]);
    assert_no_secrets(&solana, &secrets, "address");

    let export = ok(&["wallet", "export", "--dir", &d, "--using", "auth,device"]);
    assert!(export.stderr.contains("WARNING"));
    let mnemonic = export.stdout.trim().to_string();
    assert_eq!(mnemonic.split(' ').count(), 12);
    let wallet = keysplit_wallet::Wallet::from_mnemonic(&mnemonic).unwrap();
    assert_eq!(wallet.ethereum_address(0).unwrap().to_checksum(), address);
    assert_no_secrets(&export, &secrets, "export");
    // No other command ever printed the mnemonic.
    for run in [&first, &again, &status, &solana] {
        assert!(!run.stdout.contains(&mnemonic) && !run.stderr.contains(&mnemonic));
    }

    // Wrong password: refused with its own error, nothing printed on stdout.
    let wrong = keysplit(
        &["wallet", "export", "--dir", &d, "--using", "recovery,auth"],
        &[("KEYSPLIT_RECOVERY_PASSWORD", "not the password")],
    );
    assert_eq!(wrong.code, Some(1));
    assert!(wrong.stdout.is_empty());
    assert!(wrong.stderr.contains("WRONG_PASSWORD"), "{}", wrong.stderr);
}

#[test]
fn passwords_come_from_env_file_or_stdin_never_argv() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("wallet");
    let d = dir_arg(&dir);
    let password_file = temp.path().join("password.txt");
    std::fs::write(&password_file, format!("{PASSWORD}\n")).unwrap();
    let mut args = vec![
        "wallet",
        "create",
        "--dir",
        &d,
        "--password-env",
        "MY_WALLET_PASSWORD",
    ];
    args.extend(KDF);
    let run = keysplit(&args, &[("MY_WALLET_PASSWORD", PASSWORD)]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let pf = dir_arg(&password_file);
    let by_file = keysplit(
        &wallet_args("export", &d, "recovery,auth", &["--password-file", &pf]),
        &[("KEYSPLIT_RECOVERY_PASSWORD", "wrong")],
    );
    assert_eq!(by_file.code, Some(0), "{}", by_file.stderr);
    let output = common::run(
        &wallet_args("export", &d, "recovery,device", &["--password-stdin"]),
        &[],
        format!("{PASSWORD}\n").as_bytes(),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8(output.stdout).unwrap(), by_file.stdout);
    // No password anywhere: a clear error naming the variable.
    let none = keysplit(
        &wallet_args(
            "export",
            &d,
            "recovery,auth",
            &["--password-env", "UNSET_VARIABLE_FOR_TEST"],
        ),
        &[],
    );
    assert_eq!(none.code, Some(1));
    assert!(
        none.stderr.contains("$UNSET_VARIABLE_FOR_TEST"),
        "{}",
        none.stderr
    );
    // The same accented password, composed (NFC) when sealing and decomposed when opening.
    let accented = temp.path().join("accented");
    let a = dir_arg(&accented);
    let mut args = vec!["wallet", "create", "--dir", &a];
    args.extend(KDF);
    let run = keysplit(
        &args,
        &[("KEYSPLIT_RECOVERY_PASSWORD", "caf\u{e9} cr\u{e8}me")],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let decomposed = keysplit(
        &["wallet", "export", "--dir", &a, "--using", "recovery,auth"],
        &[("KEYSPLIT_RECOVERY_PASSWORD", "cafe\u{301} cre\u{300}me")],
    );
    assert_eq!(decomposed.code, Some(0), "{}", decomposed.stderr);
    // Changing the password on rotation: the old one stops working, the new one works.
    let rotated = keysplit(
        &wallet_args(
            "rotate",
            &a,
            "device,auth",
            &["--new-password-env", "NEW_PW"],
        ),
        &[("NEW_PW", "a brand new password")],
    );
    assert_eq!(rotated.code, Some(0), "{}", rotated.stderr);
    let old = keysplit(
        &["wallet", "export", "--dir", &a, "--using", "recovery,auth"],
        &[("KEYSPLIT_RECOVERY_PASSWORD", "caf\u{e9} cr\u{e8}me")],
    );
    assert!(old.stderr.contains("WRONG_PASSWORD"), "{}", old.stderr);
    let new = keysplit(
        &["wallet", "export", "--dir", &a, "--using", "recovery,auth"],
        &[("KEYSPLIT_RECOVERY_PASSWORD", "a brand new password")],
    );
    assert_eq!(new.stdout, decomposed.stdout);
    // There is no flag that takes a password value.
    let help = ok(&["wallet", "create", "--help"]);
    assert!(!help.stdout.contains("--password <"));
}

#[test]
fn import_reads_the_mnemonic_from_stdin() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("wallet");
    let d = dir_arg(&dir);
    let mut args = vec!["wallet", "import", "--dir", &d];
    args.extend(KDF);
    let output = common::run(
        &args,
        &[("KEYSPLIT_RECOVERY_PASSWORD", PASSWORD)],
        b"test test test test test test test test test test test junk\n",
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8(output.stdout).unwrap().trim(),
        "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    );
    // Creating over an existing wallet is refused.
    let again = fails(&["wallet", "create", "--dir", &d]);
    assert!(again.stderr.contains("already holds a wallet"));
}

/// Runs `args` with a simulated crash after 0, 1, 2, ... durable writes until it
/// completes, checking after every crash that the wallet still opens with two shares
/// of one epoch and signs as before; then that the next run completes the job.
fn crash_at_every_step(setup: impl Fn(&Path), args: &[&str], pairs_after_crash: &[&str]) {
    let temp = tempfile::tempdir().unwrap();
    let template = temp.path().join("template");
    let address = create(&template);
    let reference = sign(&template, "device,auth").stdout.trim().to_string();
    setup(&template);
    let start_epoch = epoch(&template);
    for k in 0..64 {
        let dir = temp.path().join(format!("crash-{k}"));
        copy_dir(&template, &dir);
        let d = dir_arg(&dir);
        let mut full: Vec<&str> = args.to_vec();
        full.extend(["--dir", &d]);
        let limit = k.to_string();
        let run = keysplit(&full, &[("KEYSPLIT_TEST_CRASH_AFTER_WRITES", &limit)]);
        if run.code == Some(0) {
            assert_eq!(run.stdout.trim(), address);
            assert_eq!(epoch(&dir), start_epoch + 1);
            // k crashes happened before this run: one per durable write.
            assert!(k >= 5, "expected several write steps, saw {k}");
            return;
        }
        assert_eq!(run.code, Some(86), "k={k}: {}", run.stderr);
        // After the crash: still opens, with the same key.
        for pair in pairs_after_crash {
            let signed = sign(&dir, pair);
            assert_eq!(signed.code, Some(0), "k={k} {pair}: {}", signed.stderr);
            assert_eq!(signed.stdout.trim(), reference, "k={k} {pair}");
        }
        // The interrupted job can be run again and completes.
        let run = keysplit(&full, &[]);
        assert_eq!(run.code, Some(0), "k={k} rerun: {}", run.stderr);
        let e = epoch(&dir);
        assert!(
            e == start_epoch + 1 || e == start_epoch + 2,
            "k={k}: epoch {e}"
        );
        for pair in ["device,auth", "auth,recovery", "device,recovery"] {
            let signed = sign(&dir, pair);
            assert_eq!(
                signed.code,
                Some(0),
                "k={k} after rerun {pair}: {}",
                signed.stderr
            );
            assert_eq!(signed.stdout.trim(), reference);
        }
        // No staging or temporary files remain after a completed run.
        for entry in std::fs::read_dir(&dir).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().to_string();
            assert!(
                !name.ends_with(".next") && !name.contains(".tmp-"),
                "k={k}: left {name}"
            );
        }
    }
    panic!("the command never completed");
}

#[test]
fn a_crash_during_rotate_never_loses_the_wallet() {
    crash_at_every_step(
        |_| {},
        &["wallet", "rotate", "--using", "device,auth"],
        &["device,auth", "auth,recovery", "device,recovery"],
    );
}

#[test]
fn a_crash_during_recovery_never_loses_the_wallet() {
    crash_at_every_step(
        |dir| std::fs::remove_file(dir.join("device.share")).unwrap(),
        &["wallet", "recover", "--using", "auth,recovery"],
        &["auth,recovery"],
    );
}

#[test]
fn wallet_errors_are_one_clear_line() {
    let temp = tempfile::tempdir().unwrap();
    let nowhere = dir_arg(&temp.path().join("none"));
    let run = fails(&["wallet", "address", "--dir", &nowhere]);
    assert!(run.stderr.contains("no wallet in"), "{}", run.stderr);
    let dir = temp.path().join("wallet");
    create(&dir);
    let d = dir_arg(&dir);
    let run = fails(&wallet_args(
        "sign-message",
        &d,
        "auth,auth",
        &["--message", "x"],
    ));
    assert!(run.stderr.contains("DUPLICATE_ROLE"));
    let run = fails(&["wallet", "recover", "--dir", &d, "--using", "device,auth"]);
    assert!(run.stderr.contains("RECOVER_NEEDS_AUTH_AND_RECOVERY"));
    // The recovery share put in the device share's place.
    std::fs::copy(dir.join("recovery.share"), dir.join("device.share")).unwrap();
    let run = sign_fails(&dir);
    assert!(run.stderr.contains("ROLE_MISMATCH"), "{}", run.stderr);
}

/// While another command holds `wallet.lock` (taken here the way the CLI takes it), a
/// command that would conflict stops at once with a message and changes nothing; readers
/// share the lock with readers.
#[test]
fn a_locked_wallet_is_refused_not_raced() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("wallet");
    let address = create(&dir);
    let start = epoch(&dir);
    let d = dir_arg(&dir);
    let rotate = ["wallet", "rotate", "--dir", &d, "--using", "device,auth"];
    let lock = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(dir.join("wallet.lock"))
        .expect("create leaves wallet.lock in the directory");

    // A writer is running: readers and writers are refused.
    lock.try_lock().unwrap();
    let run = fails(&rotate);
    assert!(
        run.stderr
            .contains("another keysplit command is using the wallet"),
        "{}",
        run.stderr
    );
    let run = fails(&["wallet", "status", "--dir", &d]);
    assert!(
        run.stderr
            .contains("another keysplit command is changing the wallet"),
        "{}",
        run.stderr
    );
    let signed = sign(&dir, "device,auth");
    assert_eq!(signed.code, Some(1), "sign ran under a writer's lock");
    assert_eq!(epoch(&dir), start);
    lock.unlock().unwrap();

    // A reader is running: other readers go ahead, writers are refused.
    lock.try_lock_shared().unwrap();
    let status = ok(&["wallet", "status", "--dir", &d]);
    assert!(status.stdout.contains(&format!("epoch     {start}")));
    assert_eq!(sign(&dir, "auth,recovery").code, Some(0));
    let run = fails(&rotate);
    assert!(
        run.stderr.contains("another keysplit command"),
        "{}",
        run.stderr
    );
    assert_eq!(epoch(&dir), start);
    lock.unlock().unwrap();

    // Free again: the rotate runs and the wallet is the same wallet.
    let rotated = ok(&rotate);
    assert_eq!(rotated.stdout.trim(), address);
    assert_eq!(epoch(&dir), start + 1);
}

/// Rotates started together: each either completes or is refused by the lock, and
/// afterwards every pair of the current shares opens the wallet (without the lock they
/// interleave their staged files and renames, and this fails on every run: one rotate
/// errors out renaming a `.next` file that another has already moved).
#[test]
fn concurrent_rotates_leave_one_consistent_share_set() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("wallet");
    create(&dir);
    let start = epoch(&dir);
    let d = dir_arg(&dir);
    let reference = sign(&dir, "device,auth").stdout.trim().to_string();
    let children: Vec<_> = (0..4)
        .map(|_| {
            command(&["wallet", "rotate", "--dir", &d, "--using", "device,auth"])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut completed = 0;
    for child in children {
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        if output.status.success() {
            completed += 1;
        } else {
            assert!(
                stderr.contains("another keysplit command"),
                "a rotate failed for another reason: {stderr}"
            );
        }
    }
    assert!(completed >= 1, "no rotate completed");
    assert_eq!(epoch(&dir), start + completed);
    for pair in ["device,auth", "auth,recovery", "recovery,device"] {
        let run = sign(&dir, pair);
        assert_eq!(run.code, Some(0), "{pair}: {}", run.stderr);
        assert_eq!(run.stdout.trim(), reference, "{pair}");
    }
}

/// Reads a wallet file's sealed share.
fn sealed(dir: &Path, name: &str) -> keysplit_wallet::SealedShare {
    let text = std::fs::read_to_string(dir.join(name)).unwrap();
    keysplit_wallet::SealedShare::from_hex(&text).unwrap()
}

/// Review finding: rotate copied the Argon2id costs of the stored recovery share's
/// header, which nobody had authenticated, so editing those bytes downgraded the next
/// recovery share to 8 KiB / 1 pass. The costs now come from the flags or the defaults.
#[test]
fn rotate_never_takes_argon2_costs_from_the_stored_share() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("wallet");
    let d = dir_arg(&dir);
    // Real costs (the defaults), as a user gets them.
    let address = ok(&["wallet", "create", "--dir", &d]).stdout;
    assert_eq!(
        sealed(&dir, "recovery.share").argon2_params(),
        Some(keysplit_wallet::Argon2Params::default())
    );
    // The attacker edits only the cost bytes (memory 8 KiB, 1 pass, 1 lane).
    let mut bytes = sealed(&dir, "recovery.share").as_bytes().to_vec();
    bytes[7..11].copy_from_slice(&8u32.to_be_bytes());
    bytes[11..15].copy_from_slice(&1u32.to_be_bytes());
    bytes[15..19].copy_from_slice(&1u32.to_be_bytes());
    let forged = keysplit_wallet::SealedShare::from_bytes(&bytes).unwrap();
    std::fs::write(dir.join("recovery.share"), forged.to_hex() + "\n").unwrap();

    ok(&["wallet", "rotate", "--dir", &d, "--using", "device,auth"]);
    assert_eq!(epoch(&dir), 1);
    let params = sealed(&dir, "recovery.share").argon2_params().unwrap();
    assert_eq!(params, keysplit_wallet::Argon2Params::default());
    // And the new recovery share opens with the password.
    let again = ok(&["wallet", "address", "--dir", &d, "--using", "recovery,auth"]);
    assert_eq!(again.stdout, address);
}

/// The floor holds for every command that seals a password share, unless the explicit
/// test-only flag is given.
#[test]
fn seals_below_the_argon2_floor_need_the_insecure_flag() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("wallet");
    let d = dir_arg(&dir);
    let weak = ["--argon2-memory-kib", "64", "--argon2-iterations", "1"];
    let mut args = vec!["wallet", "create", "--dir", &d];
    args.extend(weak);
    let run = fails(&args);
    assert!(run.stderr.contains("KDF_TOO_WEAK"), "{}", run.stderr);
    assert!(!dir.join("wallet.json").exists());
    let mut args = vec!["wallet", "create", "--dir", &d, "--argon2-iterations", "1"];
    args.push("--argon2-memory-kib");
    args.push("19455");
    let run = fails(&args);
    assert!(run.stderr.contains("KDF_TOO_WEAK"), "{}", run.stderr);
    create(&dir);
    for command in ["rotate", "recover"] {
        let mut args = vec!["wallet", command, "--dir", &d, "--using", "auth,recovery"];
        args.extend(weak);
        let run = fails(&args);
        assert!(
            run.stderr.contains("KDF_TOO_WEAK"),
            "{command}: {}",
            run.stderr
        );
        assert_eq!(epoch(&dir), 0);
    }
    // Above the cap for opening (256 MiB) is refused too, flag or not.
    let mut args = vec!["wallet", "rotate", "--dir", &d, "--using", "auth,device"];
    args.extend(["--argon2-memory-kib", "262145", "--insecure-fast-kdf"]);
    let run = fails(&args);
    assert!(run.stderr.contains("KDF_PARAMS"), "{}", run.stderr);
}

/// `sign-message` with device + auth, which must fail with one error line.
fn sign_fails(dir: &Path) -> Run {
    let d = dir_arg(dir);
    fails(&wallet_args(
        "sign-message",
        &d,
        "device,auth",
        &["--message", "x"],
    ))
}

/// Review finding: share files were read without bounds (a FIFO hung `status`, a
/// 256 MiB file was read whole). Wallet files must be regular files of at most 64 KiB.
#[test]
fn wallet_files_are_read_with_type_and_size_checks() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("wallet");
    let d = dir_arg(&dir);
    create(&dir);
    let original = std::fs::read(dir.join("device.share")).unwrap();

    // A FIFO in place of the device share: refused at once, not a hang.
    std::fs::remove_file(dir.join("device.share")).unwrap();
    let made = Command::new("mkfifo")
        .arg(dir.join("device.share"))
        .status()
        .unwrap();
    assert!(made.success());
    let mut child = command(&["wallet", "status", "--dir", &d])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("wallet status hung on a FIFO share file");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    // status reports the share as missing (unreadable) and still exits cleanly...
    assert!(status.success());
    // ...while a command that needs it says why.
    let run = sign_fails(&dir);
    assert!(run.stderr.contains("not a regular file"), "{}", run.stderr);
    std::fs::remove_file(dir.join("device.share")).unwrap();

    // A huge file is refused without being read whole.
    let big = vec![b'a'; 64 * 1024 + 1];
    std::fs::write(dir.join("device.share"), &big).unwrap();
    let run = sign_fails(&dir);
    assert!(run.stderr.contains("65537 bytes"), "{}", run.stderr);

    // A symlink, even to the real share, is not followed.
    std::fs::write(temp.path().join("elsewhere"), &original).unwrap();
    std::fs::remove_file(dir.join("device.share")).unwrap();
    std::os::unix::fs::symlink(temp.path().join("elsewhere"), dir.join("device.share")).unwrap();
    let run = sign_fails(&dir);
    assert!(run.stderr.contains("symbolic link"), "{}", run.stderr);

    // The real file again: all is well.
    std::fs::remove_file(dir.join("device.share")).unwrap();
    std::fs::write(dir.join("device.share"), &original).unwrap();
    assert_eq!(sign(&dir, "device,auth").code, Some(0));
}

/// Review finding: `wallet address` printed whatever address wallet.json held. It now
/// derives the address from two shares and refuses when the metadata disagrees; `status`
/// marks the metadata unverified unless `--using` checks it.
#[test]
fn a_tampered_metadata_address_is_never_printed_as_the_wallets() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("wallet");
    let d = dir_arg(&dir);
    let address = create(&dir);
    // Untampered: derived from device + auth, same as the metadata; other indices too.
    assert_eq!(
        ok(&["wallet", "address", "--dir", &d]).stdout.trim(),
        address
    );
    let second = ok(&["wallet", "address", "--dir", &d, "--index", "2"]);
    assert_ne!(second.stdout.trim(), address);
    let status = ok(&["wallet", "status", "--dir", &d]);
    assert!(status.stdout.contains("UNVERIFIED"), "{}", status.stdout);
    let status = ok(&["wallet", "status", "--dir", &d, "--using", "device,auth"]);
    assert!(
        status.stdout.contains("verified: the device and auth"),
        "{}",
        status.stdout
    );

    // Someone who can write DIR swaps in their own (valid, checksummed) address.
    let other = "0x52908400098527886E0F7030069857D2E4169EE7";
    let text = std::fs::read_to_string(dir.join("wallet.json")).unwrap();
    assert!(text.contains(&address));
    std::fs::write(dir.join("wallet.json"), text.replace(&address, other)).unwrap();
    for chain in ["ethereum", "solana"] {
        let run = fails(&["wallet", "address", "--dir", &d, "--chain", chain]);
        assert!(run.stderr.contains("ADDRESS_MISMATCH"), "{}", run.stderr);
        assert!(run.stdout.is_empty());
    }
    let run = fails(&["wallet", "status", "--dir", &d, "--using", "device,auth"]);
    assert!(run.stderr.contains("ADDRESS_MISMATCH"), "{}", run.stderr);
    let status = ok(&["wallet", "status", "--dir", &d]);
    assert!(status.stdout.contains("UNVERIFIED"), "{}", status.stdout);
}
