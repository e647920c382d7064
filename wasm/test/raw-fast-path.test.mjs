// The raw fast paths' scratch region (wasm/src/engine.rs): one region in wasm memory,
// reused between calls of any size and wiped after each; every share its own buffer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as privy from 'shamir-secret-sharing';
import * as keysplit from '../pkg/node.js';
// The same module instance as the one behind ../pkg/node.js (ES modules are cached).
import { wasmMemory } from '../pkg/keysplit_wasm.js';
import { seededRandom, testSeed, hex } from './helpers.mjs';

/** Whether `needle` occurs anywhere in the module's memory. */
function inMemory(needle) {
  const memory = new Uint8Array(wasmMemory().buffer);
  const first = needle[0];
  for (let at = memory.indexOf(first); at !== -1 && at + needle.length <= memory.length; at = memory.indexOf(first, at + 1)) {
    let i = 1;
    while (i < needle.length && memory[at + i] === needle[i]) i++;
    if (i === needle.length) return true;
  }
  return false;
}

test('secrets and shares do not stay in wasm memory after raw.split / raw.combine', () => {
  const random = seededRandom(`${testSeed}/raw-wipe`);
  for (const length of [64, 5000, 70000]) {
    const secret = random.bytes(length);
    const shares = keysplit.raw.split(secret, 2, 3);
    const probe = (bytes) => bytes.subarray(0, 64);
    assert.ok(!inMemory(probe(secret)), `secret of ${length} bytes left in memory by split`);
    for (const share of shares) assert.ok(!inMemory(probe(share)), `share of ${length} bytes left in memory`);
    assert.equal(hex(keysplit.raw.combine([shares[2], shares[0]])), hex(secret));
    assert.ok(!inMemory(probe(secret)), `secret of ${length} bytes left in memory by combine`);
    for (const share of shares) assert.ok(!inMemory(probe(share)), `staged share of ${length} bytes left`);
    // A failing call wipes too.
    assert.throws(() => keysplit.raw.combine([shares[0], shares[0]]), (error) => error.code === 'DUPLICATE_X');
    assert.ok(!inMemory(probe(shares[0])), 'share left in memory by a refused combine');
  }
});

test('every raw share is its own Uint8Array with its own buffer, outside wasm memory', () => {
  const shares = keysplit.raw.split(new Uint8Array(100).fill(7), 3, 5);
  const buffers = new Set(shares.map((share) => share.buffer));
  assert.equal(buffers.size, 5);
  for (const share of shares) {
    assert.equal(share.byteOffset, 0);
    assert.equal(share.buffer.byteLength, 101);
    assert.notEqual(share.buffer, wasmMemory().buffer);
  }
  const secret = keysplit.raw.combine(shares.slice(0, 3));
  assert.equal(secret.buffer.byteLength, 100);
});

test('raw calls of alternating sizes reuse the scratch region correctly (Privy as the oracle)', async () => {
  const random = seededRandom(`${testSeed}/raw-sizes`);
  const lengths = [1, 200000, 33, 16, 4097, 1, 65536, 15, 100000, 2];
  for (const length of lengths) {
    const threshold = random.int(2, 4);
    const count = random.int(threshold, 6);
    const secret = random.bytes(length);
    const shares = keysplit.raw.split(secret, threshold, count);
    const chosen = random.pick(shares, threshold);
    assert.equal(hex(await privy.combine(chosen)), hex(secret), `${length} bytes, ${threshold}-of-${count}`);
    assert.equal(hex(keysplit.raw.combine(chosen)), hex(secret));
    const theirs = await privy.split(secret, count, threshold);
    assert.equal(hex(keysplit.raw.combine(random.pick(theirs, threshold))), hex(secret));
  }
});

test('raw.split refuses what is not bytes with INVALID_INPUT, and reads subclasses through their buffer', () => {
  for (const value of [null, undefined, 7, 'text', {}, [1, 2], Object.create(Uint8Array.prototype)]) {
    assert.throws(
      () => keysplit.raw.split(value, 2, 3),
      (error) => error instanceof keysplit.KeysplitError && error.code === 'INVALID_INPUT',
      Object.prototype.toString.call(value),
    );
  }
  // A subclass whose `length` lies is read by its real bytes (toBytes), not by `length`.
  class Liar extends Uint8Array {
    get length() {
      return 1000;
    }
  }
  const shares = keysplit.raw.split(new Liar([1, 2, 3]), 2, 2);
  assert.equal(shares[0].length, 4);
  assert.equal(hex(keysplit.raw.combine(shares)), '010203');
});
