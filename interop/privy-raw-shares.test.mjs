// Raw-share interop with Privy's shamir-secret-sharing@0.0.4, both directions, through the
// `keysplit` CLI exactly as a user would run it (`split --raw --hex`, `combine --raw --hex`).
//
// Run by scripts/test.d/20-interop.sh with KEYSPLIT_BIN set to the built CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { split as privySplit, combine as privyCombine } from 'shamir-secret-sharing';

import { BIN, keysplitCli } from './cli.mjs';

const { run: keysplit } = keysplitCli();

const hex = (bytes) => Buffer.from(bytes).toString('hex');
const unhex = (s) => new Uint8Array(Buffer.from(s, 'hex'));

function randomSubset(items, k) {
  const pool = [...items];
  for (let i = pool.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, k);
}

// A mix of fixed edge cases and random ones; lengths 1..4096, 2 <= k <= n <= 255.
const cases = [
  { len: 1, k: 2, n: 2 },
  { len: 16, k: 2, n: 3 },
  { len: 32, k: 3, n: 5 },
  { len: 4096, k: 2, n: 3 },
  { len: 7, k: 255, n: 255 },
];
for (let i = 0; i < 40; i++) {
  const n = randomInt(2, 40);
  cases.push({ len: randomInt(1, 4097), k: randomInt(2, n + 1), n });
}

test('keysplit raw shares (CLI) combine in Privy', async () => {
  for (const { len, k, n } of cases) {
    const secret = randomBytes(len);
    const r = keysplit(['split', '-k', String(k), '-n', String(n), '--raw', '--hex'], hex(secret));
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, n);
    const shares = lines.map(unhex);
    for (const s of shares) assert.equal(s.length, len + 1, 'raw share is y bytes || x');
    const subset = randomSubset(shares, k);
    const back = await privyCombine(subset);
    assert.equal(hex(back), hex(secret), `len=${len} k=${k} n=${n}`);
  }
});

test('Privy shares combine with `keysplit combine --raw --hex`', async () => {
  for (const { len, k, n } of cases) {
    const secret = randomBytes(len);
    const shares = await privySplit(new Uint8Array(secret), n, k);
    const subset = randomSubset(shares, k);
    const r = keysplit(['combine', '--raw', '--hex'], subset.map(hex).join('\n') + '\n');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), hex(secret), `len=${len} k=${k} n=${n}`);
  }
});

test('raw secrets round-trip as bytes on stdin/stdout (no --hex)', async () => {
  const secret = randomBytes(1000);
  const r = keysplit(['split', '-k', '2', '-n', '3', '--raw'], secret);
  assert.equal(r.status, 0, r.stderr);
  const shares = r.stdout.trim().split('\n');
  const back = spawnSync(BIN, ['combine', '--raw'], { input: shares.slice(1).join('\n') });
  assert.equal(back.status, 0, back.stderr.toString());
  assert.deepEqual(Buffer.from(back.stdout), secret);
});

test('an x = 0 share: Privy returns the attacker-chosen bytes, keysplit refuses', async () => {
  const secret = randomBytes(16);
  const shares = await privySplit(new Uint8Array(secret), 3, 2);
  const chosen = Buffer.from('attacker-chosen!');
  const forged = new Uint8Array([...chosen, 0]);
  // Privy: the "secret" it returns is exactly what the forged share holds, whatever the
  // honest share is (the Lagrange weight of the other share at x = 0 is 0).
  const privyResult = await privyCombine([forged, shares[0]]);
  assert.equal(Buffer.from(privyResult).toString(), 'attacker-chosen!');

  const r = keysplit(['combine', '--raw', '--hex'], `${hex(forged)}\n${hex(shares[0])}\n`);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /x = 0/);
  assert.equal(r.stdout, '', 'nothing on stdout when refusing');
  assert.equal(r.stderr.trim().split('\n').length, 1, 'one clear line on stderr');
});

test('duplicate raw shares are refused (keysplit) rather than combined', async () => {
  const secret = randomBytes(16);
  const shares = await privySplit(new Uint8Array(secret), 3, 2);
  const r = keysplit(['combine', '--raw', '--hex'], `${hex(shares[0])}\n${hex(shares[0])}\n${hex(shares[1])}\n`);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /same x-coordinate/);
});
