//! `keysplit slip39 split | combine` as a user (and the outside checks) run it.

mod common;

use std::process::Output;

use common::{assert_refused, text};

fn keysplit(args: &[&str], stdin: &str, passphrase: Option<&str>) -> Output {
    let mut env = vec![];
    if let Some(p) = passphrase {
        env.push(("KEYSPLIT_SLIP39_PASSPHRASE", p));
    }
    common::run(args, &env, stdin.as_bytes())
}

/// `slip39 split` with `flags` (separated by spaces).
fn split(flags: &str, secret: &str, passphrase: Option<&str>) -> Output {
    let mut args = vec!["slip39", "split"];
    args.extend(flags.split(' '));
    keysplit(&args, secret, passphrase)
}

fn combine(shares: &str, passphrase: Option<&str>) -> Output {
    keysplit(&["slip39", "combine"], shares, passphrase)
}

fn out(o: &Output) -> String {
    text(&o.stdout)
}

fn err(o: &Output) -> String {
    text(&o.stderr)
}

/// Groups of mnemonics as printed: one per line, groups separated by one blank line.
fn groups(o: &Output) -> Vec<Vec<String>> {
    let text = out(o);
    assert!(text.ends_with('\n') && !text.ends_with("\n\n"), "{text:?}");
    text.trim_end()
        .split("\n\n")
        .map(|g| g.lines().map(str::to_string).collect())
        .collect()
}

const SECRET: &str = "bb54aac4b89dc868ba37d9cc21b2cece";

/// Official vector 4 (python-shamir-mnemonic vectors.json): 2-of-3, passphrase TREZOR.
#[test]
fn combines_an_official_vector_with_the_passphrase_from_the_environment() {
    let shares = "shadow pistol academic always adequate wildlife fancy gross oasis cylinder mustang wrist rescue view short owner flip making coding armed\n\n  \
                  shadow pistol academic acid actress prayer class unknown daughter sweater depict flip twice unkind craft early superior advocate guest smoking\n";
    let o = combine(shares, Some("TREZOR"));
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(out(&o), "b43ceb7e57a0ea8766221624d01b0864\n");
    // Without the passphrase: another secret, as SLIP-39 intends (no error).
    let o = combine(shares, None);
    assert_eq!(o.status.code(), Some(0));
    assert_ne!(out(&o), "b43ceb7e57a0ea8766221624d01b0864\n");
}

#[test]
fn split_prints_groups_and_any_qualifying_set_combines() {
    let o = split(
        "--group-threshold 2 --group 2/3 --group 1/1 --group 3/5",
        SECRET,
        Some("correct horse"),
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let g = groups(&o);
    assert_eq!(g.iter().map(Vec::len).collect::<Vec<_>>(), [3, 1, 5]);
    for share in g.iter().flatten() {
        assert_eq!(share.split(' ').count(), 20, "{share}");
    }
    let input = format!("{}\n{}\n\n{}\n", g[0][2], g[2][4], g[0][0]);
    let input = format!("{input}{}\n{}\n", g[2][1], g[2][3]);
    let c = combine(&input, Some("correct horse"));
    assert_eq!(out(&c), format!("{SECRET}\n"), "{}", err(&c));
    let c = combine(
        &format!("{}\n{}\n", g[1][0], g[0][1]),
        Some("correct horse"),
    );
    // 1/1 group plus one share of a 2/3 group: that group is short.
    assert_refused(&c, "exactly 2 needed");
    let c = combine(
        &format!("{}\n{}\n{}\n", g[1][0], g[0][1], g[0][0]),
        Some("correct horse"),
    );
    assert_eq!(out(&c), format!("{SECRET}\n"), "{}", err(&c));
}

#[test]
fn thirty_two_byte_secret_gives_33_words_and_options_reach_the_shares() {
    let secret = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    let o = split(
        "--group-threshold 1 --group 2/2 --iteration-exponent 0 --no-extendable",
        secret,
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let g = groups(&o);
    assert_eq!(g.len(), 1);
    assert_eq!(g[0][0].split(' ').count(), 33);
    let share = keysplit_slip39_share(&g[0][0]);
    assert_eq!(share, (false, 0));
    let c = combine(&g[0].join("\n"), None);
    assert_eq!(out(&c), format!("{secret}\n"));
}

/// (extendable, iteration exponent) of a mnemonic, read from its second word: the
/// identifier's last 5 bits, the flag, then 4 bits of exponent (independent of keysplit).
fn keysplit_slip39_share(mnemonic: &str) -> (bool, u16) {
    let list: Vec<&str> = include_str!("../../keysplit-slip39/src/wordlist.txt")
        .split_whitespace()
        .collect();
    let second = mnemonic.split(' ').nth(1).expect("two words");
    let index = list.iter().position(|w| *w == second).expect("a list word") as u16;
    ((index >> 4) & 1 == 1, index & 0x0F)
}

#[test]
fn refusals_are_one_line_naming_the_share() {
    for (flags, secret, needle) in [
        ("--group-threshold 1 --group 2/3", "0011", "16 to 32 bytes"),
        (
            "--group-threshold 2 --group 2/3",
            SECRET,
            "group threshold 2",
        ),
        ("--group-threshold 1 --group 1/3", SECRET, "1-of-1"),
        ("--group-threshold 1 --group 2-3", SECRET, "T/N"),
        ("--group-threshold 1 --group 2/17", SECRET, "2-of-17"),
        ("--group-threshold 1", SECRET, "required arguments"),
        (
            "--group-threshold 1 --group 2/3 --iteration-exponent 16",
            SECRET,
            "iteration exponent 16",
        ),
        ("--group-threshold 1 --group 2/3", "zz", "hex"),
    ] {
        eprintln!("case: {flags} < {secret}"); // shown with a failure
        assert_refused(&split(flags, secret, None), needle);
    }
    let o = split("--group-threshold 1 --group 1/1", SECRET, Some("naïve"));
    assert_refused(&o, "printable ASCII");
    // Combine: a typo in the second share, an unknown word, nothing at all.
    let o = split("--group-threshold 1 --group 2/3", SECRET, None);
    let g = groups(&o);
    let mut words: Vec<&str> = g[0][1].split(' ').collect();
    words.swap(6, 7);
    let swapped = words.join(" ");
    if swapped != g[0][1] {
        let c = combine(&format!("{}\n{swapped}\n", g[0][0]), None);
        assert_refused(&c, "share 2: checksum");
    }
    let c = combine(&format!("{}\n{} bitcoin\n", g[0][0], g[0][1]), None);
    assert_refused(&c, "share 2: word 21 is not in the SLIP-39 word list");
    assert_refused(&combine("\n\n", None), "no shares");
}
