// Inputs built to break the module (review findings 2-4 of the security review): detached
// buffers, throwing getters, lying `length` / `byteLength` / `Symbol.toStringTag`, and
// passwords with lone surrogates. Each must be a clear INVALID_INPUT (or the answer for
// the real bytes), never INTERNAL, never a broken instance, never a secret left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as keysplit from '../pkg/node.js';
import { wasmMemory } from '../pkg/keysplit_wasm.js';
import { hex } from './helpers.mjs';

const { wallet, KeysplitError } = keysplit;
const isCode = (code) => (error) => error instanceof KeysplitError && error.code === code;
const FAST = { memoryKib: 64, iterations: 1, parallelism: 1 };

function detached(length = 32) {
  const buffer = new ArrayBuffer(length);
  structuredClone(buffer, { transfer: [buffer] });
  assert.equal(buffer.byteLength, 0, 'really detached');
  return buffer;
}

function throwingBuffer(length) {
  const bytes = new Uint8Array(length);
  Object.defineProperty(bytes, 'buffer', {
    get() {
      throw new Error('buffer getter throws');
    },
  });
  return bytes;
}

/** Whether `needle` occurs anywhere in the module's memory. */
function inMemory(needle) {
  const memory = new Uint8Array(wasmMemory().buffer);
  for (let at = memory.indexOf(needle[0]); at !== -1; at = memory.indexOf(needle[0], at + 1)) {
    let i = 1;
    while (i < needle.length && memory[at + i] === needle[i]) i++;
    if (i === needle.length) return true;
  }
  return false;
}

function newWallet(password = 'correct horse battery staple') {
  const deviceKey = wallet.generateKey();
  const authKey = wallet.generateKey();
  const set = wallet.create({
    protections: {
      device: { key: deviceKey },
      auth: { key: authKey },
      recovery: { password, argon2: FAST, insecureFastKdf: true },
    },
  });
  return {
    set,
    deviceKey,
    authKey,
    device: { role: 'device', share: set.device, key: deviceKey },
    auth: { role: 'auth', share: set.auth, key: authKey },
    recovery: { role: 'recovery', share: set.recovery, password },
  };
}

test('20,000 detached or throwing inputs leave the instance working and no key behind', () => {
  const w = newWallet();
  const { info } = w.set;
  const digest = new Uint8Array(32).fill(7);
  const reference = wallet.hazmat.signDigest({ info, shares: [w.device, w.auth], digest });
  for (let i = 0; i < 5000; i++) {
    assert.throws(() => wallet.hazmat.signDigest({ info, shares: [w.device, w.auth], digest: detached() }), isCode('INVALID_INPUT'));
    assert.throws(() => wallet.unseal({ sealed: detached(200), unlock: { key: w.deviceKey } }), isCode('INVALID_INPUT'));
    // The second share's buffer detached: the first share's key must not stay behind.
    const gone = { ...w.auth, share: detached(200) };
    assert.throws(() => wallet.hazmat.signDigest({ info, shares: [w.device, gone], digest }), isCode('INVALID_INPUT'));
    // A buffer getter that throws is ignored: the engine's own slots give the bytes, so
    // this is the real 32-byte digest and signs like it.
    if (i % 500 === 0) {
      const sig = wallet.hazmat.signDigest({ info, shares: [w.device, w.auth], digest: Object.assign(throwingBuffer(32), digest) });
      assert.equal(hex(sig), hex(reference));
    } else {
      assert.throws(() => wallet.unseal({ sealed: throwingBuffer(8), unlock: { key: w.deviceKey } }), (e) => e.code !== 'INTERNAL');
    }
  }
  // The instance still works...
  const secret = new TextEncoder().encode('still working');
  assert.equal(new TextDecoder().decode(keysplit.combine(keysplit.split(secret, 2, 3).slice(1))), 'still working');
  assert.equal(hex(wallet.hazmat.signDigest({ info, shares: [w.device, w.auth], digest })), hex(reference));
  // ...and neither share key was left in its memory.
  assert.ok(!inMemory(w.deviceKey), 'device key left in wasm memory');
  assert.ok(!inMemory(w.authKey), 'auth key left in wasm memory');
});

test('getters that throw anywhere in an argument are INVALID_INPUT, before the module runs', () => {
  const w = newWallet();
  const trap = () => {
    throw new Error('trap');
  };
  const cases = [
    { info: Object.defineProperty({ ...w.set.info }, 'epoch', { get: trap }), shares: [w.device, w.auth], message: 'x' },
    { info: w.set.info, shares: [w.device, Object.defineProperty({ ...w.auth }, 'key', { get: trap })], message: 'x' },
    Object.defineProperty({ info: w.set.info, message: 'x' }, 'shares', { get: trap }),
    Object.defineProperty({ info: w.set.info, shares: [w.device, w.auth] }, 'message', { get: trap }),
  ];
  for (const options of cases) {
    assert.throws(() => wallet.signMessage(options), isCode('INVALID_INPUT'));
  }
  assert.equal(keysplit.combine(keysplit.split(new Uint8Array([1]), 2, 2)).length, 1);
});

test('lengths come from the real view, never from an overridden property', () => {
  // 4 real bytes claiming 64: the shares hold 4 bytes (not a zero-padded 64).
  const short = new Uint8Array([1, 2, 3, 4]);
  Object.defineProperty(short, 'length', { value: 64 });
  Object.defineProperty(short, 'byteLength', { value: 64 });
  const shares = keysplit.raw.split(short, 2, 3);
  assert.equal(shares[0].length, 5);
  assert.equal(hex(keysplit.raw.combine(shares.slice(1))), '01020304');
  // 4 KiB claiming 1: the whole 4 KiB is split, and nothing after the staging region is
  // overwritten (the next calls still give right answers).
  const long = new Uint8Array(4096).map((_, i) => i & 0xff);
  Object.defineProperty(long, 'length', { value: 1 });
  const longShares = keysplit.raw.split(long, 2, 2);
  assert.equal(longShares[0].length, 4097);
  assert.equal(hex(keysplit.raw.combine(longShares)), hex(new Uint8Array(4096).map((_, i) => i & 0xff)));
  for (let n = 1; n < 50; n++) {
    const secret = new Uint8Array(n).fill(n);
    assert.equal(hex(keysplit.raw.combine(keysplit.raw.split(secret, 2, 3).slice(0, 2))), hex(secret));
  }
  // Envelope split and the wallet read the same real bytes.
  const envelope = keysplit.split(short, 2, 2);
  assert.equal(hex(keysplit.combine(envelope)), '01020304');
});

test('objects that only claim to be ArrayBuffers are refused', () => {
  const fake = { [Symbol.toStringTag]: 'ArrayBuffer', byteLength: 32 };
  assert.equal(Object.prototype.toString.call(fake), '[object ArrayBuffer]');
  assert.throws(() => keysplit.split(fake, 2, 3), isCode('INVALID_INPUT'));
  assert.throws(() => keysplit.raw.split(fake, 2, 3), isCode('INVALID_INPUT'));
  const w = newWallet();
  assert.throws(
    () => wallet.hazmat.signDigest({ info: w.set.info, shares: [w.device, w.auth], digest: fake }),
    isCode('INVALID_INPUT'),
  );
  const fakeView = Object.create(Uint8Array.prototype);
  assert.throws(() => keysplit.split(fakeView, 2, 3), isCode('INVALID_INPUT'));
  assert.throws(() => keysplit.split(detached(), 2, 3), isCode('INVALID_INPUT'));
});

test('passwords, mnemonics and text messages with lone surrogates are refused', () => {
  // Sealing under "pin\uD800" used to give a share that "pin\uDBFF", "pin\uDFFF" and
  // "pin\uFFFD" also opened (each became "pin\uFFFD" in UTF-8). Now it cannot be sealed,
  // and no lone surrogate reaches an open either.
  for (const password of ['pin\uD800', 'pin\uDBFF', 'pin\uDFFF']) {
    assert.throws(() => newWallet(password), isCode('INVALID_INPUT'));
  }
  const w = newWallet('pin\uFFFD');
  assert.ok(wallet.address({ info: w.set.info, shares: [w.device, w.recovery] }).startsWith('0x'));
  for (const password of ['pin\uD800', 'pin\uDBFF', 'pin\uDFFF']) {
    assert.throws(
      () => wallet.address({ info: w.set.info, shares: [w.device, { ...w.recovery, password }] }),
      isCode('INVALID_INPUT'),
    );
  }
  assert.throws(() => newWallet('\uDC00abc'), isCode('INVALID_INPUT'));
  assert.throws(
    () => wallet.signMessage({ info: w.set.info, shares: [w.device, w.auth], message: 'hi \uD83D' }),
    isCode('INVALID_INPUT'),
  );
  assert.throws(() => wallet.import({ mnemonic: 'abandon \uD800', protections: {} }), isCode('INVALID_INPUT'));
  // A well-formed emoji (a surrogate pair) is fine.
  const ok = newWallet('pin \uD83D\uDD11');
  assert.ok(wallet.address({ info: ok.set.info, shares: [ok.device, ok.recovery] }).startsWith('0x'));
});

test('password seals below the Argon2id floor need the explicit test-only flag', () => {
  const protections = (recovery) => ({
    device: { key: wallet.generateKey() },
    auth: { key: wallet.generateKey() },
    recovery,
  });
  assert.throws(
    () => wallet.create({ protections: protections({ password: 'pw', argon2: FAST }) }),
    isCode('KDF_TOO_WEAK'),
  );
  assert.throws(
    () => wallet.create({ protections: protections({ password: 'pw', argon2: { memoryKib: 19456, iterations: 1 } }) }),
    isCode('KDF_TOO_WEAK'),
  );
  // A forged header asking for more than 256 MiB is refused before Argon2 runs.
  const w = newWallet();
  const forged = Uint8Array.from(w.set.recovery);
  new DataView(forged.buffer).setUint32(7, 256 * 1024 + 1);
  assert.throws(
    () => wallet.address({ info: w.set.info, shares: [w.device, { ...w.recovery, share: forged }] }),
    isCode('KDF_PARAMS'),
  );
});
