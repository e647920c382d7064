// keysplit-wasm vs Privy's shamir-secret-sharing@0.0.4 in one Node process: raw split and
// combine (2-of-3, the same share format) of 32 B and 1 MiB secrets. Prints medians, the
// privy/keysplit ratio and, for 1 MiB, keysplit's throughput in secret bytes per second.
//
//   bash wasm/scripts/build.sh && node wasm/bench/bench.mjs [--runs N] [--warm-ms N]
//
// Numbers, not a test: nothing here asserts a timing.
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import * as privy from 'shamir-secret-sharing';
// KEYSPLIT_PKG: another build of the package (a directory like wasm/pkg) to compare.
const keysplit = await import(process.env.KEYSPLIT_PKG ? `${process.env.KEYSPLIT_PKG}/node.js` : '../pkg/node.js');

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg === -1 ? null : Number(process.argv[runsArg + 1]);
// --warm-ms N: keep warming up (after the usual count) until N ms have passed, the same
// rule for both libraries. Off by default. In a fresh process the first calls of the
// 1 MiB rows pay for new ArrayBuffers in fresh pages (glibc serves them with mmap/brk
// and each page faults on first touch) before the allocator settles; this measures the
// settled state instead.
const warmArg = process.argv.indexOf('--warm-ms');
const WARM_MS = warmArg === -1 ? 0 : Number(process.argv[warmArg + 1]);

async function median(label, runs, body) {
  // Warm-up, the same for both libraries: as many calls as are timed for the small cases,
  // so that V8 has tiered up the JS and the wasm code (Liftoff -> TurboFan) before timing.
  const warmUp = runs >= 100 ? runs : Math.min(2, Math.ceil(runs / 10));
  // Await only what returns a promise (Privy's API is async; keysplit's is not, and an
  // `await` on a plain value costs a microtask turn, which would weigh on a 32 B call).
  const call = (result) => (result && typeof result.then === 'function' ? result : null);
  const warmStart = performance.now();
  for (let i = 0; i < warmUp || performance.now() - warmStart < WARM_MS; i++) {
    const pending = call(body());
    if (pending) await pending;
  }
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const pending = call(body());
    if (pending) await pending;
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

function format(ms) {
  return ms < 1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(2)} ms`;
}

const cases = [
  { name: '32 B', size: 32, runs: RUNS ?? 10000 },
  { name: '1 MiB', size: 1 << 20, runs: RUNS ?? 5 },
];

console.log(`keysplit-wasm ${keysplit.version()} (backend ${keysplit.backendName()}) vs shamir-secret-sharing 0.0.4, node ${process.version}`);
console.log('operation           size    keysplit-wasm   privy          privy/keysplit  keysplit MB/s');
for (const { name, size, runs } of cases) {
  const secret = new Uint8Array(randomBytes(size));
  const ours = keysplit.raw.split(secret, 2, 3);
  const theirs = await privy.split(secret, 3, 2);
  const envelopes = keysplit.split(secret, 2, 3);
  const rows = [
    ['raw split 2-of-3', await median('k split', runs, () => keysplit.raw.split(secret, 2, 3)), await median('p split', runs, () => privy.split(secret, 3, 2))],
    ['raw combine 2', await median('k combine', runs, () => keysplit.raw.combine(ours.slice(0, 2))), await median('p combine', runs, () => privy.combine(theirs.slice(0, 2)))],
    ['envelope split', await median('k env', runs, () => keysplit.split(secret, 2, 3)), null],
    ['envelope combine', await median('k envc', runs, () => keysplit.combine(envelopes.slice(1))), null],
  ];
  for (const [label, k, p] of rows) {
    const ratio = p === null ? '' : `${(p / k).toFixed(1)}x`;
    // Throughput in secret bytes per second (MB = 10^6 bytes), for the large rows.
    const rate = size >= 1 << 16 ? `${(size / 1e3 / k).toFixed(0)} MB/s` : '';
    console.log(`${label.padEnd(20)}${name.padEnd(8)}${format(k).padEnd(16)}${(p === null ? '-' : format(p)).padEnd(15)}${ratio.padEnd(16)}${rate}`);
  }
}
