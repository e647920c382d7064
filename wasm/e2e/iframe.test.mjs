// End-to-end: the demo app and the wallet iframe on two origins in real headless
// Chromium (Debian's /usr/bin/chromium through playwright-core; no browser download).
// Oracles: ethers v6 verifies every signature against the address the wallet reports;
// the browser's own same-origin policy is what keeps the app out of the wallet's storage.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { ethers } from 'ethers';
import { startServers } from '../serve.mjs';

const ARTIFACTS = fileURLToPath(new URL('../../artifacts/', import.meta.url));
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];
const PASSWORD = 'correct horse battery staple';

let servers;
let browser;

before(async () => {
  servers = await startServers({ walletPort: 0, appPort: 0, thirdPort: 0, frameThird: true });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  await servers?.close();
});

async function waitForState(page, state) {
  await page.waitForSelector(`body[data-state="${state}"]:not([data-busy])`, { timeout: 30000 });
}

function walletFrame(page) {
  const frame = page.frames().find((f) => f.url().startsWith(servers.walletOrigin));
  assert.ok(frame, 'the wallet iframe is loaded');
  return frame;
}

async function signAndVerify(page, message) {
  await page.fill('#message', message);
  const before = await page.textContent('#signature');
  await page.click('#sign');
  await page.waitForFunction((old) => {
    const text = document.getElementById('signature').textContent;
    return text !== old && text.startsWith('0x');
  }, before);
  await page.waitForSelector('body:not([data-busy])');
  const signature = await page.textContent('#signature');
  const address = await page.textContent('#address');
  assert.equal(ethers.verifyMessage(message, signature), address, 'ethers recovers the wallet address');
  return signature;
}

test('demo flow across two origins: create, sign, reload, lose the device share, recover', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  await page.goto(`${servers.appOrigin}/`);
  await waitForState(page, 'empty');

  // Create: the wallet's address appears in the app.
  await page.fill('#password', PASSWORD);
  await page.click('#create');
  await waitForState(page, 'ready');
  const address = await page.textContent('#address');
  assert.match(address, /^0x[0-9a-fA-F]{40}$/);
  assert.equal(ethers.getAddress(address), address, 'EIP-55 checksummed');
  await signAndVerify(page, 'first signature');

  // The device share lives in the wallet origin's storage; the app never saw it. The
  // device key is stored only wrapped, under a non-extractable WebCrypto key.
  const deviceRecord = JSON.parse(await walletFrame(page).evaluate(() => localStorage.getItem('keysplit.wallet.v1')));
  assert.match(deviceRecord.share, /^0x[0-9a-f]+$/);
  assert.match(deviceRecord.key.wrapped, /^0x[0-9a-f]{96}$/, '32-byte key + 16-byte tag');
  const wrappingKey = await walletFrame(page).evaluate(
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
  const appSide = await page.evaluate(() => JSON.stringify({ replies: window.walletReplies, storage: { ...localStorage } }));
  assert.ok(!appSide.includes(deviceRecord.share.slice(2)), 'the sealed device share never reached the app');
  assert.ok(!appSide.includes(deviceRecord.key.wrapped.slice(2)), 'the wrapped device key never reached the app');

  // The app's JS cannot reach into the wallet's storage or document.
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
    outcome.ownStorageHasWallet = localStorage.getItem('keysplit.wallet.v1') !== null;
    return outcome;
  });
  assert.deepEqual(probe, {
    localStorage: 'SecurityError',
    indexedDB: 'SecurityError',
    contentDocument: 'null',
    ownStorageHasWallet: false,
  });

  // Protocol errors come back as error replies; the wallet keeps working.
  const unknown = await page.evaluate(() => window.walletClient.call('stealKeys').catch((e) => e.code));
  assert.equal(unknown, 'UNKNOWN_METHOD');
  const malformed = await page.evaluate(() => window.walletClient.send('not a request'));
  assert.deepEqual({ id: malformed.id, ok: malformed.ok, code: malformed.error.code }, { id: null, ok: false, code: 'MALFORMED_REQUEST' });
  const badParams = await page.evaluate(() => window.walletClient.call('signMessage', 42).catch((e) => e.code));
  assert.equal(badParams, 'INVALID_PARAMS');
  const wrongAuth = await page.evaluate(() =>
    window.walletClient.call('signMessage', { message: 'x', auth: { share: '0x00', key: '0x00' } }).catch((e) => e.code),
  );
  assert.equal(wrongAuth, 'SEALED_SHARE_FORMAT');
  const noConfirm = await page.evaluate(() => {
    const record = JSON.parse(localStorage.getItem('demo.backend.v1'));
    return window.walletClient
      .call('exportMnemonic', { auth: { share: record.authShare, key: record.authKey } })
      .catch((e) => e.code);
  });
  assert.equal(noConfirm, 'CONFIRMATION_REQUIRED');

  // Reload: the device share persists in the wallet origin.
  await page.reload();
  await waitForState(page, 'ready');
  assert.equal(await page.textContent('#address'), address);
  await signAndVerify(page, 'after reload');

  // Lose the device share, then recover with the recovery share and the password.
  await page.click('#clear');
  await waitForState(page, 'needs-recovery');
  assert.equal(await walletFrame(page).evaluate(() => localStorage.getItem('keysplit.wallet.v1')), null);
  await page.fill('#password', 'not the password');
  await page.click('#recover');
  await page.waitForSelector('#log .error');
  assert.match(await page.textContent('#log .error'), /WRONG_PASSWORD/);
  await waitForState(page, 'needs-recovery');

  await page.fill('#password', PASSWORD);
  await page.click('#recover');
  await waitForState(page, 'ready');
  assert.equal(await page.textContent('#address'), address, 'same wallet after recovery');
  assert.match(await page.textContent('#status'), /epoch 1/);
  await signAndVerify(page, 'after recovery');

  // An explicit export returns the mnemonic, which derives the same address in ethers.
  const mnemonic = await page.evaluate(() => {
    const record = JSON.parse(localStorage.getItem('demo.backend.v1'));
    return window.walletClient
      .call('exportMnemonic', { auth: { share: record.authShare, key: record.authKey }, confirm: 'export' })
      .then((r) => r.mnemonic);
  });
  assert.equal(ethers.HDNodeWallet.fromPhrase(mnemonic).address, address);

  // Nothing but public data came back from the wallet apart from that export.
  const replies = await page.evaluate(() => window.walletReplies);
  for (const reply of replies) {
    const text = JSON.stringify(reply);
    assert.ok(!/"(entropy|seed|privateKey|deviceShare|deviceKey)"/.test(text), `no secret field in ${reply.method}`);
  }

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}wasm-demo.png`, fullPage: true });
  assert.deepEqual(consoleErrors, [], 'no errors in the console');
  await context.close();
});

test('a third origin that is not on the allowlist gets no answer', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${servers.thirdOrigin}/?wallet=${encodeURIComponent(servers.walletOrigin)}`);
  await page.waitForSelector('body[data-result]', { timeout: 20000 });
  assert.equal(await page.getAttribute('body', 'data-result'), 'no-answer');
  // The wallet did load there (this server lets the third origin frame it), so it was
  // the wallet's own origin check that stayed silent.
  const status = await walletFrame(page).evaluate(() => document.getElementById('status').textContent);
  assert.match(status, /keysplit wallet: /);
  await context.close();
});

test('frame-ancestors keeps the wallet out of frames on other origins', async () => {
  const strict = await startServers({ walletPort: 0, appPort: 0, thirdPort: 0, frameThird: false });
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${strict.thirdOrigin}/?wallet=${encodeURIComponent(strict.walletOrigin)}`);
    await page.waitForSelector('body[data-result]', { timeout: 20000 });
    assert.equal(await page.getAttribute('body', 'data-result'), 'no-answer');
    const walletLoaded = page.frames().some((f) => f.url().startsWith(strict.walletOrigin) && f !== page.mainFrame());
    if (walletLoaded) {
      const frame = page.frames().find((f) => f.url().startsWith(strict.walletOrigin));
      const content = await frame.evaluate(() => document.getElementById('status')?.textContent ?? null).catch(() => null);
      assert.equal(content, null, 'the blocked frame shows no wallet page');
    }
  } finally {
    await context.close();
    await strict.close();
  }
});
