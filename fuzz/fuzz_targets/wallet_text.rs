//! Fuzz target `wallet_text`: the invariants are in `keysplit_audit::wallet_text`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keysplit_audit::wallet_text(data));
