//! Fuzz target `reshare_arbitrary`: the invariants are in `keysplit_audit::reshare_arbitrary`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keysplit_audit::reshare_arbitrary(data));
