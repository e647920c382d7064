// The typed surface of keysplit-wasm, shared by the browser (web.js) and Node (node.js)
// entry points. It normalises inputs, checks numbers, and turns the module's errors into
// `KeysplitError`s; the cryptography is all in the wasm module.

import { KeysplitError } from './errors.js';
import { toBytes, toCount, toList, toText } from './inputs.js';
import { bindSlip39 } from './slip39.js';
import { bindWallet } from './wallet.js';

export { KeysplitError, toBytes, toCount };

const toByteList = (value, what) => toList(value, what, toBytes);
const toStringList = (value, what) => toList(value, what, toText);

/** Runs `call`, rethrowing the module's errors as KeysplitError (same code and message). */
export function guarded(call) {
  try {
    return call();
  } catch (error) {
    if (error instanceof KeysplitError) throw error;
    if (error && typeof error === 'object' && typeof error.code === 'string') {
      throw new KeysplitError(error.code, error.message);
    }
    // A trap (RuntimeError) or a JS exception from glue code: keep it, but with a code.
    throw new KeysplitError('INTERNAL', `keysplit-wasm failed unexpectedly: ${error && error.message}`, { cause: error });
  }
}

/**
 * The raw fast paths: the module's `Engine` keeps the CSPRNG state and one scratch region
 * in wasm memory. The secret (or the shares) is written straight into it, the result is
 * copied straight out of it into fresh `Uint8Array`s (one per share, each with its own
 * buffer), and the module wipes the region (`engine.wipe()`) before the call returns,
 * whatever the outcome.
 */
function bindRaw(bindings, run) {
  let engine;
  let memory;
  let bytes; // a Uint8Array over all of memory.buffer, replaced when memory grows
  const state = () => {
    engine ??= new bindings.Engine();
    memory ??= bindings.wasmMemory();
    return engine;
  };
  // Call after anything that may grow memory: growing detaches memory.buffer (every view
  // of it then has length 0), which is cheaper to test than reading memory.buffer.
  const view = () => {
    if (bytes === undefined || bytes.length === 0) bytes = new Uint8Array(memory.buffer);
    return bytes;
  };
  return Object.freeze({
    split: (secret, threshold, shares) =>
      run(() => {
        // A fresh view whose length is the engine's, not a `length` property the caller
        // may have redefined (a 4-byte array claiming 64, or 4 KiB claiming 1).
        const input = toBytes(secret, 'secret');
        toCount(threshold, 'threshold');
        toCount(shares, 'shares');
        const e = state();
        const len = input.length;
        try {
          const inAt = bindings.rawSplitStage(e, len, threshold, shares);
          view().set(input, inAt);
          const at = bindings.rawSplitInto(e);
          const memoryBytes = view();
          const stride = len + 1;
          const out = new Array(shares);
          for (let i = 0, from = at; i < shares; i++, from += stride) {
            out[i] = memoryBytes.slice(from, from + stride);
          }
          return out;
        } finally {
          e.wipe();
        }
      }),
    combine: (shares) =>
      run(() => {
        const list = toByteList(shares, 'shares');
        const lengths = new Uint32Array(list.length);
        // Room after the shares for the secret (one byte shorter than a share), so the
        // module writes it in place instead of growing the region and copying the shares.
        let total = list.length > 0 ? Math.max(list[0].length - 1, 0) : 0;
        for (let i = 0; i < list.length; i++) {
          lengths[i] = list[i].length;
          total += list[i].length;
        }
        if (total > 0xffffffff) {
          throw new KeysplitError('TOO_LARGE', 'shares are too large');
        }
        const e = state();
        try {
          const ptr = e.stage(total);
          const memoryBytes = view();
          let offset = ptr;
          for (const share of list) {
            memoryBytes.set(share, offset);
            offset += share.length;
          }
          const at = bindings.rawCombineInto(e, lengths);
          return view().slice(at, at + lengths[0] - 1);
        } finally {
          e.wipe();
        }
      }),
  });
}

/**
 * Builds the API over a wasm-bindgen module namespace. `ready()` throws if the module
 * is not instantiated yet (browsers must `await init()` first).
 */
export function bind(bindings, ready) {
  const run = (call) => {
    ready();
    return guarded(call);
  };
  const api = {
    split: (secret, threshold, shares) =>
      run(() => bindings.split(toBytes(secret, 'secret'), toCount(threshold, 'threshold'), toCount(shares, 'shares'))),
    combine: (shares) => run(() => bindings.combine(toByteList(shares, 'shares'))),
    combineDetailed: (shares) => run(() => bindings.combineDetailed(toByteList(shares, 'shares'))),
    combineText: (shares) => run(() => bindings.combineText(toStringList(shares, 'shares'))),
    reshare: (shares, threshold, newShares) =>
      run(() =>
        bindings.reshare(toByteList(shares, 'shares'), toCount(threshold, 'threshold'), toCount(newShares, 'shares')),
      ),
    shareInfo: (share) => run(() => bindings.shareInfo(toBytes(share, 'share'))),
    shareToText: (share) => run(() => bindings.shareToText(toBytes(share, 'share'))),
    shareFromText: (text) => run(() => bindings.shareFromText(toText(text, 'share'))),
    raw: bindRaw(bindings, run),
    slip39: bindSlip39(bindings, run),
    backendName: () => run(() => bindings.backendName()),
    version: () => run(() => bindings.version()),
  };
  Object.assign(api, bindWallet(bindings, run));
  return Object.freeze(api);
}
