//! The `keysplit` binary as a user runs it: exit codes, one-line errors, stdin/stdout.

mod common;

use std::process::Output;

use common::{assert_refused, text};

fn keysplit(args: &[&str], stdin: &[u8]) -> Output {
    common::run(args, &[], stdin)
}

fn stdout(o: &Output) -> String {
    text(&o.stdout)
}

fn stderr(o: &Output) -> String {
    text(&o.stderr)
}

fn lines(o: &Output) -> Vec<String> {
    stdout(o).lines().map(str::to_string).collect()
}

#[test]
fn envelope_split_and_combine_any_two_of_three() {
    let secret = b"\x00\x01binary secret\xff\n\x00";
    let split = keysplit(&["split", "-k", "2", "-n", "3"], secret);
    assert_eq!(split.status.code(), Some(0), "{}", stderr(&split));
    let shares = lines(&split);
    assert_eq!(shares.len(), 3);
    for pair in [[0, 1], [1, 2], [2, 0]] {
        let input = format!("{}\n{}\n", shares[pair[0]], shares[pair[1]]);
        let out = keysplit(&["combine"], input.as_bytes());
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(out.stdout, secret);
        assert!(out.stderr.is_empty(), "no warnings: {}", stderr(&out));
    }
}

#[test]
fn hex_and_text_forms() {
    let split = keysplit(
        &[
            "split",
            "--threshold",
            "3",
            "--shares",
            "4",
            "--hex",
            "--text",
        ],
        b"00ff10",
    );
    assert_eq!(split.status.code(), Some(0), "{}", stderr(&split));
    let shares = lines(&split);
    assert!(shares.iter().all(|s| s.starts_with("ks1")));
    // Comments and blank lines are ignored; upper case text is accepted.
    let input = format!(
        "# my shares\n\n{}\n{}\n{}\n",
        shares[3].to_uppercase(),
        shares[0],
        shares[2]
    );
    let out = keysplit(&["combine", "--hex"], input.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "00ff10\n");
}

#[test]
fn too_few_shares_say_how_many_are_needed() {
    let shares = lines(&keysplit(&["split", "-k", "3", "-n", "5"], b"s"));
    let input = format!("{}\n{}\n", shares[0], shares[1]);
    assert_refused(
        &keysplit(&["combine"], input.as_bytes()),
        "needs 3 but 2 usable share(s) were given",
    );
}

#[test]
fn duplicate_and_mixed_shares_are_refused() {
    let a = lines(&keysplit(&["split", "-k", "2", "-n", "3"], b"s"));
    let b = lines(&keysplit(&["split", "-k", "2", "-n", "3"], b"s"));
    assert_refused(
        &keysplit(&["combine"], format!("{}\n{}\n", a[0], a[0]).as_bytes()),
        "same x-coordinate",
    );
    assert_refused(
        &keysplit(&["combine"], format!("{}\n{}\n", a[0], b[1]).as_bytes()),
        "different share set",
    );
}

#[test]
fn raw_zero_x_is_refused() {
    let shares = lines(&keysplit(&["split", "-k", "2", "-n", "3", "--raw"], b"abc"));
    let mut forged = shares[0].clone();
    forged.replace_range(forged.len() - 2.., "00");
    assert_refused(
        &keysplit(
            &["combine", "--raw"],
            format!("{forged}\n{}\n", shares[1]).as_bytes(),
        ),
        "x = 0",
    );
}

#[test]
fn a_corrupted_share_is_skipped_with_a_warning_when_enough_remain() {
    let shares = lines(&keysplit(&["split", "-k", "2", "-n", "3"], b"keep me"));
    let mut bad = shares[1].clone().into_bytes();
    bad[70] = if bad[70] == b'0' { b'1' } else { b'0' };
    let bad = String::from_utf8(bad).unwrap();
    let out = keysplit(
        &["combine"],
        format!("{}\n{bad}\n{}\n", shares[0], shares[2]).as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(out.stdout, b"keep me");
    let err = stderr(&out);
    assert!(err.contains("share #2 was skipped"), "{err}");
    assert!(err.contains("checksum"), "{err}");
    // With only the bad one and one good one, the error names the bad share.
    assert_refused(
        &keysplit(&["combine"], format!("{}\n{bad}\n", shares[0]).as_bytes()),
        "share #2: share checksum does not match",
    );
}

#[test]
fn reshare_prints_a_fresh_set_that_does_not_mix() {
    let old = lines(&keysplit(&["split", "-k", "2", "-n", "3"], b"rotate"));
    let out = keysplit(
        &["reshare", "-k", "2", "-n", "4"],
        format!("{}\n{}\n", old[0], old[2]).as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let new = lines(&out);
    assert_eq!(new.len(), 4);
    let back = keysplit(&["combine"], format!("{}\n{}\n", new[3], new[1]).as_bytes());
    assert_eq!(back.stdout, b"rotate");
    assert_refused(
        &keysplit(&["combine"], format!("{}\n{}\n", old[1], new[0]).as_bytes()),
        "different share set",
    );
}

#[test]
fn bad_arguments_and_inputs_exit_1_with_one_line() {
    let cases: [(&[&str], &[u8], &str); 11] = [
        (&["split", "-k", "1", "-n", "3"], b"s", "threshold"),
        (&["split", "-k", "4", "-n", "3"], b"s", "threshold"),
        (
            &["split", "-k", "2", "-n", "256"],
            b"s",
            "between 2 and 255",
        ),
        (&["split", "-k", "2", "-n", "3"], b"", "no secret"),
        (&["split", "-k", "2", "-n", "3", "--hex"], b"xyz", "hex"),
        (&["split", "-k", "two", "-n", "3"], b"s", "invalid value"),
        (&["frobnicate"], b"", "unrecognized subcommand"),
        (&["combine"], b"", "no shares"),
        (&["combine"], b"hello\nworld\n", "neither hex nor"),
        (&["combine", "--raw"], b"zz\n0102\n", "hex"),
        (&["combine"], b"\xff\xfe\n", "not text"),
    ];
    for (args, stdin, needle) in cases {
        eprintln!("case: {args:?}"); // shown with a failure
        assert_refused(&keysplit(args, stdin), needle);
    }
}

#[test]
fn help_and_version_exit_0() {
    let help = keysplit(&["--help"], b"");
    assert_eq!(help.status.code(), Some(0));
    assert!(stdout(&help).contains("split"));
    let version = keysplit(&["--version"], b"");
    assert_eq!(version.status.code(), Some(0));
    assert!(stdout(&version).contains(env!("CARGO_PKG_VERSION")));
}

#[test]
fn demo_runs_end_to_end() {
    let out = keysplit(&["demo"], b"");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("demo complete"), "{text}");
    assert!(!text.contains("NOT RECOVERED"));
    assert!(
        !text.contains("ACCEPTED"),
        "the demo shows a refusal being accepted: {text}"
    );
}
