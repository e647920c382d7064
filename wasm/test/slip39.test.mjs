// slip39.split / slip39.combine in the keysplit-wasm-slip39 build (wasm/pkg-slip39, made by
// `scripts/build.sh --slip39`), and UNSUPPORTED in the default build (wasm/pkg).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';

const slip39Pkg = new URL('../pkg-slip39/node.js', import.meta.url);
const vectors = JSON.parse(
  readFileSync(new URL('../../test-vectors/slip39-vectors.json', import.meta.url), 'utf8'),
);

test('the default build refuses SLIP-39 with UNSUPPORTED', async () => {
  const keysplit = await import('../pkg/node.js');
  assert.equal(keysplit.slip39.supported, false);
  assert.throws(() => keysplit.slip39.combine(vectors[0][1], 'TREZOR'), { code: 'UNSUPPORTED' });
});

test('keysplit-wasm-slip39: official vectors, round trips, refusals', async (t) => {
  assert.ok(existsSync(slip39Pkg), 'wasm/pkg-slip39 is missing: run wasm/scripts/build.sh --slip39');
  const { slip39 } = await import(slip39Pkg.href);
  assert.equal(slip39.supported, true);
  let valid = 0;
  let refused = 0;
  for (const [name, mnemonics, secret] of vectors) {
    if (secret) {
      assert.equal(Buffer.from(slip39.combine(mnemonics, 'TREZOR')).toString('hex'), secret, name);
      valid++;
    } else {
      assert.throws(() => slip39.combine(mnemonics, 'TREZOR'), (e) => e.code.startsWith('SLIP39_'), name);
      refused++;
    }
  }
  assert.deepEqual([valid, refused], [15, 30]);
  t.diagnostic(`${valid} valid and ${refused} invalid official vectors`);

  const secret = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
  const groups = slip39.split(secret, {
    groupThreshold: 2,
    groups: [[2, 3], [1, 1], [3, 5]],
    passphrase: 'pw',
    iterationExponent: 0,
  });
  assert.deepEqual(groups.map((g) => g.length), [3, 1, 5]);
  assert.equal(groups[0][0].split(' ').length, 33);
  const chosen = [groups[2][4], groups[0][1], groups[2][0], groups[0][2], groups[2][2]];
  assert.deepEqual(slip39.combine(chosen, 'pw'), secret);
  assert.throws(() => slip39.combine(chosen.slice(1), 'pw'), { code: 'SLIP39_WRONG_MEMBER_COUNT' });
  assert.throws(() => slip39.split(secret.subarray(0, 15), { groupThreshold: 1, groups: [[1, 1]] }), {
    code: 'SLIP39_SECRET_LENGTH',
  });
  assert.throws(() => slip39.split(secret, { groupThreshold: 1, groups: [[1]] }), { code: 'INVALID_INPUT' });
  assert.throws(() => slip39.combine('not a list'), { code: 'INVALID_INPUT' });
});
