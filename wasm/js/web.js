// Browser entry point: `await init()` once, then call the API.
import initBindings, * as bindings from './web/keysplit_wasm.js';
import { bind, KeysplitError } from './api.js';

export { KeysplitError, toBytes } from './api.js';

let loading;
let loaded = false;

/** Fetches and instantiates the module (once; later calls return the same promise). */
export function init(source) {
  loading ??= initBindings(source === undefined ? undefined : { module_or_path: source }).then(() => {
    loaded = true;
  });
  return loading;
}

const api = bind(bindings, () => {
  if (!loaded) {
    throw new KeysplitError('NOT_INITIALIZED', 'keysplit-wasm is not loaded yet: call and await init() first');
  }
});

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
