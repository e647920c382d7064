//! The core's `hazmat::SimdChaCha20Rng` as the wasm32 build compiles it (simd128 lanes),
//! against RustCrypto's `ChaCha20Rng`: the same values for the same seed and calls. Run by
//! wasm-bindgen-test-runner with the binding tests.
#![cfg(target_arch = "wasm32")]

use chacha20::ChaCha20Rng;
use keysplit::hazmat::SimdChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use wasm_bindgen_test::wasm_bindgen_test;

/// The calls of `run`, drawn from xorshift64 (not a generator under test).
fn calls(mut state: u64, count: usize) -> Vec<(u8, usize)> {
    (0..count)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let kind = (state % 4) as u8;
            let len = match state >> 60 {
                0..=9 => (state >> 8) as usize % 70,
                10..=14 => 200 + (state >> 8) as usize % 900,
                _ => 4096 + (state >> 8) as usize % 5000,
            };
            (kind, len)
        })
        .collect()
}

fn run(rng: &mut impl Rng, calls: &[(u8, usize)]) -> Vec<u8> {
    let mut out = Vec::new();
    for &(kind, len) in calls {
        match kind {
            0 => out.extend_from_slice(&rng.next_u32().to_le_bytes()),
            1 => out.extend_from_slice(&rng.next_u64().to_le_bytes()),
            _ => {
                let mut bytes = vec![0u8; len];
                rng.fill_bytes(&mut bytes);
                out.extend_from_slice(&bytes);
            }
        }
    }
    out
}

#[wasm_bindgen_test]
fn the_simd128_generator_is_the_one_under_test() {
    // The build has simd128 on (wasm/scripts/env.sh), so the core's four-lane type, not
    // ChaCha20Rng itself, is what the other test compares.
    let name = core::any::type_name::<SimdChaCha20Rng>();
    assert!(name.contains("four_lanes"), "{name}");
}

#[wasm_bindgen_test]
fn simd128_chacha20_matches_chacha20rng() {
    for seed_byte in [0u8, 1, 0x5c, 0xff] {
        let seed: [u8; 32] = core::array::from_fn(|i| (i as u8).wrapping_mul(29) ^ seed_byte);
        let calls = calls(0x9E37_79B9_7F4A_7C15 ^ u64::from(seed_byte), 300);
        let ours = run(&mut SimdChaCha20Rng::from_seed(seed), &calls);
        let reference = run(&mut ChaCha20Rng::from_seed(seed), &calls);
        assert_eq!(ours.len(), reference.len());
        assert!(
            ours == reference,
            "seed byte {seed_byte:#x}: the keystreams differ"
        );
    }
}
