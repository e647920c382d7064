//! Fuzz target `decode_raw`: the invariants are in `keysplit_audit::decode_raw`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keysplit_audit::decode_raw(data));
