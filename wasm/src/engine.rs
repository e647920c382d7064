//! The raw fast paths (`raw.split`, `raw.combine` of the JS API): one scratch region in
//! wasm memory for each call's inputs and outputs, the core's calls and generator, and
//! the core's wipe.
//!
//! * Scratch: the [`Engine`] keeps one buffer between calls (wiped after each), so a call
//!   neither allocates nor grows memory once the buffer is large enough. The JS wrapper
//!   asks for room ([`raw_split_stage`], [`Engine::stage`]), writes the secret or the
//!   shares there, runs the operation, copies the result out into fresh `Uint8Array`s
//!   (one per share) and calls [`Engine::wipe`], whatever the outcome.
//! * Split: the secret at the start of the scratch, the shares after it, back to back,
//!   written by the core's `raw::split_into` (its checks, x draw and simd128 kernels) with
//!   the generator below.
//! * Combine: the staged shares back to back, then room for the secret, written there by
//!   the core's `raw::combine_into` (its checks, in its order, and its kernels).
//! * Randomness: the core's `hazmat::SimdChaCha20Rng` (ChaCha20, four blocks per simd128
//!   pass) keyed from `crypto.getRandomValues` (getrandom). A fresh OS seed is mixed in on
//!   the first call, on every call with at least 64 KiB of secret, and after at most 64
//!   calls or 1 MiB since the last one; after every call the generator is replaced by one
//!   keyed with its own next 32 bytes (fast key erasure; the old one is wiped on drop), so
//!   the state left in memory between calls cannot reproduce any coefficient or x already
//!   used.
//! * The core's code throughout: coefficients, x-coordinates, checks, refusals
//!   (`keysplit::Error`, in the core's order), field arithmetic and wipes
//!   (`hazmat::wipe`) are the core's own, so this module has nothing of its own to keep in
//!   step.

use alloc::vec;
use alloc::vec::Vec;

use keysplit::hazmat::{wipe, Backend, SimdChaCha20Rng};
use keysplit::{raw, Error};
use rand_core::{Rng, SeedableRng};
use wasm_bindgen::prelude::*;

use crate::convert::{core_error, count, invalid};

/// A byte vector wiped (all of its capacity) on drop.
pub struct Wiped(pub Vec<u8>);

impl Drop for Wiped {
    fn drop(&mut self) {
        // The spare capacity too: `resize` fills it (no reallocation), `wipe` clears it
        // all with writes the optimiser must keep.
        self.0.resize(self.0.capacity(), 0);
        wipe(&mut self.0);
    }
}

/// A scratch region up to this size stays allocated (wiped) between calls.
const KEEP_SCRATCH: usize = 64 << 20;

/// Calls between fresh OS seeds, at most.
const RESEED_CALLS: u32 = 64;
/// Secret bytes processed between fresh OS seeds, at most; a call with at least
/// `RESEED_EACH_CALL` bytes always gets one.
const RESEED_BYTES: usize = 1 << 20;
const RESEED_EACH_CALL: usize = 64 << 10;

/// State of the raw fast paths, one per module instance (the JS wrapper holds it): the
/// generator and the scratch region.
#[wasm_bindgen]
pub struct Engine {
    rng: Reseeding,
    /// Inputs and outputs of the current call; all zeros outside `..dirty`.
    scratch: Wiped,
    /// Bytes at the start of `scratch` that may be non-zero (handed out by `stage`).
    dirty: usize,
    /// `(len, threshold, shares)` of the split staged by [`raw_split_stage`], until
    /// [`raw_split_into`] or [`Engine::wipe`].
    split: Option<(usize, usize, usize)>,
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
                rng: None,
                calls: 0,
                bytes: 0,
            },
            scratch: Wiped(Vec::new()),
            dirty: 0,
            split: None,
        }
    }

    /// Wipes the part of the scratch region used since the last wipe (call it once the
    /// output has been read, and after a failure). A very large region is freed.
    pub fn wipe(&mut self) {
        let dirty = self.dirty.min(self.scratch.0.len());
        wipe(&mut self.scratch.0[..dirty]);
        self.dirty = 0;
        self.split = None;
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

/// The core's checks of a raw split, and the scratch size it needs: the secret, then
/// `shares` shares of `len + 1` bytes (`raw::split_into_len`).
fn split_layout(len: usize, threshold: usize, shares: usize) -> Result<usize, Error> {
    let total = raw::split_into_len(len, threshold, shares)?
        .checked_add(len)
        .ok_or(Error::TooLarge)?;
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
/// scratch region), and remembers the counts for [`raw_split_into`]. Then
/// [`raw_split_into`], then [`Engine::wipe`].
#[wasm_bindgen(js_name = rawSplitStage)]
pub fn raw_split_stage(
    engine: &mut Engine,
    len: f64,
    threshold: f64,
    shares: f64,
) -> Result<u32, JsValue> {
    let (len, threshold, shares) = split_counts(len, threshold, shares)?;
    let total = split_layout(len, threshold, shares).map_err(core_error)?;
    let at = engine.stage(total as u32);
    engine.split = Some((len, threshold, shares));
    Ok(at)
}

/// Raw split of the secret staged by [`raw_split_stage`], with the counts given there:
/// `shares` raw shares of `len + 1` bytes each (`y || x`), back to back, right after the
/// secret in the scratch region; returns their address. Read them, then call
/// [`Engine::wipe`].
#[wasm_bindgen(js_name = rawSplitInto)]
pub fn raw_split_into(engine: &mut Engine) -> Result<u32, JsValue> {
    let Some((len, threshold, shares)) = engine.split.take() else {
        return Err(invalid("stage the secret first"));
    };
    engine
        .split_staged(len, threshold, shares)
        .map_err(|error| error.map_or_else(|| invalid("stage the secret first"), core_error))?;
    Ok(engine.scratch.0.as_ptr().wrapping_add(len) as u32)
}

/// Raw combine of the shares staged with [`Engine::stage`], back to back, `lengths[i]`
/// bytes for share `i`, followed by room for the secret (`lengths[0] - 1` bytes, staged
/// with them): the secret is written there, at the address this returns. Read it, then
/// call [`Engine::wipe`].
#[wasm_bindgen(js_name = rawCombineInto)]
pub fn raw_combine_into(engine: &mut Engine, lengths: &[u32]) -> Result<u32, JsValue> {
    let at = engine.combine_staged(lengths)?;
    Ok(engine.scratch.0.as_ptr().wrapping_add(at) as u32)
}

/// A fresh generator keyed with 32 bytes from `crypto.getRandomValues`: the one every
/// call of the module draws from (envelope split and reshare, wallet keys and entropy;
/// the raw paths through [`Engine`], which reseeds and rekeys it).
pub(crate) fn os_rng() -> Result<SimdChaCha20Rng, Error> {
    let mut seed = [0u8; 32];
    let got = getrandom::fill(&mut seed).map(|()| SimdChaCha20Rng::from_seed(seed));
    wipe(&mut seed);
    got.map_err(|_| Error::Rng)
}

/// The generator and its reseeding counters.
struct Reseeding {
    rng: Option<SimdChaCha20Rng>,
    calls: u32,
    bytes: usize,
}

impl Reseeding {
    /// The generator for a call on `work` secret bytes, reseeded from the OS as the module
    /// docs say.
    fn rng(&mut self, work: usize) -> Result<&mut SimdChaCha20Rng, Error> {
        let due = self.calls >= RESEED_CALLS
            || self.bytes >= RESEED_BYTES
            || work >= RESEED_EACH_CALL
            || self.rng.is_none();
        if due {
            let mut seed = [0u8; 32];
            let got = getrandom::fill(&mut seed).map_err(|_| Error::Rng);
            if got.is_ok() {
                // The fresh seed is added to the current state (XOR), never substituted.
                if let Some(rng) = &mut self.rng {
                    let mut own = [0u8; 32];
                    rng.fill_bytes(&mut own);
                    for (s, o) in seed.iter_mut().zip(&own) {
                        *s ^= o;
                    }
                    wipe(&mut own);
                }
                self.rng = Some(SimdChaCha20Rng::from_seed(seed));
            }
            wipe(&mut seed);
            got?;
            self.calls = 0;
            self.bytes = 0;
        }
        self.calls += 1;
        self.bytes = self.bytes.saturating_add(work);
        self.rng.as_mut().ok_or(Error::Rng)
    }

    /// Fast key erasure, at the end of every call: the next 32 bytes of the generator key
    /// its successor, and the old one (key and buffered output) is wiped on drop.
    fn rekey(&mut self) {
        if let Some(rng) = &mut self.rng {
            let mut seed = [0u8; 32];
            rng.fill_bytes(&mut seed);
            *rng = SimdChaCha20Rng::from_seed(seed);
            wipe(&mut seed);
        }
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
        let rng = self.rng.rng(len)?;
        let result = keysplit::with_backend::raw::split_into(
            secret,
            threshold,
            shares,
            rng,
            out,
            Backend::detect(),
        );
        self.rng.rekey();
        Ok(result?)
    }

    /// The combine of the staged shares, written right after them; returns the secret's
    /// offset in the scratch region.
    fn combine_staged(&mut self, lengths: &[u32]) -> Result<usize, JsValue> {
        if lengths.len() > 255 {
            return Err(invalid(&alloc::format!(
                "shares has {} items; at most 255 are accepted",
                lengths.len()
            )));
        }
        let mut staged = 0usize;
        for &length in lengths {
            staged = staged.saturating_add(length as usize);
        }
        if staged > self.dirty.min(self.scratch.0.len()) {
            return Err(invalid("the staged shares are shorter than their lengths"));
        }
        let len = raw::check_shares(&self.staged_shares(lengths, staged)).map_err(core_error)?;
        let end = staged
            .checked_add(len)
            .ok_or_else(|| core_error(Error::TooLarge))?;
        // The wrapper stages room for the secret after the shares, so no share is copied
        // into a larger region here.
        if end > self.dirty.min(self.scratch.0.len()) {
            return Err(invalid("stage room for the secret after the shares"));
        }
        let (shares, rest) = self.scratch.0.split_at_mut(staged);
        let shares = split_lengths(shares, lengths);
        let out = rest.get_mut(..len).unwrap_or_default();
        keysplit::with_backend::raw::combine_into(&shares, out, Backend::detect())
            .map_err(core_error)?;
        Ok(staged)
    }

    /// The first `staged` bytes of the scratch region cut into `lengths` (their sum).
    fn staged_shares(&self, lengths: &[u32], staged: usize) -> Vec<&[u8]> {
        split_lengths(&self.scratch.0[..staged], lengths)
    }
}

/// `bytes` cut into consecutive pieces of `lengths` (which must sum to at most its length).
fn split_lengths<'a>(bytes: &'a [u8], lengths: &[u32]) -> Vec<&'a [u8]> {
    let mut pieces = Vec::with_capacity(lengths.len());
    let mut rest = bytes;
    for &length in lengths {
        if let Some((piece, tail)) = rest.split_at_checked(length as usize) {
            pieces.push(piece);
            rest = tail;
        }
    }
    pieces
}

/// `keysplit::raw::combine` through an engine's scratch region (the JS path's code):
/// the same refusals in the same order. The secret is copied out into a [`Wiped`].
pub(crate) fn combine(shares: &[&[u8]]) -> Result<Wiped, JsValue> {
    let mut engine = Engine::new();
    // The shares, then room for the secret (one byte shorter than a share).
    let room = shares.first().map_or(0, |s| s.len().saturating_sub(1));
    let total = shares
        .iter()
        .map(|s| s.len())
        .sum::<usize>()
        .saturating_add(room);
    let total32 = u32::try_from(total).map_err(|_| core_error(Error::TooLarge))?;
    let mut lengths = Vec::with_capacity(shares.len());
    engine.stage(total32);
    let mut at = 0;
    for share in shares {
        engine.scratch.0[at..at + share.len()].copy_from_slice(share);
        at += share.len();
        lengths.push(share.len() as u32);
    }
    let result = engine
        .combine_staged(&lengths)
        .map(|at| Wiped(engine.scratch.0[at..at + room].to_vec()));
    engine.wipe();
    result
}
