// Node entry point: the module is compiled synchronously on import; `init()` is a no-op
// kept so that code shared with browsers can call it.
import * as bindings from './node/keysplit_wasm.js';
import { bind } from './api.js';

export { KeysplitError, toBytes } from './api.js';

/** Resolves at once: in Node the module is already loaded. */
export async function init() {}

const api = bind(bindings, () => {});

export const {
  split,
  combine,
  combineDetailed,
  combineText,
  reshare,
  shareInfo,
  shareToText,
  shareFromText,
  raw,
  backendName,
  version,
  wallet,
} = api;
