//! Constant-time check of keysplit's compiled code under valgrind's memcheck (the
//! "ctgrind" technique of BoringSSL, libsecp256k1 and Mbed TLS).
//!
//! ```text
//! cargo build --release -p keysplit-ctgrind
//! valgrind --error-exitcode=1 --track-origins=yes target/release/keysplit-ctgrind check
//! valgrind --error-exitcode=1 target/release/keysplit-ctgrind canary-table   # must fail
//! ```
//! (`scripts/test.d/50-ctgrind.sh` does all of this and checks both outcomes.)
//!
//! Memcheck reports a conditional jump, or a memory address, that depends on
//! uninitialised bytes. Marking every secret as "uninitialised" with a client request
//! therefore turns memcheck into a checker for secret-dependent branches and memory
//! indices in the code exactly as compiled and linked, optimisations included. Values
//! that are public by design (x-coordinates, the verdict "the integrity digest matched")
//! are declassified explicitly; each such point is listed in the harness with its reason.
//!
//! # Security
//! This crate is test tooling: it contains the only `unsafe` of the workspace outside SIMD
//! backends, the client-request `asm!` in [`valgrind`]. Valgrind executes the code on an
//! emulated CPU; it checks the instruction stream for data-dependent control flow and
//! addresses, not cycle counts (variable-latency instructions such as division are not
//! flagged; keysplit uses none on secrets).

pub mod harness;
pub mod kit;
pub mod slip39;
pub mod valgrind;
pub mod wallet;

use keysplit::hazmat::Backend;

use kit::{run_sections, Section, SectionResult};

/// The sections of `check`: the core's, then SLIP-39's.
fn check_sections() -> Vec<Section> {
    let mut list = harness::sections();
    list.extend(slip39::sections());
    list
}

/// Names of the sections [`run_all`] and [`run_wallet`] run, in order.
pub fn section_names() -> Vec<String> {
    check_sections()
        .into_iter()
        .chain(wallet::sections())
        .map(|(name, _)| name)
        .collect()
}

/// Runs every section of `check`, printing the valgrind errors each one added.
pub fn run_all() -> SectionResult {
    // Say which backends could not be checked: valgrind 3.19 emulates neither AVX-512
    // nor GFNI, and other architectures' backends do not exist in an x86_64 build.
    for name in Backend::NAMES {
        if Backend::by_name(name).is_none() {
            println!("skipped  backend {name}: this (emulated) CPU cannot run it");
        }
    }
    run_sections(check_sections())
}

/// Runs the wallet sections (see [`wallet`]).
pub fn run_wallet() -> SectionResult {
    run_sections(wallet::sections())
}
