//! Fuzz target `stream_combine`: the invariants are in `keysplit_audit::stream_combine`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keysplit_audit::stream_combine(data));
