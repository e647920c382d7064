// Browser and bundler entry point: `await init()` once, then call the API.
import initBindings, * as bindings from './keysplit_wasm.js';
import { bind } from './api.js';
import { createLoader } from './loader.js';

export { KeysplitError, toBytes } from './api.js';

const loader = createLoader(
  (module) => initBindings({ module_or_path: module }),
  // Written out here, literally, so that Vite, webpack 5, Parcel and Rollup see the
  // `new URL('…', import.meta.url)` pattern and ship the .wasm next to the bundle.
  () => [new URL('./keysplit_wasm_bg.wasm', import.meta.url), viteDepsFallback],
);

/**
 * Fetches and instantiates the module. `source` overrides where it comes from (URL,
 * Response, bytes or a compiled WebAssembly.Module). Concurrent calls share one load; after
 * a failure (a `KeysplitError` with code `WASM_LOAD_FAILED` and the `url` tried), the next
 * call tries again.
 */
export const init = (source) => loader.init(source);

// Vite < 8 pre-bundles dependencies into node_modules/.vite/deps/, where the relative URL
// above finds no .wasm (the dev server answers with its HTML page). The package's own
// folder is still served, so that is tried second.
function viteDepsFallback(firstUrl) {
  const at = firstUrl.pathname.indexOf('/node_modules/.vite/deps/');
  return at < 0 ? undefined : new URL(`${firstUrl.pathname.slice(0, at)}/node_modules/keysplit-wasm/keysplit_wasm_bg.wasm`, firstUrl);
}

// The API itself (`split`, `combine`, `wallet`, ...) is exported by the lines that
// scripts/build.sh appends from exports.part.js, written once for the three entries.
