// Attacks on the wallet iframe (protocol v2), in real headless Chromium (Debian's
// /usr/bin/chromium through playwright-core) against app origin A, wallet origin W,
// keysplit-server S and an untrusted origin T (wasm/serve.mjs). Each test asserts that the
// attacker gets nothing, and each has a control that shows the same path works for the
// legitimate party, so that "nothing" is not an artefact of a broken setup:
//   * script in the app page (XSS) reloading the wallet frame, handshaking again and
//     calling every method: nothing secret in any reply, every confirmation stays pending
//     (also after a script "click" inside the frame), Reject gives USER_REJECTED;
//   * a parent on T, a sibling frame, a popup of A, the wallet as a popup: no answer;
//   * a replayed owner-quorum authorization: REPLAYED the second time;
//   * two rotations racing from two pages: one wins, the other EPOCH_CONFLICT, and the
//     device share left on the device is the winner's;
//   * forged release answers (sealed to another key, for another digest or epoch, or not a
//     release): RELEASE_REJECTED and no signature;
//   * the device share, device key, auth share and auth key never reach the app page's
//     memory, storage or network traffic (server answers go to the wallet frame only).
// Oracles: ethers v6 (signatures), npm @hpke/core (the forger's and the test's HPKE),
// npm canonicalize + node:crypto (signed authorizations), the server's own state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { ethers } from 'ethers';
import canonicalize from 'canonicalize';
import { CipherSuite, DhkemP256HkdfSha256, HkdfSha256 } from '@hpke/core';
import { Chacha20Poly1305 } from '@hpke/chacha20poly1305';
import { startServers } from '../serve.mjs';
import { confirm as confirmIn, launchBrowser, ok, refused } from './harness.mjs';

const PASSWORD = 'correct horse battery staple';
const RECIPIENT = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const TRANSACTION = {
  type: 2,
  chainId: 1,
  nonce: 1,
  to: RECIPIENT,
  value: '5000000000000000000',
  gasLimit: '21000',
  maxFeePerGas: '30000000000',
  maxPriorityFeePerGas: '1000000000',
};
const TYPED_DATA = {
  types: {
    EIP712Domain: [
      { name: 'name', type: 'string' },
      { name: 'chainId', type: 'uint256' },
    ],
    Permit: [
      { name: 'spender', type: 'address' },
      { name: 'value', type: 'uint256' },
    ],
  },
  primaryType: 'Permit',
  domain: { name: 'Token', chainId: 1 },
  message: { spender: RECIPIENT, value: '115792089237316195423570985008687907853269984665640564039457584007913129639935' },
};
const ALLOW_ALL = {
  version: '1.0',
  name: 'attacker: everything',
  chain_type: 'ethereum',
  rules: [{ name: 'all messages', method: 'personal_sign', action: 'ALLOW', conditions: [] }],
};

const hpke = new CipherSuite({ kem: new DhkemP256HkdfSha256(), kdf: new HkdfSha256(), aead: new Chacha20Poly1305() });

let servers;
let browser;
// Every request and response of every context: [{ context, url, method, frame, requestBody, status, body }].
const traffic = [];
// Secret byte strings (lowercase hex) learnt along the way: device shares, device keys,
// wrapped device keys, auth shares, auth keys.
const secrets = new Map();
const contexts = [];

before(async () => {
  servers = await startServers({ walletPort: 0, appPort: 0, serverPort: 0, thirdPort: 0, frameThird: true });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await servers?.close();
});

// ---- helpers ----------------------------------------------------------------------

const hex = (bytes) => Buffer.from(bytes).toString('hex');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function frameUrlOf(request) {
  try {
    return request.frame().url();
  } catch {
    return '';
  }
}

async function newContext(label) {
  const context = await browser.newContext({ viewport: { width: 480, height: 720 } });
  contexts.push(context);
  context.on('response', async (response) => {
    const request = response.request();
    const entry = {
      context: label,
      url: request.url(),
      method: request.method(),
      frame: frameUrlOf(request),
      requestBody: request.postData() ?? '',
      status: response.status(),
      body: '',
    };
    traffic.push(entry);
    try {
      entry.body = (await response.body()).toString('latin1');
    } catch {
      entry.body = '';
    }
  });
  context.on('requestfailed', (request) => {
    traffic.push({ context: label, url: request.url(), method: request.method(), frame: frameUrlOf(request), requestBody: request.postData() ?? '', status: 0, body: '' });
  });
  return context;
}

async function openApp(context) {
  const page = await context.newPage();
  await page.goto(`${servers.appOrigin}/e2e/app.html`);
  await page.waitForSelector('body[data-ready]', { timeout: 30000 });
  return page;
}

const call = (page, method, params) => page.evaluate(([m, p]) => window.wallet.call(m, p), [method, params]);

function walletFrame(page) {
  const frame = page.frames().find((f) => f !== page.mainFrame() && f.url().startsWith(servers.walletOrigin));
  assert.ok(frame, 'the wallet frame is loaded');
  return frame;
}

/** Waits for the overlay while `pending` runs; types passwords; clicks Approve or Reject. */
const confirm = (page, pending, options) =>
  confirmIn({ frame: () => page.frameLocator('#wallet'), appOrigin: servers.appOrigin }, pending, options);

async function overlayShown(page, timeout = 30000) {
  await page.frameLocator('#wallet').locator('#ks-overlay').waitFor({ state: 'visible', timeout });
}




async function token(sub) {
  return servers.mintToken(sub);
}

async function serverWallet(walletId, sub) {
  const response = await fetch(`${servers.serverOrigin}/v1/wallets/${walletId}`, {
    headers: { authorization: `Bearer ${await token(sub)}` },
  });
  assert.equal(response.status, 200);
  return response.json();
}

/** A signed-in app page with a new wallet (created and confirmed as its user would). */
async function userWithWallet(context, sub) {
  const page = await openApp(context);
  ok(await call(page, 'signIn', { accessToken: await token(sub) }));
  const { wallet } = ok(await confirm(page, call(page, 'createWallet', {}), { password: PASSWORD, repeat: true }));
  return { page, wallet, sub };
}

const releaseInfo = (walletId, epoch) => {
  const e = Buffer.alloc(4);
  e.writeUInt32BE(epoch);
  return new Uint8Array(Buffer.concat([Buffer.from('keysplit-server/v1/auth-share-release'), Buffer.from(walletId, 'hex'), e]));
};

async function hpkeSeal(publicKey, info, aad, plaintext) {
  const recipientPublicKey = await hpke.kem.deserializePublicKey(new Uint8Array(publicKey).buffer);
  const { enc, ct } = await hpke.seal({ recipientPublicKey, info: info.buffer }, new Uint8Array(plaintext).buffer, new Uint8Array(aad).buffer);
  return { enc: new Uint8Array(enc), ciphertext: new Uint8Array(ct) };
}

/**
 * A release made by the test itself (user-owned wallets: the token and an unsigned
 * request payload), opened with @hpke/core: the real `auth key || sealed auth share` of the
 * wallet's current epoch.
 */
async function releaseAuth(walletId, sub) {
  const keyPair = await hpke.kem.generateKeyPair();
  const publicKey = new Uint8Array(await hpke.kem.serializePublicKey(keyPair.publicKey));
  const request = {
    version: 1,
    method: 'POST',
    url: `${servers.serverOrigin}/v1/wallets/${walletId}/release`,
    body: { method: 'personal_sign', params: { message: 'the test reads the auth share', encoding: 'utf-8' } },
    headers: { 'privy-request-expiry': String(Date.now() + 60000), 'privy-idempotency-key': hex(crypto.randomBytes(16)) },
  };
  const digest = crypto.createHash('sha256').update(canonicalize(request), 'utf8').digest();
  const response = await fetch(`${servers.serverOrigin}/v1/wallets/${walletId}/release`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await token(sub)}`, 'content-type': 'application/json' },
    body: JSON.stringify({ request, request_digest: hex(digest), hpke_public_key: hex(publicKey) }),
  });
  const answer = await response.json();
  assert.equal(response.status, 200, JSON.stringify(answer));
  const plaintext = new Uint8Array(
    await hpke.open(
      { recipientKey: keyPair, enc: new Uint8Array(Buffer.from(answer.enc, 'hex')).buffer, info: releaseInfo(walletId, answer.wallet.epoch).buffer },
      new Uint8Array(Buffer.from(answer.ciphertext, 'hex')).buffer,
      new Uint8Array(digest).buffer,
    ),
  );
  return { epoch: answer.wallet.epoch, plaintext, authKey: plaintext.slice(0, 32), authShare: plaintext.slice(32) };
}

/** Reads the device record inside the wallet frame (the test's view, not the app's). */
async function deviceSecrets(page) {
  return walletFrame(page).evaluate(async () => {
    const device = await import('/device.js');
    const record = await device.loadDevice();
    if (!record) return null;
    const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    const out = {
      info: record.info,
      share: toHex(record.share),
      key: toHex(record.key),
      wrapped: JSON.parse(localStorage.getItem('keysplit.wallet.v1')).key.wrapped.replace(/^0x/, ''),
    };
    record.key.fill(0);
    return out;
  });
}

/** Remembers the device's and the server's secrets of the wallet's current epoch. */
async function noteSecrets(page, sub, label) {
  const device = await deviceSecrets(page);
  assert.ok(device, 'the device holds a share');
  secrets.set(`${label} device share e${device.info.epoch}`, device.share);
  secrets.set(`${label} device key e${device.info.epoch}`, device.key);
  secrets.set(`${label} wrapped device key e${device.info.epoch}`, device.wrapped);
  const auth = await releaseAuth(device.info.walletId, sub);
  assert.equal(auth.epoch, device.info.epoch);
  secrets.set(`${label} auth key e${auth.epoch}`, hex(auth.authKey));
  secrets.set(`${label} auth share e${auth.epoch}`, hex(auth.authShare));
  return { device, auth };
}

/** A legacy Solana transfer message from the wallet's account (base64). */
function solanaTransfer(fromBase58) {
  const from = ethers.getBytes(ethers.toBeHex(ethers.decodeBase58(fromBase58), 32));
  const to = crypto.randomBytes(32);
  const data = Buffer.alloc(12);
  data.writeUInt32LE(2, 0);
  data.writeBigUInt64LE(1_000_000_000n, 4);
  const message = Buffer.concat([
    Buffer.from([1, 0, 1]), // header: 1 signer, 0 read-only signed, 1 read-only unsigned
    Buffer.from([3]),
    Buffer.from(from),
    to,
    Buffer.alloc(32), // the system program
    crypto.randomBytes(32), // recent blockhash
    Buffer.from([1, 2, 2, 0, 1, 12]), // 1 instruction: program #2, accounts [0, 1], 12 bytes
    data,
  ]);
  return message.toString('base64');
}

/** Script clicks (and keys) inside the wallet frame: isTrusted false, must do nothing. */
async function untrustedApprove(page) {
  return walletFrame(page).evaluate(() => {
    const done = [];
    const password = document.querySelector('#ks-password');
    const repeat = document.querySelector('#ks-password-repeat');
    for (const input of [password, repeat]) {
      if (!input) continue;
      input.value = 'attacker password 1';
      input.dispatchEvent(new Event('input', { bubbles: true }));
      done.push('typed');
    }
    const approve = document.querySelector('#ks-approve');
    if (!approve) return done;
    approve.click();
    approve.dispatchEvent(new PointerEvent('pointerdown', { bubbles: true }));
    approve.dispatchEvent(new PointerEvent('pointerup', { bubbles: true }));
    approve.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true, view: window }));
    approve.focus();
    approve.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    (password ?? approve).dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    const form = approve.closest('form');
    if (form) {
      try {
        form.requestSubmit(approve);
        done.push('requestSubmit');
      } catch {
        // not a submit button
      }
    }
    done.push('clicked');
    return done;
  });
}

// ---- app-page script (XSS) ------------------------------------------------------------

test('script in the app page (XSS): a new handshake, every method, nothing secret, nothing approved', { timeout: 300000 }, async () => {
  const context = await newContext('xss');
  const { page, wallet, sub } = await userWithWallet(context, 'victim');
  const before = await noteSecrets(page, sub, 'victim');

  // The attacker's script: reload the wallet frame, handshake with the wallet's own
  // client, sign in with the user's token (the app has it), keep every reply.
  const handshake = await page.evaluate(async () => {
    const { connectWallet } = await import('/keysplit-client.js');
    const walletOrigin = document.querySelector('meta[name="keysplit-wallet-origin"]').content;
    const frame = document.getElementById('wallet');
    const connecting = connectWallet(frame, walletOrigin);
    frame.src = `${walletOrigin}/?xss=${Date.now()}`;
    const client = await connecting;
    window.attack = { replies: [], pending: {} };
    window.attack.call = async (method, params) => {
      let reply;
      try {
        reply = { ok: true, result: await client.call(method, params) };
      } catch (error) {
        reply = { ok: false, code: error.code, message: error.message };
      }
      window.attack.replies.push({ method, ...reply });
      return reply;
    };
    window.attack.start = (name, method, params) => {
      window.attack.pending[name] = { settled: false };
      window.attack.call(method, params).then((reply) => {
        window.attack.pending[name] = { settled: true, reply };
      });
    };
    const { token } = await (await fetch('/dev/token?sub=victim')).json();
    return window.attack.call('signIn', { accessToken: token });
  });
  assert.deepEqual(ok(handshake), { signedIn: true }, 'the attacker holds a working session (the control)');
  const attack = (method, params) => page.evaluate(([m, p]) => window.attack.call(m, p), [method, params]);

  // Public answers only.
  const status = ok(await attack('status'));
  assert.deepEqual(status, { version: 2, signedIn: true, hasDeviceShare: true, wallet });
  assert.deepEqual(ok(await attack('getAddress', {})), { address: wallet.ethereumAddress });
  refused(await attack('createWallet', {}), 'DEVICE_SHARE_EXISTS');
  refused(await attack('createWallet', { argon2: { memoryKib: 8, iterations: 1, parallelism: 1 } }), 'INVALID_PARAMS');
  for (const method of ['signDigest', 'getDeviceShare', 'exportShare', 'exportKey', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
    refused(await attack(method, {}), 'UNKNOWN_METHOD');
  }
  // An encrypted export to the attacker's key with a made-up authorization: the wallet
  // is user-owned, so no quorum can have signed it; refused before anything is asked.
  const attackerKey = `0x${hex(new Uint8Array(await hpke.kem.serializePublicKey((await hpke.kem.generateKeyPair()).publicKey)))}`;
  const exportRequest = {
    version: 1,
    method: 'POST',
    url: `${servers.serverOrigin}/v1/wallets/${wallet.walletId}/release`,
    body: { method: 'keysplit_export', params: { recipient_public_key: attackerKey.slice(2) } },
    headers: { 'privy-request-expiry': String(Date.now() + 60000), 'privy-idempotency-key': 'attacker-1' },
  };
  refused(
    await attack('exportMnemonic', { recipientPublicKey: attackerKey, authorization: { request: exportRequest, signature: 'MEUCIQ==' } }),
    'QUORUM_NOT_MET',
  );

  // Everything that needs the user: shown, stays pending (script clicks in the frame do
  // not count), and Reject answers USER_REJECTED.
  const asked = [
    ['signMessage', { text: 'I agree to transfer everything' }],
    ['signMessage', { hex: '0xdeadbeef' }],
    ['signTransaction', { transaction: TRANSACTION }],
    ['signTypedData', { typedData: TYPED_DATA }],
    ['signSolanaTransaction', { message: solanaTransfer(wallet.solanaAddress) }],
    ['exportMnemonic', {}],
    ['rotate', {}],
    ['recover', { walletId: wallet.walletId }],
    ['forgetDevice', {}],
    ['setHeadlessPolicy', { policy: ALLOW_ALL }],
  ];
  for (const [index, [method, params]] of asked.entries()) {
    const name = `${method}#${index}`;
    await page.evaluate(([n, m, p]) => window.attack.start(n, m, p), [name, method, params]);
    await overlayShown(page);
    // Past the 500 ms before Approve is enabled, then script input in the frame.
    await sleep(700);
    const tried = await untrustedApprove(page);
    assert.ok(tried.includes('clicked'), `${name}: the approve button was there to click`);
    await sleep(1200);
    const state = await page.evaluate((n) => window.attack.pending[n], name);
    assert.deepEqual(state, { settled: false }, `${name} is still waiting for the user after script clicks`);
    assert.ok(await page.frameLocator('#wallet').locator('#ks-overlay').isVisible(), `${name}: the overlay is still up`);
    await page.frameLocator('#wallet').locator('#ks-reject').click();
    await page.waitForFunction((n) => window.attack.pending[n].settled, name, { timeout: 15000 });
    const { reply } = await page.evaluate((n) => window.attack.pending[n], name);
    refused(reply, 'USER_REJECTED');
  }

  // Nothing changed: the same device share, no policy (a message is still asked), the
  // server at the same epoch.
  const after = await deviceSecrets(page);
  assert.equal(after.share, before.device.share, 'the device share is the same');
  assert.equal(after.info.epoch, 0);
  assert.equal((await serverWallet(wallet.walletId, sub)).wallet.epoch, 0);
  await page.evaluate(() => window.attack.start('probe', 'signMessage', { text: 'still asked?' }));
  await overlayShown(page);
  await page.frameLocator('#wallet').locator('#ks-reject').click();
  await page.waitForFunction(() => window.attack.pending.probe.settled, null, { timeout: 15000 });
  refused((await page.evaluate(() => window.attack.pending.probe)).reply, 'USER_REJECTED');
  ok(await attack('clearHeadlessPolicy'));
  assert.deepEqual(ok(await attack('signOut')), { signedIn: false });

  // No reply carries a secret value or a secret-named field.
  const replies = await page.evaluate(() => window.attack.replies);
  assert.equal(replies.length, 28, `${replies.length} replies`);
  const text = JSON.stringify(replies).toLowerCase();
  for (const [name, value] of secrets) assert.ok(!text.includes(value), `no ${name} in a reply`);
  for (const reply of replies) {
    assert.ok(!/"(entropy|seed|mnemonic|privatekey|share|authshare|deviceshare|devicekey|authkey|key|password)"/i.test(JSON.stringify(reply)), JSON.stringify(reply).slice(0, 300));
  }

  // The legitimate user, after the attack: the app reconnects and signs (control).
  await page.evaluate(() => window.wallet.reconnect());
  ok(await call(page, 'signIn', { accessToken: await token(sub) }));
  const signed = ok(await confirm(page, call(page, 'signMessage', { text: 'mine' })));
  assert.equal(ethers.verifyMessage('mine', signed.signature), wallet.ethereumAddress);
});

// ---- other windows ----------------------------------------------------------------------

test('a parent on an origin that is not allowed gets no answer (the allowed origin, same page, does)', { timeout: 120000 }, async () => {
  const context = await newContext('parents');
  const page = await context.newPage();
  const wallet = encodeURIComponent(servers.walletOrigin);
  await page.goto(`${servers.appOrigin}/e2e/attack-parent.html?wallet=${wallet}`);
  await page.waitForSelector('body[data-result]', { timeout: 20000 });
  assert.match(await page.getAttribute('body', 'data-result'), /^ready \{"version":2/, 'control: the allowed origin gets the handshake');

  const third = await context.newPage();
  await third.goto(`${servers.thirdOrigin}/e2e/attack-parent.html?wallet=${wallet}`);
  await third.waitForSelector('body[data-result]', { timeout: 20000 });
  assert.equal(await third.getAttribute('body', 'data-result'), 'no-answer');
  assert.equal(await third.getAttribute('body', 'data-heard'), '[]', 'not even keysplit:loaded reached the other origin');
  // The wallet did load there (this setup lets T frame it), so its own origin check kept quiet.
  const frame = third.frames().find((f) => f !== third.mainFrame() && f.url().startsWith(servers.walletOrigin));
  assert.ok(frame, 'the wallet frame loaded on the other origin');
  assert.match(await frame.evaluate(() => document.getElementById('status').textContent), /^keysplit wallet: /);
  await context.close();
});

test('a sibling frame, a popup of the app origin and the wallet as a popup get no answer', { timeout: 120000 }, async () => {
  const context = await newContext('windows');
  const page = await context.newPage();
  await page.goto(`${servers.appOrigin}/e2e/attack-host.html`);
  await page.waitForSelector('body[data-ready]');
  assert.equal(await page.evaluate(() => window.walletLoaded), true, 'the wallet frame said keysplit:loaded to its parent');

  // A sibling frame of the app's own origin (allowed as an origin, but not the parent).
  await page.evaluate(() => window.addSibling('sibling'));
  const sibling = page.frame({ name: 'sibling' });
  assert.ok(sibling, 'the sibling frame exists');
  const siblingRun = sibling.evaluate(
    async (walletOrigin) => (await import('/e2e/attack-probe.js')).probe({ walletOrigin, mode: 'sibling' }),
    servers.walletOrigin,
  );
  // A popup of the app origin, posting to the wallet frame through opener.frames[0].
  const popupOpened = context.waitForEvent('page');
  assert.equal(await page.evaluate(() => window.openProbePopup()), true, 'the popup opened');
  const popup = await popupOpened;
  assert.equal(await siblingRun, 'no-answer', 'the sibling frame');
  await page.waitForFunction(() => window.attackResults.length >= 1, null, { timeout: 20000 });
  assert.deepEqual(await page.evaluate(() => window.attackResults), [
    { origin: servers.appOrigin, type: 'attack-result', mode: 'popup', result: 'no-answer' },
  ]);
  await popup.close().catch(() => {});

  assert.equal(await page.evaluate(() => window.openWalletPopup()), 'no-answer', 'the wallet opened as a popup answers nobody');

  // Control: the wallet frame was alive all along and answers its real parent.
  const own = await page.evaluate(() => window.handshake());
  assert.equal(own.result, 'ready', JSON.stringify(own));
  assert.equal(own.status.version, 2);
  await context.close();
});

// ---- a replayed authorization ----------------------------------------------------------

test('a replayed owner-quorum authorization is REPLAYED', { timeout: 180000 }, async () => {
  const context = await newContext('replay');
  const { page, wallet, sub } = await userWithWallet(context, 'quorum-user');
  await noteSecrets(page, sub, 'quorum');
  // The wallet becomes owned by a 1-of-1 key quorum (the user's token suffices for that).
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const member = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const change = await fetch(`${servers.serverOrigin}/v1/wallets/${wallet.walletId}/owner`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${await token(sub)}`, 'content-type': 'application/json' },
    body: JSON.stringify({ owner: { key_quorum: { threshold: 1, members: [member] } } }),
  });
  assert.equal(change.status, 200, await change.text());
  assert.ok((await serverWallet(wallet.walletId, sub)).owner.key_quorum, 'the wallet is quorum-owned');

  // Control: the token alone no longer releases anything.
  refused(await confirm(page, call(page, 'signMessage', { text: 'no signature' })), 'QUORUM_NOT_MET');

  const text = 'pay 1 ETH, once';
  const request = {
    version: 1,
    method: 'POST',
    url: `${servers.serverOrigin}/v1/wallets/${wallet.walletId}/release`,
    body: { method: 'personal_sign', params: { message: text, encoding: 'utf-8' } },
    headers: { 'privy-request-expiry': String(Date.now() + 120000), 'privy-idempotency-key': crypto.randomBytes(16).toString('hex') },
  };
  const signature = crypto.sign('sha256', Buffer.from(canonicalize(request), 'utf8'), privateKey).toString('base64');
  const authorization = { request, signature };

  const first = ok(await confirm(page, call(page, 'signMessage', { text, authorization })));
  assert.equal(ethers.verifyMessage(text, first.signature), wallet.ethereumAddress, 'the quorum-signed request was signed');
  const second = await confirm(page, call(page, 'signMessage', { text, authorization }));
  refused(second, 'REPLAYED');
  assert.equal(second.result, undefined);
  // The same authorization presented for another message is refused before the user is asked.
  refused(await call(page, 'signMessage', { text: 'pay 100 ETH', authorization }), 'AUTHORIZATION_MISMATCH');
  await context.close();
});

// ---- two rotations racing ---------------------------------------------------------------

test('two pages rotate at once: one wins, the other EPOCH_CONFLICT, the device keeps the winner', { timeout: 240000 }, async () => {
  const context = await newContext('rotate');
  const { page: first, wallet, sub } = await userWithWallet(context, 'rotator');
  await noteSecrets(first, sub, 'rotator');
  const second = await openApp(context);
  ok(await call(second, 'signIn', { accessToken: await token(sub) }));
  assert.deepEqual(ok(await call(second, 'status')).wallet, wallet, 'both pages see the one device share');

  // Both uploads are held until both have arrived, then sent together: the server's
  // compare-and-swap, not timing, decides.
  const held = [];
  let releaseHeld;
  const bothHeld = new Promise((resolve) => {
    releaseHeld = resolve;
  });
  await context.route(`${servers.serverOrigin}/v1/wallets/*/shares`, async (route) => {
    if (route.request().method() !== 'PUT') return route.continue();
    held.push(route);
    if (held.length === 2) releaseHeld();
    await Promise.race([bothHeld, sleep(60000)]);
    return route.continue();
  });

  const pendings = [first, second].map((page) => call(page, 'rotate', {}));
  for (const page of [first, second]) {
    await overlayShown(page);
    const frame = page.frameLocator('#wallet');
    await frame.locator('#ks-password').fill(`${PASSWORD} 2`);
    await frame.locator('#ks-password-repeat').fill(`${PASSWORD} 2`);
  }
  await Promise.all([first, second].map((page) => page.frameLocator('#wallet').locator('#ks-approve').click()));
  const replies = await Promise.all(pendings);
  await context.unroute(`${servers.serverOrigin}/v1/wallets/*/shares`);
  assert.equal(held.length, 2, 'both rotations reached the upload');

  const winners = replies.filter((r) => r.ok);
  const losers = replies.filter((r) => !r.ok);
  assert.equal(winners.length, 1, JSON.stringify(replies));
  assert.equal(losers.length, 1, JSON.stringify(replies));
  refused(losers[0], 'EPOCH_CONFLICT');
  const won = winners[0].result.wallet;
  assert.equal(won.epoch, 1);
  assert.equal(won.ethereumAddress, wallet.ethereumAddress);

  // The server and the device both hold the winner's set.
  const stored = await serverWallet(wallet.walletId, sub);
  assert.equal(stored.wallet.epoch, 1);
  assert.equal(stored.wallet.share_set_id, won.shareSetId);
  const device = await deviceSecrets(first);
  assert.deepEqual(device.info, won, 'the stored device share is the winner\'s');
  await noteSecrets(first, sub, 'rotator');
  // ...and it works with the server's auth share, from the page that lost.
  const signed = ok(await confirm(second, call(second, 'signMessage', { text: 'after the race' })));
  assert.equal(ethers.verifyMessage('after the race', signed.signature), wallet.ethereumAddress);
  await context.close();
});

// ---- forged release answers --------------------------------------------------------------

test('forged release answers are RELEASE_REJECTED and sign nothing', { timeout: 240000 }, async () => {
  const context = await newContext('forgery');
  const { page, wallet, sub } = await userWithWallet(context, 'forgery-user');
  const { auth } = await noteSecrets(page, sub, 'forgery');
  const forger = await hpke.kem.generateKeyPair();
  const forgerPublic = new Uint8Array(await hpke.kem.serializePublicKey(forger.publicKey));
  const otherDigest = crypto.createHash('sha256').update('another request').digest();

  // Each forgery rewrites the server's (real) answer for the wallet frame's release.
  const forgeries = {
    // The real auth key and share (a malicious server has them), bound correctly: the
    // control, which must sign — so the refusals below are the bindings at work.
    control: async (mine) => hpkeSeal(mine.publicKey, releaseInfo(wallet.walletId, 0), mine.digest, auth.plaintext),
    'sealed to another key': async (mine) => hpkeSeal(forgerPublic, releaseInfo(wallet.walletId, 0), mine.digest, auth.plaintext),
    'for another request digest': async (mine) => ({
      ...(await hpkeSeal(mine.publicKey, releaseInfo(wallet.walletId, 0), otherDigest, auth.plaintext)),
      request_digest: hex(otherDigest),
    }),
    'for another epoch': async (mine) => ({
      ...(await hpkeSeal(mine.publicKey, releaseInfo(wallet.walletId, 1), mine.digest, auth.plaintext)),
      info: hex(releaseInfo(wallet.walletId, 1)),
    }),
    'for another wallet': async (mine) =>
      hpkeSeal(mine.publicKey, releaseInfo('00'.repeat(16), 0), mine.digest, auth.plaintext),
    'not a release (the key only)': async (mine) => hpkeSeal(mine.publicKey, releaseInfo(wallet.walletId, 0), mine.digest, auth.authKey),
    'not a release (another share)': async (mine) => {
      const device = await deviceSecrets(page);
      const plaintext = Buffer.concat([Buffer.from(auth.authKey), Buffer.from(device.share, 'hex')]);
      return hpkeSeal(mine.publicKey, releaseInfo(wallet.walletId, 0), mine.digest, plaintext);
    },
    'a truncated ciphertext': async (mine) => {
      const sealed = await hpkeSeal(mine.publicKey, releaseInfo(wallet.walletId, 0), mine.digest, auth.plaintext);
      return { ...sealed, ciphertext: sealed.ciphertext.subarray(0, -1) };
    },
  };
  let forge = null;
  const seen = [];
  await context.route(`${servers.serverOrigin}/v1/wallets/*/release`, async (route) => {
    if (route.request().method() !== 'POST' || !forge) return route.continue();
    const sent = route.request().postDataJSON();
    const mine = { publicKey: Buffer.from(sent.hpke_public_key, 'hex'), digest: Buffer.from(sent.request_digest, 'hex') };
    // The wallet's digest is SHA-256 of the RFC 8785 form of the request it sent.
    assert.equal(sent.request_digest, crypto.createHash('sha256').update(canonicalize(sent.request), 'utf8').digest('hex'));
    const response = await route.fetch();
    const answer = await response.json();
    const forged = await forge(mine);
    const body = {
      ...answer,
      ...forged,
      enc: hex(forged.enc),
      ciphertext: hex(forged.ciphertext),
    };
    seen.push(body);
    await route.fulfill({ response, json: body });
  });

  for (const [name, make] of Object.entries(forgeries)) {
    forge = make;
    const text = `forgery test: ${name}`;
    const reply = await confirm(page, call(page, 'signMessage', { text }));
    if (name === 'control') {
      const result = ok(reply);
      assert.equal(ethers.verifyMessage(text, result.signature), wallet.ethereumAddress, 'control: a well-bound release signs');
    } else {
      refused(reply, 'RELEASE_REJECTED');
      assert.equal(reply.result, undefined, `${name}: no signature`);
    }
  }
  assert.equal(seen.length, Object.keys(forgeries).length, 'every release was intercepted');
  await context.unroute(`${servers.serverOrigin}/v1/wallets/*/release`);
  // Unforged, the wallet works again.
  ok(await confirm(page, call(page, 'signMessage', { text: 'real' })));
  await context.close();
});

// ---- nothing secret on the app side ---------------------------------------------------------

/** Walks what script in the app page can reach from its global object (and its storage). */
function appPageSearch(needles) {
  const found = [];
  const seen = new Set();
  const queue = [[globalThis, 'globalThis']];
  const lowered = needles.map(([name, hexValue, base64]) => [name, hexValue, base64]);
  const toHex = (view) => Array.from(new Uint8Array(view.buffer, view.byteOffset, view.byteLength), (b) => b.toString(16).padStart(2, '0')).join('');
  const check = (text, where) => {
    const low = text.toLowerCase();
    for (const [name, hexValue, base64] of lowered) {
      if (low.includes(hexValue) || text.includes(base64)) found.push(`${name} at ${where}`);
    }
  };
  let visited = 0;
  while (queue.length > 0 && visited < 400000) {
    const [value, where] = queue.shift();
    if (typeof value === 'string') {
      if (value.length >= 40) check(value, where);
      continue;
    }
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) continue;
    if (seen.has(value)) continue;
    seen.add(value);
    visited++;
    if (typeof Node === 'function' && value instanceof Node) continue; // the DOM: checked as HTML below
    try {
      if (ArrayBuffer.isView(value)) {
        check(toHex(value), where);
        continue;
      }
      if (value instanceof ArrayBuffer) {
        check(toHex(new Uint8Array(value)), where);
        continue;
      }
      if (value instanceof Map) {
        for (const [k, v] of value) queue.push([k, `${where}<key>`], [v, `${where}<value>`]);
      } else if (value instanceof Set) {
        for (const v of value) queue.push([v, `${where}<item>`]);
      }
    } catch {
      continue;
    }
    let keys;
    try {
      keys = Reflect.ownKeys(value);
    } catch {
      continue;
    }
    for (const key of keys) {
      let child;
      try {
        child = value[key];
      } catch {
        continue;
      }
      queue.push([child, `${where}.${String(key)}`]);
    }
  }
  check(document.documentElement.outerHTML, 'document');
  for (const store of [localStorage, sessionStorage]) {
    for (let i = 0; i < store.length; i++) {
      const key = store.key(i);
      check(`${key}=${store.getItem(key)}`, 'web storage');
    }
  }
  check(document.cookie, 'cookies');
  return { found, visited };
}

async function appIndexedDb(page) {
  return page.evaluate(async () => {
    const out = [];
    for (const { name, version } of await indexedDB.databases()) {
      const db = await new Promise((resolve, reject) => {
        const open = indexedDB.open(name, version);
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      for (const storeName of db.objectStoreNames) {
        const all = await new Promise((resolve, reject) => {
          const get = db.transaction(storeName).objectStore(storeName).getAll();
          get.onsuccess = () => resolve(get.result);
          get.onerror = () => reject(get.error);
        });
        out.push({ name, storeName, all: JSON.stringify(all) });
      }
      db.close();
    }
    return out;
  });
}

test('the device share, device key, auth share and auth key never reach the app page or its traffic', { timeout: 180000 }, async () => {
  // A signed-in app page whose wallet frame created a wallet, signed, rotated (its memory
  // has lived through all of that); plus the secrets of every test before this one.
  const context = await newContext('memory');
  const { page, sub } = await userWithWallet(context, 'memory-user');
  await noteSecrets(page, sub, 'memory');
  ok(await confirm(page, call(page, 'signMessage', { text: 'memory check' })));
  ok(await confirm(page, call(page, 'rotate', {}), { password: `${PASSWORD} 3`, repeat: true }));
  await noteSecrets(page, sub, 'memory');
  ok(await confirm(page, call(page, 'signTransaction', { transaction: TRANSACTION })));
  ok(await call(page, 'status'));
  ok(await call(page, 'getAddress', { chain: 'solana' }));
  const labels = [...secrets.keys()];
  assert.ok(labels.some((l) => l.includes('device share')) && labels.some((l) => l.includes('auth share')), `secrets were collected: ${labels.join(', ')}`);
  const needles = [...secrets].flatMap(([name, value]) => {
    const bytes = Buffer.from(value, 'hex');
    const middle = bytes.subarray(Math.floor(bytes.length / 2) - 16, Math.floor(bytes.length / 2) + 16);
    return [
      [name, value, bytes.toString('base64')],
      [`${name} (32 middle bytes)`, middle.toString('hex'), middle.toString('base64').slice(4, -4)],
    ];
  });

  const memoryNeedles = [...secrets]
    .filter(([name]) => name.startsWith('memory'))
    .map(([name, value]) => [name, value, Buffer.from(value, 'hex').toString('base64')]);

  // The walk can find: a planted value must be found (control), then removed.
  const planted = memoryNeedles[0];
  // (No regular expression on the value: RegExp.input would keep it in this realm.)
  await page.evaluate((value) => {
    const bytes = new Uint8Array(value.length / 2);
    for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(value.slice(2 * i, 2 * i + 2), 16);
    window.__planted = { deep: [new Map([['k', bytes]])] };
  }, planted[1]);
  const control = await page.evaluate(appPageSearch, [planted]);
  assert.ok(control.found.some((f) => f.includes('__planted')), `the search finds a planted value: ${JSON.stringify(control.found)}`);
  await page.evaluate(() => delete window.__planted);

  const search = await page.evaluate(appPageSearch, [...memoryNeedles, ...needles]);
  assert.ok(search.visited > 1000, `${search.visited} objects walked`);
  assert.deepEqual(search.found, [], 'no secret reachable from the app page');
  for (const { name, storeName, all } of await appIndexedDb(page)) {
    for (const [label, value] of secrets) assert.ok(!all.toLowerCase().includes(value), `no ${label} in the app origin's IndexedDB ${name}/${storeName}`);
  }

  // Network, every context of this file: the server answered the wallet frame only; no
  // response to anything else carried a secret; the device share and key never left the
  // device; auth secrets only went up to the server in the wallet's own uploads.
  const serverCalls = traffic.filter((t) => t.url.startsWith(servers.serverOrigin));
  const seenHere = serverCalls.filter((t) => t.context === 'memory').map((t) => `${t.method} ${new URL(t.url).pathname.replace(/[0-9a-f]{32}/, '<id>')}`);
  for (const expected of ['POST /v1/wallets', 'POST /v1/wallets/<id>/release', 'PUT /v1/wallets/<id>/shares']) {
    assert.ok(seenHere.includes(expected), `${expected} was recorded (${seenHere.join(', ')})`);
  }
  for (const entry of serverCalls) {
    assert.ok(entry.frame.startsWith(servers.walletOrigin), `${entry.method} ${entry.url} came from the wallet frame, not ${entry.frame || 'an unknown frame'}`);
  }
  for (const entry of traffic) {
    const body = entry.body.toLowerCase();
    const sent = entry.requestBody.toLowerCase();
    for (const [name, value] of secrets) {
      assert.ok(!body.includes(value), `no ${name} in the response to ${entry.method} ${entry.url} (${entry.context})`);
      if (/device/.test(name)) assert.ok(!sent.includes(value) && !entry.url.toLowerCase().includes(value), `no ${name} sent in ${entry.method} ${entry.url}`);
      else if (sent.includes(value)) {
        assert.ok(entry.url.startsWith(servers.serverOrigin) && entry.frame.startsWith(servers.walletOrigin) && ['POST', 'PUT'].includes(entry.method), `${name} only in the wallet's uploads, not ${entry.method} ${entry.url}`);
      }
    }
  }
  await context.close();
});
