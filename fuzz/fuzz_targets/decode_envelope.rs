//! Fuzz target `decode_envelope`: the invariants are in `keysplit_audit::decode_envelope`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keysplit_audit::decode_envelope(data));
