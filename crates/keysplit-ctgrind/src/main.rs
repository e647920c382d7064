//! `keysplit-ctgrind check | check-wallet | canary-table | canary-branch | list`
//!
//! Run under `valgrind --error-exitcode=1`; see the crate docs.

use std::process::ExitCode;

use keysplit_ctgrind::{harness, kit, valgrind};

fn main() -> ExitCode {
    let mode = std::env::args().nth(1).unwrap_or_else(|| "check".into());
    let on_valgrind = valgrind::running_on_valgrind();
    if !kit::install_declassify_hook() && mode.starts_with("check") {
        eprintln!(
            "ctgrind: keysplit was built without RUSTFLAGS=\"--cfg keysplit_ctgrind\": its \
             public-by-design verdicts cannot be declassified (use scripts/test.d/50-ctgrind.sh)"
        );
        return ExitCode::from(2);
    }
    let outcome = match mode.as_str() {
        "check" => keysplit_ctgrind::run_all(),
        "check-wallet" => keysplit_ctgrind::run_wallet(),
        "canary-table" => harness::canary_table_lookup(),
        "canary-branch" => harness::canary_branch(),
        "list" => {
            for name in keysplit_ctgrind::section_names() {
                println!("{name}");
            }
            return ExitCode::SUCCESS;
        }
        other => {
            eprintln!("unknown mode {other:?}: use check, check-wallet, canary-table, canary-branch or list");
            return ExitCode::from(2);
        }
    };
    if let Err(message) = outcome {
        eprintln!("ctgrind: {message}");
        return ExitCode::FAILURE;
    }
    if !on_valgrind {
        // Everything ran and every result was right, but no secret was tracked.
        eprintln!("ctgrind: not running under valgrind: results checked, timing NOT checked");
        return ExitCode::from(3);
    }
    let errors = valgrind::error_count();
    println!("ctgrind: {mode}: {errors} valgrind error(s)");
    if errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
