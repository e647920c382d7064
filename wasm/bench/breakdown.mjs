// Where a 1 MiB raw split (2-of-3) spends its time in Node: the phases of the package's
// call, then the module's part taken apart with the timing probes (the same core code
// with a generator that costs nothing, the ChaCha20 stream alone, the kernel passes
// alone). It shows what bounds the 500 MB/s target of issue 5 (2.10 ms per MiB).
//
//   bash wasm/scripts/build.sh && bash wasm/scripts/build.sh --probes
//   node wasm/bench/breakdown.mjs [--runs N]
//
// Numbers, not a test: nothing here asserts a timing. Medians; the phases are timed in
// the same loop, alternating, so that a busy moment falls on all of them.
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import * as keysplit from '../pkg/node.js';

let probes;
try {
  probes = await import('../pkg-probes/keysplit_wasm.js');
} catch {
  console.error('wasm/pkg-probes is missing: run `bash wasm/scripts/build.sh --probes` first');
  process.exit(1);
}

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg === -1 ? 60 : Number(process.argv[runsArg + 1]);
const WARM_UP = 20;
const N = 1 << 20;
const secret = new Uint8Array(randomBytes(N));

/** Times each named step of `steps` once per round, rounds times; medians in ms. */
function medians(steps, rounds) {
  const times = Object.fromEntries(Object.keys(steps).map((name) => [name, []]));
  for (let round = 0; round < WARM_UP + rounds; round++) {
    for (const [name, step] of Object.entries(steps)) {
      const start = performance.now();
      step();
      const elapsed = performance.now() - start;
      if (round >= WARM_UP) times[name].push(elapsed);
    }
  }
  return Object.fromEntries(
    Object.entries(times).map(([name, list]) => {
      list.sort((a, b) => a - b);
      return [name, list[list.length >> 1]];
    }),
  );
}

// The package's call, and its phases rebuilt from the same bindings the wrapper uses
// (wasm/js/api.js): copy the secret in, split in the module, copy the shares out into
// fresh Uint8Arrays, wipe the scratch region.
const engine = new probes.Engine();
const memory = probes.wasmMemory();
let at = 0;
const phases = {
  api: () => keysplit.raw.split(secret, 2, 3),
  copyIn: () => {
    const inAt = probes.rawSplitStage(engine, N, 2, 3);
    new Uint8Array(memory.buffer).set(secret, inAt);
  },
  split: () => {
    at = probes.rawSplitInto(engine);
  },
  copyOut: () => {
    const bytes = new Uint8Array(memory.buffer);
    for (let i = 0; i < 3; i++) bytes.slice(at + i * (N + 1), at + (i + 1) * (N + 1));
  },
  wipe: () => engine.wipe(),
};
// Inside the module: repeated in one call (REPS) so that each call is long enough to time.
const REPS = 4;
const randomScratch = new Uint8Array(N);
const inside = {
  splitChaCha: () => probes.probeSplitInto(N, false, REPS),
  splitFree: () => probes.probeSplitInto(N, true, REPS),
  stream: () => probes.probeStream(N, REPS),
  kernels: () => probes.probeKernels(N, REPS),
  osRandom: () => {
    for (let i = 0; i < REPS; i++) {
      for (let o = 0; o < N; o += 65536) crypto.getRandomValues(randomScratch.subarray(o, o + 65536));
    }
  },
};

const p = medians(phases, RUNS);
const q = Object.fromEntries(Object.entries(medians(inside, RUNS)).map(([k, v]) => [k, v / REPS]));
const ms = (value) => `${value.toFixed(2)} ms`;
const mbps = (value) => `${(N / 1e3 / value).toFixed(0)} MB/s`;
const sum = p.copyIn + p.split + p.copyOut + p.wipe;

console.log(`keysplit-wasm ${keysplit.version()} (backend ${keysplit.backendName()}), node ${process.version}: 1 MiB raw split 2-of-3, medians of ${RUNS}`);
console.log('');
console.log('| part | time | rate |');
console.log('|---|---:|---:|');
console.log(`| target: 500 MB/s | ${ms(N / 1e3 / 500)} | 500 MB/s |`);
console.log(`| \`raw.split\` (the package's call) | ${ms(p.api)} | ${mbps(p.api)} |`);
console.log(`| phases, summed | ${ms(sum)} | ${mbps(sum)} |`);
console.log(`|   copy the secret into wasm memory | ${ms(p.copyIn)} | |`);
console.log(`|   split in the module (core \`split_into\`, ChaCha20) | ${ms(p.split)} | |`);
console.log(`|   copy the 3 shares out (a fresh Uint8Array each) | ${ms(p.copyOut)} | |`);
console.log(`|   wipe the scratch region (4 MiB) | ${ms(p.wipe)} | |`);
console.log(`| module, probes: \`split_into\` with the ChaCha20 stream | ${ms(q.splitChaCha)} | |`);
console.log(`|   the same with a generator that costs nothing | ${ms(q.splitFree)} | |`);
console.log(`|   the ChaCha20 stream alone (1 MiB in 4 KiB requests) | ${ms(q.stream)} | ${mbps(q.stream)} |`);
console.log(`|   the 3 kernel passes alone (\`mul2\`, 4 KiB blocks) | ${ms(q.kernels)} | |`);
console.log(`| for reference: \`crypto.getRandomValues\`, 1 MiB in 64 KiB calls | ${ms(q.osRandom)} | ${mbps(q.osRandom)} |`);
