// Size budget of the full module (core + wallet) after wasm-opt: at most 140 KiB gzipped.
// The gzip size is what a browser downloads; run scripts/build.sh first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const BUDGET_GZIPPED = 140 * 1024;

test('the wasm module fits the size budget (140 KiB gzipped)', (t) => {
  const module = readFileSync(new URL('../pkg/keysplit_wasm_bg.wasm', import.meta.url));
  const gzipped = gzipSync(module, { level: 9 }).length;
  t.diagnostic(`${module.length} bytes raw, ${gzipped} bytes gzipped (budget ${BUDGET_GZIPPED})`);
  assert.ok(WebAssembly.validate(module), 'the optimised module is valid WebAssembly');
  assert.ok(gzipped <= BUDGET_GZIPPED, `the module is ${gzipped} bytes gzipped, over the ${BUDGET_GZIPPED}-byte budget`);
});

test('the package ships one .wasm file, and the inline entry embeds that same module', () => {
  const files = readdirSync(new URL('../pkg/', import.meta.url), { recursive: true });
  assert.deepEqual(files.filter((name) => name.endsWith('.wasm')), ['keysplit_wasm_bg.wasm']);
  const inline = readFileSync(new URL('../pkg/keysplit_wasm_inline.js', import.meta.url), 'utf8');
  const base64 = /export default '([A-Za-z0-9+/=]+)';/.exec(inline);
  assert.ok(base64, 'keysplit_wasm_inline.js exports the module as one base64 string');
  const module = readFileSync(new URL('../pkg/keysplit_wasm_bg.wasm', import.meta.url));
  assert.ok(Buffer.from(base64[1], 'base64').equals(module));
});

// The keysplit-wasm-requests build (scripts/build.sh --requests) adds P-256, serde_json,
// RLP, EIP-712 and the policy engine: ~303 KB gzipped when it was added (the default
// module: ~140 KB); with the custody channel (HPKE: P-256 DHKEM, HKDF, ChaCha20-Poly1305)
// and the upload statement, 314,952 B. Its own ceiling keeps it from growing unnoticed.
const REQUESTS_BUDGET_GZIPPED = 320 * 1024;

test('the requests build fits its own size ceiling (320 KiB gzipped)', (t) => {
  const module = readFileSync(new URL('../pkg-requests/keysplit_wasm_bg.wasm', import.meta.url));
  const gzipped = gzipSync(module, { level: 9 }).length;
  t.diagnostic(`keysplit-wasm-requests: ${module.length} bytes raw, ${gzipped} bytes gzipped`);
  assert.ok(WebAssembly.validate(module));
  assert.ok(gzipped <= REQUESTS_BUDGET_GZIPPED, `${gzipped} bytes gzipped, over ${REQUESTS_BUDGET_GZIPPED}`);
});
