//! Fuzz target `split_roundtrip`: the invariants are in `keysplit_audit::split_roundtrip`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keysplit_audit::split_roundtrip(data));
