//! Fuzz target `decode_authz`: the invariants are in `keysplit_audit::decode_authz`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keysplit_audit::decode_authz(data));
