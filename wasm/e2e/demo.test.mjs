// The demo app (wasm/demo) end to end in headless Chromium, as a person would use it:
// every button, every confirmation clicked in the wallet frame. Oracles: ethers verifies
// the message, transaction and typed-data signatures against the address the wallet
// showed; the person's recovery phrase derives that same address in ethers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ethers } from 'ethers';
import { startServers } from '../serve.mjs';
import { launchBrowser } from './harness.mjs';

const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'tr0ub4dor & 3, rotated';

let servers;
let browser;
let page;

before(async () => {
  servers = await startServers({ walletPort: 0, appPort: 0, serverPort: 0 });
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: servers.walletOrigin });
  page = await context.newPage();
});

after(async () => {
  await browser?.close();
  await servers?.close();
});

const wallet = () => page.frameLocator('#wallet');
const state = (name) => page.waitForSelector(`body[data-state="${name}"]:not([data-busy])`, { timeout: 60000 });
const idle = () => page.waitForSelector('body:not([data-busy])', { timeout: 60000 });
const text = async (id) => (await page.textContent(`#${id}`)).trim();

/** Clicks an app button, then Approve (after typing `password`) in the wallet frame. */
async function confirmed(button, { password, repeat = false, approve = true } = {}) {
  await page.click(`#${button}`);
  const frame = wallet();
  await frame.locator('#ks-overlay').waitFor({ timeout: 60000 });
  if (password !== undefined) {
    await frame.locator('#ks-password').fill(password);
    if (repeat) await frame.locator('#ks-password-repeat').fill(password);
  }
  if (approve) await frame.locator('#ks-approve:enabled').click();
  else await frame.locator('#ks-reject').click();
}

test('the demo: sign in, create, sign, forget, recover, rotate, export', async () => {
  await page.goto(`${servers.appOrigin}/?user=demo-e2e`);
  await state('signed-out');
  assert.equal(await page.isDisabled('#create'), true, 'nothing before sign-in');

  await page.click('#sign-in');
  await state('no-wallet');
  assert.equal(await text('user'), 'demo-e2e');

  await confirmed('create', { password: PASSWORD, repeat: true });
  await state('ready');
  const address = await text('address');
  const walletId = await text('wallet-id');
  assert.ok(ethers.isAddress(address), address);
  assert.equal(await text('epoch'), '0');

  // A rejected request gives the app USER_REJECTED and nothing else.
  await confirmed('sign-message', { approve: false });
  await idle();
  assert.match(await text('error'), /^USER_REJECTED: /);
  assert.equal(await text('message-signature'), '–');

  await page.fill('#message', 'Hello from the demo test');
  await confirmed('sign-message');
  await idle();
  assert.equal(ethers.verifyMessage('Hello from the demo test', await text('message-signature')), address);

  await confirmed('sign-transaction');
  await idle();
  const tx = ethers.Transaction.from(await text('transaction-signed'));
  assert.equal(tx.from, address);
  assert.equal(tx.to, '0x70997970C51812dc3A010C7d01b50e0d17dc79C8');
  assert.equal(tx.value, ethers.parseEther('0.01'));
  assert.equal(tx.chainId, 1n);
  assert.equal(tx.type, 2);
  assert.equal(tx.hash, await text('transaction-hash'));

  await confirmed('sign-typed-data');
  await idle();
  const typed = JSON.parse(await page.inputValue('#typed-data'));
  const { EIP712Domain, ...types } = typed.types;
  assert.ok(EIP712Domain);
  assert.equal(ethers.verifyTypedData(typed.domain, types, typed.message, await text('typed-data-signature')), address);

  // Lose the device, recover it with the password (the app keeps only the wallet id).
  await confirmed('forget');
  await state('needs-recovery');
  await confirmed('recover', { password: PASSWORD });
  await state('ready');
  assert.equal(await text('address'), address);
  assert.equal(await text('wallet-id'), walletId);
  assert.equal(await text('epoch'), '1');

  await confirmed('rotate', { password: NEW_PASSWORD, repeat: true });
  await state('ready');
  assert.equal(await text('epoch'), '2');

  // Export: confirmed, then shown in the frame only.
  await confirmed('export');
  const words = wallet().locator('#ks-mnemonic li .ks-word');
  await words.first().waitFor({ timeout: 60000 });
  const mnemonic = (await words.allTextContents()).join(' ');
  assert.equal(ethers.Wallet.fromPhrase(mnemonic).address, address, 'the phrase is this wallet\'s');
  // Copy works from the frame (the demo's iframe allows clipboard-write).
  await wallet().locator('#ks-copy').click();
  await wallet().locator('#ks-copy', { hasText: 'Copied' }).waitFor({ timeout: 10000 });
  await wallet().locator('#ks-close').click();
  await idle();
  assert.equal(await wallet().locator('#ks-mnemonic').count(), 0);

  // Nothing secret reached the app page: no word of the phrase, no password.
  const replies = JSON.stringify(await page.evaluate(() => window.walletReplies));
  const pageText = await page.evaluate(() => document.documentElement.outerHTML + JSON.stringify(localStorage));
  for (const secret of [mnemonic, PASSWORD, NEW_PASSWORD]) {
    assert.equal(replies.includes(secret), false);
    assert.equal(pageText.includes(secret), false);
  }
  assert.equal(await text('error'), '–');
});
