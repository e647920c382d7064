//! Fuzz target `decode_text`: the invariants are in `keysplit_audit::decode_text`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keysplit_audit::decode_text(data));
