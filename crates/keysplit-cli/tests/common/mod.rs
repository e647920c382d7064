//! The `keysplit` binary as every CLI test runs it (one runner for all test files).
//!
//! Each command starts with none of keysplit's own variables from the test's
//! environment (so a developer's shell cannot change a test); a test sets what it needs.

#![allow(dead_code)] // each test file uses its own part of this module

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// The wallet tests' recovery password.
pub const PASSWORD: &str = "correct horse battery staple";

/// Small Argon2id costs so the debug binary stays fast (below the floor, so the explicit
/// test-only flag goes with them).
pub const KDF: [&str; 5] = [
    "--argon2-memory-kib",
    "64",
    "--argon2-iterations",
    "1",
    "--insecure-fast-kdf",
];

/// Variables the binary reads; cleared for every command.
const KEYSPLIT_VARIABLES: [&str; 4] = [
    "KEYSPLIT_RECOVERY_PASSWORD",
    "KEYSPLIT_SLIP39_PASSPHRASE",
    "KEYSPLIT_TEST_CRASH_AFTER_WRITES",
    "KEYSPLIT_BACKEND",
];

/// `keysplit args` with `env` set, keysplit's other variables cleared.
pub fn command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_keysplit"));
    command.args(args);
    for name in KEYSPLIT_VARIABLES {
        command.env_remove(name);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    command
}

/// Runs [`command`] with `stdin` written to it (then closed) and returns its output.
pub fn run(args: &[&str], env: &[(&str, &str)], stdin: &[u8]) -> Output {
    let mut child = command(args, env)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn keysplit");
    // The child may exit before reading stdin (bad flags); a broken pipe is fine then.
    let _ = child.stdin.take().expect("stdin").write_all(stdin);
    child.wait_with_output().expect("wait for keysplit")
}

/// UTF-8 text of an output stream.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("utf-8 output")
}

/// Asserts success (exit 0); stdout as text.
#[track_caller]
pub fn succeeded(o: &Output) -> String {
    assert_eq!(o.status.code(), Some(0), "stderr: {}", text(&o.stderr));
    text(&o.stdout)
}

/// Asserts a refusal: exit 1, nothing on stdout, exactly one line on stderr that
/// contains `needle`, and no panic.
#[track_caller]
pub fn assert_refused(o: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "stderr: {err}");
    assert!(
        o.stdout.is_empty(),
        "stdout should be empty: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.contains(needle), "expected {needle:?} in {err:?}");
    assert!(!err.contains("panicked"), "{err}");
}

/// A finished command: its exit code and its output as text.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// [`run`] with the test password in `KEYSPLIT_RECOVERY_PASSWORD` (`env` may override
/// it), its output as text.
pub fn run_with_password(args: &[&str], env: &[(&str, &str)], stdin: &[u8]) -> Run {
    let mut all = vec![("KEYSPLIT_RECOVERY_PASSWORD", PASSWORD)];
    all.extend_from_slice(env);
    let out = run(args, &all, stdin);
    Run {
        code: out.status.code(),
        stdout: text(&out.stdout),
        stderr: text(&out.stderr),
    }
}

/// `wallet CMD --dir DIR --using PAIR` and `extra`.
pub fn wallet_args<'a>(
    cmd: &'a str,
    dir: &'a str,
    using: &'a str,
    extra: &[&'a str],
) -> Vec<&'a str> {
    let mut args = vec!["wallet", cmd, "--dir", dir, "--using", using];
    args.extend(extra);
    args
}
