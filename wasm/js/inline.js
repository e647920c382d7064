// Entry point with the wasm module embedded (base64 in keysplit_wasm_inline.js): nothing
// is fetched or read from disk, so it works in any bundler without configuration, in
// workers, in server bundles and in bundles without `import.meta` (esbuild iife).
// `await init()` once, then call the API. It costs about a third more bytes than the
// .wasm file fetched by the default entry, and the module cannot be cached on its own.
import initBindings, * as bindings from './keysplit_wasm.js';
import moduleBase64 from './keysplit_wasm_inline.js';
import { bind } from './api.js';
import { createLoader } from './loader.js';

export { KeysplitError, toBytes } from './api.js';

function decodeBase64(text) {
  if (typeof Uint8Array.fromBase64 === 'function') return Uint8Array.fromBase64(text);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const loader = createLoader((module) => initBindings({ module_or_path: module }), () => decodeBase64(moduleBase64));

/** Instantiates the embedded module (`source` may override it, as in the default entry). */
export const init = (source) => loader.init(source);

// The API itself (`split`, `combine`, `wallet`, ...) is exported by the lines that
// scripts/build.sh appends from exports.part.js, written once for the three entries.
