// keysplit-wasm-requests' `custody` namespace (wasm/pkg-requests) against independent
// oracles: npm @hpke/core (RFC 9180; the same package and version as keysplit-server's
// HPKE interop test) seals releases the module opens and opens the module's encrypted
// exports; npm `canonicalize` (RFC 8785) + node:crypto SHA-256 give request digests;
// ethers recovers the upload proof's signer. The default build refuses all of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { existsSync } from 'node:fs';
import { CipherSuite, DhkemP256HkdfSha256, HkdfSha256 } from '@hpke/core';
import { Chacha20Poly1305 } from '@hpke/chacha20poly1305';
import canonicalize from 'canonicalize';
import { ethers } from 'ethers';

const requestsPkg = new URL('../pkg-requests/node.js', import.meta.url);
assert.ok(existsSync(requestsPkg), 'wasm/pkg-requests is missing: run wasm/scripts/build.sh --requests');
const { custody, wallet, KeysplitError } = await import(requestsPkg.href);

const suite = new CipherSuite({ kem: new DhkemP256HkdfSha256(), kdf: new HkdfSha256(), aead: new Chacha20Poly1305() });

const isCode = (code) => (error) => {
  assert.ok(error instanceof KeysplitError, `expected KeysplitError, got ${error && error.stack}`);
  assert.equal(error.code, code, error.message);
  return true;
};
const u8 = (b) => new Uint8Array(b);
const cat = (...parts) => u8(Buffer.concat(parts.map((p) => Buffer.from(p))));
const sha256 = (text) => u8(crypto.createHash('sha256').update(text, 'utf8').digest());
const be32 = (n) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
// The HPKE `info` strings, written out here from the contract (not read from the module).
const releaseInfo = (walletId, epoch) =>
  cat(Buffer.from('keysplit-server/v1/auth-share-release'), Buffer.from(walletId, 'hex'), be32(epoch));
const exportInfo = (walletId) => cat(Buffer.from('keysplit/v1/mnemonic-export'), Buffer.from(walletId, 'hex'));

const FAST = { memoryKib: 64, iterations: 1, parallelism: 1 };
function newWallet() {
  const deviceKey = wallet.generateKey();
  const authKey = wallet.generateKey();
  const set = wallet.create({
    protections: {
      device: { key: deviceKey },
      auth: { key: authKey },
      recovery: { password: 'pw', argon2: FAST, insecureFastKdf: true },
    },
  });
  return { ...set, deviceKey, authKey };
}

function payload(walletId, message = 'hello \u20ac') {
  return {
    version: 1,
    method: 'POST',
    url: `http://127.0.0.1:8787/v1/wallets/${walletId}/release`,
    body: { method: 'personal_sign', params: { message, encoding: 'utf-8' } },
    headers: { 'privy-request-expiry': String(Date.now() + 60_000), 'privy-idempotency-key': crypto.randomBytes(16).toString('hex') },
  };
}

/** What keysplit-server does, with @hpke/core: seal `plaintext` to `publicKey`. */
async function sealWithHpkeCore(publicKey, info, aad, plaintext) {
  const recipientPublicKey = await suite.kem.deserializePublicKey(u8(publicKey).buffer);
  const { enc, ct } = await suite.seal({ recipientPublicKey, info: info.buffer }, u8(plaintext).buffer, u8(aad).buffer);
  return { enc: u8(enc), ciphertext: u8(ct) };
}

test('release keys: 65-byte uncompressed P-256 points @hpke/core reads, fresh each time', async () => {
  const a = custody.generateReleaseKey();
  const b = custody.generateReleaseKey();
  assert.ok(a.publicKey instanceof Uint8Array);
  assert.equal(a.publicKey.length, 65);
  assert.equal(a.publicKey[0], 4);
  assert.notDeepEqual(a.publicKey, b.publicKey);
  await suite.kem.deserializePublicKey(a.publicKey.slice().buffer);
  assert.ok(Object.isFrozen(a));
  // Nothing on the object but the public key and the three functions.
  assert.deepEqual(Object.keys(a).sort(), ['free', 'open', 'openRecoveryKey', 'publicKey']);
  a.free();
  a.free();
  b.free();
});

test('a release sealed by @hpke/core opens with the own digest, wallet id and epoch only', async () => {
  const w = newWallet();
  const { walletId, epoch } = w.info;
  const request = payload(walletId);
  const digest = sha256(canonicalize(request));
  assert.deepEqual(custody.requestDigest(request), digest);
  const plaintext = cat(w.authKey, w.auth);

  const key = custody.generateReleaseKey();
  const sealed = await sealWithHpkeCore(key.publicKey, releaseInfo(walletId, epoch), digest, plaintext);
  const opened = key.open({ walletId, epoch, requestDigest: digest, ...sealed });
  assert.deepEqual(Object.keys(opened).sort(), ['authKey', 'authShare']);
  assert.deepEqual(opened.authKey, u8(w.authKey));
  assert.deepEqual(opened.authShare, u8(w.auth));
  // What was released rebuilds the wallet with the device share.
  const signed = wallet.signMessage({
    info: w.info,
    shares: [
      { role: 'device', share: w.device, key: w.deviceKey },
      { role: 'auth', share: opened.authShare, key: opened.authKey },
    ],
    message: 'proof',
  });
  assert.equal(ethers.verifyMessage('proof', ethers.hexlify(signed)), w.info.ethereumAddress);
  // One key per release.
  assert.throws(() => key.open({ walletId, epoch, requestDigest: digest, ...sealed }), isCode('RELEASE_KEY_USED'));
  key.free();

  // Each of these with a fresh key sealed to the same way, opened with something else.
  const otherDigest = digest.slice();
  otherDigest[0] ^= 1;
  const otherWallet = (BigInt(`0x${walletId}`) ^ 1n).toString(16).padStart(32, '0');
  const cases = [
    ['another request digest', (s) => ({ walletId, epoch, requestDigest: otherDigest, ...s })],
    ['another wallet', (s) => ({ walletId: otherWallet, epoch, requestDigest: digest, ...s })],
    ['another epoch', (s) => ({ walletId, epoch: epoch + 1, requestDigest: digest, ...s })],
    ['a truncated ciphertext', (s) => ({ walletId, epoch, requestDigest: digest, enc: s.enc, ciphertext: s.ciphertext.subarray(0, -1) })],
    ['an empty ciphertext', (s) => ({ walletId, epoch, requestDigest: digest, enc: s.enc, ciphertext: new Uint8Array(0) })],
    ['a flipped bit', (s) => {
      const ciphertext = s.ciphertext.slice();
      ciphertext[10] ^= 4;
      return { walletId, epoch, requestDigest: digest, enc: s.enc, ciphertext };
    }],
    ['a short enc', (s) => ({ walletId, epoch, requestDigest: digest, enc: s.enc.subarray(0, 33), ciphertext: s.ciphertext })],
  ];
  for (const [name, args] of cases) {
    const k = custody.generateReleaseKey();
    const s = await sealWithHpkeCore(k.publicKey, releaseInfo(walletId, epoch), digest, plaintext);
    assert.throws(() => k.open(args(s)), isCode('RELEASE_REJECTED'), name);
    // The key was used up by the failed open too.
    assert.throws(() => k.open({ walletId, epoch, requestDigest: digest, ...s }), isCode('RELEASE_KEY_USED'), name);
  }

  // Sealed to another key (the one a forger knows).
  const victim = custody.generateReleaseKey();
  const forger = custody.generateReleaseKey();
  const forged = await sealWithHpkeCore(forger.publicKey, releaseInfo(walletId, epoch), digest, plaintext);
  assert.throws(() => victim.open({ walletId, epoch, requestDigest: digest, ...forged }), isCode('RELEASE_REJECTED'));
  forger.free();
});

test('a release that opens but is not key || this auth share is RELEASE_REJECTED', async () => {
  const w = newWallet();
  const { walletId, epoch } = w.info;
  const digest = custody.requestDigest(payload(walletId));
  const plaintexts = [
    ['the device share', cat(w.deviceKey, w.device)],
    ['the recovery share', cat(w.authKey, w.recovery)],
    ['only a key', u8(w.authKey)],
    ['nothing', new Uint8Array(0)],
    ['another wallet\'s auth share', (() => { const o = newWallet(); return cat(o.authKey, o.auth); })()],
  ];
  for (const [name, plaintext] of plaintexts) {
    const k = custody.generateReleaseKey();
    const s = await sealWithHpkeCore(k.publicKey, releaseInfo(walletId, epoch), digest, plaintext);
    assert.throws(() => k.open({ walletId, epoch, requestDigest: digest, ...s }), isCode('RELEASE_REJECTED'), name);
  }
});

test('releaseKey.open checks its inputs strictly (never a panic)', async () => {
  const w = newWallet();
  const { walletId, epoch } = w.info;
  const good = { walletId, epoch, requestDigest: new Uint8Array(32), enc: new Uint8Array(65), ciphertext: new Uint8Array(40) };
  const bad = [
    { ...good, walletId: 'zz' },
    { ...good, walletId: `0x${walletId}` },
    { ...good, walletId: 7 },
    { ...good, epoch: -1 },
    { ...good, epoch: 1.5 },
    { ...good, epoch: 2 ** 32 },
    { ...good, epoch: '0' },
    { ...good, requestDigest: new Uint8Array(31) },
    { ...good, requestDigest: 'ab'.repeat(32) },
    { ...good, enc: [4, 1, 2] },
    { ...good, ciphertext: undefined },
  ];
  for (const args of bad) {
    const k = custody.generateReleaseKey();
    assert.throws(() => k.open(args), isCode('INVALID_INPUT'), JSON.stringify(args, (_, v) => (v instanceof Uint8Array ? `u8[${v.length}]` : v)));
  }
  const k = custody.generateReleaseKey();
  assert.throws(() => k.open(null), isCode('INVALID_INPUT'));
  assert.throws(() => k.open(), isCode('INVALID_INPUT'));
  // A well-formed enc that is not on the curve, an all-zero one.
  for (const enc of [new Uint8Array(65).fill(4), new Uint8Array(65)]) {
    const key = custody.generateReleaseKey();
    assert.throws(() => key.open({ ...good, enc }), isCode('RELEASE_REJECTED'));
  }
});

test('requestDigest = SHA-256 of npm canonicalize (RFC 8785), for objects and JSON text', () => {
  const samples = [
    payload('00'.repeat(16)),
    payload('ab'.repeat(16), 'a "quoted" \\ line\nbreak \u2028 \ud83d\ude00'),
    {
      headers: { 'privy-request-expiry': '1765000000000', 'privy-idempotency-key': 'k' },
      body: { method: 'eth_signTransaction', params: { transaction: { chainId: 1, value: '0x10', nonce: 0, gasLimit: 21000, data: '0x', to: '0x' + '11'.repeat(20) } } },
      version: 1,
      url: 'https://x.example/v1/wallets/w/release',
      method: 'POST',
    },
    {
      version: 1,
      method: 'POST',
      url: 'https://x.example/v1/wallets/w/release',
      body: { n: [1e21, 1e-7, 0.1, -0, 123456789012345680000, 5e-324], nested: { z: null, a: [true, false, {}] } },
      headers: {},
    },
  ];
  for (const p of samples) {
    const expected = sha256(canonicalize(p));
    assert.deepEqual(custody.requestDigest(p), expected);
    assert.deepEqual(custody.requestDigest(JSON.stringify(p, null, 2)), expected);
  }
  assert.throws(() => custody.requestDigest({ version: 2, method: 'POST', url: 'u', body: {}, headers: {} }), isCode('INVALID_REQUEST_PAYLOAD'));
  assert.throws(() => custody.requestDigest('{"version":1'), (e) => e instanceof KeysplitError && e.code !== 'INTERNAL');
  assert.throws(() => custody.requestDigest({ ...samples[0], body: { n: 1n } }), isCode('INVALID_INPUT'));
  assert.throws(() => custody.requestDigest(42), isCode('INVALID_INPUT'));
});

test('uploadStatement: the text the wallet key signs, checked by ethers', () => {
  const w = newWallet();
  const statement = custody.uploadStatement(w.info);
  assert.equal(
    statement,
    `keysplit share upload\nwallet: ${w.info.walletId}\nepoch: ${w.info.epoch}\nshare set: ${w.info.shareSetId}`,
  );
  const proof = wallet.signMessage({
    info: w.info,
    shares: [
      { role: 'device', share: w.device, key: w.deviceKey },
      { role: 'auth', share: w.auth, key: w.authKey },
    ],
    message: statement,
  });
  assert.equal(ethers.verifyMessage(statement, ethers.hexlify(proof)), w.info.ethereumAddress);
  assert.throws(() => custody.uploadStatement({ ...w.info, walletId: 'nope' }), isCode('INVALID_INPUT'));
  assert.throws(() => custody.uploadStatement(null), isCode('INVALID_INPUT'));
});

test('sealToRecipient: opened by @hpke/core with the export info and empty aad only', async () => {
  const walletId = crypto.randomBytes(16).toString('hex');
  const recipient = await suite.kem.generateKeyPair();
  const recipientPublicKey = u8(await suite.kem.serializePublicKey(recipient.publicKey));
  const mnemonic = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
  const plaintext = new TextEncoder().encode(mnemonic);
  const sealed = custody.sealToRecipient({ recipientPublicKey, walletId, plaintext });
  assert.deepEqual(sealed.suite, { kem: 'DHKEM(P-256, HKDF-SHA256)', kdf: 'HKDF-SHA256', aead: 'ChaCha20-Poly1305' });
  assert.equal(sealed.enc.length, 65);
  assert.equal(sealed.ciphertext.length, plaintext.length + 16);
  const open = (info, aad = new Uint8Array(0)) =>
    suite.open({ recipientKey: recipient, enc: sealed.enc.slice().buffer, info: info.buffer }, sealed.ciphertext.slice().buffer, aad.buffer);
  assert.equal(new TextDecoder().decode(await open(exportInfo(walletId))), mnemonic);
  await assert.rejects(open(exportInfo('00'.repeat(16))));
  await assert.rejects(open(releaseInfo(walletId, 0)));
  await assert.rejects(open(exportInfo(walletId), new Uint8Array([1])));

  const compressed = cat([2 + (recipientPublicKey[64] & 1)], recipientPublicKey.subarray(1, 33));
  const offCurve = recipientPublicKey.slice();
  offCurve[64] ^= 1;
  for (const bad of [recipientPublicKey.subarray(0, 64), compressed, offCurve, new Uint8Array(65)]) {
    assert.throws(() => custody.sealToRecipient({ recipientPublicKey: bad, walletId, plaintext }), isCode('INVALID_HPKE_PUBLIC_KEY'));
  }
  assert.throws(() => custody.sealToRecipient({ recipientPublicKey, walletId: 'x', plaintext }), isCode('INVALID_INPUT'));
  assert.throws(() => custody.sealToRecipient({ recipientPublicKey, walletId, plaintext: mnemonic }), isCode('INVALID_INPUT'));
  assert.throws(() => custody.sealToRecipient({ recipientPublicKey: 'ab', walletId, plaintext }), isCode('INVALID_INPUT'));
});

test('the default build has no custody: UNSUPPORTED', async (t) => {
  const defaultPkg = new URL('../pkg/node.js', import.meta.url);
  if (!existsSync(defaultPkg)) {
    t.skip('wasm/pkg is missing: run wasm/scripts/build.sh');
    return;
  }
  const plain = await import(defaultPkg.href);
  assert.equal(plain.custody.supported, false);
  assert.throws(() => plain.custody.generateReleaseKey(), (e) => e.code === 'UNSUPPORTED');
  assert.throws(() => plain.custody.requestDigest(payload('00'.repeat(16))), (e) => e.code === 'UNSUPPORTED');
});

test('releaseKey.openRecoveryKey opens what @hpke/core seals under the recovery-key label only', async () => {
  const walletId = crypto.randomBytes(16).toString('hex');
  const epoch = 3;
  const recoveryInfo = (id, e) => cat(Buffer.from('keysplit-server/v1/recovery-key-release'), Buffer.from(id, 'hex'), be32(e));
  const digest = sha256(canonicalize(payload(walletId)));
  const recoveryKey = u8(crypto.randomBytes(32));

  const key = custody.generateReleaseKey();
  const sealed = await sealWithHpkeCore(key.publicKey, recoveryInfo(walletId, epoch), digest, recoveryKey);
  const opened = key.openRecoveryKey({ walletId, epoch, requestDigest: digest, ...sealed });
  assert.deepEqual(u8(opened), recoveryKey);
  // One use: the key is wiped by the first open.
  assert.throws(() => key.openRecoveryKey({ walletId, epoch, requestDigest: digest, ...sealed }), isCode('RELEASE_KEY_USED'));

  const refusedFor = async ({ info = recoveryInfo(walletId, epoch), aad = digest, plaintext = recoveryKey, open = {} }) => {
    const k = custody.generateReleaseKey();
    const s = await sealWithHpkeCore(k.publicKey, info, aad, plaintext);
    assert.throws(() => k.openRecoveryKey({ walletId, epoch, requestDigest: digest, ...s, ...open }), isCode('RELEASE_REJECTED'));
  };
  await refusedFor({ info: releaseInfo(walletId, epoch) }); // the auth-share release label
  await refusedFor({ info: recoveryInfo(walletId, epoch + 1) });
  await refusedFor({ aad: sha256('another request') });
  await refusedFor({ plaintext: u8(31) });
  await refusedFor({ plaintext: u8(33) });
  await refusedFor({ open: { walletId: crypto.randomBytes(16).toString('hex') } });
  // A recovery-key answer is no auth-share release either.
  const k = custody.generateReleaseKey();
  const s = await sealWithHpkeCore(k.publicKey, recoveryInfo(walletId, epoch), digest, recoveryKey);
  assert.throws(() => k.open({ walletId, epoch, requestDigest: digest, ...s }), isCode('RELEASE_REJECTED'));
});
