//! Timing probes for `bench/`: only with the `bench-internals` feature (never shipped).
#![allow(missing_docs)]

use alloc::vec;
use alloc::vec::Vec;

use keysplit::Rng;
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

#[wasm_bindgen(js_name = benchNoop)]
pub fn bench_noop(_value: &JsValue) -> u32 {
    1
}

#[wasm_bindgen(js_name = benchOsRng)]
pub fn bench_os_rng() -> u32 {
    let rng = keysplit::os_rng();
    rng.is_ok() as u32
}

#[wasm_bindgen(js_name = benchRngFill)]
pub fn bench_rng_fill(n: u32, reps: u32) -> u32 {
    let mut rng = keysplit::os_rng().unwrap();
    let mut buffer = vec![0u8; 4096];
    let mut left = n as usize * reps as usize;
    while left > 0 {
        let len = left.min(4096);
        rng.fill_bytes(&mut buffer[..len]);
        left -= len;
    }
    buffer[0] as u32
}

#[wasm_bindgen(js_name = benchKernel)]
pub fn bench_kernel(n: u32, reps: u32) -> u32 {
    let backend = keysplit::hazmat::Backend::detect();
    let src = vec![7u8; n as usize];
    let mut dst = vec![0u8; n as usize];
    for r in 0..reps {
        backend.mul_add(&mut dst, &src, (r as u8) | 3);
    }
    dst[0] as u32
}

#[wasm_bindgen(js_name = benchZeroize)]
pub fn bench_zeroize(n: u32, reps: u32) -> u32 {
    let mut v = Zeroizing::new(vec![1u8; n as usize]);
    for _ in 0..reps {
        zeroize::Zeroize::zeroize(&mut v[..]);
    }
    v.len() as u32
}

#[wasm_bindgen(js_name = benchFill)]
pub fn bench_fill(n: u32, reps: u32) -> u32 {
    let mut v: Vec<u8> = vec![1u8; n as usize];
    for _ in 0..reps {
        v.fill(0);
        core::hint::black_box(&mut v);
    }
    v.len() as u32
}

#[wasm_bindgen(js_name = benchRawSplitCore)]
pub fn bench_raw_split_core(n: u32, reps: u32) -> u32 {
    let secret = vec![5u8; n as usize];
    let mut rng = keysplit::os_rng().unwrap();
    let mut acc = 0;
    for _ in 0..reps {
        let s = keysplit::raw::split(&secret, 2, 3, &mut rng).unwrap();
        acc += s.len() as u32;
    }
    acc
}

#[wasm_bindgen(js_name = benchRawCombineCore)]
pub fn bench_raw_combine_core(n: u32, reps: u32) -> u32 {
    let secret = vec![5u8; n as usize];
    let mut rng = keysplit::os_rng().unwrap();
    let s = keysplit::raw::split(&secret, 2, 3, &mut rng).unwrap();
    let mut acc = 0;
    for _ in 0..reps {
        acc += keysplit::raw::combine(&s[..2]).unwrap().len() as u32;
    }
    acc
}

#[wasm_bindgen(js_name = benchStream)]
pub fn bench_stream(n: u32, reps: u32) -> u32 {
    let mut stream = crate::chacha::Stream::new(&[3u8; 32]);
    let mut buffer = vec![0u8; 4096];
    let mut left = n as usize * reps as usize;
    while left > 0 {
        let len = left.min(4096);
        stream.fill(&mut buffer[..len]);
        left -= len;
    }
    buffer[0] as u32
}

#[wasm_bindgen(js_name = benchWipe)]
pub fn bench_wipe(n: u32, reps: u32) -> u32 {
    let mut v = vec![1u8; n as usize];
    for _ in 0..reps {
        crate::engine::wipe(&mut v);
    }
    v.len() as u32
}

#[wasm_bindgen(js_name = benchEngineSplit)]
pub fn bench_engine_split(n: u32, reps: u32) -> u32 {
    let secret = vec![5u8; n as usize];
    let mut engine = crate::Engine::new();
    let mut acc = 0;
    for _ in 0..reps {
        acc += engine.split(&secret, 2, 3).unwrap().len() as u32;
        engine.wipe();
    }
    acc
}
