// Loading the module: init() failures are KeysplitErrors (code WASM_LOAD_FAILED, the URL
// tried, a hint), a failed init() can be retried, and the inline and Node entry points
// load without fetching. Only web.js is imported here before the retry test, so the
// shared glue starts uninstantiated (node --test runs each file in its own process).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { hex } from './helpers.mjs';

const moduleUrl = new URL('../pkg/keysplit_wasm_bg.wasm', import.meta.url);

function isLoadFailure(url, ...phrases) {
  return (error) => {
    assert.equal(error.name, 'KeysplitError');
    assert.equal(error.code, 'WASM_LOAD_FAILED');
    if (url !== undefined) assert.equal(error.url, url);
    for (const phrase of [...phrases, 'init(url)', 'keysplit-wasm/inline']) {
      assert.ok(error.message.includes(phrase), `"${error.message}" mentions ${phrase}`);
    }
    return true;
  };
}

async function withServer(handler, body) {
  const server = createServer(handler);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await body(`http://127.0.0.1:${server.address().port}`);
  } finally {
    server.close();
  }
}

test('a failed init() is a KeysplitError naming the URL, and init() can be retried', async () => {
  const web = await import('../pkg/web.js');
  // Node's fetch cannot read the file: URL next to web.js: the default source fails.
  await assert.rejects(web.init(), isLoadFailure(moduleUrl.href));
  await withServer(
    (request, response) => {
      if (request.url === '/missing.wasm') {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      } else {
        response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><p>app shell</p>');
      }
    },
    async (origin) => {
      await assert.rejects(web.init(`${origin}/missing.wasm`), isLoadFailure(`${origin}/missing.wasm`, '404'));
      await assert.rejects(web.init(new URL('/spa-route.wasm', origin)), isLoadFailure(`${origin}/spa-route.wasm`, 'HTML'));
    },
  );
  await assert.rejects(web.init(new Uint8Array([0, 0x61, 0x73, 0x6d, 9, 9, 9, 9])), isLoadFailure(undefined, 'instantiation failed'));
  assert.throws(
    () => web.split(new Uint8Array(1), 2, 2),
    (error) => error.code === 'NOT_INITIALIZED' && error.cause?.code === 'WASM_LOAD_FAILED',
  );

  await withServer(
    (request, response) => response.writeHead(200, { 'content-type': 'application/wasm' }).end(readFileSync(moduleUrl)),
    async (origin) => {
      const [first, second] = [web.init(`${origin}/keysplit_wasm_bg.wasm`), web.init()];
      await first;
      await second; // concurrent calls share the one load
    },
  );
  const shares = web.split(new Uint8Array([1, 2, 3]), 2, 3);
  assert.equal(hex(web.combine([shares[2], shares[0]])), '010203');
  await web.init(new Uint8Array(1)); // already loaded: later sources are ignored
});

test('the inline entry loads the embedded module without fetching', async () => {
  const inline = await import('../pkg/inline.js');
  const realFetch = globalThis.fetch;
  globalThis.fetch = () => assert.fail('the inline entry fetched something');
  try {
    await inline.init();
  } finally {
    globalThis.fetch = realFetch;
  }
  const shares = inline.split(new Uint8Array([7, 8]), 2, 2);
  assert.equal(hex(inline.combine(shares)), '0708');
});

test('the Node entry without its .wasm (a server bundle) says so, and init(path) loads it', async () => {
  const copy = mkdtempSync(join(tmpdir(), 'keysplit-node-entry-'));
  try {
    cpSync(new URL('../pkg/', import.meta.url), copy, {
      recursive: true,
      filter: (source) => !source.endsWith('.wasm'),
    });
    const node = await import(pathToFileURL(join(copy, 'node.js')).href);
    const expectedUrl = pathToFileURL(join(copy, 'keysplit_wasm_bg.wasm')).href;
    assert.throws(
      () => node.split(new Uint8Array(1), 2, 2),
      (error) => error.code === 'NOT_INITIALIZED' && error.cause?.url === expectedUrl,
    );
    await assert.rejects(node.init(), isLoadFailure(expectedUrl, 'ENOENT'));
    await node.init(moduleUrl.pathname);
    const shares = node.split(new Uint8Array([9]), 2, 2);
    assert.equal(hex(node.combine(shares)), '09');
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});
