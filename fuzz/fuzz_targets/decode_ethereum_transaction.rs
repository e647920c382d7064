//! Fuzz target `decode_ethereum_transaction`: the invariants are in
//! `keysplit_audit::decode_ethereum_transaction`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keysplit_audit::decode_ethereum_transaction(data));
