// Size budget of the full module (core + wallet) after wasm-opt: at most 140 KiB gzipped.
// The gzip size is what a browser downloads; run scripts/build.sh first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const BUDGET_GZIPPED = 140 * 1024;

test('the wasm module fits the size budget (140 KiB gzipped)', (t) => {
  for (const flavour of ['web', 'node']) {
    const module = readFileSync(new URL(`../pkg/${flavour}/keysplit_wasm_bg.wasm`, import.meta.url));
    const gzipped = gzipSync(module, { level: 9 }).length;
    t.diagnostic(`${flavour}: ${module.length} bytes raw, ${gzipped} bytes gzipped (budget ${BUDGET_GZIPPED})`);
    assert.ok(WebAssembly.validate(module), 'the optimised module is valid WebAssembly');
    assert.ok(gzipped <= BUDGET_GZIPPED, `${flavour} module is ${gzipped} bytes gzipped, over the ${BUDGET_GZIPPED}-byte budget`);
  }
});
