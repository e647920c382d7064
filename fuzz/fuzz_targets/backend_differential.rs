//! Fuzz target `backend_differential`: the invariants are in `keysplit_audit::backend_differential`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keysplit_audit::backend_differential(data));
