//! The raw fast paths (`raw.split`, `raw.combine` of the JS API): one scratch region in
//! wasm memory for each call's inputs and outputs, the core's simd128 kernels, bulk wipes,
//! and a ChaCha20 stream that runs at simd128 speed.
//!
//! * Scratch: the [`Engine`] keeps one buffer between calls (wiped after each), so a call
//!   neither allocates nor grows memory once the buffer is large enough. The JS wrapper
//!   asks for room ([`raw_split_stage`], [`Engine::stage`]), writes the secret or the
//!   shares there, runs the operation, copies the result out into fresh `Uint8Array`s
//!   (one per share) and calls [`Engine::wipe`], whatever the outcome.
//! * Split: the secret at the start of the scratch, the shares after it, back to back;
//!   shares are evaluated block by block with the core's simd128 kernels.
//! * Combine: the staged shares back to back; the secret is written over the first one
//!   (the core's `Backend::mul2_in_place`), so no output buffer.
//! * Randomness: a ChaCha20 stream ([`crate::chacha`]) keyed from `crypto.getRandomValues`
//!   (getrandom). A fresh OS seed is mixed in on the first call, on every call with at least
//!   64 KiB of secret, and after at most 64 calls or 1 MiB since the last one; after every
//!   call the key is replaced by unused keystream (fast key erasure), so the state left in
//!   memory between calls cannot reproduce any coefficient or x already used.
//! * Same rules as the core: coefficients uniform over 0..=255, x-coordinates by the
//!   rejection-sampled Fisher–Yates of `keysplit::hazmat::random_xs`, the field kernels
//!   use nibble tables in registers (no table lookup or branch on secret bytes), and every
//!   refusal is the core's own `keysplit::Error` in the core's order (tests compare them).
//!
//! Why the bulk wipe ([`wipe`]) and not `zeroize`: zeroize writes one byte per volatile
//! store, ~0.5 ms per MiB in V8. `fill(0)` is one `memory.fill`, and passing the buffer to
//! `black_box` afterwards makes the zeros observable, so the optimiser cannot drop the fill.

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

/// Buffers up to this size stay allocated (wiped) between calls: the coefficients up to
/// this, the scratch region up to [`KEEP_SCRATCH`].
const KEEP: usize = 64 << 10;
const KEEP_SCRATCH: usize = 64 << 20;

/// Calls between fresh OS seeds, at most.
const RESEED_CALLS: u32 = 64;
/// Secret bytes processed between fresh OS seeds, at most; a call with at least
/// `RESEED_EACH_CALL` bytes always gets one.
const RESEED_BYTES: usize = 1 << 20;
const RESEED_EACH_CALL: usize = 64 << 10;

/// State of the raw fast paths, one per module instance (the JS wrapper holds it): the
/// ChaCha20 stream and the scratch region.
#[wasm_bindgen]
pub struct Engine {
    rng: Reseeding,
    /// Inputs and outputs of the current call; all zeros outside `..dirty`.
    scratch: Wiped,
    /// Bytes at the start of `scratch` that may be non-zero (handed out by `stage`).
    dirty: usize,
    coefficients: Wiped,
    /// x-coordinate powers (public), kept between calls.
    powers: Vec<u8>,
    /// 1..=255 in order, the starting point of every x draw (restored after each).
    pool: [u8; 255],
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
            scratch: Wiped(Vec::new()),
            dirty: 0,
            coefficients: Wiped(Vec::new()),
            powers: Vec::new(),
            pool: core::array::from_fn(|i| (i + 1) as u8),
        }
    }

    /// Wipes the part of the scratch region used since the last wipe (call it once the
    /// output has been read, and after a failure). A very large region is freed.
    pub fn wipe(&mut self) {
        let dirty = self.dirty.min(self.scratch.0.len());
        wipe(&mut self.scratch.0[..dirty]);
        self.dirty = 0;
        if self.scratch.0.len() > KEEP_SCRATCH {
            self.scratch = Wiped(Vec::new());
        }
    }

    /// Makes the first `len` bytes of the scratch region available (zeros, unless written
    /// since the last wipe) and returns their address in the module's memory. The JS
    /// wrapper writes the shares there; it must read `memory.buffer` again after this
    /// call, since growing memory replaces it.
    pub fn stage(&mut self, len: u32) -> u32 {
        let len = len as usize;
        if self.scratch.0.len() < len {
            // The old region is wiped when dropped; the new one starts as zeros.
            self.scratch = Wiped(Vec::new());
            self.scratch = Wiped(vec![0u8; len]);
        }
        self.dirty = self.dirty.max(len);
        self.scratch.0.as_ptr() as u32
    }
}

/// The module's `WebAssembly.Memory`, for the wrapper's writes into [`Engine::stage`].
#[wasm_bindgen(js_name = wasmMemory)]
pub fn wasm_memory() -> JsValue {
    wasm_bindgen::memory()
}

/// The core's checks of a raw split, in the core's order (`poly::check_parameters`, then
/// `raw`), and the scratch size it needs: the secret, then `shares` shares of `len + 1`.
fn split_layout(len: usize, threshold: usize, shares: usize) -> Result<usize, Error> {
    if !(2..=255).contains(&shares) {
        return Err(Error::InvalidShareCount { shares });
    }
    if threshold < 2 || threshold > shares {
        return Err(Error::InvalidThreshold { threshold, shares });
    }
    if len == 0 {
        return Err(Error::EmptySecret);
    }
    let stride = len.checked_add(1).ok_or(Error::TooLarge)?;
    let total = stride.checked_mul(shares).ok_or(Error::TooLarge)?;
    let total = total.checked_add(len).ok_or(Error::TooLarge)?;
    u32::try_from(total).map_err(|_| Error::TooLarge)?;
    Ok(total)
}

/// The secret length, threshold and share count of the two split calls, as integers.
fn split_counts(len: f64, threshold: f64, shares: f64) -> Result<(usize, usize, usize), JsValue> {
    Ok((
        count(len, "secret length")?,
        count(threshold, "threshold")?,
        count(shares, "shares")?,
    ))
}

/// First step of a raw split of a `len`-byte secret: checks the arguments as the core
/// does and returns the address where the wrapper writes the secret (the start of the
/// scratch region). Then [`raw_split_into`], then [`Engine::wipe`].
#[wasm_bindgen(js_name = rawSplitStage)]
pub fn raw_split_stage(
    engine: &mut Engine,
    len: f64,
    threshold: f64,
    shares: f64,
) -> Result<u32, JsValue> {
    let (len, threshold, shares) = split_counts(len, threshold, shares)?;
    let total = split_layout(len, threshold, shares).map_err(core_error)?;
    Ok(engine.stage(total as u32))
}

/// Raw split of the `len`-byte secret staged by [`raw_split_stage`]: `shares` raw shares
/// of `len + 1` bytes each (`y || x`), back to back, right after the secret in the
/// scratch region; returns their address. Read them, then call [`Engine::wipe`].
#[wasm_bindgen(js_name = rawSplitInto)]
pub fn raw_split_into(
    engine: &mut Engine,
    len: f64,
    threshold: f64,
    shares: f64,
) -> Result<u32, JsValue> {
    let (len, threshold, shares) = split_counts(len, threshold, shares)?;
    engine
        .split_staged(len, threshold, shares)
        .map_err(|error| error.map_or_else(|| invalid("stage the secret first"), core_error))?;
    Ok(engine.scratch.0.as_ptr().wrapping_add(len) as u32)
}

/// Raw combine of the shares staged with [`Engine::stage`], back to back, `lengths[i]`
/// bytes for share `i`: the secret (`lengths[0] - 1` bytes) is written over the first
/// staged share, at the address this returns. Read it, then call [`Engine::wipe`].
#[wasm_bindgen(js_name = rawCombineInto)]
pub fn raw_combine_into(engine: &mut Engine, lengths: &[u32]) -> Result<u32, JsValue> {
    engine.combine_staged(lengths)?;
    Ok(engine.scratch.0.as_ptr() as u32)
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
    /// `keysplit::raw::split` of `secret` through the scratch region (the same code as
    /// the JS path): the shares back to back, `len + 1` bytes each. Call [`Engine::wipe`]
    /// after reading them.
    pub(crate) fn split(
        &mut self,
        secret: &[u8],
        threshold: usize,
        shares: usize,
    ) -> Result<&[u8], Error> {
        let len = secret.len();
        let total = split_layout(len, threshold, shares)?;
        self.stage(total as u32);
        self.scratch.0[..len].copy_from_slice(secret);
        self.split_staged(len, threshold, shares)
            .map_err(|error| error.unwrap_or(Error::TooLarge))?;
        Ok(&self.scratch.0[len..total])
    }

    /// The split of the secret at the start of the scratch region (`None`: the region is
    /// smaller than the layout, i.e. not staged).
    fn split_staged(
        &mut self,
        len: usize,
        threshold: usize,
        shares: usize,
    ) -> Result<(), Option<Error>> {
        let total = split_layout(len, threshold, shares)?;
        if self.dirty < total || self.scratch.0.len() < total {
            return Err(None);
        }
        let (secret, out) = self.scratch.0[..total].split_at_mut(len);
        let stride = len + 1;
        let degree = threshold - 1;
        let stream = self.rng.stream(len)?;
        // powers[j * shares + i] = x_i^(j + 1) (public); the first row is the x draw.
        let powers = &mut self.powers;
        powers.clear();
        random_xs(shares, stream, &mut self.pool, powers)?;
        for k in shares..degree * shares {
            let power = field::mul(powers[k - shares], powers[k % shares]);
            powers.push(power);
        }
        for i in 0..shares {
            out[i * stride + len] = powers[i];
        }
        // Block by block: (t - 1) * block bytes of coefficients, the j-th run of `block`
        // bytes being the coefficients of x^(j + 1); each run evaluated for all shares.
        let block_max = BLOCK.min(len);
        if self.coefficients.0.len() < degree * block_max {
            self.coefficients = Wiped(Vec::new());
            self.coefficients = Wiped(vec![0u8; degree * block_max]);
        }
        let backend = Backend::detect();
        let mut at = 0;
        while at < len {
            let block = BLOCK.min(len - at);
            let rows = &mut self.coefficients.0[..degree * block];
            stream.fill(rows);
            let source = &secret[at..at + block];
            for i in 0..shares {
                let dst = &mut out[i * stride + at..i * stride + at + block];
                // secret + x * a_1 in one fused pass, then the higher powers. (The core's
                // kernels, built at opt-level "s": a kernel fused across shares here, at
                // this crate's "z", ran slower than three of these passes.)
                for j in 0..degree {
                    let row = &rows[j * block..(j + 1) * block];
                    let power = powers[j * shares + i];
                    if j == 0 {
                        backend.mul2(dst, source, 1, row, power);
                    } else {
                        backend.mul_add(dst, row, power);
                    }
                }
            }
            at += block;
        }
        stream.rekey();
        let used = degree * block_max;
        wipe(&mut self.coefficients.0[..used]);
        if self.coefficients.0.len() > KEEP {
            self.coefficients = Wiped(Vec::new());
        }
        Ok(())
    }

    /// The combine of the staged shares, written over the first one.
    fn combine_staged(&mut self, lengths: &[u32]) -> Result<(), JsValue> {
        if lengths.len() > 255 {
            return Err(invalid(&alloc::format!(
                "shares has {} items; at most 255 are accepted",
                lengths.len()
            )));
        }
        let staged = &self.scratch.0[..self.dirty.min(self.scratch.0.len())];
        let mut shares: Vec<&[u8]> = Vec::with_capacity(lengths.len());
        let mut rest = staged;
        for &length in lengths {
            let length = length as usize;
            if length > rest.len() {
                return Err(invalid("the staged shares are shorter than their lengths"));
            }
            let (share, tail) = rest.split_at(length);
            shares.push(share);
            rest = tail;
        }
        let (xs, len) = check_shares(&shares).map_err(core_error)?;
        let weights = lagrange_weights(&xs, 0);
        // Every share is `len + 1` bytes (checked): share k >= 1 starts at k * (len + 1).
        let stride = len + 1;
        let (first, others) = self.scratch.0.split_at_mut(stride);
        let first = &mut first[..len];
        let backend = Backend::detect();
        let w0 = weights.first().copied().unwrap_or(0);
        for (k, &weight) in weights.iter().enumerate().skip(1) {
            let share = &others[(k - 1) * stride..(k - 1) * stride + len];
            if k == 1 {
                backend.mul2_in_place(first, w0, share, weight);
            } else {
                backend.mul_add(first, share, weight);
            }
        }
        Ok(())
    }
}

/// `keysplit::hazmat::random_xs` on the stream: `n` distinct x-coordinates, uniform over
/// 1..=255 (partial Fisher–Yates over `pool`, which holds 1..=255 in order, each index
/// rejection-sampled from single bytes), appended to `xs`. The pool is put back in order
/// afterwards (the swaps undone), so every draw starts from 1..=255 as the core's does.
fn random_xs(
    n: usize,
    stream: &mut Stream,
    pool: &mut [u8; 255],
    xs: &mut Vec<u8>,
) -> Result<(), Error> {
    let n = n.min(255);
    let mut swaps = [0u8; 255];
    let mut drawn = 0;
    while drawn < n {
        let m = 255 - drawn;
        let limit = 256 - (256 % m);
        let mut index = None;
        for _ in 0..128 {
            let byte = usize::from(stream.byte());
            if byte < limit {
                index = Some(byte % m);
                break;
            }
        }
        let Some(index) = index else { break };
        pool.swap(drawn, drawn + index);
        swaps[drawn] = index as u8;
        drawn += 1;
    }
    // x_i is pool[i] after step i, and later steps only swap positions after i.
    xs.extend_from_slice(&pool[..drawn]);
    for i in (0..drawn).rev() {
        pool.swap(i, i + usize::from(swaps[i]));
    }
    if drawn < n {
        return Err(Error::Rng);
    }
    Ok(())
}

/// The core's refusals of a raw combine, in its order (no shares, a share under 2 bytes,
/// x = 0, unequal lengths, duplicate x, one share); the x-coordinates and the secret
/// length when the shares pass.
fn check_shares(shares: &[&[u8]]) -> Result<(Vec<u8>, usize), Error> {
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
    Ok((xs, expected - 1))
}

/// `keysplit::raw::combine` through an engine's scratch region (the JS path's code):
/// the same refusals in the same order. The secret is copied out into a [`Wiped`].
pub(crate) fn combine(shares: &[&[u8]]) -> Result<Wiped, JsValue> {
    let mut engine = Engine::new();
    let total: usize = shares.iter().map(|s| s.len()).sum();
    let total32 = u32::try_from(total).map_err(|_| core_error(Error::TooLarge))?;
    let mut lengths = Vec::with_capacity(shares.len());
    engine.stage(total32);
    let mut at = 0;
    for share in shares {
        engine.scratch.0[at..at + share.len()].copy_from_slice(share);
        at += share.len();
        lengths.push(share.len() as u32);
    }
    let result = engine.combine_staged(&lengths).map(|()| {
        let len = shares.first().map_or(0, |s| s.len().saturating_sub(1));
        Wiped(engine.scratch.0[..len].to_vec())
    });
    engine.wipe();
    result
}
