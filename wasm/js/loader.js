// Loading the wasm module, shared by the entry points (web.js, inline.js, node.js):
// `init()` that can be retried after a failure, and load failures as KeysplitErrors.
import { KeysplitError } from './errors.js';

const INLINE_HINT =
  "pass the module's location to init(url) (e.g. a URL your bundler's file loader gives for " +
  "'keysplit-wasm/keysplit_wasm_bg.wasm'), or import 'keysplit-wasm/inline', which embeds the module";

/** A KeysplitError for a module that could not be loaded from `url` (a string, or undefined). */
export function loadError(message, url, cause) {
  const where = url === undefined ? '' : ` from ${url}`;
  const error = new KeysplitError('WASM_LOAD_FAILED', `keysplit-wasm could not load its WebAssembly module${where}: ${message}; ${INLINE_HINT}`, cause === undefined ? undefined : { cause });
  if (url !== undefined) error.url = String(url);
  return error;
}

const describe = (source) =>
  typeof source === 'string' || (typeof URL !== 'undefined' && source instanceof URL) ? String(source) : undefined;

/**
 * Fetches a URL and checks the answer is a wasm module, not an error page or a dev server's
 * HTML fallback (which would otherwise fail later as "expected magic word 00 61 73 6d").
 */
export async function fetchModule(url) {
  let response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw loadError(`fetch failed (${error && error.message})`, url, error);
  }
  if (!response.ok) {
    throw loadError(`the server answered ${response.status} ${response.statusText}`.trim(), url);
  }
  const type = response.headers.get('content-type') ?? '';
  if (type.includes('text/html')) {
    throw loadError('the server answered with an HTML page, not the .wasm file', url);
  }
  return response;
}

/**
 * The `init` of an entry point and the readiness check of its API.
 * - `instantiate(module)` instantiates the wasm-bindgen glue from a Response, bytes or a
 *   WebAssembly.Module;
 * - `defaultSource()` is what `init()` without an argument loads: a URL or bytes, or
 *   `[url, fallback]` where `fallback(url)` may name a second URL to try if the first fails;
 * - `fetchUrl(url)` fetches a URL given as a string or URL object (default: `fetch`).
 * A failed load is forgotten, so `init()` can be called again (with another source).
 */
export function createLoader(instantiate, defaultSource, fetchUrl = fetchModule) {
  let loading;
  let loaded = false;
  let lastError;

  async function fromSource(source) {
    const url = describe(source);
    const module = url === undefined ? source : await fetchUrl(source);
    try {
      await instantiate(module);
    } catch (error) {
      if (error instanceof KeysplitError) throw error;
      throw loadError(`instantiation failed (${error && error.message})`, url, error);
    }
  }

  async function load(source) {
    if (source !== undefined) return fromSource(source);
    let given;
    try {
      given = defaultSource();
    } catch (error) {
      // e.g. `new URL(..., import.meta.url)` in a bundle without import.meta (esbuild iife).
      throw loadError(`its default location is unknown in this bundle (${error && error.message})`, undefined, error);
    }
    if (!Array.isArray(given)) return fromSource(given);
    const [first, fallback] = given;
    try {
      return await fromSource(first);
    } catch (error) {
      const second = fallback(first);
      if (second === undefined) throw error;
      try {
        return await fromSource(second);
      } catch {
        throw error; // the first URL is the one the package is built to use
      }
    }
  }

  function init(source) {
    if (loaded) return Promise.resolve();
    loading ??= load(source).then(
      () => {
        loaded = true;
        lastError = undefined;
      },
      (error) => {
        loading = undefined; // the next init() tries again
        lastError = error;
        throw error;
      },
    );
    return loading;
  }

  function ready() {
    if (!loaded) {
      const why = lastError ? ` (the last init() failed: ${lastError.message})` : '';
      throw new KeysplitError('NOT_INITIALIZED', `keysplit-wasm is not loaded yet: call and await init() first${why}`, lastError ? { cause: lastError } : undefined);
    }
  }

  /** Marks the module as loaded by other means (Node's synchronous load on import). */
  function loadedSync() {
    loaded = true;
  }

  return { init, ready, loadedSync, setError: (error) => (lastError = error) };
}
