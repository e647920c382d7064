// Byte inputs from everywhere: Node Buffers, other realms (vm contexts), DataViews,
// ArrayBuffers, offset views; anything else is refused with INVALID_INPUT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import vm from 'node:vm';
import * as keysplit from '../pkg/node.js';
import { hex } from './helpers.mjs';

const isInvalidInput = (error) => error instanceof keysplit.KeysplitError && error.code === 'INVALID_INPUT';

test('a Node Buffer works as secret and as shares', () => {
  const secret = Buffer.from('a secret in a Buffer');
  const shares = keysplit.split(secret, 2, 3).map((share) => Buffer.from(share));
  assert.ok(Buffer.isBuffer(shares[0]));
  assert.equal(Buffer.from(keysplit.combine([shares[1], shares[2]])).toString(), 'a secret in a Buffer');
  const raw = keysplit.raw.split(secret, 2, 2).map((share) => Buffer.from(share));
  assert.equal(hex(keysplit.raw.combine(raw)), hex(secret));
});

test('Uint8Arrays from another realm work (vm.runInNewContext)', () => {
  const foreign = vm.runInNewContext('new Uint8Array([104, 105, 33])');
  assert.equal(foreign instanceof Uint8Array, false, 'really from another realm');
  const shares = keysplit.split(foreign, 2, 2);
  const foreignShares = shares.map((share) => vm.runInNewContext('(s) => new Uint8Array(s)')(Array.from(share)));
  assert.equal(foreignShares[0] instanceof Uint8Array, false);
  assert.equal(Buffer.from(keysplit.combine(foreignShares)).toString(), 'hi!');
  // A foreign array of foreign shares as well.
  const foreignList = vm.runInNewContext('(a, b) => [a, b]')(foreignShares[0], foreignShares[1]);
  assert.equal(Buffer.from(keysplit.combine(foreignList)).toString(), 'hi!');
  // And a foreign ArrayBuffer.
  const foreignBuffer = vm.runInNewContext('new Uint8Array([1, 2, 3]).buffer');
  assert.equal(hex(keysplit.raw.combine(keysplit.raw.split(foreignBuffer, 2, 2))), '010203');
});

test('DataView, offset views, other typed arrays and ArrayBuffers are read as bytes', () => {
  const backing = new Uint8Array([0xee, 1, 2, 3, 4, 0xee]);
  const inputs = [
    new DataView(backing.buffer, 1, 4),
    backing.subarray(1, 5),
    new Uint16Array(backing.slice(1, 5).buffer),
    backing.slice(1, 5).buffer,
  ];
  for (const input of inputs) {
    const shares = keysplit.raw.split(input, 2, 3);
    assert.equal(hex(keysplit.raw.combine(shares.slice(1))), '01020304', Object.prototype.toString.call(input));
  }
});

test('non-byte inputs are refused with INVALID_INPUT (wrapper and module)', () => {
  for (const value of ['secret', 42, null, undefined, [1, 2, 3], {}, { length: 3 }]) {
    assert.throws(() => keysplit.split(value, 2, 3), isInvalidInput);
  }
  assert.throws(() => keysplit.combine('not a list'), isInvalidInput);
  assert.throws(() => keysplit.combine([new Uint8Array(3), 'x']), (e) => isInvalidInput(e) && /#2/.test(e.message));
  // A sparse array announcing 2^31 items costs the caller nothing: refused before any
  // allocation or iteration (it used to overflow the capacity and abort the module).
  assert.throws(() => keysplit.combine(new Array(2 ** 31)), (e) => isInvalidInput(e) && /at most 255/.test(e.message));
  assert.throws(() => keysplit.raw.combine(new Array(256)), isInvalidInput);
  for (const count of [2.5, -1, NaN, Infinity, '3', 2n]) {
    assert.throws(() => keysplit.split(new Uint8Array(4), count, 3), isInvalidInput);
  }
});

test('errors carry stable codes and readable messages', () => {
  const shares = keysplit.split(new Uint8Array([1, 2, 3]), 3, 5);
  const cases = [
    [() => keysplit.combine(shares.slice(0, 2)), 'BELOW_THRESHOLD', /needs 3/],
    [() => keysplit.split(new Uint8Array(0), 2, 3), 'EMPTY_SECRET', /empty/],
    [() => keysplit.split(new Uint8Array(1), 4, 3), 'INVALID_THRESHOLD', /threshold/],
    [() => keysplit.split(new Uint8Array(1), 2, 256), 'INVALID_SHARE_COUNT', /255/],
    [() => keysplit.raw.combine([new Uint8Array([1, 1]), new Uint8Array([2, 1])]), 'DUPLICATE_X', /same x/],
    [() => keysplit.raw.combine([new Uint8Array([1, 1]), new Uint8Array([2, 3, 2])]), 'LENGTH_MISMATCH', /length/],
    [() => keysplit.shareInfo(new Uint8Array(10)), 'BAD_MAGIC', /KS/],
  ];
  for (const [call, code, message] of cases) {
    assert.throws(call, (error) => {
      assert.ok(error instanceof keysplit.KeysplitError);
      assert.ok(error instanceof Error);
      assert.equal(error.name, 'KeysplitError');
      assert.equal(error.code, code);
      assert.match(error.message, message);
      return true;
    });
  }
});

test('the browser entry refuses calls before init() and works after it', async () => {
  const web = await import('../pkg/web.js');
  assert.throws(() => web.split(new Uint8Array(1), 2, 2), (e) => e.code === 'NOT_INITIALIZED');
  const { readFile } = await import('node:fs/promises');
  await web.init(await readFile(new URL('../pkg/keysplit_wasm_bg.wasm', import.meta.url)));
  const shares = web.split(new Uint8Array([5, 6]), 2, 2);
  assert.equal(hex(web.combine(shares)), '0506');
});
