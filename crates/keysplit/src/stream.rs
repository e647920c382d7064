//! Split and combine over `std::io` streams, in memory bounded independently of the
//! secret's size (requires the `std` feature).
//!
//! The envelope format was laid out for this: the secret length is in the header, and the
//! integrity digest and the per-share checksum come at the end, so both are computed
//! incrementally while the bytes stream through. Memory is bounded whatever the secret's
//! length: three batches of up to 64 KiB per share (under 6 MiB in all, the chunk
//! shrinking for many shares). From 1 MiB on, the SHA-256 work (digest and checksums,
//! most of the cost) runs on a second thread while the calling thread reads, computes and
//! writes; the bytes written are the same either way. That thread hashes two lanes at
//! once where the CPU has SHA-NI (`sha256x2`: two interleaved streams, about 1.45x the
//! bytes per second of one).
//!
//! ```
//! # fn main() -> Result<(), keysplit::stream::StreamError> {
//! use keysplit::{stream, ChaCha20Rng};
//! use rand_core::SeedableRng;
//!
//! let secret = vec![7u8; 100_000];
//! let mut rng = ChaCha20Rng::from_seed([1; 32]); // keysplit::os_rng() in real use
//! let mut shares = vec![Vec::new(); 3];
//! stream::split(&secret[..], secret.len() as u64, 2, &mut shares, &mut rng)?;
//!
//! let mut recovered = Vec::new();
//! let mut inputs = [&shares[2][..], &shares[0][..]];
//! let report = stream::combine(&mut inputs, &mut recovered)?;
//! assert_eq!(recovered, secret);
//! assert_eq!(report.used(), &[0, 1]);
//! # Ok(()) }
//! ```
//!
//! # Security
//! * [`split`] writes exactly the bytes [`crate::split`] makes from the same RNG stream:
//!   same set id, x-coordinates and coefficients, drawn block by block.
//! * [`combine`] writes the secret to `output` **before** it can verify it: the digest
//!   and the checksums are at the end. Only an `Ok` return means the output is the
//!   secret; on any error, delete what was written (the `keysplit` CLI writes to a
//!   temporary file and renames it only on success). Write the output somewhere only you
//!   can read.
//! * With more shares than the threshold, the first `threshold` shares are used and the
//!   others are checked against them ([`crate::stream::StreamRecovery::inconsistent`]).
//!   Unlike the in-memory [`crate::combine_detailed`], a stream cannot be re-read to try
//!   other subsets: if a used share is bad the combine fails; retry with other shares.

use alloc::collections::VecDeque;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread;

use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::backend::Backend;
use crate::envelope::{check_distinct_x, Header, SetId};
use crate::envelope::{CHECKSUM_LEN, DIGEST_LEN, HEADER_LEN};
use crate::error::{DecodeError, Error};
use crate::poly::{self, Evaluator, BLOCK};
use crate::secret::SecretBytes;

#[path = "sha256x2.rs"]
mod sha256x2;
// The lanes' hasher: SHA-256 with a two-lane update (the same hashes as `sha2::Sha256`).
use sha256x2::Lane as Sha256;

/// Why a streaming split or combine failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum StreamError {
    /// The shares or parameters are wrong (the same errors as the in-memory API).
    Shares(Error),
    /// Reading the secret failed.
    ReadSecret(io::Error),
    /// The secret stream ended before the announced length.
    SecretTooShort {
        /// Length announced by the caller.
        expected: u64,
        /// Bytes the stream had.
        found: u64,
    },
    /// The secret stream has more bytes than the announced length.
    SecretTooLong {
        /// Length announced by the caller.
        expected: u64,
    },
    /// Reading share `index` (0-based) failed.
    ReadShare {
        /// Position of the share among the inputs.
        index: usize,
        /// The I/O error.
        source: io::Error,
    },
    /// Writing share `index` (0-based) failed.
    WriteShare {
        /// Position of the share among the outputs.
        index: usize,
        /// The I/O error.
        source: io::Error,
    },
    /// Writing the recovered secret failed.
    WriteSecret(io::Error),
    /// The second (hashing) thread ended before the work was done, so the checksums
    /// could not be finished. Nothing was returned as a result; retrying may help.
    HashingThreadStopped,
}

impl StreamError {
    /// A stable code: the core's [`Error::code`] for share errors, `IO` otherwise.
    pub fn code(&self) -> &'static str {
        match self {
            StreamError::Shares(e) => e.code(),
            StreamError::SecretTooShort { .. } | StreamError::SecretTooLong { .. } => {
                "SECRET_LENGTH"
            }
            StreamError::HashingThreadStopped => "INTERNAL",
            _ => "IO",
        }
    }
}

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StreamError::Shares(e) => write!(f, "{e}"),
            StreamError::ReadSecret(e) => write!(f, "cannot read the secret: {e}"),
            StreamError::SecretTooShort { expected, found } => write!(
                f,
                "the secret ended after {found} bytes but {expected} were announced (was the file changed while being split?)"
            ),
            StreamError::SecretTooLong { expected } => write!(
                f,
                "the secret has more than the {expected} bytes announced (was the file changed while being split?)"
            ),
            StreamError::ReadShare { index, source } => {
                write!(f, "cannot read share #{}: {source}", index + 1)
            }
            StreamError::WriteShare { index, source } => {
                write!(f, "cannot write share #{}: {source}", index + 1)
            }
            StreamError::WriteSecret(e) => write!(f, "cannot write the secret: {e}"),
            StreamError::HashingThreadStopped => f.write_str(
                "keysplit's hashing thread stopped before the work was done; nothing was produced (try again)",
            ),
        }
    }
}

impl std::error::Error for StreamError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StreamError::Shares(e) => Some(e),
            StreamError::ReadSecret(e) | StreamError::WriteSecret(e) => Some(e),
            StreamError::ReadShare { source, .. } | StreamError::WriteShare { source, .. } => {
                Some(source)
            }
            _ => None,
        }
    }
}

impl From<Error> for StreamError {
    fn from(e: Error) -> Self {
        StreamError::Shares(e)
    }
}

/// Reads until `buf` is full or the stream ends; returns the bytes read.
fn read_full<R: Read + ?Sized>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// The secret digest's lane, before the secret (see [`Header::digest_prefix`]).
fn secret_digest_hasher(header: &Header) -> Sha256 {
    Sha256::new_with_prefix(&header.digest_prefix())
}

/// Largest chunk read or written per share per system call (a multiple of [`BLOCK`]).
/// Larger chunks measured slower here: a batch should stay in the second level cache.
const CHUNK: usize = 1 << 16;
/// All batch buffers of one split or combine together stay under this, whatever the
/// number of shares (the chunk shrinks down to one [`BLOCK`] for many shares).
const BATCH_BUDGET: usize = 6 << 20;
/// Batches in flight: one being filled, one being processed, one queued between them.
const SLOTS: usize = 3;
/// Below this many payload bytes, everything stays on the calling thread: starting a
/// thread would cost more than it saves.
const THREAD_MIN: u64 = 1 << 20;

#[cfg(test)]
std::thread_local! {
    /// Test hook: the second thread of a pipeline built on this thread handles this many
    /// jobs, then ends, as if it had died.
    static WORKER_STOPS_AFTER: core::cell::Cell<usize> = const { core::cell::Cell::new(usize::MAX) };
}

/// Bytes per buffer per batch for `buffers` buffers per batch and a payload of
/// `payload_len` bytes: a multiple of [`BLOCK`] (so split batches are whole evaluator
/// blocks) unless the payload is smaller.
fn chunk_len(buffers: usize, payload_len: u64) -> usize {
    let budget = BATCH_BUDGET / (buffers.max(1) * SLOTS);
    let chunk = (budget / BLOCK * BLOCK).clamp(BLOCK, CHUNK);
    usize::try_from(payload_len).map_or(chunk, |len| chunk.min(len))
}

/// One batch of the stream: `main` is the secret (split) or the recovered payload
/// (combine), `others[i]` share `i`'s bytes of the same payload range, `coefficients`
/// the random coefficients drawn for `main` (split). Wiped on drop, in whichever thread
/// drops it.
struct Batch {
    main: SecretBytes,
    others: Vec<SecretBytes>,
    coefficients: SecretBytes,
    /// Bytes of `main` that go into the secret digest.
    main_len: usize,
    /// Bytes of `main` to evaluate into `others` (split), with `coefficients`.
    eval_len: usize,
    /// Bytes of each of `others` that go into that share's checksum.
    others_len: usize,
    /// Bytes of each of `others` still to be written out once the batch comes back.
    unwritten: usize,
}

impl Batch {
    fn new(len: usize, others: usize, coefficients: usize) -> Self {
        Batch {
            main: SecretBytes::zeroed(len),
            others: (0..others).map(|_| SecretBytes::zeroed(len)).collect(),
            coefficients: SecretBytes::zeroed(coefficients),
            main_len: 0,
            eval_len: 0,
            others_len: 0,
            unwritten: 0,
        }
    }
}

/// Draws the coefficients of `len` payload bytes (from a block boundary) into
/// `coefficients`, with the same `fill_bytes` calls, in the same order, as
/// [`Evaluator::eval_block`] makes block by block: per block of `l` bytes, `degree` runs
/// of `l` bytes, run `j` the coefficients `a_(j+1)` (docs/envelope-format.md).
fn draw<R: CryptoRng + ?Sized>(rng: &mut R, len: usize, degree: usize, coefficients: &mut [u8]) {
    let mut at = 0;
    let mut left = len;
    while left > 0 {
        let block = left.min(BLOCK);
        rng.fill_bytes(&mut coefficients[at..at + degree * block]);
        at += degree * block;
        left -= block;
    }
}

/// Evaluates `payload` (whole [`BLOCK`]s from a block boundary, the last one possibly
/// shorter) into `shares[i][..payload.len()]`, drawing coefficients block by block.
fn evaluate<R: CryptoRng + ?Sized>(
    evaluator: &mut Evaluator,
    payload: &[u8],
    rng: &mut R,
    shares: &mut [SecretBytes],
) {
    let mut outs: Vec<&mut [u8]> = shares.iter_mut().map(|s| &mut s[..]).collect();
    for (number, block) in payload.chunks(BLOCK).enumerate() {
        evaluator.eval_block(block, rng, &mut outs, number * BLOCK);
    }
}

/// Evaluates a split batch from coefficients drawn on the calling thread (see [`draw`]),
/// so the work can move to the second thread, whose generator the caller's need not be.
/// The polynomial of docs/envelope-format.md, as [`Evaluator::eval_block`] computes it:
/// share `i` = `s + sum_j x_i^j a_j` with public powers `x_i^j`.
#[derive(Clone)]
struct Evaluate {
    degree: usize,
    /// `powers[i * degree + j - 1] = x_i^j` (public).
    powers: Vec<u8>,
    backend: Backend,
}

impl Evaluate {
    fn new(xs: &[u8], degree: usize, backend: Backend) -> Self {
        let powers = xs
            .iter()
            .flat_map(|&x| poly::powers_of(x).take(degree))
            .collect();
        Evaluate {
            degree,
            powers,
            backend,
        }
    }

    /// Writes share `i`'s values of `payload` (from a block boundary) into
    /// `shares[i][..payload.len()]`.
    fn run(&self, payload: &[u8], coefficients: &[u8], shares: &mut [SecretBytes]) {
        let mut rows_at = 0;
        for (number, block) in payload.chunks(BLOCK).enumerate() {
            let len = block.len();
            let at = number * BLOCK;
            let rows = &coefficients[rows_at..rows_at + self.degree * len];
            for (share, powers) in shares.iter_mut().zip(self.powers.chunks_exact(self.degree)) {
                let terms = rows.chunks_exact(len).zip(powers.iter().copied());
                poly::evaluate_share(self.backend, &mut share[at..at + len], block, terms);
            }
            rows_at += self.degree * len;
        }
    }
}

/// The work done away from the reads and writes: evaluate a split batch (if it has an
/// evaluator), then feed the lanes marked in `mine` with their bytes of it: lane 0 is the
/// secret digest (`main`), lane `1 + i` share `i`'s checksum.
fn process(batch: &mut Batch, evaluator: Option<&Evaluate>, lanes: &mut [Sha256], mine: &[bool]) {
    if let (Some(evaluator), true) = (evaluator, batch.eval_len > 0) {
        evaluator.run(
            &batch.main[..batch.eval_len],
            &batch.coefficients,
            &mut batch.others,
        );
    }
    let bytes = core::iter::once(&batch.main[..batch.main_len])
        .chain(batch.others.iter().map(|b| &b[..batch.others_len]));
    // Two lanes at a time where the CPU can (see `sha256x2`): pairs in lane order.
    let mut waiting: Option<(&mut Sha256, &[u8])> = None;
    for ((lane, &take), bytes) in lanes.iter_mut().zip(mine).zip(bytes) {
        if !take || bytes.is_empty() {
            continue;
        }
        match waiting.take() {
            None => waiting = Some((lane, bytes)),
            Some((first, first_bytes)) => sha256x2::update2(first, lane, first_bytes, bytes),
        }
    }
    if let Some((lane, bytes)) = waiting {
        lane.update(bytes);
    }
}

enum Job {
    Process(Batch),
    /// Send back the secret digest of everything hashed so far.
    Digest,
    /// Hash this lane from the next batch on, starting from this state (the calling
    /// thread hashed it so far).
    Adopt(usize, Sha256),
}

/// The second thread: processes every batch in order and hands it back. Returns its
/// lanes once the job channel closes.
fn worker(
    mut lanes: Vec<Sha256>,
    mut mine: Vec<bool>,
    evaluator: Option<Evaluate>,
    jobs: Receiver<Job>,
    done: SyncSender<Batch>,
    digests: SyncSender<Zeroizing<[u8; DIGEST_LEN]>>,
    stop_after: usize,
) -> (Vec<Sha256>, usize) {
    let mut handled = 0;
    for job in jobs {
        if handled >= stop_after {
            break;
        }
        handled += 1;
        match job {
            Job::Process(mut batch) => {
                process(&mut batch, evaluator.as_ref(), &mut lanes, &mine);
                if done.send(batch).is_err() {
                    break;
                }
            }
            Job::Digest => {
                if digests.send(finish_digest(&lanes[0])).is_err() {
                    break;
                }
            }
            Job::Adopt(lane, state) => {
                if let (Some(slot), Some(flag)) = (lanes.get_mut(lane), mine.get_mut(lane)) {
                    *slot = state;
                    *flag = true;
                }
            }
        }
    }
    (lanes, handled)
}

fn finish_digest(lane: &Sha256) -> Zeroizing<[u8; DIGEST_LEN]> {
    let mut out = Zeroizing::new([0u8; DIGEST_LEN]);
    out.copy_from_slice(&lane.clone().finalize());
    out
}

impl Worker<'_> {
    /// Sends `job`; false if the thread no longer takes work.
    fn send(&mut self, job: Job) -> bool {
        let ok = self.jobs.send(job).is_ok();
        self.sent += usize::from(ok);
        ok
    }
}

struct Worker<'scope> {
    jobs: SyncSender<Job>,
    done: Receiver<Batch>,
    digests: Receiver<Zeroizing<[u8; DIGEST_LEN]>>,
    handle: thread::ScopedJoinHandle<'scope, (Vec<Sha256>, usize)>,
    /// Jobs sent; the thread must have handled every one for its lanes to be complete.
    sent: usize,
}

/// The SHA-256 work of a split or combine (the secret digest and one checksum per
/// share, as many bytes as the payload each) and a split's evaluation, moved to a second
/// thread while this one reads, draws coefficients and writes: a bounded pipeline of
/// [`SLOTS`] batches, recycled in order. The bytes drawn, evaluated, hashed and written,
/// and their order, are the same as on one thread; only who computes changes.
struct Pipeline<'scope> {
    /// All lanes; this thread updates only those not `offloaded`.
    lanes: Vec<Sha256>,
    offloaded: Vec<bool>,
    local: Vec<bool>,
    buffer_len: usize,
    others: usize,
    coefficients: usize,
    /// Batches processed on this thread (no second thread), oldest first.
    spare: VecDeque<Batch>,
    allocated: usize,
    /// The evaluator when evaluation stays on this thread.
    evaluator: Option<Evaluate>,
    worker: Option<Worker<'scope>>,
}

impl<'scope> Pipeline<'scope> {
    /// `offload(lane)` says which lanes the second thread hashes; with `threaded` false
    /// (or when no thread can be started) everything runs here. A split's evaluation
    /// (`eval`) runs on the second thread, with every lane.
    fn new<'env>(
        scope: &'scope thread::Scope<'scope, 'env>,
        lanes: Vec<Sha256>,
        buffer_len: usize,
        eval: Option<(Evaluate, usize)>,
        threaded: bool,
        offload: impl Fn(usize) -> bool,
    ) -> Self {
        let others = lanes.len().saturating_sub(1);
        let coefficients = eval.as_ref().map_or(0, |(_, len)| *len);
        let mut offloaded: Vec<bool> = (0..lanes.len())
            .map(|lane| threaded && (eval.is_some() || offload(lane)))
            .collect();
        let mut worker = None;
        if offloaded.contains(&true) {
            let (jobs, job_rx) = mpsc::sync_channel(SLOTS + 1);
            let (done_tx, done) = mpsc::sync_channel(SLOTS);
            let (digest_tx, digests) = mpsc::sync_channel(1);
            let worker_lanes = lanes.clone();
            let mine = offloaded.clone();
            let evaluator = eval.as_ref().map(|(evaluator, _)| evaluator.clone());
            // Tests make the thread stop early to check how that is reported.
            #[cfg(test)]
            let stop_after = WORKER_STOPS_AFTER.with(core::cell::Cell::get);
            #[cfg(not(test))]
            let stop_after = usize::MAX;
            match thread::Builder::new()
                .name("keysplit-sha256".into())
                .spawn_scoped(scope, move || {
                    self::worker(
                        worker_lanes,
                        mine,
                        evaluator,
                        job_rx,
                        done_tx,
                        digest_tx,
                        stop_after,
                    )
                }) {
                Ok(handle) => {
                    worker = Some(Worker {
                        jobs,
                        done,
                        digests,
                        handle,
                        sent: 0,
                    })
                }
                // No thread (a restricted platform): do everything here.
                Err(_) => offloaded.iter_mut().for_each(|o| *o = false),
            }
        }
        let evaluator = match (&worker, eval) {
            (None, Some((evaluator, _))) => Some(evaluator),
            _ => None,
        };
        let local = offloaded.iter().map(|o| !o).collect();
        Pipeline {
            lanes,
            offloaded,
            local,
            buffer_len,
            others,
            coefficients,
            spare: VecDeque::new(),
            allocated: 0,
            evaluator,
            worker,
        }
    }

    /// A batch to fill: a processed one (whose `unwritten` bytes the caller writes out
    /// first), a new one while fewer than [`SLOTS`] exist, or the oldest one the second
    /// thread hands back.
    fn take(&mut self) -> Result<Batch, StreamError> {
        if let Some(batch) = self.spare.pop_front() {
            return Ok(batch);
        }
        if self.worker.is_some() && self.allocated >= SLOTS {
            let recycled = self.worker.as_ref().and_then(|w| w.done.recv().ok());
            return match recycled {
                Some(batch) => Ok(batch),
                // The channel only closes if the second thread ended.
                None => Err(self.worker_stopped()),
            };
        }
        self.allocated += 1;
        Ok(Batch::new(self.buffer_len, self.others, self.coefficients))
    }

    /// Processes this thread's share of `batch` and passes it on.
    fn submit(&mut self, mut batch: Batch) -> Result<(), StreamError> {
        batch.unwritten = if batch.eval_len > 0 {
            batch.others_len
        } else {
            0
        };
        if self.worker.is_none() {
            process(
                &mut batch,
                self.evaluator.as_ref(),
                &mut self.lanes,
                &self.local,
            );
            self.spare.push_back(batch);
            return Ok(());
        }
        // With a second thread, this thread's lanes never need evaluated bytes (a split
        // offloads every lane).
        process(&mut batch, None, &mut self.lanes, &self.local);
        let sent = self
            .worker
            .as_mut()
            .is_some_and(|w| w.send(Job::Process(batch)));
        if !sent {
            return Err(self.worker_stopped());
        }
        Ok(())
    }

    /// Moves `lane` from this thread to the second one, from the next batch on (jobs are
    /// handled in order, so no byte is hashed twice or skipped). Balances the threads when
    /// whole lanes cannot: a lane is sequential, but it can change hands.
    fn hand_over(&mut self, lane: usize) -> Result<(), StreamError> {
        let Some(worker) = &mut self.worker else {
            return Ok(());
        };
        if lane >= self.lanes.len() || self.offloaded[lane] {
            return Ok(());
        }
        if !worker.send(Job::Adopt(lane, self.lanes[lane].clone())) {
            return Err(self.worker_stopped());
        }
        self.offloaded[lane] = true;
        self.local[lane] = false;
        Ok(())
    }

    /// The secret digest of all the bytes submitted so far.
    fn digest(&mut self) -> Result<Zeroizing<[u8; DIGEST_LEN]>, StreamError> {
        if let (Some(worker), true) = (&mut self.worker, self.offloaded[0]) {
            if worker.send(Job::Digest) {
                if let Ok(digest) = worker.digests.recv() {
                    return Ok(digest);
                }
            }
            return Err(self.worker_stopped());
        }
        Ok(finish_digest(&self.lanes[0]))
    }

    /// Waits for the second thread; returns every lane and the batches still holding
    /// unwritten bytes, oldest first.
    fn finish(mut self) -> Result<(Vec<Sha256>, VecDeque<Batch>), StreamError> {
        let mut left = core::mem::take(&mut self.spare);
        if let Some(worker) = self.worker.take() {
            let Worker {
                jobs,
                done,
                digests,
                handle,
                sent,
            } = worker;
            drop(jobs);
            // The thread hands back every batch still queued, in order, then ends.
            left.extend(done.iter());
            let theirs = match handle.join() {
                Ok((lanes, handled)) if handled == sent => lanes,
                // It ended with jobs unhandled: its lanes miss bytes.
                Ok(_) => return Err(StreamError::HashingThreadStopped),
                Err(panic) => std::panic::resume_unwind(panic),
            };
            drop(digests);
            for ((lane, their), &offloaded) in
                self.lanes.iter_mut().zip(theirs).zip(&self.offloaded)
            {
                if offloaded {
                    *lane = their;
                }
            }
        }
        Ok((core::mem::take(&mut self.lanes), left))
    }

    /// Why the second thread stopped taking work: its panic, re-raised (a bug in this
    /// crate, not something a caller can cause), or else an error. The caller stops
    /// and returns that error; nothing half-hashed is ever used.
    fn worker_stopped(&mut self) -> StreamError {
        if let Some(worker) = self.worker.take() {
            drop(worker.jobs);
            if let Err(panic) = worker.handle.join() {
                std::panic::resume_unwind(panic);
            }
        }
        StreamError::HashingThreadStopped
    }
}

/// [`split_with_backend`] with the detected backend.
pub fn split<S, W, R>(
    secret: S,
    secret_len: u64,
    threshold: usize,
    outputs: &mut [W],
    rng: &mut R,
) -> Result<SetId, StreamError>
where
    S: Read,
    W: Write,
    R: CryptoRng + ?Sized,
{
    split_with_backend(
        secret,
        secret_len,
        threshold,
        outputs,
        rng,
        Backend::detect(),
    )
}

/// Splits the `secret_len` bytes read from `secret` into one envelope per writer in
/// `outputs` (2..=255 of them), any `threshold` of which rebuild it.
///
/// The length must be known up front (it is in every share's header); a stream that is
/// shorter or longer is an error. Writers are written block by block: wrap files in a
/// `BufWriter` only if the blocks (4 KiB) are too small for you. Nothing is flushed.
/// Splits the `secret_len` bytes read from `secret` into one envelope per writer in
/// `outputs` (2..=255 of them), any `threshold` of which rebuild it.
///
/// The length must be known up front (it is in every share's header); a stream that is
/// shorter or longer is an error. Reads and writes go in chunks of up to 64 KiB per
/// share (smaller with many shares), so files need no `BufWriter`; nothing is flushed.
/// For secrets of 1 MiB or more the SHA-256 work (digest and checksums) runs on a second
/// thread, in a bounded pipeline (all buffers together under 6 MiB).
pub fn split_with_backend<S, W, R>(
    mut secret: S,
    secret_len: u64,
    threshold: usize,
    outputs: &mut [W],
    rng: &mut R,
    backend: Backend,
) -> Result<SetId, StreamError>
where
    S: Read,
    W: Write,
    R: CryptoRng + ?Sized,
{
    poly::check_parameters(threshold, outputs.len())?;
    if secret_len == 0 {
        return Err(Error::EmptySecret.into());
    }
    let payload_len = secret_len
        .checked_add(DIGEST_LEN as u64)
        .filter(|len| {
            len.checked_add((HEADER_LEN + CHECKSUM_LEN) as u64)
                .is_some()
        })
        .ok_or(Error::TooLarge)?;

    // The same draws, in the same order, as the in-memory split.
    let mut set_id = SetId([0u8; 16]);
    rng.fill_bytes(&mut set_id.0);
    let xs = poly::random_xs(outputs.len(), rng)?;

    // Lane 0: the secret digest; lane 1 + i: share i's checksum.
    let mut lanes: Vec<Sha256> = Vec::with_capacity(outputs.len() + 1);
    let mut header = Header {
        threshold: threshold as u8,
        x: 0,
        set_id,
        secret_len,
    };
    lanes.push(secret_digest_hasher(&header));
    for (index, (output, &x)) in outputs.iter_mut().zip(&xs).enumerate() {
        header.x = x;
        let bytes = header.encode();
        output
            .write_all(&bytes)
            .map_err(|source| StreamError::WriteShare { index, source })?;
        lanes.push(Sha256::new_with_prefix(&bytes));
    }

    // Blocks are cut from the payload start (docs/envelope-format.md); the blocks from
    // `tail_start` on hold digest bytes, so they wait for the whole secret to be hashed.
    let tail_start = secret_len - secret_len % BLOCK as u64;
    let rest = (secret_len - tail_start) as usize;
    let tail_len = rest + DIGEST_LEN;
    let degree = threshold - 1;
    // Per batch: the secret, one buffer per share and `degree` rows of coefficients.
    let chunk = chunk_len(lanes.len() + degree, tail_start);
    let buffer_len = chunk.max(tail_len);
    let evaluator = Evaluate::new(&xs, degree, backend);

    thread::scope(|scope| {
        let mut pipeline = Pipeline::new(
            scope,
            lanes,
            buffer_len,
            Some((evaluator, degree * buffer_len)),
            payload_len >= THREAD_MIN,
            |_| true,
        );
        let mut offset = 0u64;
        while offset < tail_start {
            let len = (tail_start - offset).min(chunk as u64) as usize;
            let mut batch = pipeline.take()?;
            write_back(outputs, &mut batch)?;
            let got =
                read_full(&mut secret, &mut batch.main[..len]).map_err(StreamError::ReadSecret)?;
            if got < len {
                return Err(StreamError::SecretTooShort {
                    expected: secret_len,
                    found: offset + got as u64,
                });
            }
            draw(rng, len, degree, &mut batch.coefficients);
            batch.main_len = len;
            batch.eval_len = len;
            batch.others_len = len;
            pipeline.submit(batch)?;
            offset += len as u64;
        }

        // The last bytes of the secret, then its digest: the tail of the payload.
        let mut batch = pipeline.take()?;
        write_back(outputs, &mut batch)?;
        let got =
            read_full(&mut secret, &mut batch.main[..rest]).map_err(StreamError::ReadSecret)?;
        if got < rest {
            return Err(StreamError::SecretTooShort {
                expected: secret_len,
                found: tail_start + got as u64,
            });
        }
        let mut probe = [0u8; 1];
        if read_full(&mut secret, &mut probe).map_err(StreamError::ReadSecret)? != 0 {
            return Err(StreamError::SecretTooLong {
                expected: secret_len,
            });
        }
        let mut tail = SecretBytes::zeroed(tail_len);
        tail[..rest].copy_from_slice(&batch.main[..rest]);
        batch.main_len = rest;
        batch.eval_len = 0;
        batch.others_len = 0;
        pipeline.submit(batch)?;
        tail[rest..].copy_from_slice(&*pipeline.digest()?);

        let mut batch = pipeline.take()?;
        write_back(outputs, &mut batch)?;
        batch.main[..tail_len].copy_from_slice(&tail);
        draw(rng, tail_len, degree, &mut batch.coefficients);
        batch.main_len = 0;
        batch.eval_len = tail_len;
        batch.others_len = tail_len;
        pipeline.submit(batch)?;

        let (lanes, left) = pipeline.finish()?;
        for mut batch in left {
            write_back(outputs, &mut batch)?;
        }
        for (index, (output, checksum)) in outputs
            .iter_mut()
            .zip(lanes.into_iter().skip(1))
            .enumerate()
        {
            let sum = checksum.finalize();
            output
                .write_all(&sum[..CHECKSUM_LEN])
                .map_err(|source| StreamError::WriteShare { index, source })?;
        }
        Ok(set_id)
    })
}

/// Writes out the share bytes a processed batch still holds.
fn write_back<W: Write>(outputs: &mut [W], batch: &mut Batch) -> Result<(), StreamError> {
    let len = core::mem::take(&mut batch.unwritten);
    if len > 0 {
        write_shares(outputs, &batch.others, len)?;
    }
    Ok(())
}

fn write_shares<W: Write>(
    outputs: &mut [W],
    shares: &[SecretBytes],
    len: usize,
) -> Result<(), StreamError> {
    for (index, (output, values)) in outputs.iter_mut().zip(shares).enumerate() {
        output
            .write_all(&values[..len])
            .map_err(|source| StreamError::WriteShare { index, source })?;
    }
    Ok(())
}

/// Splits the `secret_len` bytes read from `secret` into raw shares (`y bytes || x`,
/// Privy/Vault-compatible; see [`crate::raw`]), one per writer in `outputs`; returns the
/// x-coordinates. Writes the same bytes as [`crate::raw::split_with_backend`] for the
/// same RNG stream. Raw shares carry no integrity: prefer [`split`].
pub fn split_raw<S, W, R>(
    mut secret: S,
    secret_len: u64,
    threshold: usize,
    outputs: &mut [W],
    rng: &mut R,
    backend: Backend,
) -> Result<Vec<u8>, StreamError>
where
    S: Read,
    W: Write,
    R: CryptoRng + ?Sized,
{
    poly::check_parameters(threshold, outputs.len())?;
    if secret_len == 0 {
        return Err(Error::EmptySecret.into());
    }
    let xs = poly::random_xs(outputs.len(), rng)?;
    let chunk = chunk_len(outputs.len() + 1, secret_len);
    let mut evaluator = Evaluator::new(&xs, threshold, backend, chunk.min(BLOCK));
    let mut batch = Batch::new(chunk, outputs.len(), 0);
    let mut offset = 0u64;
    while offset < secret_len {
        let len = (secret_len - offset).min(chunk as u64) as usize;
        let got =
            read_full(&mut secret, &mut batch.main[..len]).map_err(StreamError::ReadSecret)?;
        if got < len {
            return Err(StreamError::SecretTooShort {
                expected: secret_len,
                found: offset + got as u64,
            });
        }
        evaluate(&mut evaluator, &batch.main[..len], rng, &mut batch.others);
        write_shares(outputs, &batch.others, len)?;
        offset += len as u64;
    }
    let mut probe = [0u8; 1];
    if read_full(&mut secret, &mut probe).map_err(StreamError::ReadSecret)? != 0 {
        return Err(StreamError::SecretTooLong {
            expected: secret_len,
        });
    }
    for (index, (output, &x)) in outputs.iter_mut().zip(&xs).enumerate() {
        output
            .write_all(&[x])
            .map_err(|source| StreamError::WriteShare { index, source })?;
    }
    Ok(xs)
}

/// Rebuilds a secret from raw shares (`y bytes || x`, as [`split_raw`] and
/// [`crate::raw`] make them) and writes it to `output`; returns its length. The same
/// result as [`crate::raw::combine`] on the same shares, in bounded memory.
///
/// The x-coordinate is the **last** byte of a raw share, so the shares must be seekable
/// (files): each is read once from the end for its x and its length, then from the start.
/// Refuses what it can see, like [`crate::raw::combine`]: no shares or a single one, a
/// share shorter than 2 bytes, x = 0, duplicate x, unequal lengths. Raw shares carry no
/// integrity: too few shares, a corrupted share or a share of another split give a wrong
/// secret without an error. `output` is flushed.
pub fn combine_raw<R: Read + Seek, W: Write>(
    shares: &mut [R],
    mut output: W,
    backend: Backend,
) -> Result<u64, StreamError> {
    if shares.is_empty() {
        return Err(Error::NoShares.into());
    }
    let mut xs = Vec::with_capacity(shares.len());
    let mut expected = None;
    for (index, share) in shares.iter_mut().enumerate() {
        let io_error = |source| StreamError::ReadShare { index, source };
        let len = share.seek(SeekFrom::End(0)).map_err(io_error)?;
        if len < 2 {
            return Err(Error::BadShare {
                index,
                cause: DecodeError::TooShort {
                    found: len as usize,
                },
            }
            .into());
        }
        share.seek(SeekFrom::End(-1)).map_err(io_error)?;
        let mut x = [0u8; 1];
        if read_full(share, &mut x).map_err(io_error)? != 1 {
            return Err(Error::BadShare {
                index,
                cause: DecodeError::TooShort { found: 1 },
            }
            .into());
        }
        if x[0] == 0 {
            return Err(Error::ZeroX { index }.into());
        }
        let first = *expected.get_or_insert(len);
        if len != first {
            return Err(Error::LengthMismatch {
                index,
                expected: first,
                found: len,
            }
            .into());
        }
        share.seek(SeekFrom::Start(0)).map_err(io_error)?;
        xs.push(x[0]);
    }
    check_distinct_x(xs.iter().copied().enumerate())?;
    if shares.len() < 2 {
        return Err(Error::BelowThreshold {
            needed: 2,
            got: shares.len(),
        }
        .into());
    }
    let secret_len = expected.unwrap_or(1) - 1;
    let weights = poly::lagrange_weights(&xs, 0);
    let chunk = chunk_len(shares.len() + 1, secret_len);
    let mut batch = Batch::new(chunk, shares.len(), 0);
    let mut offset = 0u64;
    while offset < secret_len {
        let len = (secret_len - offset).min(chunk as u64) as usize;
        for (index, (share, values)) in shares.iter_mut().zip(batch.others.iter_mut()).enumerate() {
            let got = read_full(share, &mut values[..len])
                .map_err(|source| StreamError::ReadShare { index, source })?;
            if got < len {
                // The file shrank after its length was taken.
                return Err(Error::BadShare {
                    index,
                    cause: DecodeError::Truncated {
                        expected: secret_len + 1,
                        found: offset + got as u64,
                    },
                }
                .into());
            }
        }
        let out = &mut batch.main[..len];
        interpolate(backend, out, &batch.others, &weights);
        output.write_all(out).map_err(StreamError::WriteSecret)?;
        offset += len as u64;
    }
    output.flush().map_err(StreamError::WriteSecret)?;
    Ok(secret_len)
}

/// `out = sum_i weights[i] * ys[i]` over `out.len()` bytes (public weights): the core's
/// interpolation, first two terms fused.
fn interpolate(backend: Backend, out: &mut [u8], ys: &[SecretBytes], weights: &[u8]) {
    let len = out.len();
    let y = |i: usize| ys.get(i).and_then(|y| y.get(..len)).unwrap_or(&[]);
    poly::interpolate_with(out, &weights[..weights.len().min(ys.len())], y, backend);
}

/// What a successful streaming combine found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamRecovery {
    set_id: SetId,
    threshold: u8,
    secret_len: u64,
    used: Vec<usize>,
    inconsistent: Vec<usize>,
}

impl StreamRecovery {
    /// The set the secret was rebuilt from.
    pub fn set_id(&self) -> SetId {
        self.set_id
    }
    /// The set's threshold.
    pub fn threshold(&self) -> u8 {
        self.threshold
    }
    /// Bytes written to the output.
    pub fn secret_len(&self) -> u64 {
        self.secret_len
    }
    /// Positions of the shares whose values rebuilt the secret (the first `threshold`).
    pub fn used(&self) -> &[usize] {
        &self.used
    }
    /// Positions of the extra shares that do not lie on the recovered polynomial
    /// (altered or forged with a recomputed checksum): replace them.
    pub fn inconsistent(&self) -> &[usize] {
        &self.inconsistent
    }
}

/// One share being read: its position and x-coordinate.
struct Incoming<R> {
    reader: R,
    index: usize,
    x: u8,
}

impl<R: Read> Incoming<R> {
    /// Fills `values` from the share; `position` is its offset in the share.
    fn read_exact(
        &mut self,
        values: &mut [u8],
        position: u64,
        total: u64,
    ) -> Result<(), StreamError> {
        let index = self.index;
        let got = read_full(&mut self.reader, values)
            .map_err(|source| StreamError::ReadShare { index, source })?;
        if got < values.len() {
            return Err(Error::BadShare {
                index,
                cause: DecodeError::Truncated {
                    expected: total,
                    found: position + got as u64,
                },
            }
            .into());
        }
        Ok(())
    }
}

/// Reads and checks one header (as [`Header::parse`] and [`Header::check_values`] do);
/// returns its fields and its bytes.
fn read_header<R: Read>(
    reader: &mut R,
    index: usize,
) -> Result<(Header, [u8; HEADER_LEN]), StreamError> {
    let mut bytes = [0u8; HEADER_LEN];
    let got =
        read_full(reader, &mut bytes).map_err(|source| StreamError::ReadShare { index, source })?;
    let checked = Header::parse(&bytes[..got]).and_then(|h| h.check_values().map(|()| h));
    match checked {
        Ok(header) => Ok((header, bytes)),
        // Like the other x checks of a combine (`check_distinct_x`).
        Err(DecodeError::ZeroX) => Err(Error::ZeroX { index }.into()),
        Err(cause) => Err(Error::BadShare { index, cause }.into()),
    }
}

/// [`combine_with_backend`] with the detected backend.
pub fn combine<R: Read, W: Write>(
    shares: &mut [R],
    output: W,
) -> Result<StreamRecovery, StreamError> {
    combine_with_backend(shares, output, Backend::detect())
}

/// Rebuilds the secret from envelope streams and writes it to `output` block by block.
///
/// The headers are read and checked first (same set, threshold and length, distinct
/// non-zero x, at least `threshold` shares) before anything is written. The secret is
/// only known to be right when this returns `Ok`: the digest and the checksums come at
/// the end of the shares (see the module docs). `output` is flushed on success.
pub fn combine_with_backend<R: Read, W: Write>(
    shares: &mut [R],
    mut output: W,
    backend: Backend,
) -> Result<StreamRecovery, StreamError> {
    if shares.is_empty() {
        return Err(Error::NoShares.into());
    }
    let mut incoming: Vec<Incoming<&mut R>> = Vec::with_capacity(shares.len());
    // Lane 0: the digest of the recovered secret; lane 1 + i: share i's checksum.
    let mut lanes: Vec<Sha256> = Vec::with_capacity(shares.len() + 1);
    let mut first: Option<Header> = None;
    for (index, reader) in shares.iter_mut().enumerate() {
        let (header, bytes) = read_header(reader, index)?;
        match &first {
            None => first = Some(header),
            Some(first) => first.check_same_set(&header, index)?,
        }
        incoming.push(Incoming {
            reader,
            index,
            x: header.x,
        });
        lanes.push(Sha256::new_with_prefix(&bytes));
    }
    let Some(first) = first else {
        return Err(Error::NoShares.into());
    };
    let (threshold, set_id, secret_len) = (first.threshold, first.set_id, first.secret_len);
    lanes.insert(0, secret_digest_hasher(&first));
    check_distinct_x(incoming.iter().map(|s| (s.index, s.x)))?;
    let t = usize::from(threshold);
    if incoming.len() < t {
        return Err(Error::BelowThreshold {
            needed: t,
            got: incoming.len(),
        }
        .into());
    }
    let payload_len = secret_len
        .checked_add(DIGEST_LEN as u64)
        .ok_or(Error::TooLarge)?;
    let total_len = payload_len
        .checked_add((HEADER_LEN + CHECKSUM_LEN) as u64)
        .ok_or(Error::TooLarge)?;
    let chunk = chunk_len(lanes.len(), payload_len);

    let xs: Vec<u8> = incoming[..t].iter().map(|s| s.x).collect();
    let weights = poly::lagrange_weights(&xs, 0);
    // Weights that evaluate the recovered polynomial at each extra share's x.
    let extra_weights: Vec<Vec<u8>> = incoming[t..]
        .iter()
        .map(|s| poly::lagrange_weights(&xs, s.x))
        .collect();
    let mut consistent = vec![true; incoming.len() - t];
    let mut check = SecretBytes::zeroed(if incoming.len() > t { chunk } else { 0 });
    let mut recovered_digest = Zeroizing::new([0u8; DIGEST_LEN]);

    let lanes = thread::scope(|scope| {
        // This thread reads every share and writes the secret; the other hashes the
        // digest and the checksums (two lanes at a time, see `sha256x2`), except the
        // first share's checksum over the first third of the payload, hashed here: for
        // 2-of-2 from tmpfs that balances the threads (CPU per thread for 64 MiB, medians
        // of 5: this one 92 ms of reads, writes, interpolation and that third, the other
        // 91 ms of SHA-256).
        let threaded = payload_len >= THREAD_MIN;
        let mut pipeline = Pipeline::new(scope, lanes, chunk, None, threaded, |lane| lane != 1);
        let handover = payload_len / 3;
        let mut offset = 0u64;
        while offset < payload_len {
            if offset >= handover {
                pipeline.hand_over(1)?;
            }
            let len = (payload_len - offset).min(chunk as u64) as usize;
            let position = HEADER_LEN as u64 + offset;
            let mut batch = pipeline.take()?;
            for (share, values) in incoming.iter_mut().zip(batch.others.iter_mut()) {
                share.read_exact(&mut values[..len], position, total_len)?;
            }
            let (used, extra) = batch.others.split_at(t);
            let out = &mut batch.main[..len];
            interpolate(backend, out, used, &weights);
            for ((values, w), ok) in extra.iter().zip(&extra_weights).zip(&mut consistent) {
                let expected = &mut check[..len];
                interpolate(backend, expected, used, w);
                *ok &= crate::ct::public_choice(expected.ct_eq(&values[..len]));
            }
            // Split the chunk at the end of the secret: secret bytes go out, digest
            // bytes are kept for the final check.
            let secret_part = (len as u64).min(secret_len.saturating_sub(offset)) as usize;
            output
                .write_all(&out[..secret_part])
                .map_err(StreamError::WriteSecret)?;
            if secret_part < len {
                let digest_from = (offset + secret_part as u64 - secret_len) as usize;
                recovered_digest[digest_from..digest_from + len - secret_part]
                    .copy_from_slice(&out[secret_part..len]);
            }
            batch.main_len = secret_part;
            batch.eval_len = 0;
            batch.others_len = len;
            pipeline.submit(batch)?;
            offset += len as u64;
        }
        Ok::<_, StreamError>(pipeline.finish()?.0)
    })?;

    let mut lanes = lanes.into_iter();
    let digest_lane = lanes.next();
    for (share, checksum) in incoming.iter_mut().zip(lanes) {
        let index = share.index;
        let mut stored = [0u8; CHECKSUM_LEN];
        let got = read_full(&mut share.reader, &mut stored)
            .map_err(|source| StreamError::ReadShare { index, source })?;
        if got < CHECKSUM_LEN {
            return Err(Error::BadShare {
                index,
                cause: DecodeError::Truncated {
                    expected: total_len,
                    found: total_len - (CHECKSUM_LEN - got) as u64,
                },
            }
            .into());
        }
        let computed = checksum.finalize();
        if !crate::ct::public_choice(computed[..CHECKSUM_LEN].ct_eq(&stored)) {
            return Err(Error::BadShare {
                index,
                cause: DecodeError::Checksum,
            }
            .into());
        }
        let mut probe = [0u8; 1];
        let extra = read_full(&mut share.reader, &mut probe)
            .map_err(|source| StreamError::ReadShare { index, source })?;
        if extra != 0 {
            return Err(Error::BadShare {
                index,
                cause: DecodeError::TrailingBytes {
                    expected: total_len,
                    found: total_len + extra as u64,
                },
            }
            .into());
        }
    }
    let mut digest = Zeroizing::new([0u8; DIGEST_LEN]);
    if let Some(lane) = digest_lane {
        digest.copy_from_slice(&lane.finalize());
    }
    if !crate::ct::public_choice(digest.ct_eq(&*recovered_digest)) {
        return Err(Error::IntegrityCheck.into());
    }
    output.flush().map_err(StreamError::WriteSecret)?;
    Ok(StreamRecovery {
        set_id,
        threshold,
        secret_len,
        used: incoming[..t].iter().map(|s| s.index).collect(),
        inconsistent: incoming[t..]
            .iter()
            .zip(&consistent)
            .filter(|(_, &ok)| !ok)
            .map(|(s, _)| s.index)
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ChaCha20Rng;
    use rand_core::{Rng, SeedableRng};
    use sha2::Digest;

    fn secret(len: usize) -> Vec<u8> {
        let mut bytes = vec![0u8; len];
        ChaCha20Rng::seed_from_u64(len as u64).fill_bytes(&mut bytes);
        bytes
    }

    fn stream_split(data: &[u8], t: usize, n: usize, seed: u64) -> Vec<Vec<u8>> {
        let mut outputs = vec![Vec::new(); n];
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        split(data, data.len() as u64, t, &mut outputs, &mut rng).unwrap();
        outputs
    }

    /// Review finding: the library panicked ("the keysplit hashing thread stopped early")
    /// when the second thread ended before the reader. Whenever it ends, split and
    /// combine return `HashingThreadStopped` (code `INTERNAL`), never a panic and never a
    /// share or secret built from half-hashed lanes.
    #[test]
    fn a_hashing_thread_that_stops_early_is_an_error_not_a_panic() {
        let data = secret(3 << 20);
        let shares = stream_split(&data, 2, 3, 9);
        let mut stopped = 0;
        for stop_after in [0, 1, 2, 3, 4, 5, 8, 13, 40, 1000, usize::MAX] {
            super::WORKER_STOPS_AFTER.with(|c| c.set(stop_after));
            let mut outputs = vec![Vec::new(); 3];
            let mut rng = ChaCha20Rng::seed_from_u64(9);
            let split_result = split(&data[..], data.len() as u64, 2, &mut outputs, &mut rng);
            let mut rebuilt = Vec::new();
            let mut inputs: Vec<&[u8]> = shares.iter().map(Vec::as_slice).collect();
            let combine_result = combine(&mut inputs, &mut rebuilt);
            super::WORKER_STOPS_AFTER.with(|c| c.set(usize::MAX));
            match split_result {
                Ok(_) => assert_eq!(outputs, shares, "stop after {stop_after}"),
                Err(e) => {
                    assert!(matches!(e, StreamError::HashingThreadStopped), "{e:?}");
                    assert_eq!(e.code(), "INTERNAL");
                    stopped += 1;
                }
            }
            match combine_result {
                Ok(_) => assert_eq!(rebuilt, data, "stop after {stop_after}"),
                Err(e) => {
                    assert!(matches!(e, StreamError::HashingThreadStopped), "{e:?}");
                    stopped += 1;
                }
            }
        }
        // The early stops were really exercised, and the late ones really finished.
        assert!(stopped >= 10, "only {stopped} runs stopped early");
    }

    /// Re-seals an envelope after its bytes were edited (as a forger would).
    fn reseal(bytes: &mut [u8]) {
        let body = bytes.len() - CHECKSUM_LEN;
        let sum = sha2::Sha256::digest(&bytes[..body]);
        bytes[body..].copy_from_slice(&sum[..CHECKSUM_LEN]);
    }

    #[test]
    fn streamed_shares_equal_in_memory_shares() {
        let lengths = [
            1usize, 31, 32, 33, 4063, 4064, 4065, 4096, 8160, 8192, 10_000,
        ];
        for len in lengths {
            for (t, n) in [(2, 3), (3, 5), (5, 5)] {
                let data = secret(len);
                let streamed = stream_split(&data, t, n, 9);
                let memory = crate::split(&data, t, n, &mut ChaCha20Rng::seed_from_u64(9)).unwrap();
                for (a, b) in streamed.iter().zip(&memory) {
                    assert!(a[..] == *b.as_bytes(), "len={len} t={t} n={n}");
                }
            }
        }
    }

    /// Secrets from 1 MiB on are hashed on a second thread, in batches: the bytes must
    /// not change (batch edges, the digest tail, many shares with a small chunk).
    #[test]
    fn threaded_streamed_shares_equal_in_memory_shares() {
        let mib = 1usize << 20;
        for (len, t, n) in [
            (mib, 2, 3),
            (mib + 1, 3, 5),
            (mib + 4064, 2, 2),
            (mib + 4065, 4, 4),
            (3 * mib + 17, 2, 3),
            (mib + 5000, 2, 255),
        ] {
            let data = secret(len);
            let streamed = stream_split(&data, t, n, 11);
            let memory = crate::split(&data, t, n, &mut ChaCha20Rng::seed_from_u64(11)).unwrap();
            for (a, b) in streamed.iter().zip(&memory) {
                assert!(a[..] == *b.as_bytes(), "len={len} t={t} n={n}");
            }
            let mut out = Vec::new();
            let mut inputs: Vec<&[u8]> = streamed.iter().rev().map(|s| &s[..]).collect();
            let report = combine(&mut inputs, &mut out).unwrap();
            assert!(out == data, "len={len} t={t} n={n}");
            assert!(report.inconsistent().is_empty());
        }
    }

    #[test]
    fn threaded_combine_reports_errors_and_forgeries() {
        let data = secret((1 << 20) + 300);
        let shares = stream_split(&data, 2, 3, 12);
        let mut forged = shares[2].clone();
        forged[HEADER_LEN + 700_000] ^= 1;
        reseal(&mut forged);
        let mut out = Vec::new();
        let mut inputs: Vec<&[u8]> = vec![&shares[0], &shares[1], &forged];
        let report = combine(&mut inputs, &mut out).unwrap();
        assert!(out == data);
        assert_eq!(report.inconsistent(), &[2]);

        let err = combine_err(&[&shares[0], &forged]);
        assert!(
            matches!(err, StreamError::Shares(Error::IntegrityCheck)),
            "{err}"
        );
        let mut corrupted = shares[1].clone();
        corrupted[HEADER_LEN + 900_000] ^= 0x80;
        let err = combine_err(&[&shares[0], &corrupted]);
        assert!(
            matches!(
                err,
                StreamError::Shares(Error::BadShare {
                    index: 1,
                    cause: DecodeError::Checksum
                })
            ),
            "{err}"
        );
        // The first share's checksum changes threads a third of the way in: a flipped
        // bit before or after that point is still caught.
        for at in [1_000, 300_000, 800_000] {
            let mut corrupted = shares[0].clone();
            corrupted[HEADER_LEN + at] ^= 0x01;
            let err = combine_err(&[&corrupted, &shares[1]]);
            assert!(
                matches!(
                    err,
                    StreamError::Shares(Error::BadShare {
                        index: 0,
                        cause: DecodeError::Checksum
                    })
                ),
                "at {at}: {err}"
            );
        }
        // Cut off mid-stream, while the hashing thread is busy.
        let err = combine_err(&[&shares[0], &shares[1][..600_000]]);
        assert!(
            matches!(
                err,
                StreamError::Shares(Error::BadShare {
                    index: 1,
                    cause: DecodeError::Truncated { found: 600_000, .. }
                })
            ),
            "{err}"
        );
    }

    #[test]
    fn threaded_split_of_a_wrong_length_stream_is_an_error() {
        let data = secret(3 << 20);
        let mut rng = ChaCha20Rng::seed_from_u64(13);
        let mut outputs = vec![Vec::new(); 3];
        let err = split(&data[..], (3 << 20) + 1, 2, &mut outputs, &mut rng).unwrap_err();
        assert!(
            matches!(err, StreamError::SecretTooShort { found, .. } if found == 3 << 20),
            "{err}"
        );
        let mut outputs = vec![Vec::new(); 3];
        let err = split(&data[..], 2 << 20, 2, &mut outputs, &mut rng).unwrap_err();
        assert!(
            matches!(err, StreamError::SecretTooLong { expected } if expected == 2 << 20),
            "{err}"
        );
    }

    #[test]
    fn streamed_raw_shares_equal_in_memory_raw_shares() {
        for len in [1usize, 32, 4095, 4096, 4097, 10_000] {
            let data = secret(len);
            let mut outputs = vec![Vec::new(); 4];
            let mut rng = ChaCha20Rng::seed_from_u64(6);
            split_raw(
                &data[..],
                len as u64,
                3,
                &mut outputs,
                &mut rng,
                Backend::detect(),
            )
            .unwrap();
            let memory =
                crate::raw::split(&data, 3, 4, &mut ChaCha20Rng::seed_from_u64(6)).unwrap();
            for (a, b) in outputs.iter().zip(&memory) {
                assert!(a[..] == *b.as_bytes(), "len={len}");
            }
        }
    }

    #[test]
    fn streamed_raw_combine_equals_in_memory_raw_combine() {
        for len in [1usize, 4096, 70_000, (1 << 20) + 3] {
            let data = secret(len);
            let memory =
                crate::raw::split(&data, 3, 5, &mut ChaCha20Rng::seed_from_u64(8)).unwrap();
            for picked in [[0usize, 1, 2], [4, 2, 0]] {
                let mut readers: Vec<io::Cursor<&[u8]>> = picked
                    .iter()
                    .map(|&i| io::Cursor::new(memory[i].as_bytes()))
                    .collect();
                let mut out = Vec::new();
                let n = combine_raw(&mut readers, &mut out, Backend::detect()).unwrap();
                assert_eq!(n, len as u64);
                let chosen: Vec<&[u8]> = picked.iter().map(|&i| memory[i].as_bytes()).collect();
                assert!(out[..] == crate::raw::combine(&chosen).unwrap()[..]);
                assert!(out == data, "len={len}");
            }
        }
    }

    #[test]
    fn raw_combine_refuses_what_it_can_see() {
        let data = secret(100);
        let shares = crate::raw::split(&data, 2, 3, &mut ChaCha20Rng::seed_from_u64(3)).unwrap();
        let run = |inputs: &[&[u8]]| {
            let mut readers: Vec<io::Cursor<&[u8]>> =
                inputs.iter().map(|b| io::Cursor::new(*b)).collect();
            combine_raw(&mut readers, io::sink(), Backend::detect()).unwrap_err()
        };
        let (a, b) = (shares[0].as_bytes(), shares[1].as_bytes());
        let mut zero = b.to_vec();
        *zero.last_mut().unwrap() = 0;
        let cases: [(&[&[u8]], &str); 6] = [
            (&[], "NO_SHARES"),
            (&[a], "BELOW_THRESHOLD"),
            (&[a, a], "DUPLICATE_X"),
            (&[a, &zero], "ZERO_X"),
            (&[a, &b[1..]], "LENGTH_MISMATCH"),
            (&[a, &[7]], "SHARE_TOO_SHORT"),
        ];
        for (inputs, code) in cases {
            let err = run(inputs);
            assert_eq!(err.code(), code, "{err}");
        }
    }

    #[test]
    fn combine_rebuilds_from_any_threshold_subset_and_checks_extras() {
        for len in [1usize, 100, 4064, 4065, 9000] {
            let data = secret(len);
            let shares = stream_split(&data, 3, 5, 1);
            let mut out = Vec::new();
            let mut inputs: Vec<&[u8]> = vec![&shares[4], &shares[1], &shares[2], &shares[0]];
            let report = combine(&mut inputs, &mut out).unwrap();
            assert_eq!(out, data, "len={len}");
            assert_eq!(report.used(), &[0, 1, 2]);
            assert!(report.inconsistent().is_empty());
            assert_eq!(report.secret_len(), len as u64);
        }
    }

    #[test]
    fn a_forged_extra_share_is_reported() {
        let data = secret(5000);
        let mut shares = stream_split(&data, 2, 4, 2);
        shares[3][HEADER_LEN + 4500] ^= 1;
        reseal(&mut shares[3]);
        let mut out = Vec::new();
        let mut inputs: Vec<&[u8]> = shares.iter().map(|s| &s[..]).collect();
        let report = combine(&mut inputs, &mut out).unwrap();
        assert_eq!(out, data);
        assert_eq!(report.inconsistent(), &[3]);
    }

    fn combine_err(inputs: &[&[u8]]) -> StreamError {
        let mut inputs = inputs.to_vec();
        combine(&mut inputs, io::sink()).unwrap_err()
    }

    #[test]
    fn bad_shares_are_refused_with_the_share_named() {
        let data = secret(300);
        let shares = stream_split(&data, 2, 3, 3);
        let other = stream_split(&data, 2, 3, 4);

        let mut corrupted = shares[1].clone();
        corrupted[HEADER_LEN + 10] ^= 0x40;
        let err = combine_err(&[&shares[0], &corrupted]);
        assert!(
            matches!(
                err,
                StreamError::Shares(Error::BadShare {
                    index: 1,
                    cause: DecodeError::Checksum
                })
            ),
            "{err}"
        );

        let mut forged = shares[1].clone();
        forged[HEADER_LEN + 10] ^= 0x40;
        reseal(&mut forged);
        let err = combine_err(&[&shares[0], &forged]);
        assert!(
            matches!(err, StreamError::Shares(Error::IntegrityCheck)),
            "{err}"
        );

        let truncated = &shares[1][..shares[1].len() - 1];
        let err = combine_err(&[&shares[0], truncated]);
        assert!(
            matches!(
                err,
                StreamError::Shares(Error::BadShare {
                    index: 1,
                    cause: DecodeError::Truncated { .. }
                })
            ),
            "{err}"
        );

        let mut trailing = shares[1].clone();
        trailing.push(0);
        let err = combine_err(&[&shares[0], &trailing]);
        assert!(
            matches!(
                err,
                StreamError::Shares(Error::BadShare {
                    index: 1,
                    cause: DecodeError::TrailingBytes { .. }
                })
            ),
            "{err}"
        );

        let err = combine_err(&[&shares[0], &other[1]]);
        assert!(
            matches!(err, StreamError::Shares(Error::SetMismatch { index: 1 })),
            "{err}"
        );

        let err = combine_err(&[&shares[0]]);
        assert!(
            matches!(
                err,
                StreamError::Shares(Error::BelowThreshold { needed: 2, got: 1 })
            ),
            "{err}"
        );

        let err = combine_err(&[&shares[0], &shares[0]]);
        assert!(
            matches!(err, StreamError::Shares(Error::DuplicateX { .. })),
            "{err}"
        );

        let err = combine_err(&[&shares[0], b"XY"]);
        assert!(
            matches!(
                err,
                StreamError::Shares(Error::BadShare {
                    index: 1,
                    cause: DecodeError::BadMagic
                })
            ),
            "{err}"
        );

        let err = combine_err(&[&shares[0], &shares[1][..10]]);
        assert!(
            matches!(
                err,
                StreamError::Shares(Error::BadShare {
                    index: 1,
                    cause: DecodeError::Truncated { .. }
                })
            ),
            "{err}"
        );
    }

    #[test]
    fn a_secret_of_the_wrong_length_is_an_error() {
        let data = secret(100);
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        let mut outputs = vec![Vec::new(); 3];
        let err = split(&data[..], 101, 2, &mut outputs, &mut rng).unwrap_err();
        assert!(
            matches!(
                err,
                StreamError::SecretTooShort {
                    expected: 101,
                    found: 100
                }
            ),
            "{err}"
        );
        let err = split(&data[..], 99, 2, &mut outputs, &mut rng).unwrap_err();
        assert!(
            matches!(err, StreamError::SecretTooLong { expected: 99 }),
            "{err}"
        );
        let err = split(&data[..0], 0, 2, &mut outputs, &mut rng).unwrap_err();
        assert!(
            matches!(err, StreamError::Shares(Error::EmptySecret)),
            "{err}"
        );
        let err = split(&data[..], 100, 4, &mut outputs, &mut rng).unwrap_err();
        assert!(
            matches!(err, StreamError::Shares(Error::InvalidThreshold { .. })),
            "{err}"
        );
    }
}
