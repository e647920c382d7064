// End-to-end, wallet protocol v2: app origin A, wallet origin W, keysplit-server S (a child
// process with a development token issuer) and an untrusted origin T, in real headless
// Chromium (Debian's /usr/bin/chromium through playwright-core; no browser download).
// The app page calls the wallet through the parent-side client (wasm/e2e/pages/app.js);
// passwords and approvals are typed and clicked by playwright inside the wallet frame,
// which are trusted input events as a person's would be.
// Oracles: ethers v6 verifies every signature, signed transaction and typed-data signature
// against the wallet's address and derives the address from the exported phrase; the
// browser's same-origin policy, CSP and CORS are what keep the app out of the wallet.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import crypto from 'node:crypto';
import { ethers } from 'ethers';
import { CipherSuite, DhkemP256HkdfSha256, HkdfSha256 } from '@hpke/core';
import { Chacha20Poly1305 } from '@hpke/chacha20poly1305';
import { startServers } from '../serve.mjs';
import {
  confirm as confirmIn,
  launchBrowser,
  noOverlay as noOverlayIn,
  ok,
  refused,
} from './harness.mjs';

// The quorum's authorization keys are made and used here, as an app backend would, with
// the Node build of keysplit-wasm-requests; @hpke/core opens the encrypted export.
const requestsPkg = new URL('../pkg-requests/node.js', import.meta.url);
assert.ok(existsSync(requestsPkg), 'wasm/pkg-requests is missing: run wasm/scripts/build.sh --requests');
const { authz } = await import(requestsPkg.href);
const hpke = new CipherSuite({ kem: new DhkemP256HkdfSha256(), kdf: new HkdfSha256(), aead: new Chacha20Poly1305() });
// Every test gets a deadline: a call that waits for an overlay nobody clicks must fail, not hang.
const T = { timeout: 120000 };

const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a different recovery password';
const RECIPIENT = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

const TRANSACTION = {
  type: 2,
  chainId: 1,
  nonce: 7,
  to: RECIPIENT,
  value: '10000000000000000',
  gasLimit: '21000',
  maxFeePerGas: '30000000000',
  maxPriorityFeePerGas: '1000000000',
};

// The EIP-712 specification's Mail example (the CLI tests' fixture).
const TYPED_DATA = JSON.parse(readFileSync(new URL('../../crates/keysplit-cli/tests/fixtures/eip712-mail.json', import.meta.url), 'utf8'));

let servers;
let browser;
let context;
let page;
const requests = [];
const consoleErrors = [];
// What the flow learns, shared by the tests below (they run in order).
const state = { address: null, walletId: null, deviceShares: new Set(), wrappedKeys: new Set(), mnemonic: null };

before(async () => {
  servers = await startServers({ walletPort: 0, appPort: 0, serverPort: 0, thirdPort: 0, frameThird: true });
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 480, height: 720 } });
  context.on('request', (request) => {
    requests.push({ url: request.url(), frame: safeFrameUrl(request), method: request.method(), body: request.postData() ?? '' });
  });
  page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  await page.goto(`${servers.appOrigin}/e2e/app.html`);
  await page.waitForSelector('body[data-ready]', { timeout: 30000 });
});

after(async () => {
  await browser?.close();
  await servers?.close();
});

function safeFrameUrl(request) {
  try {
    return request.frame().url();
  } catch {
    return '';
  }
}

const call = (method, params) => page.evaluate(([m, p]) => window.wallet.call(m, p), [method, params]);
const walletFrameLocator = () => page.frameLocator('#wallet');
// This file's one page as a harness profile: its wallet frame and the origin that asks.
const appPage = { frame: walletFrameLocator, get appOrigin() { return servers.appOrigin; } };
const confirm = (pending, options) => confirmIn(appPage, pending, options);
const noOverlay = (pending) => noOverlayIn(appPage, pending);

function walletFrame() {
  const frame = page.frames().find((f) => f !== page.mainFrame() && f.url().startsWith(servers.walletOrigin));
  assert.ok(frame, 'the wallet frame is loaded');
  return frame;
}

/** Polls `find` until it returns something (frames attach asynchronously). */
async function expectFrame(find, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  while (!find()) {
    assert.ok(Date.now() < deadline, 'the frame appeared');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function deviceRecord() {
  const text = await walletFrame().evaluate(() => localStorage.getItem('keysplit.wallet.v1'));
  return text === null ? null : JSON.parse(text);
}

/** Remembers the stored device share and wrapped key (checked against all traffic at the end). */
async function noteDevice() {
  const record = await deviceRecord();
  assert.ok(record, 'a device record is stored');
  state.deviceShares.add(record.share.replace(/^0x/, ''));
  state.wrappedKeys.add(record.key.wrapped.replace(/^0x/, ''));
  return record;
}

async function signText(text) {
  const result = ok(await confirm(call('signMessage', { text })));
  assert.equal(result.address, state.address);
  assert.equal(ethers.verifyMessage(text, result.signature), state.address, 'ethers recovers the wallet address');
  return result;
}

// ---- before sign-in -----------------------------------------------------------------

test('wallet origin: CSP header and meta tags name the server and the parents', T, async () => {
  const response = await fetch(`${servers.walletOrigin}/`);
  const csp = response.headers.get('content-security-policy');
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'(;|$)/);
  assert.ok(csp.split('; ').includes(`connect-src ${servers.serverOrigin}`), csp);
  assert.ok(csp.split('; ').includes(`frame-ancestors ${servers.appOrigin} ${servers.thirdOrigin}`), csp);
  const html = await response.text();
  const demo = await fetch(`${servers.appOrigin}/`);
  assert.equal(demo.status, 200, 'the app origin serves the demo at /');
  assert.match(demo.headers.get('content-security-policy'), new RegExp(`frame-src ${servers.walletOrigin}(;|$)`));
  assert.ok(html.includes(`<meta name="keysplit-server" content="${servers.serverOrigin}">`));
  assert.ok(html.includes(`<meta name="keysplit-allowed-parents" content="${servers.appOrigin}">`));
  assert.ok(html.includes(`connect-src ${servers.serverOrigin};`), 'the meta CSP names the server too');

  // In the browser: the wallet frame cannot fetch anything but the server, and the app
  // page cannot call the server (its CORS answers the wallet origin only).
  const fromWallet = await walletFrame().evaluate(
    (url) => fetch(url).then(() => 'fetched', (error) => error.name),
    `${servers.appOrigin}/dev/token?sub=x`,
  );
  assert.equal(fromWallet, 'TypeError', 'CSP connect-src blocks the wallet from other origins');
  const fromApp = await page.evaluate(
    (url) => fetch(url, { headers: { authorization: 'Bearer x' } }).then(() => 'fetched', (error) => error.name),
    `${servers.serverOrigin}/v1/wallets/00112233445566778899aabbccddeeff`,
  );
  assert.equal(fromApp, 'TypeError', 'the server refuses CORS to the app origin');
});

test('status before sign-in, malformed requests, strict params', T, async () => {
  assert.deepEqual(ok(await call('status')), { version: 2, signedIn: false, hasDeviceShare: false, wallet: null });
  refused(await call('createWallet', {}), 'NOT_SIGNED_IN');
  refused(await call('stealKeys', {}), 'UNKNOWN_METHOD');
  refused(await call('signDigest', { digest: `0x${'11'.repeat(32)}` }), 'UNKNOWN_METHOD');
  const malformed = await page.evaluate(() => window.wallet.send('not a request'));
  assert.deepEqual({ id: malformed.id, ok: malformed.ok, code: malformed.error.code }, { id: null, ok: false, code: 'MALFORMED_REQUEST' });
  const extra = await page.evaluate(() => window.wallet.send({ id: 'x1', method: 'status', params: {}, auth: {} }));
  assert.deepEqual({ id: extra.id, code: extra.error.code }, { id: 'x1', code: 'MALFORMED_REQUEST' });
  refused(await call('status', { verbose: true }), 'INVALID_PARAMS');
  refused(await call('signIn', { accessToken: 'not a jwt' }), 'INVALID_PARAMS');
  refused(await call('signIn', { accessToken: 'a.b.c', extra: 1 }), 'INVALID_PARAMS');
  refused(await call('createWallet', { argon2: { memoryKib: 8, iterations: 1, parallelism: 1 } }), 'INVALID_PARAMS');
  refused(await call('createWallet', { recoveryPassword: PASSWORD }), 'INVALID_PARAMS');
  refused(await call('signMessage', 42), 'INVALID_PARAMS');
});

// ---- the flow -------------------------------------------------------------------------

test('sign in with a development token and create a wallet (password typed in the frame)', T, async () => {
  const token = await page.evaluate(() => window.wallet.token('alice'));
  assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
  assert.deepEqual(ok(await call('signIn', { accessToken: token })), { signedIn: true });

  // A rejected creation stores nothing.
  refused(await confirm(call('createWallet', {}), { reject: true }), 'USER_REJECTED');
  assert.equal(await deviceRecord(), null);

  const { wallet } = ok(await confirm(call('createWallet', {}), { password: PASSWORD, repeat: true }));
  assert.match(wallet.walletId, /^[0-9a-f]{32}$/);
  assert.equal(wallet.epoch, 0);
  assert.equal(ethers.getAddress(wallet.ethereumAddress), wallet.ethereumAddress, 'EIP-55 checksummed');
  state.address = wallet.ethereumAddress;
  state.walletId = wallet.walletId;
  assert.deepEqual(ok(await call('status')), { version: 2, signedIn: true, hasDeviceShare: true, wallet });
  assert.deepEqual(ok(await call('getAddress', {})), { address: wallet.ethereumAddress });
  assert.deepEqual(ok(await call('getAddress', { chain: 'solana' })), { address: wallet.solanaAddress });

  // The server holds the wallet at epoch 0 under alice.
  const token2 = await servers.mintToken('alice');
  const stored = await (
    await fetch(`${servers.serverOrigin}/v1/wallets/${wallet.walletId}`, { headers: { authorization: `Bearer ${token2}` } })
  ).json();
  assert.equal(stored.wallet.ethereum_address, wallet.ethereumAddress);
  assert.equal(stored.wallet.epoch, 0);

  // The device key is stored wrapped under a non-extractable WebCrypto key.
  const record = await noteDevice();
  assert.match(record.key.wrapped, /^0x[0-9a-f]{96}$/, '32-byte key + 16-byte tag');
  const wrappingKey = await walletFrame().evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('keysplit-wallet', 1);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const get = open.result.transaction('keys').objectStore('keys').get('device-wrapping-key');
          get.onsuccess = () => resolve({ type: get.result.type, extractable: get.result.extractable, algorithm: get.result.algorithm.name });
          get.onerror = () => reject(get.error);
        };
      }),
  );
  assert.deepEqual(wrappingKey, { type: 'secret', extractable: false, algorithm: 'AES-GCM' });
});

test('create is refused while a device share exists (no overlay)', T, async () => {
  refused(await call('createWallet', {}), 'DEVICE_SHARE_EXISTS');
});

test('signMessage {text} and {hex}, verified by ethers; a rejection gets nothing', T, async () => {
  await signText('hello from keysplit');
  const bytes = Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01]);
  const hexResult = ok(await confirm(call('signMessage', { hex: ethers.hexlify(bytes) })));
  assert.equal(ethers.verifyMessage(bytes, hexResult.signature), state.address);
  refused(await confirm(call('signMessage', { text: 'no' }), { reject: true }), 'USER_REJECTED');
});

test('strict message and chain params: INVALID_PARAMS', T, async () => {
  refused(await call('signMessage', { text: 'a', hex: '0x00' }), 'INVALID_PARAMS');
  refused(await call('signMessage', {}), 'INVALID_PARAMS');
  refused(await call('signMessage', { text: 'a', index: 1 }), 'INVALID_PARAMS');
  refused(await call('signMessage', { message: 'v1 style' }), 'INVALID_PARAMS');
  refused(await call('signMessage', { hex: '0xabc' }), 'INVALID_PARAMS');
  refused(await call('getAddress', { chain: 'bitcoin' }), 'INVALID_PARAMS');
  refused(await call('signTransaction', { transaction: TRANSACTION, chain: 'ethereum' }), 'INVALID_PARAMS');
  refused(await call('signTransaction', { transaction: { ...TRANSACTION, chainId: undefined } }), 'INVALID_PARAMS');
  refused(await call('signTypedData', { domainSeparator: `0x${'00'.repeat(32)}`, structHash: `0x${'00'.repeat(32)}` }), 'INVALID_PARAMS');
  refused(await call('exportMnemonic', { confirm: 'export' }), 'INVALID_PARAMS');
  // An authorization for another request is refused before anything is asked.
  const foreign = {
    request: {
      version: 1,
      method: 'POST',
      url: `${servers.serverOrigin}/v1/wallets/${state.walletId}/release`,
      body: { method: 'personal_sign', params: { message: 'something else', encoding: 'utf-8' } },
      headers: { 'privy-request-expiry': String(Date.now() + 60000), 'privy-idempotency-key': 'k1' },
    },
    signature: 'MEUCIQ==',
  };
  refused(await call('signMessage', { text: 'this', authorization: foreign }), 'AUTHORIZATION_MISMATCH');
});

test('signTransaction (type 2, chain 1): ethers recovers the wallet as sender', T, async () => {
  const result = ok(await confirm(call('signTransaction', { transaction: TRANSACTION })));
  const tx = ethers.Transaction.from(result.signedTransaction);
  assert.equal(tx.from, state.address);
  assert.equal(tx.type, 2);
  assert.equal(tx.chainId, 1n);
  assert.equal(tx.nonce, 7);
  assert.equal(tx.to, RECIPIENT);
  assert.equal(tx.value, 10n ** 16n);
  assert.equal(result.hash, tx.hash);
});

test('signTypedData (EIP-712 JSON): ethers verifyTypedData gives the wallet', T, async () => {
  const result = ok(await confirm(call('signTypedData', { typedData: TYPED_DATA })));
  const types = { ...TYPED_DATA.types };
  delete types.EIP712Domain;
  assert.equal(ethers.verifyTypedData(TYPED_DATA.domain, types, TYPED_DATA.message, result.signature), state.address);
});

/** 32 bytes of a base58 Solana address (ethers' base58 decoder as the oracle). */
function base58To32(text) {
  return ethers.getBytes(ethers.toBeHex(ethers.decodeBase58(text), 32));
}

/**
 * A legacy Solana message, written out byte by byte: `from` sends `lamports` to `to` with
 * one System Program transfer (instruction 2, u64 little-endian amount).
 */
function solanaTransferMessage(from, to, lamports) {
  const amount = Buffer.alloc(8);
  amount.writeBigUInt64LE(lamports);
  return Buffer.concat([
    Buffer.from([1, 0, 1]), // 1 signature, 0 read-only signed, 1 read-only unsigned (the program)
    Buffer.from([3]),
    Buffer.from(from),
    Buffer.from(to),
    Buffer.alloc(32), // System Program: 32 zero bytes (11111111111111111111111111111111)
    Buffer.alloc(32, 7), // recent blockhash
    Buffer.from([1, 2, 2, 0, 1, 12]), // 1 instruction: program #2, accounts [0, 1], 12 data bytes
    Buffer.from([2, 0, 0, 0]),
    amount,
  ]);
}

test('signSolanaTransaction: node:crypto verifies the ed25519 signature with the wallet\'s address', T, async () => {
  const { address } = ok(await call('getAddress', { chain: 'solana' }));
  const from = base58To32(address);
  const message = solanaTransferMessage(from, new Uint8Array(32).fill(9), 1500000000n);
  refused(await call('signSolanaTransaction', { message: message.toString('base64').slice(1) }), 'INVALID_PARAMS');
  const { signature } = ok(await confirm(call('signSolanaTransaction', { message: message.toString('base64') })));
  const key = crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(from).toString('base64url') }, format: 'jwk' });
  assert.equal(crypto.verify(null, message, key, ethers.getBytes(signature)), true);
  assert.equal(crypto.verify(null, Buffer.concat([message, Buffer.from([0])]), key, ethers.getBytes(signature)), false);
});

test('the sign-in token lives in memory only: a reloaded frame is signed out', T, async () => {
  await page.evaluate(() => window.wallet.reconnect());
  const status = ok(await call('status'));
  assert.equal(status.signedIn, false);
  assert.equal(status.hasDeviceShare, true);
  refused(await call('signMessage', { text: 'x' }), 'NOT_SIGNED_IN');
  const token = await page.evaluate(() => window.wallet.token('alice'));
  ok(await call('signIn', { accessToken: token }));
  await signText('after reload');
  assert.deepEqual(ok(await call('signOut')), { signedIn: false });
  refused(await call('signMessage', { text: 'x' }), 'NOT_SIGNED_IN');
  ok(await call('signIn', { accessToken: token }));
});

test('forgetDevice (confirmed), then recover with the password', T, async () => {
  refused(await confirm(call('forgetDevice'), { reject: true }), 'USER_REJECTED');
  assert.notEqual(await deviceRecord(), null, 'a rejected forget keeps the share');
  assert.deepEqual(ok(await confirm(call('forgetDevice'))), { forgotten: true });
  assert.equal(await deviceRecord(), null);
  assert.equal(ok(await call('status')).hasDeviceShare, false);
  refused(await call('signMessage', { text: 'x' }), 'NO_DEVICE_SHARE');

  refused(await confirm(call('recover', { walletId: state.walletId }), { password: 'not the password' }), 'WRONG_PASSWORD');
  assert.equal(await deviceRecord(), null, 'nothing stored after a failed recovery');

  const { wallet } = ok(await confirm(call('recover', { walletId: state.walletId }), { password: PASSWORD }));
  assert.equal(wallet.walletId, state.walletId);
  assert.equal(wallet.ethereumAddress, state.address, 'same wallet after recovery');
  assert.equal(wallet.epoch, 1);
  await noteDevice();
  await signText('after recovery');
  refused(await call('createWallet', {}), 'DEVICE_SHARE_EXISTS');
});

test('rotate: a new share set at epoch + 1 with a new password', T, async () => {
  const { wallet } = ok(await confirm(call('rotate', {}), { password: NEW_PASSWORD, repeat: true }));
  assert.equal(wallet.epoch, 2);
  assert.equal(wallet.ethereumAddress, state.address);
  await noteDevice();
  await signText('after rotation');
  const token = await servers.mintToken('alice');
  const stored = await (
    await fetch(`${servers.serverOrigin}/v1/wallets/${state.walletId}`, { headers: { authorization: `Bearer ${token}` } })
  ).json();
  assert.equal(stored.wallet.epoch, 2, 'the server holds epoch 2');
});

test('exportMnemonic shows the phrase in the frame only; ethers derives the same address', T, async () => {
  const pending = call('exportMnemonic', {});
  const frame = walletFrameLocator();
  await frame.locator('#ks-overlay').waitFor({ state: 'visible', timeout: 30000 });
  await frame.locator('#ks-approve').click();
  await frame.locator('#ks-mnemonic').waitFor({ state: 'visible', timeout: 30000 });
  const words = await frame.locator('#ks-mnemonic .ks-word').allTextContents();
  assert.ok(words.length === 12 || words.length === 24, `${words.length} words`);
  state.mnemonic = words.join(' ');
  assert.equal(ethers.Wallet.fromPhrase(state.mnemonic).address, state.address);
  await frame.locator('#ks-close').click();
  assert.deepEqual(ok(await pending), { shown: true });
  assert.equal(await frame.locator('#ks-mnemonic').count(), 0, 'the phrase is gone from the frame once closed');
});

test('headless policy: confirmed in the frame, then ALLOWed requests sign without asking', T, async () => {
  const policy = {
    version: '1.0',
    name: 'Small transfers to the test recipient',
    chain_type: 'ethereum',
    rules: [
      {
        name: 'Recipient on mainnet',
        method: 'eth_signTransaction',
        action: 'ALLOW',
        conditions: [
          { field_source: 'ethereum_transaction', field: 'to', operator: 'eq', value: RECIPIENT },
          { field_source: 'ethereum_transaction', field: 'chain_id', operator: 'eq', value: '1' },
        ],
      },
    ],
  };
  refused(await call('setHeadlessPolicy', { policy: { ...policy, rules: 'all' } }), 'INVALID_PARAMS');
  refused(await confirm(call('setHeadlessPolicy', { policy }), { reject: true }), 'USER_REJECTED');
  assert.deepEqual(ok(await confirm(call('setHeadlessPolicy', { policy }))), { stored: true });

  // ALLOWed: answered with no overlay at all.
  const result = ok(await noOverlay(call('signTransaction', { transaction: { ...TRANSACTION, nonce: 8 } })));
  assert.equal(ethers.Transaction.from(result.signedTransaction).from, state.address);
  // Not matched (another recipient): the user is asked.
  const other = { ...TRANSACTION, to: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' };
  refused(await confirm(call('signTransaction', { transaction: other }), { reject: true }), 'USER_REJECTED');
  // Messages are not in the policy: asked.
  refused(await confirm(call('signMessage', { text: 'not covered' }), { reject: true }), 'USER_REJECTED');

  assert.deepEqual(ok(await call('clearHeadlessPolicy')), { cleared: true });
  refused(await confirm(call('signTransaction', { transaction: TRANSACTION }), { reject: true }), 'USER_REJECTED');
});

test('another device recovers: this one is DEVICE_SHARE_STALE, recovers too, and refuses an older record', T, async () => {
  const before = await deviceRecord();
  // A second device (another browser profile) of the same user recovers the wallet.
  const otherContext = await browser.newContext({ viewport: { width: 480, height: 720 } });
  try {
    const other = await otherContext.newPage();
    await other.goto(`${servers.appOrigin}/e2e/app.html`);
    await other.waitForSelector('body[data-ready]', { timeout: 30000 });
    const otherCall = (method, params) => other.evaluate(([m, p]) => window.wallet.call(m, p), [method, params]);
    ok(await otherCall('signIn', { accessToken: await servers.mintToken('alice') }));
    const pending = otherCall('recover', { walletId: state.walletId });
    const frame = other.frameLocator('#wallet');
    await frame.locator('#ks-password').fill(NEW_PASSWORD);
    await frame.locator('#ks-approve').click();
    const { wallet } = ok(await pending);
    assert.equal(wallet.epoch, before.info.epoch + 1);
  } finally {
    await otherContext.close();
  }

  // This device's share is of the older epoch now.
  refused(await confirm(call('signMessage', { text: 'stale' })), 'DEVICE_SHARE_STALE');
  const { wallet } = ok(await confirm(call('recover', { walletId: state.walletId }), { password: NEW_PASSWORD }));
  assert.equal(wallet.epoch, before.info.epoch + 2);
  assert.equal(wallet.ethereumAddress, state.address);
  await noteDevice();
  await signText('after the other device recovered');

  // An older device record put back (a restored backup) is refused, with no overlay.
  const current = await walletFrame().evaluate(() => localStorage.getItem('keysplit.wallet.v1'));
  await walletFrame().evaluate((text) => localStorage.setItem('keysplit.wallet.v1', text), JSON.stringify(before));
  refused(await noOverlay(call('signMessage', { text: 'rolled back' })), 'EPOCH_ROLLBACK');
  await walletFrame().evaluate((text) => localStorage.setItem('keysplit.wallet.v1', text), current);
  await signText('current record again');
});

test('two tabs rotate at once: one wins, the other stores nothing', T, async (t) => {
  // A second tab of the same browser: the same wallet storage, its own frame and queue.
  const second = await context.newPage();
  try {
    await second.goto(`${servers.appOrigin}/e2e/app.html`);
    await second.waitForSelector('body[data-ready]', { timeout: 30000 });
    const secondCall = (method, params) => second.evaluate(([m, p]) => window.wallet.call(m, p), [method, params]);
    ok(await secondCall('signIn', { accessToken: await servers.mintToken('alice') }));
    const before = (await deviceRecord()).info;

    const firstPending = call('rotate', {});
    const secondPending = secondCall('rotate', {});
    for (const target of [page, second]) {
      const frame = target.frameLocator('#wallet');
      await frame.locator('#ks-password').fill(NEW_PASSWORD);
      await frame.locator('#ks-password-repeat').fill(NEW_PASSWORD);
    }
    // Both approved before either has reached the server.
    await Promise.all([page, second].map((target) => target.frameLocator('#wallet').locator('#ks-approve').click()));
    const replies = await Promise.all([firstPending, secondPending]);
    const winners = replies.filter((reply) => reply.ok);
    const losers = replies.filter((reply) => !reply.ok);
    assert.equal(winners.length, 1, JSON.stringify(replies));
    assert.ok(['EPOCH_CONFLICT', 'DEVICE_SHARE_STALE'].includes(losers[0].code), JSON.stringify(losers[0]));
    t.diagnostic(`the losing tab got ${losers[0].code}`);
    const won = winners[0].result.wallet;
    assert.equal(won.epoch, before.epoch + 1);
    // The stored share is the winner's (the loser stored nothing over it), and it signs.
    assert.deepEqual((await noteDevice()).info, won);
    await signText('after the race');
  } finally {
    await second.close();
  }
});

test('forged release answers (ciphertext, HPKE key, digest, plaintext, epoch) get nothing', T, async () => {
  const { info } = await deviceRecord();
  const releaseInfo = ethers.concat([
    ethers.toUtf8Bytes('keysplit-server/v1/auth-share-release'),
    `0x${info.walletId}`,
    ethers.toBeHex(info.epoch, 4),
  ]);
  const seal = async (publicKeyHex, aad, plaintext, hpkeInfo = releaseInfo) => {
    const recipientPublicKey = await hpke.kem.deserializePublicKey(ethers.getBytes(`0x${publicKeyHex}`).buffer);
    const { enc, ct } = await hpke.seal(
      { recipientPublicKey, info: ethers.getBytes(hpkeInfo).buffer },
      ethers.getBytes(plaintext).buffer,
      ethers.getBytes(aad).buffer,
    );
    return { enc: ethers.hexlify(new Uint8Array(enc)).slice(2), ciphertext: ethers.hexlify(new Uint8Array(ct)).slice(2) };
  };
  const attacker = await hpke.kem.generateKeyPair();
  const attackerKey = ethers.hexlify(new Uint8Array(await hpke.kem.serializePublicKey(attacker.publicKey))).slice(2);
  // Each forgery rewrites the server's genuine answer to the wallet frame's release.
  const forgeries = {
    'a flipped ciphertext bit': async (answer) => ({ ...answer, ciphertext: `${answer.ciphertext.slice(0, -2)}${(parseInt(answer.ciphertext.slice(-2), 16) ^ 1).toString(16).padStart(2, '0')}` }),
    'sealed to another HPKE key': async (answer, sent) => ({ ...answer, ...(await seal(attackerKey, `0x${sent.request_digest}`, ethers.randomBytes(100))) }),
    'bound to another digest': async (answer, sent) => ({ ...answer, ...(await seal(sent.hpke_public_key, ethers.sha256(ethers.toUtf8Bytes('another request')), ethers.randomBytes(100))) }),
    'sealed under another epoch\'s info': async (answer, sent) => ({
      ...answer,
      ...(await seal(sent.hpke_public_key, `0x${sent.request_digest}`, ethers.randomBytes(100), ethers.concat([releaseInfo.slice(0, -8), ethers.toBeHex(info.epoch + 1, 4)]))),
    }),
    'a plaintext that is no auth share': async (answer, sent) => ({ ...answer, ...(await seal(sent.hpke_public_key, `0x${sent.request_digest}`, ethers.randomBytes(140))) }),
  };
  const route = `${servers.serverOrigin}/v1/wallets/${info.walletId}/release`;
  for (const [name, forge] of Object.entries(forgeries)) {
    await context.route(route, async (intercepted) => {
      const response = await intercepted.fetch();
      const answer = await response.json();
      await intercepted.fulfill({ response, json: await forge(answer, intercepted.request().postDataJSON()) });
    });
    try {
      refused(await confirm(call('signMessage', { text: `forged: ${name}` })), 'RELEASE_REJECTED');
    } finally {
      await context.unroute(route);
    }
  }
  // A server claiming a newer epoch is not believed into opening anything.
  await context.route(route, async (intercepted) => {
    const response = await intercepted.fetch();
    const answer = await response.json();
    await intercepted.fulfill({ response, json: { ...answer, wallet: { ...answer.wallet, epoch: answer.wallet.epoch + 1 } } });
  });
  try {
    refused(await confirm(call('signMessage', { text: 'forged epoch' })), 'DEVICE_SHARE_STALE');
  } finally {
    await context.unroute(route);
  }
  assert.deepEqual((await deviceRecord()).info, info, 'nothing stored or changed');
  await signText('the genuine server again');
});

/** A Privy payload for this wallet's release endpoint, as the app's backend would sign it. */
function releaseRequest(body) {
  return {
    version: 1,
    method: 'POST',
    url: `${servers.serverOrigin}/v1/wallets/${state.walletId}/release`,
    body,
    headers: {
      'privy-request-expiry': String(Date.now() + 120000),
      'privy-idempotency-key': ethers.hexlify(ethers.randomBytes(16)).slice(2),
    },
  };
}

test('key-quorum owner: signed requests sign, an encrypted export opens, a replay gets nothing', T, async () => {
  const recipient = await hpke.kem.generateKeyPair();
  const recipientHex = ethers.hexlify(new Uint8Array(await hpke.kem.serializePublicKey(recipient.publicKey)));
  const exportBody = { method: 'keysplit_export', params: { recipient_public_key: recipientHex.slice(2) } };
  const member = authz.generateKey();
  const outsider = authz.generateKey();
  const signed = async (body, key = member) => {
    const request = releaseRequest(body);
    return { request, signature: await authz.sign({ payload: request, key: key.privateKey }) };
  };

  // A user-owned wallet has no quorum to authorize an encrypted export.
  refused(
    await call('exportMnemonic', { recipientPublicKey: recipientHex, authorization: await signed(exportBody) }),
    'QUORUM_NOT_MET',
  );

  // The user makes the wallet owned by a 1-of-1 quorum (the token suffices for that).
  const token = await servers.mintToken('alice');
  const changed = await fetch(`${servers.serverOrigin}/v1/wallets/${state.walletId}/owner`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ owner: { key_quorum: { threshold: 1, members: [member.publicKey] } } }),
  });
  assert.equal(changed.status, 200, await changed.text());

  // The token alone no longer gets a release, even with the user's approval.
  refused(await confirm(call('signMessage', { text: 'token only' })), 'QUORUM_NOT_MET');
  // With the quorum's signature over exactly this request, it signs.
  const text = 'authorized by the quorum';
  const authorization = await signed({ method: 'personal_sign', params: { message: text, encoding: 'utf-8' } });
  const result = ok(await confirm(call('signMessage', { text, authorization })));
  assert.equal(ethers.verifyMessage(text, result.signature), state.address);
  // An authorization for another message is refused before anything is asked.
  refused(await call('signMessage', { text: 'something else', authorization }), 'AUTHORIZATION_MISMATCH');

  // Encrypted export: signed by a non-member, refused in the wallet before asking.
  refused(
    await call('exportMnemonic', { recipientPublicKey: recipientHex, authorization: await signed(exportBody, outsider) }),
    'QUORUM_NOT_MET',
  );
  // Signed for another recipient key: refused before asking.
  const other = ethers.hexlify(new Uint8Array(await hpke.kem.serializePublicKey((await hpke.kem.generateKeyPair()).publicKey)));
  refused(await call('exportMnemonic', { recipientPublicKey: other, authorization: await signed(exportBody) }), 'AUTHORIZATION_MISMATCH');

  const exportAuthorization = await signed(exportBody);
  const sealed = ok(await confirm(call('exportMnemonic', { recipientPublicKey: recipientHex, authorization: exportAuthorization })));
  assert.deepEqual(Object.keys(sealed).sort(), ['ciphertext', 'enc', 'suite']);
  assert.deepEqual(sealed.suite, { kem: 'DHKEM(P-256, HKDF-SHA256)', kdf: 'HKDF-SHA256', aead: 'ChaCha20-Poly1305' });
  // Opened by @hpke/core with the info the contract names: "keysplit/v1/mnemonic-export" || wallet id.
  const info = ethers.concat([ethers.toUtf8Bytes('keysplit/v1/mnemonic-export'), `0x${state.walletId}`]);
  const plaintext = await hpke.open(
    { recipientKey: recipient, enc: ethers.getBytes(sealed.enc).buffer, info: ethers.getBytes(info).buffer },
    ethers.getBytes(sealed.ciphertext).buffer,
    new ArrayBuffer(0),
  );
  const phrase = new TextDecoder().decode(plaintext);
  assert.equal(ethers.Wallet.fromPhrase(phrase).address, state.address, 'the sealed phrase is this wallet\'s');
  if (state.mnemonic) assert.equal(phrase, state.mnemonic);

  // The same authorization again: the server refuses the used idempotency key.
  refused(await confirm(call('exportMnemonic', { recipientPublicKey: recipientHex, authorization: exportAuthorization })), 'REPLAYED');
});

test('nothing secret reached the app page or any network request', T, async () => {
  assert.ok(state.deviceShares.size >= 3 && state.mnemonic, 'the flow ran');
  const appSide = await page.evaluate(() =>
    JSON.stringify({
      replies: window.walletReplies,
      local: { ...localStorage },
      session: { ...sessionStorage },
      html: document.documentElement.outerHTML,
    }),
  );
  const secrets = [...state.deviceShares, ...state.wrappedKeys];
  for (const secret of secrets) assert.ok(!appSide.includes(secret), 'no device share or wrapped key in the app page');
  assert.ok(!appSide.includes(state.mnemonic), 'the phrase never reached the app page');
  // Single words could occur by chance in other text; the first three in order cannot.
  assert.ok(!appSide.includes(state.mnemonic.split(' ').slice(0, 3).join(' ')), 'not even the start of the phrase');
  for (const reply of await page.evaluate(() => window.walletReplies)) {
    const text = JSON.stringify(reply);
    assert.ok(!/"(entropy|seed|privateKey|mnemonic|share|authShare|deviceShare|deviceKey|authKey|key|password)"/.test(text), `no secret field in ${text.slice(0, 200)}`);
  }

  // Network: the device share, its key and the phrase never left the wallet, not even to
  // the server; only the wallet frame talked to the server.
  assert.ok(requests.some((r) => r.url.startsWith(servers.serverOrigin) && r.method === 'POST'), 'server traffic was recorded');
  for (const request of requests) {
    const text = `${request.url}\n${request.body}`;
    for (const secret of secrets) assert.ok(!text.includes(secret), `no device share or key in ${request.method} ${request.url}`);
    assert.ok(!text.includes(state.mnemonic), `no phrase in ${request.url}`);
    if (request.url.startsWith(servers.serverOrigin)) {
      assert.ok(request.frame.startsWith(servers.walletOrigin), `${request.url} came from the wallet frame, not ${request.frame}`);
    }
  }

  // The app page's script cannot reach into the wallet's storage or document.
  const probe = await page.evaluate(() => {
    const frame = document.getElementById('wallet');
    const outcome = {};
    try {
      outcome.localStorage = String(frame.contentWindow.localStorage.length);
    } catch (error) {
      outcome.localStorage = error.name;
    }
    try {
      outcome.indexedDB = String(typeof frame.contentWindow.indexedDB.open);
    } catch (error) {
      outcome.indexedDB = error.name;
    }
    outcome.contentDocument = frame.contentDocument === null ? 'null' : 'readable';
    return outcome;
  });
  assert.deepEqual(probe, { localStorage: 'SecurityError', indexedDB: 'SecurityError', contentDocument: 'null' });
  assert.deepEqual(consoleErrors.filter((text) => !/Failed to load resource|CORS|Content Security Policy|net::ERR/.test(text)), [], 'no unexpected console errors');
});

// ---- other parents ----------------------------------------------------------------------

test('a hello with version 1 gets no ready', T, async () => {
  const answer = await page.evaluate(
    (walletOrigin) =>
      new Promise((resolve) => {
        const frame = document.createElement('iframe');
        frame.width = '10';
        frame.height = '10';
        const timer = setTimeout(() => resolve('no answer'), 8000);
        window.addEventListener('message', (event) => {
          if (event.source !== frame.contentWindow || event.data?.type !== 'keysplit:loaded') return;
          const channel = new MessageChannel();
          channel.port1.onmessage = (reply) => {
            clearTimeout(timer);
            resolve(reply.data);
          };
          frame.contentWindow.postMessage({ type: 'keysplit:hello', version: 1 }, walletOrigin, [channel.port2]);
        });
        frame.src = `${walletOrigin}/`;
        document.body.append(frame);
      }),
    servers.walletOrigin,
  );
  assert.deepEqual(answer, { type: 'keysplit:unsupported', versions: [2] });
});

test('a sibling frame gets no answer; the parent, on the same frame, does', T, async () => {
  // A fresh wallet frame (not yet handshaken) and a same-origin sibling of it.
  await page.evaluate((walletOrigin) => {
    for (const id of ['fresh-wallet', 'sibling']) document.getElementById(id)?.remove();
    const wallet = document.createElement('iframe');
    wallet.id = 'fresh-wallet';
    wallet.width = '10';
    wallet.height = '10';
    wallet.src = `${walletOrigin}/?fresh=1`;
    const sibling = document.createElement('iframe');
    sibling.id = 'sibling';
    sibling.width = '10';
    sibling.height = '10';
    document.body.append(wallet, sibling);
  }, servers.walletOrigin);
  // Wait until the fresh wallet has loaded (it then waits for its hello).
  await expectFrame(() => page.frames().find((f) => f.url().startsWith(`${servers.walletOrigin}/?fresh=1`)));
  const freshFrame = page.frames().find((f) => f.url().startsWith(`${servers.walletOrigin}/?fresh=1`));
  await freshFrame.waitForFunction(() => !/loading/.test(document.getElementById('status')?.textContent ?? 'loading'));
  const sibling = page.frames().find((f) => f.parentFrame() === page.mainFrame() && f.url() === 'about:blank');
  assert.ok(sibling, 'the sibling frame exists');
  // The sibling's own script (evaluated in its realm) says hello to every other frame of
  // the parent, the fresh wallet among them, again and again.
  const fromSibling = await sibling.evaluate(
    (walletOrigin) =>
      new Promise((resolve) => {
        const timer = setTimeout(() => resolve('no answer'), 4000);
        const hello = () => {
          const frames = window.parent.frames;
          for (let i = 0; i < frames.length; i++) {
            if (frames[i] === window) continue;
            const channel = new MessageChannel();
            channel.port1.onmessage = (event) => {
              clearTimeout(timer);
              resolve(event.data);
            };
            frames[i].postMessage({ type: 'keysplit:hello', version: 2 }, walletOrigin, [channel.port2]);
          }
        };
        for (let i = 0; i < 8; i++) setTimeout(hello, i * 400);
      }),
    servers.walletOrigin,
  );
  assert.equal(fromSibling, 'no answer');
  // The parent's own hello to the same fresh frame is answered: the frame was willing.
  const fromParent = await page.evaluate(
    (walletOrigin) =>
      new Promise((resolve) => {
        const frame = document.getElementById('fresh-wallet');
        const channel = new MessageChannel();
        const timer = setTimeout(() => resolve('no answer'), 4000);
        channel.port1.onmessage = (event) => {
          clearTimeout(timer);
          resolve(event.data.type);
        };
        frame.contentWindow.postMessage({ type: 'keysplit:hello', version: 2 }, walletOrigin, [channel.port2]);
      }),
    servers.walletOrigin,
  );
  assert.equal(fromParent, 'keysplit:ready');
  await page.evaluate(() => {
    for (const id of ['fresh-wallet', 'sibling']) document.getElementById(id)?.remove();
  });
});

test('a popup of the wallet page answers nobody (it has no parent)', T, async () => {
  const popupPromise = page.waitForEvent('popup');
  await page.evaluate((walletOrigin) => {
    window.walletPopup = window.open(`${walletOrigin}/?popup=1`, 'wallet-popup', 'popup,width=400,height=600');
  }, servers.walletOrigin);
  const popup = await popupPromise;
  try {
    await popup.waitForFunction(() => /keysplit wallet: /.test(document.getElementById('status')?.textContent ?? '') && !/loading/.test(document.getElementById('status').textContent));
    const answer = await page.evaluate(
      (walletOrigin) =>
        new Promise((resolve) => {
          const timer = setTimeout(() => resolve('no answer'), 4000);
          const hello = () => {
            const channel = new MessageChannel();
            channel.port1.onmessage = (event) => {
              clearTimeout(timer);
              resolve(event.data);
            };
            window.walletPopup.postMessage({ type: 'keysplit:hello', version: 2 }, walletOrigin, [channel.port2]);
          };
          for (let i = 0; i < 8; i++) setTimeout(hello, i * 400);
        }),
      servers.walletOrigin,
    );
    assert.equal(answer, 'no answer');
  } finally {
    await popup.close();
  }
});

test('a third origin that is not on the allowlist gets no answer', T, async () => {
  const other = await browser.newContext();
  try {
    const thirdPage = await other.newPage();
    await thirdPage.goto(`${servers.thirdOrigin}/?wallet=${encodeURIComponent(servers.walletOrigin)}`);
    await thirdPage.waitForSelector('body[data-result]', { timeout: 20000 });
    assert.equal(await thirdPage.getAttribute('body', 'data-result'), 'no-answer');
    // The wallet did load there (this server lets the third origin frame it), so it was
    // the wallet's own origin check that stayed silent.
    const frame = thirdPage.frames().find((f) => f !== thirdPage.mainFrame() && f.url().startsWith(servers.walletOrigin));
    assert.ok(frame);
    assert.match(await frame.evaluate(() => document.getElementById('status').textContent), /keysplit wallet: /);
  } finally {
    await other.close();
  }
});

test('frame-ancestors keeps the wallet out of frames on other origins', T, async () => {
  const strict = await startServers({ walletPort: 0, appPort: 0, serverPort: 0, thirdPort: 0, frameThird: false });
  const other = await browser.newContext();
  try {
    const thirdPage = await other.newPage();
    await thirdPage.goto(`${strict.thirdOrigin}/?wallet=${encodeURIComponent(strict.walletOrigin)}`);
    await thirdPage.waitForSelector('body[data-result]', { timeout: 20000 });
    assert.equal(await thirdPage.getAttribute('body', 'data-result'), 'no-answer');
    const frame = thirdPage.frames().find((f) => f !== thirdPage.mainFrame() && f.url().startsWith(strict.walletOrigin));
    if (frame) {
      const content = await frame.evaluate(() => document.getElementById('status')?.textContent ?? null).catch(() => null);
      assert.equal(content, null, 'the blocked frame shows no wallet page');
    }
  } finally {
    await other.close();
    await strict.close();
  }
});
