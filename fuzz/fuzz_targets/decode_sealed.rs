//! Fuzz target `decode_sealed`: the invariants are in `keysplit_audit::decode_sealed`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keysplit_audit::decode_sealed(data));
