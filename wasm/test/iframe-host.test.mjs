// Unit tests of the wallet host's pure modules (wasm/iframe/params.js, bytes.js, server.js,
// queue.js) in Node: strict params, hex/base64 decoding, the authorization check and the
// release payload. Oracles: npm `canonicalize` (RFC 8785) for body equality, node's Buffer
// for base64/hex.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import canonicalize from 'canonicalize';
import * as params from '../iframe/params.js';
import { fromBase64, fromHex, toHex, wipe } from '../iframe/bytes.js';
import { checkAuthorization, fromServerInfo, releasePayload, toServerInfo } from '../iframe/server.js';
import { serialQueue } from '../iframe/queue.js';

const code = (fn) => {
  try {
    fn();
  } catch (error) {
    return error.code;
  }
  return 'no error';
};

test('fields: unknown and missing members are INVALID_PARAMS', () => {
  assert.deepEqual(params.fields(undefined, 'm', []), {});
  assert.deepEqual(params.fields({ a: 1 }, 'm', ['a', 'b']), { a: 1 });
  assert.equal(code(() => params.fields({ c: 1 }, 'm', ['a'])), 'INVALID_PARAMS');
  assert.equal(code(() => params.fields({}, 'm', ['a'], ['a'])), 'INVALID_PARAMS');
  assert.equal(code(() => params.fields([], 'm', [])), 'INVALID_PARAMS');
  assert.equal(code(() => params.fields(new Map(), 'm', [])), 'INVALID_PARAMS');
  assert.equal(code(() => params.fields('x', 'm', [])), 'INVALID_PARAMS');
});

test('message: exactly one of text and hex', () => {
  assert.deepEqual(params.message({ text: 'hi' }).body, { message: 'hi', encoding: 'utf-8' });
  const hex = params.message({ hex: '0xDEADbeef' });
  assert.deepEqual(hex.body, { message: 'deadbeef', encoding: 'hex' });
  assert.deepEqual([...hex.message], [0xde, 0xad, 0xbe, 0xef]);
  assert.equal(code(() => params.message({ text: 'a', hex: '00' })), 'INVALID_PARAMS');
  assert.equal(code(() => params.message({})), 'INVALID_PARAMS');
  assert.equal(code(() => params.message({ hex: '0xabc' })), 'INVALID_PARAMS');
  assert.equal(code(() => params.message({ text: 5 })), 'INVALID_PARAMS');
});

test('json values: only plain JSON data', () => {
  assert.deepEqual(params.jsonObject({ a: [1, 'x', null, true, { b: 2 }] }, 'v'), { a: [1, 'x', null, true, { b: 2 }] });
  for (const bad of [{ a: NaN }, { a: 1n }, { a: new Date(0) }, { a: undefined }, { a: new Uint8Array(1) }]) {
    assert.equal(code(() => params.jsonObject(bad, 'v')), 'INVALID_PARAMS', JSON.stringify(Object.keys(bad)));
  }
  let deep = {};
  for (let i = 0; i < 100; i++) deep = { d: deep };
  assert.equal(code(() => params.jsonObject(deep, 'v')), 'INVALID_PARAMS');
});

test('chain, walletId, accessToken, recipient key', () => {
  assert.equal(params.chain(undefined), 'ethereum');
  assert.equal(params.chain('solana'), 'solana');
  assert.equal(code(() => params.chain('bitcoin')), 'INVALID_PARAMS');
  assert.equal(params.walletId('0x00112233445566778899AABBCCDDEEFF'), '00112233445566778899aabbccddeeff');
  assert.equal(code(() => params.walletId('0011')), 'INVALID_PARAMS');
  assert.equal(params.accessToken('aa.bb.cc'), 'aa.bb.cc');
  assert.equal(code(() => params.accessToken('aa.bb')), 'INVALID_PARAMS');
  assert.equal(code(() => params.accessToken(`a.${'b'.repeat(9000)}.c`)), 'INVALID_PARAMS');
  const key = `04${'11'.repeat(64)}`;
  assert.equal(params.recipientKey(`0x${key.toUpperCase()}`).hex, key);
  assert.equal(code(() => params.recipientKey(`02${'11'.repeat(64)}`)), 'INVALID_PARAMS');
  assert.equal(code(() => params.recipientKey(`04${'11'.repeat(32)}`)), 'INVALID_PARAMS');
});

test('bytes: hex and base64 are strict; wipe zeroes', () => {
  assert.equal(toHex(Uint8Array.from([0, 255, 16])), '0x00ff10');
  assert.equal(toHex(Uint8Array.from([1]), false), '01');
  assert.deepEqual([...fromHex('0x00ff10', 'x')], [0, 255, 16]);
  assert.equal(code(() => fromHex('0xzz', 'x')), 'INVALID_PARAMS');
  assert.equal(code(() => fromHex('abc', 'x', 'SERVER_ERROR')), 'SERVER_ERROR');
  const sample = Uint8Array.from({ length: 37 }, (_, i) => i * 7);
  assert.deepEqual([...fromBase64(Buffer.from(sample).toString('base64'), 'm')], [...sample]);
  for (const bad of ['', 'AAA', 'AA=A', 'A-_A', 'AAAA\n', Buffer.from(sample).toString('base64url')]) {
    assert.equal(code(() => fromBase64(bad, 'm')), 'INVALID_PARAMS', bad);
  }
  const key = Uint8Array.from([1, 2, 3]);
  wipe(key, null);
  assert.deepEqual([...key], [0, 0, 0]);
});

test('checkAuthorization: method, path and canonical body must match', () => {
  const id = '00112233445566778899aabbccddeeff';
  const body = { method: 'eth_signTransaction', params: { transaction: { to: '0xabc', value: '1', chainId: 1 } } };
  const request = {
    version: 1,
    method: 'POST',
    url: `https://keysplit.example/v1/wallets/${id}/release`,
    // Same members in another order: the same RFC 8785 text.
    body: { params: { transaction: { chainId: 1, value: '1', to: '0xabc' } }, method: 'eth_signTransaction' },
    headers: {},
  };
  const canon = (value) => canonicalize(value);
  assert.equal(code(() => checkAuthorization({ request, signature: 's' }, id, body, canon)), 'no error');
  const variants = [
    { ...request, method: 'PUT' },
    { ...request, url: `https://keysplit.example/v1/wallets/${id}/signers` },
    { ...request, url: `https://keysplit.example/v1/wallets/ffeeddccbbaa99887766554433221100/release` },
    { ...request, url: `https://keysplit.example/v1/wallets/${id}/release?x=1` },
    { ...request, url: `/v1/wallets/${id}/release` },
    { ...request, url: `ftp://keysplit.example/v1/wallets/${id}/release` },
    { ...request, body: { ...request.body, params: { transaction: { chainId: 1, value: '2', to: '0xabc' } } } },
    { ...request, body: undefined },
  ];
  for (const variant of variants) {
    assert.equal(code(() => checkAuthorization({ request: variant, signature: 's' }, id, body, canon)), 'AUTHORIZATION_MISMATCH', JSON.stringify(variant));
  }
});

test('release payload: Privy shape, 60 s expiry, fresh idempotency key', () => {
  const id = '00112233445566778899aabbccddeeff';
  const a = releasePayload('http://127.0.0.1:8787', id, { method: 'personal_sign', params: {} }, 1000);
  const b = releasePayload('http://127.0.0.1:8787', id, { method: 'personal_sign', params: {} }, 1000);
  assert.deepEqual(Object.keys(a).sort(), ['body', 'headers', 'method', 'url', 'version']);
  assert.equal(a.url, `http://127.0.0.1:8787/v1/wallets/${id}/release`);
  assert.equal(a.headers['privy-request-expiry'], '61000');
  assert.match(a.headers['privy-idempotency-key'], /^[0-9a-f]{32}$/);
  assert.notEqual(a.headers['privy-idempotency-key'], b.headers['privy-idempotency-key']);
});

test('server info conversion is checked', () => {
  const info = {
    walletId: '00112233445566778899aabbccddeeff',
    epoch: 3,
    shareSetId: 'aa'.repeat(16),
    ethereumAddress: '0x0000000000000000000000000000000000000001',
    solanaAddress: '11111111111111111111111111111111',
  };
  assert.deepEqual(fromServerInfo(toServerInfo(info)), info);
  assert.equal(code(() => fromServerInfo({ ...toServerInfo(info), epoch: -1 })), 'SERVER_ERROR');
  assert.equal(code(() => fromServerInfo({ ...toServerInfo(info), wallet_id: 'x' })), 'SERVER_ERROR');
  assert.equal(code(() => fromServerInfo(null)), 'SERVER_ERROR');
});

test('serialQueue runs tasks one after another, failures included', async () => {
  const enqueue = serialQueue();
  const log = [];
  const slow = (name, ms, fail = false) => () =>
    new Promise((resolve, reject) => {
      log.push(`start ${name}`);
      setTimeout(() => {
        log.push(`end ${name}`);
        if (fail) reject(new Error(name));
        else resolve(name);
      }, ms);
    });
  const results = await Promise.allSettled([enqueue(slow('a', 30)), enqueue(slow('b', 5, true)), enqueue(slow('c', 1))]);
  assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
});
