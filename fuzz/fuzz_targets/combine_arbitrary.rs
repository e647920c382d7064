//! Fuzz target `combine_arbitrary`: the invariants are in `keysplit_audit::combine_arbitrary`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keysplit_audit::combine_arbitrary(data));
