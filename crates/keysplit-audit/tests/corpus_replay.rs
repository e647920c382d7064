//! Replays every committed fuzz corpus file (`fuzz/corpus/<target>/*`) through the same
//! invariant checks the fuzz targets run, on stable Rust, as part of `cargo test`.
//! A crash input saved into a corpus directory therefore stays a regression test.

use std::path::PathBuf;

fn corpus_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus")
}

#[test]
fn every_target_has_a_seed_corpus() {
    for target in keysplit_audit::TARGETS {
        let dir = corpus_root().join(target);
        let files = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .count();
        assert!(files > 0, "{} is empty", dir.display());
    }
}

#[test]
fn every_corpus_file_replays_cleanly() {
    let mut failures = Vec::new();
    let mut replayed = 0;
    for entry in std::fs::read_dir(corpus_root()).expect("fuzz/corpus exists") {
        let dir = entry.expect("corpus entry").path();
        let Some(target) = dir.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
            continue;
        };
        assert!(
            keysplit_audit::TARGETS.contains(&target.as_str()),
            "fuzz/corpus/{target} has no matching target in keysplit-audit"
        );
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("corpus dir")
            .map(|e| e.expect("corpus file").path())
            .collect();
        files.sort();
        for file in files {
            let data = std::fs::read(&file).expect("read corpus file");
            let name = target.clone();
            let outcome = std::panic::catch_unwind(|| keysplit_audit::run_target(&name, &data));
            match outcome {
                Ok(true) => replayed += 1,
                Ok(false) => failures.push(format!("{}: unknown target", file.display())),
                Err(_) => failures.push(format!("{}: invariant broken", file.display())),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "corpus failures:\n{}",
        failures.join("\n")
    );
    assert!(replayed > 0, "no corpus file replayed");
    println!("replayed {replayed} corpus files");
}

#[test]
fn malformed_inputs_never_panic() {
    // A handful of hand-written edge cases, independent of the corpus.
    let cases: [&[u8]; 8] = [
        b"",
        b"\x00",
        b"KS",
        b"KS\x01\x02\x01",
        b"KS\x01\x02\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff",
        b"ks1",
        b"ks1qqqqqqqqqqqqqqqqq",
        &[0xFF; 300],
    ];
    for target in keysplit_audit::TARGETS {
        for case in cases {
            assert!(keysplit_audit::run_target(target, case));
        }
    }
}
