//! Fuzz target `decode_policy`: the invariants are in `keysplit_audit::decode_policy`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keysplit_audit::decode_policy(data));
