//! The generators against independent references: RFC 8439 and RustCrypto's
//! `ChaCha20Rng` for the four-lane ChaCha20, NIST SP 800-38A and one-block-at-a-time AES
//! for AES-256-CTR.

use alloc::vec;
use alloc::vec::Vec;

use proptest::prelude::*;
use rand_core::Rng;

// `DefaultRng` has its AES variant only where AES instructions can exist.
#[cfg(any(target_arch = "x86", target_arch = "x86_64", target_arch = "aarch64"))]
mod aes_ctr;
mod four_lanes;

/// One call on a generator, as proptest draws them.
#[derive(Clone, Debug)]
pub(super) enum Call {
    U32,
    U64,
    Bytes(usize),
}

pub(super) fn call() -> impl Strategy<Value = Call> {
    prop_oneof![
        Just(Call::U32),
        Just(Call::U64),
        (0usize..70).prop_map(Call::Bytes),
        (200usize..1100).prop_map(Call::Bytes),
        (4090usize..4200).prop_map(Call::Bytes),
    ]
}

pub(super) fn run(rng: &mut impl Rng, calls: &[Call]) -> Vec<u8> {
    let mut out = Vec::new();
    for call in calls {
        match call {
            Call::U32 => out.extend_from_slice(&rng.next_u32().to_le_bytes()),
            Call::U64 => out.extend_from_slice(&rng.next_u64().to_le_bytes()),
            Call::Bytes(n) => {
                let mut bytes = vec![0u8; *n];
                rng.fill_bytes(&mut bytes);
                out.extend_from_slice(&bytes);
            }
        }
    }
    out
}
