// keysplit-wasm raw shares against Privy's shamir-secret-sharing@0.0.4, both ways, on
// random secrets (1..4096 bytes) and random 2 <= k <= n <= 255. Privy is the oracle: it
// is an independent implementation of the same field and share format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as privy from 'shamir-secret-sharing';
import * as keysplit from '../pkg/node.js';
import { seededRandom, testSeed, hex } from './helpers.mjs';

const CASES = Number(process.env.KEYSPLIT_INTEROP_CASES ?? 1000);
// Privy's split costs ~length*k*n table look-ups in JS; cases above this budget get a
// shorter secret, so the run stays well under a minute while still covering n = 255 and
// 4096-byte secrets (just not both at once).
const WORK_BUDGET = 1 << 20;

function randomCase(random) {
  const shares = random.int(2, 255);
  const threshold = random.int(2, shares);
  let length = random.int(1, 4096);
  if (length * threshold * shares > WORK_BUDGET) {
    length = Math.max(1, Math.floor(WORK_BUDGET / (threshold * shares)));
  }
  return { length, threshold, shares, secret: random.bytes(length) };
}

function describeCase({ length, threshold, shares }, index) {
  return `case ${index} (seed ${testSeed}): ${length} bytes, ${threshold}-of-${shares}`;
}

test(`Privy combines keysplit-wasm's raw shares (${CASES} random cases)`, async () => {
  const random = seededRandom(`${testSeed}/keysplit-to-privy`);
  let longest = 0;
  let widest = 0;
  for (let index = 0; index < CASES; index++) {
    const c = randomCase(random);
    const shares = keysplit.raw.split(c.secret, c.threshold, c.shares);
    assert.equal(shares.length, c.shares, describeCase(c, index));
    const chosen = random.pick(shares, c.threshold);
    const back = await privy.combine(chosen);
    assert.equal(hex(back), hex(c.secret), describeCase(c, index));
    longest = Math.max(longest, c.length);
    widest = Math.max(widest, c.shares);
  }
  assert.ok(longest > 3000 && widest > 250, `the cases cover long secrets (${longest}) and wide sets (${widest})`);
});

test(`keysplit-wasm combines Privy's shares (${CASES} random cases)`, async () => {
  const random = seededRandom(`${testSeed}/privy-to-keysplit`);
  for (let index = 0; index < CASES; index++) {
    const c = randomCase(random);
    const shares = await privy.split(c.secret, c.shares, c.threshold);
    const chosen = random.pick(shares, c.threshold);
    const back = keysplit.raw.combine(chosen);
    assert.equal(hex(back), hex(c.secret), describeCase(c, index));
  }
});

test('fewer than k raw shares give a wrong secret, not the secret (the format cannot tell)', async () => {
  // Documents why the envelope format exists: raw shares have no integrity.
  const secret = new Uint8Array(32).fill(0xab);
  const shares = await privy.split(secret, 5, 3);
  const back = keysplit.raw.combine(shares.slice(0, 2));
  assert.notEqual(hex(back), hex(secret));
});

test('a raw share with x = 0 is refused; Privy accepts it and returns the forged bytes', async () => {
  const secret = new Uint8Array([1, 2, 3, 4]);
  const [honest] = await privy.split(secret, 3, 2);
  const forged = new Uint8Array([9, 9, 9, 9, 0]); // y = 09090909 at x = 0
  assert.throws(
    () => keysplit.raw.combine([honest, forged]),
    (error) => error instanceof keysplit.KeysplitError && error.code === 'ZERO_X' && /x = 0/.test(error.message),
  );
  // The weakness this guards against, shown on the oracle itself.
  const privyResult = await privy.combine([honest, forged]);
  assert.equal(hex(privyResult), '09090909');
});
