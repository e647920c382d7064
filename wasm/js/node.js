// Node entry point: the module is read and compiled synchronously on import, so `init()`
// resolves at once; it is kept so that code shared with browsers can call it. If the
// .wasm is not next to this file (a server bundle that did not copy it), calls throw
// NOT_INITIALIZED saying so, and `init(source)` loads it from a path, URL or bytes.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import initBindings, * as bindings from './keysplit_wasm.js';
import { bind } from './api.js';
import { createLoader, fetchModule, loadError } from './loader.js';

export { KeysplitError, toBytes } from './api.js';

const moduleUrl = new URL('./keysplit_wasm_bg.wasm', import.meta.url);

/** http(s) URLs are fetched; file: URLs and paths are read from disk. */
async function readModule(source) {
  const text = String(source);
  if (/^https?:/i.test(text)) return fetchModule(source);
  try {
    return await readFile(/^file:/i.test(text) ? new URL(text) : text);
  } catch (error) {
    throw loadError(error && error.message, text, error);
  }
}

const loader = createLoader((module) => initBindings({ module_or_path: module }), () => moduleUrl, readModule);

try {
  bindings.initSync({ module: readFileSync(moduleUrl) });
  loader.loadedSync();
} catch (error) {
  loader.setError(loadError(error && error.message, moduleUrl.href, error));
}

/** Resolves at once when the module loaded on import; otherwise loads it from `source`. */
export const init = (source) => loader.init(source);

// The API itself (`split`, `combine`, `wallet`, ...) is exported by the lines that
// scripts/build.sh appends from exports.part.js, written once for the three entries.
