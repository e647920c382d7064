//! The bounded pipeline that moves a split's evaluation and the SHA-256 work (secret
//! digest and share checksums) to a second thread while the calling thread reads, draws
//! and writes; the bytes produced are the same as on one thread.

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread;

use zeroize::Zeroizing;

use super::{Sha256, StreamError, SLOTS};
use crate::backend::Backend;
use crate::envelope::DIGEST_LEN;
use crate::poly::{self, BLOCK};
use crate::secret::SecretBytes;
use crate::sha256x2;

#[cfg(test)]
std::thread_local! {
    /// Test hook: the second thread of a pipeline built on this thread handles this many
    /// jobs, then ends, as if it had died.
    pub(super) static WORKER_STOPS_AFTER: core::cell::Cell<usize> = const { core::cell::Cell::new(usize::MAX) };
}

/// One batch of the stream: `main` is the secret (split) or the recovered payload
/// (combine), `others[i]` share `i`'s bytes of the same payload range, `coefficients`
/// the random coefficients drawn for `main` (split). Wiped on drop, in whichever thread
/// drops it.
pub(super) struct Batch {
    pub(super) main: SecretBytes,
    pub(super) others: Vec<SecretBytes>,
    pub(super) coefficients: SecretBytes,
    /// Bytes of `main` that go into the secret digest.
    pub(super) main_len: usize,
    /// Bytes of `main` to evaluate into `others` (split), with `coefficients`.
    pub(super) eval_len: usize,
    /// Bytes of each of `others` that go into that share's checksum.
    pub(super) others_len: usize,
    /// Bytes of each of `others` still to be written out once the batch comes back.
    pub(super) unwritten: usize,
}

impl Batch {
    pub(super) fn new(len: usize, others: usize, coefficients: usize) -> Self {
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

/// Evaluates a split batch from coefficients drawn on the calling thread (see `draw` in `split.rs`),
/// so the work can move to the second thread, whose generator the caller's need not be.
/// The polynomial of docs/envelope-format.md, as [`Evaluator::eval_block`](crate::poly::Evaluator::eval_block) computes it:
/// share `i` = `s + sum_j x_i^j a_j` with public powers `x_i^j`.
#[derive(Clone)]
pub(super) struct Evaluate {
    degree: usize,
    /// `powers[i * degree + j - 1] = x_i^j` (public).
    powers: Vec<u8>,
    backend: Backend,
}

impl Evaluate {
    pub(super) fn new(xs: &[u8], degree: usize, backend: Backend) -> Self {
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
pub(super) struct Pipeline<'scope> {
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
    pub(super) fn new<'env>(
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
    pub(super) fn take(&mut self) -> Result<Batch, StreamError> {
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
    pub(super) fn submit(&mut self, mut batch: Batch) -> Result<(), StreamError> {
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
    pub(super) fn hand_over(&mut self, lane: usize) -> Result<(), StreamError> {
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
    pub(super) fn digest(&mut self) -> Result<Zeroizing<[u8; DIGEST_LEN]>, StreamError> {
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
    pub(super) fn finish(mut self) -> Result<(Vec<Sha256>, VecDeque<Batch>), StreamError> {
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
