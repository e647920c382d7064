#!/usr/bin/env node
// Takes docs/img/iframe-confirm.png: the demo app with the wallet frame's confirmation
// overlay open on a transaction. Starts the three origins (wasm/serve.mjs, which needs a
// `keysplit` binary and wasm/pkg-requests), signs in as a test user, creates a wallet
// (typing the password in the frame), asks for a transaction signature and saves the
// page. It then approves and checks with ethers that the signed transaction is from the
// wallet, so the picture shows a flow that works.
//
//   node wasm/e2e/screenshot.mjs [out.png]      (KEYSPLIT_BIN=..., CHROMIUM=... optional)
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { ethers } from 'ethers';
import { startServers } from '../serve.mjs';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const out = resolve(process.argv[2] ?? `${REPO}docs/img/iframe-confirm.png`);
const PASSWORD = 'correct horse battery staple';

const servers = await startServers({ walletPort: 0, appPort: 0, serverPort: 0 });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync', '--hide-scrollbars'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 1 });
  page.on('pageerror', (error) => console.error('page error:', error.message));
  const state = (name) => page.waitForSelector(`body[data-state="${name}"]:not([data-busy])`, { timeout: 60000 });
  const wallet = page.frameLocator('#wallet');

  await page.goto(`${servers.appOrigin}/?user=screenshot`);
  await state('signed-out');
  await page.click('#sign-in');
  await state('no-wallet');

  await page.click('#create');
  await wallet.locator('#ks-password').fill(PASSWORD);
  await wallet.locator('#ks-password-repeat').fill(PASSWORD);
  await wallet.locator('#ks-approve:enabled').click();
  await state('ready');
  const address = (await page.textContent('#address')).trim();

  // The wallet card (address) down to the transaction card beside the wallet frame.
  await page.evaluate(() => {
    const card = document.getElementById('address').closest('section');
    window.scrollTo(0, card.getBoundingClientRect().top + window.scrollY - 12);
  });
  await page.click('#sign-transaction');
  await wallet.locator('#ks-approve:enabled').waitFor({ timeout: 30000 });
  await page.mouse.move(0, 0);
  mkdirSync(dirname(out), { recursive: true });
  await page.screenshot({ path: out });
  console.log(`saved ${out}`);

  // Finish the flow: the signed transaction must be from the wallet's address.
  await wallet.locator('#ks-approve').click();
  await page.waitForFunction(() => document.getElementById('transaction-signed').textContent.startsWith('0x'), null, { timeout: 60000 });
  const signed = ethers.Transaction.from((await page.textContent('#transaction-signed')).trim());
  if (signed.from !== address) throw new Error(`signed by ${signed.from}, expected ${address}`);
  console.log(`approved: transaction signed by ${signed.from}`);
} finally {
  await browser.close();
  await servers.close();
}
