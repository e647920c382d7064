//! Fuzz target `decode_slip39`: the invariants are in `keysplit_audit::decode_slip39`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keysplit_audit::decode_slip39(data));
