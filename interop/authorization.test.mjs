// keysplit authorization keys and key quorums vs Node's own crypto (OpenSSL P-256 ECDSA)
// and npm `canonicalize` (the RFC 8785 package Privy's SDKs sign over), through the
// `keysplit authz` CLI exactly as a user runs it:
//
// * keys made in Node (pkcs8 -> wallet-auth: form, spki) sign payloads over
//   canonicalize(payload) with crypto.sign (DER) and WebCrypto (IEEE P1363); keysplit
//   verifies them after the payload's members are shuffled and whitespace added;
// * keys from `keysplit authz keygen` sign via `keysplit authz sign` and Node's
//   crypto.verify accepts the signatures over canonicalize(payload);
// * a 2-of-3 quorum: met, not met, the same signature twice, a non-member, a tampered
//   payload, an expired request, each refusal with its code.
//
// Run by scripts/test.d/20-interop.sh with KEYSPLIT_BIN set to the built CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import canonicalize from 'canonicalize';

import { keysplitCli } from './cli.mjs';

const cli = keysplitCli();
const keysplit = cli.run;
const ok = (args, input) => cli.ok(args, input).stdout.trim();

function refused(r, code) {
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stderr, /^keysplit: error: .*\[[A-Z_]+\]\n$/);
  assert.ok(r.stderr.includes(`[${code}]`), r.stderr);
}

const dir = mkdtempSync(join(tmpdir(), 'keysplit-authz-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const file = (contents) => {
  const path = join(dir, `f${files++}`);
  writeFileSync(path, contents);
  return path;
};

/// A Node key pair in the forms Privy uses.
function nodeKey() {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');
  const spki = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  return { privateKey, publicKey, walletAuth: `wallet-auth:${pkcs8}`, spki };
}

const nodeSign = (key, payload) =>
  crypto.sign('sha256', Buffer.from(canonicalize(payload)), key.privateKey).toString('base64');

/// Random member order at every level and random whitespace: same canonical form.
function shuffled(value) {
  const pad = () => ' \n\t'.slice(0, crypto.randomInt(4));
  if (Array.isArray(value)) return `[${pad()}${value.map(shuffled).join(`,${pad()}`)}${pad()}]`;
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    for (let i = keys.length - 1; i > 0; i--) {
      const j = crypto.randomInt(i + 1);
      [keys[i], keys[j]] = [keys[j], keys[i]];
    }
    const members = keys.map((k) => `${pad()}${JSON.stringify(k)}${pad()}:${pad()}${shuffled(value[k])}`);
    return `{${members.join(',')}${pad()}}`;
  }
  return JSON.stringify(value);
}

/// Doubles from random bit patterns (every exponent), the hard part of RFC 8785.
function randomDoubles(count) {
  const out = [];
  while (out.length < count) {
    const f = new Float64Array(crypto.randomBytes(8).buffer.slice(0, 8))[0];
    if (Number.isFinite(f)) out.push(f);
  }
  return out;
}

function payload(extraHeaders = {}) {
  return {
    version: 1,
    method: 'POST',
    url: `https://api.privy.io/v1/wallets/${crypto.randomBytes(6).toString('hex')}/rpc`,
    body: {
      method: 'eth_sendTransaction',
      caip2: 'eip155:8453',
      params: {
        transaction: {
          to: '0x' + crypto.randomBytes(20).toString('hex'),
          value: crypto.randomInt(1, 2 ** 40),
          data: '0x',
          note: 'caf\u00e9 \u20ac \ud83d\ude00 "quoted" \\ \u0001',
          ratio: Math.random() * 1e6,
          tiny: 1e-7,
          big: 1e21,
          numbers: [...randomDoubles(24), -0, 2 ** 53 + 2, 123456789012345680000, 5e-324],
        },
      },
    },
    headers: {
      'privy-app-id': 'app-' + crypto.randomBytes(4).toString('hex'),
      'privy-idempotency-key': crypto.randomUUID(),
      ...extraHeaders,
    },
  };
}

const quorumFile = (threshold, members) => file(JSON.stringify({ threshold, members }));
const verify = (quorum, sigs, text) =>
  keysplit(['authz', 'verify', '--quorum', quorum, ...sigs.flatMap((s) => ['--signature', s])], text);

test('keys and signatures made in Node verify in keysplit', async () => {
  for (let i = 0; i < 8; i++) {
    const key = nodeKey();
    const p = payload();
    const quorum = quorumFile(1, [key.spki]);
    // DER from crypto.sign.
    const der = nodeSign(key, p);
    ok(['authz', 'verify', '--quorum', quorum, '--signature', der], shuffled(p));
    // IEEE P1363 from WebCrypto.
    const webKey = await crypto.webcrypto.subtle.importKey(
      'pkcs8',
      key.privateKey.export({ type: 'pkcs8', format: 'der' }),
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['sign'],
    );
    const raw = Buffer.from(
      await crypto.webcrypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, webKey, Buffer.from(canonicalize(p))),
    );
    assert.equal(raw.length, 64);
    ok(['authz', 'verify', '--quorum', quorum, '--signature', raw.toString('base64')], shuffled(p));
    // The Node key in wallet-auth: form signs in keysplit, and Node verifies that.
    const keyFile = file(key.walletAuth + '\n');
    const sig = ok(['authz', 'sign', '--key', keyFile], shuffled(p));
    assert.ok(
      crypto.verify('sha256', Buffer.from(canonicalize(p)), key.publicKey, Buffer.from(sig, 'base64')),
      'Node verifies keysplit signature by a Node key',
    );
    // A payload changed after signing does not verify.
    const changed = structuredClone(p);
    changed.body.params.transaction.value += 1;
    refused(verify(quorum, [der], shuffled(changed)), 'QUORUM_NOT_MET');
  }
});

test('keys from keysplit keygen sign, and Node verifies', () => {
  for (let i = 0; i < 5; i++) {
    const keyPath = join(dir, `keygen-${i}`);
    const spki = ok(['authz', 'keygen', '--out', keyPath]);
    const publicKey = crypto.createPublicKey({ key: Buffer.from(spki, 'base64'), format: 'der', type: 'spki' });
    assert.equal(publicKey.asymmetricKeyDetails.namedCurve, 'prime256v1');
    // The private key file reads in Node as PKCS#8 and matches the printed public key.
    const text = readFileSync(keyPath, 'utf8').trim();
    assert.ok(text.startsWith('wallet-auth:'));
    const privateKey = crypto.createPrivateKey({ key: Buffer.from(text.slice(12), 'base64'), format: 'der', type: 'pkcs8' });
    assert.equal(
      crypto.createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).toString('base64'),
      spki,
    );
    const p = payload();
    const sig = ok(['authz', 'sign', '--key', keyPath], shuffled(p));
    const message = Buffer.from(canonicalize(p));
    assert.ok(crypto.verify('sha256', message, publicKey, Buffer.from(sig, 'base64')));
    // Not over anything else.
    assert.ok(!crypto.verify('sha256', Buffer.from(JSON.stringify(p)), publicKey, Buffer.from(sig, 'base64')));
  }
});

test('a 2-of-3 quorum of Node keys', () => {
  const keys = [nodeKey(), nodeKey(), nodeKey()];
  const outsider = nodeKey();
  // Members in any order; the quorum is a set.
  const quorum = quorumFile(2, [keys[2].spki, keys[0].spki, keys[1].spki]);
  const p = payload({ 'privy-request-expiry': String(Date.now() + 600_000) });
  const [s0, s1, s2] = keys.map((k) => nodeSign(k, p));
  const text = shuffled(p);

  const met = ok(['authz', 'verify', '--quorum', quorum, '--signature', s0, '--signature', s2], text);
  assert.match(met, /2 of 3/);
  // One header value, comma-separated.
  ok(['authz', 'verify', '--quorum', quorum, '--signature', `${s1},${s2}`], text);
  ok(['authz', 'verify', '--quorum', quorum, '--signature', [s0, s1, s2].join(', ')], text);

  refused(verify(quorum, [s1], text), 'QUORUM_NOT_MET');
  // The same signature twice counts once; so does the same signer with a second signature.
  refused(verify(quorum, [s1, s1], text), 'QUORUM_NOT_MET');
  refused(verify(quorum, [s1, nodeSign(keys[1], p)], text), 'QUORUM_NOT_MET');
  // A non-member's signature does not count.
  refused(verify(quorum, [s0, nodeSign(outsider, p)], text), 'QUORUM_NOT_MET');
  // Tampered payload: the body, a header, the url.
  for (const change of [
    (q) => (q.body.params.transaction.to = '0x' + '11'.repeat(20)),
    (q) => (q.headers['privy-idempotency-key'] = crypto.randomUUID()),
    (q) => (q.url += '/'),
    (q) => (q.method = 'PUT'),
  ]) {
    const q = structuredClone(p);
    change(q);
    refused(verify(quorum, [s0, s1, s2], shuffled(q)), 'QUORUM_NOT_MET');
  }
  // Expired: signed correctly by all three, but the deadline has passed.
  const old = payload({ 'privy-request-expiry': String(Date.now() - 1000) });
  refused(verify(quorum, keys.map((k) => nodeSign(k, old)), shuffled(old)), 'REQUEST_EXPIRED');
  // Malformed inputs.
  refused(verify(quorum, [s0, s1], JSON.stringify({ ...p, version: 2 })), 'INVALID_REQUEST_PAYLOAD');
  refused(verify(quorumFile(4, keys.map((k) => k.spki)), [s0], text), 'INVALID_KEY_QUORUM');
  refused(verify(quorumFile(2, [keys[0].spki, keys[0].spki]), [s0], text), 'INVALID_KEY_QUORUM');
});

test('high-s signatures are accepted, as Node accepts them', () => {
  const n = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
  const key = nodeKey();
  const p = payload();
  const quorum = quorumFile(1, [key.spki]);
  const raw = crypto.sign('sha256', Buffer.from(canonicalize(p)), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  const s = BigInt('0x' + raw.subarray(32).toString('hex'));
  const twin = Buffer.concat([raw.subarray(0, 32), Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex')]);
  assert.ok(crypto.verify('sha256', Buffer.from(canonicalize(p)), { key: key.publicKey, dsaEncoding: 'ieee-p1363' }, twin));
  ok(['authz', 'verify', '--quorum', quorum, '--signature', raw.toString('base64')], shuffled(p));
  ok(['authz', 'verify', '--quorum', quorum, '--signature', twin.toString('base64')], shuffled(p));
});
