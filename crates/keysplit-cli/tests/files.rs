//! File mode: `split --in FILE --out-dir DIR` and `combine --out FILE SHARE_FILE...`.

mod common;

use std::path::Path;
use std::process::Output;

use common::{assert_refused as refused, succeeded};

fn keysplit(args: &[&str]) -> Output {
    common::run(args, &[], b"")
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

/// Deterministic, non-repeating test data (an LCG; nothing here is secret).
fn data(len: usize) -> Vec<u8> {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (state >> 56) as u8
        })
        .collect()
}

/// `split -k K -n N [--raw] --in INPUT --out-dir OUT_DIR`.
fn split_files(k: u8, n: u8, raw: bool, input: &Path, out_dir: &Path) -> Output {
    let (k, n) = (k.to_string(), n.to_string());
    let mut args = vec!["split", "-k", &k, "-n", &n];
    if raw {
        args.push("--raw");
    }
    args.extend(["--in", path(input), "--out-dir", path(out_dir)]);
    keysplit(&args)
}

/// `combine [--raw] --out OUT SHARE_FILE...`.
fn combine_files(raw: bool, out: &Path, shares: &[impl AsRef<Path>]) -> Output {
    let mut args = vec!["combine"];
    if raw {
        args.push("--raw");
    }
    args.extend(["--out", path(out)]);
    args.extend(shares.iter().map(|s| path(s.as_ref())));
    keysplit(&args)
}

#[test]
fn split_files_then_combine_any_two() {
    let dir = tempfile::tempdir().unwrap();
    let secret = data(300_000);
    let input = dir.path().join("wallet.bin");
    std::fs::write(&input, &secret).unwrap();
    let out_dir = dir.path().join("shares");
    let o = split_files(2, 3, false, &input, &out_dir);
    succeeded(&o);
    let shares: Vec<_> = (1..=3)
        .map(|i| out_dir.join(format!("wallet.bin.share{i}.ks")))
        .collect();
    for share in &shares {
        let bytes = std::fs::read(share).unwrap();
        // Envelope: 29-byte header, secret + 32-byte digest, 16-byte checksum.
        assert_eq!(bytes.len(), secret.len() + 77);
        assert_eq!(&bytes[..3], b"KS\x01");
    }
    // Each file is also a valid in-memory share.
    let parsed: Vec<_> = shares
        .iter()
        .map(|s| keysplit::Share::from_bytes(&std::fs::read(s).unwrap()).unwrap())
        .collect();
    assert_eq!(&keysplit::combine(&parsed[1..]).unwrap()[..], &secret[..]);

    for (a, b) in [(0, 1), (2, 0), (1, 2)] {
        let out = dir.path().join(format!("back-{a}{b}.bin"));
        let o = combine_files(false, &out, &[&shares[a], &shares[b]]);
        succeeded(&o);
        assert!(std::fs::read(&out).unwrap() == secret);
    }

    // Splitting again into the same directory never overwrites shares.
    let o = split_files(2, 3, false, &input, &out_dir);
    refused(&o, "already exists");
}

#[test]
fn a_corrupted_share_leaves_no_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("s");
    std::fs::write(&input, data(50_000)).unwrap();
    let o = split_files(2, 2, false, &input, dir.path());
    succeeded(&o);
    let second = dir.path().join("s.share2.ks");
    let mut bytes = std::fs::read(&second).unwrap();
    bytes[1000] ^= 1;
    std::fs::write(&second, bytes).unwrap();
    let out = dir.path().join("out");
    let first = dir.path().join("s.share1.ks");
    let o = combine_files(false, &out, &[&first, &second]);
    refused(&o, "checksum");
    refused(&o, "s.share2.ks");
    assert!(!out.exists(), "no output after a failed combine");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary file left behind");

    let o = combine_files(false, &out, &[&first]);
    refused(&o, "2");
    std::fs::write(&out, b"keep me").unwrap();
    let o = combine_files(false, &out, &[&first, &second]);
    refused(&o, "already exists");
    assert_eq!(std::fs::read(&out).unwrap(), b"keep me");
}

#[test]
fn an_empty_or_missing_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::write(&empty, b"").unwrap();
    let o = split_files(2, 3, false, &empty, dir.path());
    refused(&o, "empty");
    let missing = dir.path().join("missing");
    let o = split_files(2, 3, false, &missing, dir.path());
    refused(&o, "cannot open");
}

#[test]
fn raw_files_round_trip_and_interoperate_with_the_raw_api() {
    let dir = tempfile::tempdir().unwrap();
    // Over 1 MiB and not a multiple of the chunk, so several batches are streamed.
    let secret = data((1 << 20) + 12_345);
    let input = dir.path().join("w.bin");
    std::fs::write(&input, &secret).unwrap();
    let out_dir = dir.path().join("raw");
    let o = split_files(3, 5, true, &input, &out_dir);
    succeeded(&o);
    assert!(String::from_utf8_lossy(&o.stdout).contains("no integrity"));
    let shares: Vec<_> = (1..=5)
        .map(|i| out_dir.join(format!("w.bin.share{i}.raw")))
        .collect();
    let bytes: Vec<Vec<u8>> = shares.iter().map(|s| std::fs::read(s).unwrap()).collect();
    for b in &bytes {
        // `y || x`: one byte per secret byte, then a non-zero x.
        assert_eq!(b.len(), secret.len() + 1);
        assert_ne!(b[b.len() - 1], 0);
    }
    // Interop: the files are raw shares for the in-memory API.
    assert!(keysplit::raw::combine(&bytes[2..]).unwrap()[..] == secret[..]);
    assert!(keysplit::raw::combine(&[&bytes[4], &bytes[0], &bytes[3]]).unwrap()[..] == secret[..]);

    for (i, picked) in [[0usize, 1, 2], [4, 0, 3], [1, 3, 4]].iter().enumerate() {
        let out = dir.path().join(format!("back{i}"));
        let picked: Vec<&Path> = picked.iter().map(|&p| shares[p].as_path()).collect();
        let o = combine_files(true, &out, &picked);
        succeeded(&o);
        assert!(std::fs::read(&out).unwrap() == secret);
    }

    // Shares made in memory combine from files too.
    let mut rng = keysplit::os_rng().unwrap();
    let small = data(5000);
    let memory = keysplit::raw::split(&small, 2, 3, &mut rng).unwrap();
    let files: Vec<_> = memory
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let p = dir.path().join(format!("m{i}.raw"));
            std::fs::write(&p, s.as_bytes()).unwrap();
            p
        })
        .collect();
    let out = dir.path().join("from-memory");
    let o = combine_files(true, &out, &[&files[2], &files[0]]);
    succeeded(&o);
    assert!(std::fs::read(&out).unwrap() == small);

    // What raw shares can show is refused, with the file named; no output appears.
    let out = dir.path().join("refused");
    let o = combine_files(true, &out, &[&shares[0], &shares[0]]);
    refused(&o, "w.bin.share1.raw");
    let o = combine_files(true, &out, &[&shares[0], &files[1]]);
    refused(&o, "m1.raw");
    assert!(!out.exists());
    // A single raw share cannot rebuild anything.
    let o = combine_files(true, &out, &[&shares[0]]);
    refused(&o, "2");
    assert!(!out.exists());
}
