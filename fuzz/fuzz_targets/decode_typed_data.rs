//! Fuzz target `decode_typed_data`: the invariants are in `keysplit_audit::decode_typed_data`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keysplit_audit::decode_typed_data(data));
