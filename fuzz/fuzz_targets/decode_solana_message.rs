//! Fuzz target `decode_solana_message`: the invariants are in
//! `keysplit_audit::decode_solana_message`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keysplit_audit::decode_solana_message(data));
