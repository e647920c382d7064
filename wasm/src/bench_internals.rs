//! Timing probes for `bench/breakdown.mjs`: the parts of a raw split inside the module,
//! each on its own. Only with the `bench-internals` feature (`build.sh --probes`), never
//! in the shipped package. Each probe repeats its work `reps` times so that one call from
//! JS is long enough to time.
#![allow(missing_docs)]

use alloc::vec;

use keysplit::hazmat::{Backend, SimdChaCha20Rng};
use keysplit::with_backend::raw;
use rand_core::{Rng, SeedableRng};
use wasm_bindgen::prelude::*;

/// Not a random generator: every byte is 0x53. It measures a split without the cost of
/// its randomness (the x draw accepts 0x53, so the calls are those of a real split).
struct ConstantBytes;

impl rand_core::TryRng for ConstantBytes {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(0x5353_5353)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(0x5353_5353_5353_5353)
    }
    fn try_fill_bytes(&mut self, out: &mut [u8]) -> Result<(), Self::Error> {
        out.fill(0x53);
        Ok(())
    }
}

// Marked only so that the core accepts it; see above.
impl rand_core::TryCryptoRng for ConstantBytes {}

/// `raw::split_into` of an `n`-byte secret, 2-of-3, into a buffer reused across the
/// repetitions, with the engine's generator (`free == false`) or with a generator
/// that costs nothing (`free == true`). Returns a byte of the output.
#[wasm_bindgen(js_name = probeSplitInto)]
pub fn probe_split_into(n: u32, free: bool, reps: u32) -> u32 {
    let n = n as usize;
    let secret = vec![5u8; n];
    let mut out = vec![0u8; 3 * (n + 1)];
    let mut rng = SimdChaCha20Rng::from_seed([3; 32]);
    let backend = Backend::detect();
    for _ in 0..reps {
        let done = if free {
            raw::split_into(&secret, 2, 3, &mut ConstantBytes, &mut out, backend)
        } else {
            raw::split_into(&secret, 2, 3, &mut rng, &mut out, backend)
        };
        if done.is_err() {
            return 0;
        }
    }
    out.first().copied().map_or(0, u32::from)
}

/// `n` bytes of the engine's generator, in the 4 KiB requests a split makes.
#[wasm_bindgen(js_name = probeStream)]
pub fn probe_stream(n: u32, reps: u32) -> u32 {
    let mut rng = SimdChaCha20Rng::from_seed([3; 32]);
    let mut buffer = vec![0u8; n as usize];
    for _ in 0..reps {
        for request in buffer.chunks_mut(keysplit::hazmat::BLOCK) {
            rng.fill_bytes(request);
        }
    }
    buffer.first().copied().map_or(0, u32::from)
}

/// The three kernel passes of a 2-of-3 split on their own: `out_i = secret + c * x_i`
/// (`Backend::mul2`) over `n` bytes, block by block and share by share as the split runs
/// them.
#[wasm_bindgen(js_name = probeKernels)]
pub fn probe_kernels(n: u32, reps: u32) -> u32 {
    let n = n as usize;
    let secret = vec![5u8; n];
    let coefficients = vec![9u8; n];
    let mut out = vec![0u8; 3 * n];
    let backend = Backend::detect();
    let block = keysplit::hazmat::BLOCK;
    let (first, rest) = out.split_at_mut(n);
    let (second, third) = rest.split_at_mut(n);
    for _ in 0..reps {
        let blocks = secret.chunks(block).zip(coefficients.chunks(block));
        let outputs = first
            .chunks_mut(block)
            .zip(second.chunks_mut(block))
            .zip(third.chunks_mut(block));
        for ((s, c), ((o1, o2), o3)) in blocks.zip(outputs) {
            backend.mul2(o1, s, 1, c, 3);
            backend.mul2(o2, s, 1, c, 7);
            backend.mul2(o3, s, 1, c, 200);
        }
    }
    out.first().copied().map_or(0, u32::from)
}
