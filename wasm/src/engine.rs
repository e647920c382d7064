//! The raw fast paths (`raw.split`, `raw.combine` of the JS API): few boundary crossings,
//! one copy of each input into wasm memory, bulk wipes, and a ChaCha20 stream that runs at
//! simd128 speed.
//!
//! * Inputs: `raw.split`'s secret arrives as an owned `Vec<u8>` (wasm-bindgen copies it
//!   in once); `raw.combine`'s shares are written by the JS wrapper straight into the
//!   [`Engine`]'s staging buffer ([`Engine::stage`]). Both are wiped after the call,
//!   whatever its outcome.
//! * Outputs: written to the engine's output buffer, from which the wrapper copies them
//!   straight into fresh `Uint8Array`s (one per share) before it calls [`Engine::wipe`].
//! * Randomness: a ChaCha20 stream ([`crate::chacha`]) keyed from `crypto.getRandomValues`
//!   (getrandom). A fresh OS seed is mixed in on the first call, on every call with at least
//!   64 KiB of secret, and after at most 64 calls or 1 MiB since the last one; after every
//!   call the key is replaced by unused keystream (fast key erasure), so the state left in
//!   memory between calls cannot reproduce any coefficient or x already used.
//! * Same rules as the core: coefficients uniform over 0..=255, x-coordinates by the
//!   rejection-sampled Fisher–Yates of `keysplit::hazmat::random_xs`, the field kernel is
//!   `keysplit::hazmat::Backend` (no table lookup or branch on secret bytes), and every
//!   refusal is the core's own `keysplit::Error` in the core's order (tests compare them).
//!
//! Why the bulk wipe ([`wipe`]) and not `zeroize`: zeroize writes one byte per volatile
//! store, ~0.5 ms per MiB in V8; a 1 MiB combine wipes 3 MiB. `fill(0)` is one
//! `memory.fill`, and passing the buffer to `black_box` afterwards makes the zeros observable,
//! so the optimiser cannot drop the fill before the memory is freed.

use alloc::vec;
use alloc::vec::Vec;

use keysplit::hazmat::{field, lagrange_weights, Backend, BLOCK};
use keysplit::{DecodeError, Error};
use wasm_bindgen::prelude::*;

use crate::chacha::Stream;
use crate::convert::{core_error, count, invalid};

/// Overwrites `bytes` with zeros (one `memory.fill`) in a way the optimiser must keep.
#[inline]
pub fn wipe(bytes: &mut [u8]) {
    bytes.fill(0);
    core::hint::black_box(bytes);
}

/// A byte vector wiped (all of its capacity) on drop.
pub struct Wiped(pub Vec<u8>);

impl Drop for Wiped {
    fn drop(&mut self) {
        let capacity = self.0.capacity();
        wipe(&mut self.0);
        // The spare capacity too (resize writes zeros without reallocating).
        self.0.resize(capacity, 0);
        wipe(&mut self.0);
    }
}

/// Makes `buffer` `len` zero bytes, reusing its allocation when it is large enough.
fn reuse(buffer: &mut Wiped, len: usize) {
    wipe(&mut buffer.0);
    if buffer.0.capacity() >= len {
        buffer.0.clear();
        buffer.0.resize(len, 0);
    } else {
        *buffer = Wiped(vec![0u8; len]); // the old one is wiped when dropped
    }
}

/// Wipes `buffer`; keeps small allocations for the next call, frees large ones.
fn release(buffer: &mut Wiped) {
    wipe(&mut buffer.0);
    if buffer.0.capacity() > KEEP {
        *buffer = Wiped(Vec::new());
    } else {
        buffer.0.clear();
    }
}

/// Buffers up to this size stay allocated (wiped) between calls.
const KEEP: usize = 64 << 10;

/// Calls between fresh OS seeds, at most.
const RESEED_CALLS: u32 = 64;
/// Secret bytes processed between fresh OS seeds, at most; a call with at least
/// `RESEED_EACH_CALL` bytes always gets one.
const RESEED_BYTES: usize = 1 << 20;
const RESEED_EACH_CALL: usize = 64 << 10;

/// State of the raw fast paths, one per module instance (the JS wrapper holds it): the
/// ChaCha20 stream and the staging buffer for shares.
#[wasm_bindgen]
pub struct Engine {
    rng: Reseeding,
    stage: Wiped,
    out: Wiped,
    coefficients: Wiped,
    /// x-coordinate powers (public), kept between calls.
    powers: Vec<u8>,
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new()
    }
}

#[wasm_bindgen]
impl Engine {
    /// An engine with no key yet (the first call seeds it from `crypto.getRandomValues`).
    #[wasm_bindgen(constructor)]
    pub fn new() -> Engine {
        Engine {
            rng: Reseeding {
                stream: None,
                calls: 0,
                bytes: 0,
            },
            stage: Wiped(Vec::new()),
            out: Wiped(Vec::new()),
            coefficients: Wiped(Vec::new()),
            powers: Vec::new(),
        }
    }

    /// Wipes the output and staging buffers (call it once the output has been read).
    pub fn wipe(&mut self) {
        release(&mut self.out);
        wipe(&mut self.stage.0);
    }

    /// Makes the staging buffer `len` zero bytes long and returns its address in the
    /// module's memory (the JS wrapper writes the shares there; read it again after this
    /// call, since growing memory replaces `memory.buffer`).
    pub fn stage(&mut self, len: u32) -> u32 {
        reuse(&mut self.stage, len as usize);
        self.stage.0.as_ptr() as u32
    }
}

/// The module's `WebAssembly.Memory`, for the wrapper's writes into [`Engine::stage`].
#[wasm_bindgen(js_name = wasmMemory)]
pub fn wasm_memory() -> JsValue {
    wasm_bindgen::memory()
}

/// Raw split: `shares` raw shares of `len + 1` bytes each (`y || x`), back to back, in
/// the engine's output buffer, whose address this returns. Read them, then call
/// [`Engine::wipe`].
#[wasm_bindgen(js_name = rawSplitInto)]
pub fn raw_split_into(
    engine: &mut Engine,
    secret: Vec<u8>,
    threshold: f64,
    shares: f64,
) -> Result<u32, JsValue> {
    let secret = Wiped(secret);
    let threshold = count(threshold, "threshold")?;
    let shares = count(shares, "shares")?;
    engine
        .split(&secret.0, threshold, shares)
        .map_err(core_error)?;
    Ok(engine.out.0.as_ptr() as u32)
}

/// Raw combine of the shares staged with [`Engine::stage`], back to back, `lengths[i]`
/// bytes for share `i`: the secret (`lengths[0] - 1` bytes) goes to the engine's output
/// buffer, whose address this returns. The staged shares are wiped whatever the outcome;
/// call [`Engine::wipe`] after reading the secret.
#[wasm_bindgen(js_name = rawCombineInto)]
pub fn raw_combine_into(engine: &mut Engine, lengths: &[u32]) -> Result<u32, JsValue> {
    let result = engine.combine_staged(lengths);
    wipe(&mut engine.stage.0);
    engine.out = result?;
    Ok(engine.out.0.as_ptr() as u32)
}

/// The ChaCha20 stream and its reseeding counters.
struct Reseeding {
    stream: Option<Stream>,
    calls: u32,
    bytes: usize,
}

impl Reseeding {
    /// The stream for a call on `work` secret bytes, reseeded from the OS as the module
    /// docs say.
    fn stream(&mut self, work: usize) -> Result<&mut Stream, Error> {
        let due = self.calls >= RESEED_CALLS
            || self.bytes >= RESEED_BYTES
            || work >= RESEED_EACH_CALL
            || self.stream.is_none();
        if due {
            let mut seed = [0u8; 32];
            let got = getrandom::fill(&mut seed).map_err(|_| Error::Rng);
            if got.is_ok() {
                match &mut self.stream {
                    Some(stream) => stream.reseed(&seed),
                    None => self.stream = Some(Stream::new(&seed)),
                }
            }
            wipe(&mut seed);
            got?;
            self.calls = 0;
            self.bytes = 0;
        }
        self.calls += 1;
        self.bytes = self.bytes.saturating_add(work);
        self.stream.as_mut().ok_or(Error::Rng)
    }
}

impl Engine {
    /// `keysplit::raw::split` into the output buffer: `shares * (len + 1)` bytes.
    pub(crate) fn split(
        &mut self,
        secret: &[u8],
        threshold: usize,
        shares: usize,
    ) -> Result<&[u8], Error> {
        // The core's checks, in the core's order (`poly::check_parameters`, then `raw`).
        if !(2..=255).contains(&shares) {
            return Err(Error::InvalidShareCount { shares });
        }
        if threshold < 2 || threshold > shares {
            return Err(Error::InvalidThreshold { threshold, shares });
        }
        if secret.is_empty() {
            return Err(Error::EmptySecret);
        }
        let len = secret.len();
        let stride = len.checked_add(1).ok_or(Error::TooLarge)?;
        let total = stride.checked_mul(shares).ok_or(Error::TooLarge)?;
        let degree = threshold - 1;
        let backend = Backend::detect();
        reuse(&mut self.out, total);
        reuse(&mut self.coefficients, degree * len.min(BLOCK));
        let stream = self.rng.stream(len)?;
        let mut pool = [0u8; 255];
        let xs = random_xs(shares, stream, &mut pool)?;
        // powers[i * degree + j - 1] = x_i^j (public).
        let powers = &mut self.powers;
        powers.clear();
        powers.resize(shares * degree, 0);
        for (&x, row) in xs.iter().zip(powers.chunks_exact_mut(degree)) {
            let mut power = 1u8;
            for slot in row {
                power = field::mul(power, x);
                *slot = power;
            }
        }
        // Block by block as the core does: (t - 1) * block bytes of coefficients, the j-th
        // run of `block` bytes being the coefficients of x^j.
        let mut at = 0;
        while at < len {
            let block = BLOCK.min(len - at);
            let source = &secret[at..at + block];
            let rows = &mut self.coefficients.0[..degree * block];
            stream.fill(rows);
            for (share, share_powers) in self
                .out
                .0
                .chunks_exact_mut(stride)
                .zip(powers.chunks_exact(degree))
            {
                let dst = &mut share[at..at + block];
                // secret + x * a_1 in one fused pass where the backend has one, then
                // the higher powers.
                let mut terms = rows.chunks_exact(block).zip(share_powers);
                if let Some((row, &power)) = terms.next() {
                    backend.mul2(dst, source, 1, row, power);
                }
                for (row, &power) in terms {
                    backend.mul_add(dst, row, power);
                }
            }
            at += block;
        }
        for (share, &x) in self.out.0.chunks_exact_mut(stride).zip(xs) {
            share[len] = x;
        }
        stream.rekey();
        release(&mut self.coefficients);
        Ok(&self.out.0)
    }

    fn combine_staged(&mut self, lengths: &[u32]) -> Result<Wiped, JsValue> {
        if lengths.len() > 255 {
            return Err(invalid(&alloc::format!(
                "shares has {} items; at most 255 are accepted",
                lengths.len()
            )));
        }
        let mut shares: Vec<&[u8]> = Vec::with_capacity(lengths.len());
        let mut rest = &self.stage.0[..];
        for &length in lengths {
            let length = length as usize;
            if length > rest.len() {
                return Err(invalid("the staged shares are shorter than their lengths"));
            }
            let (share, tail) = rest.split_at(length);
            shares.push(share);
            rest = tail;
        }
        combine(&shares).map_err(core_error)
    }
}

/// `keysplit::hazmat::random_xs` on the stream: `n` distinct x-coordinates, uniform over
/// 1..=255 (partial Fisher–Yates, each index rejection-sampled from single bytes).
fn random_xs<'a>(
    n: usize,
    stream: &mut Stream,
    pool: &'a mut [u8; 255],
) -> Result<&'a [u8], Error> {
    for (i, slot) in pool.iter_mut().enumerate() {
        *slot = (i + 1) as u8;
    }
    let n = n.min(255);
    for i in 0..n {
        let m = 255 - i;
        let limit = 256 - (256 % m);
        let mut index = None;
        for _ in 0..128 {
            let mut byte = [0u8; 1];
            stream.fill(&mut byte);
            if usize::from(byte[0]) < limit {
                index = Some(usize::from(byte[0]) % m);
                break;
            }
        }
        let j = i + index.ok_or(Error::Rng)?;
        pool.swap(i, j);
    }
    // x_i is pool[i] after step i, and later steps only swap positions after i.
    Ok(&pool[..n])
}

/// `keysplit::raw::combine` into a [`Wiped`] buffer: the same refusals in the same order
/// (no shares, a share under 2 bytes, x = 0, unequal lengths, duplicate x, one share).
pub(crate) fn combine(shares: &[&[u8]]) -> Result<Wiped, Error> {
    let Some(first) = shares.first() else {
        return Err(Error::NoShares);
    };
    let expected = first.len();
    for (index, share) in shares.iter().enumerate() {
        match share.last() {
            _ if share.len() < 2 => {
                return Err(Error::BadShare {
                    index,
                    cause: DecodeError::TooShort { found: share.len() },
                })
            }
            Some(0) => return Err(Error::ZeroX { index }),
            _ => {}
        }
        if share.len() != expected {
            return Err(Error::LengthMismatch {
                index,
                expected: expected as u64,
                found: share.len() as u64,
            });
        }
    }
    let xs: Vec<u8> = shares
        .iter()
        .map(|s| s.last().copied().unwrap_or(0))
        .collect();
    // Distinct x (public): a 256-bit set, and the first position of a repeated one.
    let mut seen = [0u64; 4];
    for (index, &x) in xs.iter().enumerate() {
        let (word, bit) = (usize::from(x / 64), 1u64 << (x % 64));
        if seen[word] & bit != 0 {
            let first = xs.iter().position(|&earlier| earlier == x).unwrap_or(index);
            return Err(Error::DuplicateX {
                x,
                first,
                second: index,
            });
        }
        seen[word] |= bit;
    }
    if shares.len() < 2 {
        return Err(Error::BelowThreshold {
            needed: 2,
            got: shares.len(),
        });
    }
    let len = expected - 1;
    let mut secret = Wiped(vec![0u8; len]);
    let backend = Backend::detect();
    let weights = lagrange_weights(&xs, 0);
    // The first two terms in one fused pass where the backend has one, then the others.
    // (At least two shares of `expected >= 2` bytes each, checked above.)
    if let ([a, b, rest @ ..], [wa, wb, rest_weights @ ..]) = (shares, &weights[..]) {
        backend.mul2(&mut secret.0, a, *wa, b, *wb);
        for (share, &weight) in rest.iter().zip(rest_weights) {
            backend.mul_add(&mut secret.0, share, weight);
        }
    }
    Ok(secret)
}
