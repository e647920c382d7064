//! Fuzz target `wallet_open`: the invariants are in `keysplit_audit::wallet_open`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keysplit_audit::wallet_open(data));
