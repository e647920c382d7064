// The wallet's confirmation overlay (wasm/iframe/confirm.js) in headless Chromium, framed
// cross-origin by a parent page as the wallet is. Checks the guards: untrusted clicks do
// nothing, Approve waits 500 ms on screen, a parent that covers the frame or makes it
// transparent gets no enabled Approve (IntersectionObserver v2), caller text stays text.
// Oracles: the browser's isTrusted and IntersectionObserver, ethers' formatEther.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ethers } from 'ethers';
import { summaryRows } from '../iframe/confirm.js';
import { launchBrowser } from './harness.mjs';

const IFRAME_DIR = fileURLToPath(new URL('../iframe/', import.meta.url));
const WALLET_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; base-uri 'none'; form-action 'none'";

// The framed page: confirm.js under the wallet's CSP, exposed for the test to drive.
const FRAME_HTML = `<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="/host.css"><script type="module" src="/frame.js"></script></head>
<body><p id="status">keysplit wallet: test</p></body></html>`;
const FRAME_JS = `import * as ui from '/confirm.js';
window.ui = ui;
// When Approve got enabled, relative to the overlay's insertion (performance.now()).
window.timeline = [];
new MutationObserver((records) => {
  for (const r of records) {
    for (const n of r.addedNodes) if (n.id === 'ks-overlay') window.timeline.push(['shown', performance.now()]);
    if (r.type === 'attributes' && r.target.id === 'ks-approve' && !r.target.disabled) window.timeline.push(['enabled', performance.now()]);
  }
}).observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ['disabled'] });
window.outcome = (promise) => {
  window.result = 'pending';
  promise.then((v) => { window.result = { ok: true, value: v ?? null }; }, (e) => { window.result = { ok: false, code: e.code, message: e.message }; });
};
document.body.dataset.ready = 'true';
`;
const PARENT_HTML = (frameOrigin) => `<!doctype html><html><head><meta charset="utf-8"><style>
body { margin: 0; } #box { position: absolute; left: 20px; top: 20px; width: 402px; height: 602px; overflow: hidden; }
iframe { display: block; width: 400px; height: 600px; border: 1px solid #888; }
#cover { position: absolute; left: 20px; top: 20px; width: 402px; height: 602px; background: rgba(255,255,255,0.9); pointer-events: none; display: none; }
body.covered #cover { display: block; } body.faded iframe { opacity: 0.3; }
body.clipped #box { height: 80px; } body.clipped iframe { margin-top: -522px; }
</style></head><body><div id="box"><iframe src="${frameOrigin}/frame.html" allow="clipboard-write; clipboard-read"></iframe></div>
<div id="cover"></div></body></html>`;

let frameServer;
let parentServer;
let frameOrigin;
let parentOrigin;
let browser;
let context;
let page;

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`)));
}

before(async () => {
  frameServer = createServer(async (request, response) => {
    const path = new URL(request.url, 'http://x').pathname;
    const files = { '/confirm.js': 'confirm.js', '/errors.js': 'errors.js', '/host.css': 'host.css' };
    if (path === '/frame.html') {
      response.writeHead(200, { 'content-type': 'text/html', 'content-security-policy': `${WALLET_CSP}; frame-ancestors ${parentOrigin}` }).end(FRAME_HTML);
    } else if (path === '/frame.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(FRAME_JS);
    } else if (files[path]) {
      const type = path.endsWith('.css') ? 'text/css' : 'text/javascript';
      response.writeHead(200, { 'content-type': type }).end(await readFile(IFRAME_DIR + files[path]));
    } else {
      response.writeHead(404).end();
    }
  });
  parentServer = createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' }).end(PARENT_HTML(frameOrigin));
  });
  frameOrigin = await listen(frameServer);
  parentOrigin = await listen(parentServer);
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 480, height: 680 } });
  for (const origin of [frameOrigin, parentOrigin]) {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  }
  page = await context.newPage();
  await page.goto(parentOrigin);
});

after(async () => {
  await browser?.close();
  frameServer?.close();
  parentServer?.close();
});

function frame() {
  const f = page.frames().find((x) => x.url().startsWith(frameOrigin));
  assert.ok(f, 'the framed page is loaded');
  return f;
}

async function ready() {
  await frame().waitForSelector('body[data-ready]');
  await page.evaluate(() => document.body.classList.remove('covered', 'faded', 'clipped'));
}

const fl = () => page.frameLocator('iframe');
const result = () => frame().evaluate(() => window.result);
async function settled() {
  await frame().waitForFunction(() => window.result !== 'pending');
  return result();
}

test('confirmAction: Approve waits 500 ms on screen; untrusted clicks do nothing; a real click approves', async () => {
  await ready();
  await frame().evaluate(() => {
    window.timeline = [];
    window.outcome(window.ui.confirmAction({ title: 'Sign transaction', rows: [['To', '0x' + 'ab'.repeat(20)]], approveLabel: 'Sign' }));
  });
  const overlay = fl().locator('#ks-overlay');
  assert.equal(await overlay.getAttribute('role'), 'dialog');
  assert.equal(await overlay.getAttribute('aria-modal'), 'true');
  assert.equal(await frame().evaluate(() => document.activeElement?.id), 'ks-overlay');
  await fl().locator('#ks-approve:enabled').waitFor();
  const timeline = await frame().evaluate(() => window.timeline);
  const shown = timeline.find(([what]) => what === 'shown')[1];
  const enabled = timeline.find(([what]) => what === 'enabled')[1];
  assert.ok(enabled - shown >= 500, `enabled ${enabled - shown} ms after it was shown`);
  // A script's click (even from inside the frame) is not trusted: nothing happens.
  await frame().evaluate(() => document.getElementById('ks-approve').click());
  await frame().evaluate(() => document.getElementById('ks-approve').dispatchEvent(new MouseEvent('click', { bubbles: true })));
  await frame().evaluate(() => new Promise((r) => setTimeout(r, 100)));
  assert.equal(await result(), 'pending');
  assert.equal(await overlay.count(), 1);
  await fl().locator('#ks-approve').click();
  assert.deepEqual(await settled(), { ok: true, value: null });
  assert.equal(await overlay.count(), 0, 'the overlay is gone');
});

test('Reject and Escape reject with USER_REJECTED; a second overlay at once is INTERNAL', async () => {
  await ready();
  await frame().evaluate(() => window.outcome(window.ui.confirmAction({ title: 'One', rows: [] })));
  const second = await frame().evaluate(() => window.ui.confirmAction({ title: 'Two' }).then(() => 'ok', (e) => e.code));
  assert.equal(second, 'INTERNAL');
  await frame().evaluate(() => document.getElementById('ks-reject').click()); // untrusted: ignored
  assert.equal(await result(), 'pending');
  await fl().locator('#ks-reject').click();
  assert.equal((await settled()).code, 'USER_REJECTED');

  await frame().evaluate(() => window.outcome(window.ui.confirmAction({ title: 'Escape me' })));
  await fl().locator('#ks-overlay').waitFor();
  await fl().locator('#ks-overlay').press('Escape');
  assert.equal((await settled()).code, 'USER_REJECTED');
});

test('a parent that covers the frame, makes it transparent or clips it to its buttons never gets Approve enabled', async () => {
  await ready();
  // Debian's Chromium has IntersectionObserver v2: the cover and opacity checks need it.
  assert.equal(await frame().evaluate(() => 'isVisible' in IntersectionObserverEntry.prototype), true);
  for (const trick of ['covered', 'faded', 'clipped']) {
    await page.evaluate((c) => document.body.classList.add(c), trick);
    await frame().evaluate(() => window.outcome(window.ui.confirmAction({ title: 'Hidden?' })));
    await fl().locator('#ks-overlay').waitFor();
    // Well past 500 ms (and the observer's 100 ms delay): still disabled.
    await frame().evaluate(() => new Promise((r) => setTimeout(r, 1500)));
    assert.equal(await fl().locator('#ks-approve').isDisabled(), true, `Approve stays disabled when ${trick}`);
    assert.equal(await fl().locator('#ks-visibility').isVisible(), true, 'the hint says why');
    // Uncovered: it becomes enabled (after 500 ms on screen).
    await page.evaluate((c) => document.body.classList.remove(c), trick);
    await fl().locator('#ks-approve:enabled').waitFor();
    assert.equal(await fl().locator('#ks-visibility').isVisible(), false);
    await fl().locator('#ks-reject').click();
    assert.equal((await settled()).code, 'USER_REJECTED');
  }
});

test('caller data is shown as text, never as markup', async () => {
  await ready();
  const evil = '<img src=x id=evil onerror="window.pwned=1">';
  await frame().evaluate((e) => window.outcome(window.ui.confirmAction({ title: e, rows: [[e, e, { warn: true }]], details: e })), evil);
  await fl().locator('#ks-overlay').waitFor();
  assert.equal(await fl().locator('#ks-title').textContent(), evil);
  assert.equal(await fl().locator('#ks-details').textContent(), evil);
  assert.equal(await fl().locator('#ks-rows td').textContent(), evil);
  assert.equal(await fl().locator('#evil').count(), 0);
  await fl().locator('#ks-reject').click();
  await settled();
});

test('askPassword: both fields, clear messages, minimum length, resolves the password', async () => {
  await ready();
  await frame().evaluate(() => window.outcome(window.ui.askPassword({ title: 'Create wallet', rows: [], repeat: true })));
  const pw = fl().locator('#ks-password');
  const again = fl().locator('#ks-password-repeat');
  assert.equal(await pw.getAttribute('type'), 'password');
  assert.equal(await pw.getAttribute('autocomplete'), 'new-password');
  assert.equal(await again.getAttribute('type'), 'password');
  await fl().locator('#ks-approve:enabled').waitFor();
  await fl().locator('#ks-approve').click();
  assert.match(await fl().locator('#ks-error').textContent(), /Type the password/);
  await pw.fill('short');
  await again.fill('short');
  await fl().locator('#ks-approve').click();
  assert.match(await fl().locator('#ks-error').textContent(), /at least 8/);
  await pw.fill('correct horse battery');
  await again.fill('correct horse battery!');
  await fl().locator('#ks-approve').click();
  assert.match(await fl().locator('#ks-error').textContent(), /differ/);
  assert.equal(await result(), 'pending');
  await again.fill('correct horse battery');
  await again.press('Enter');
  assert.deepEqual(await settled(), { ok: true, value: 'correct horse battery' });
  assert.equal(await fl().locator('#ks-password').count(), 0);

  await frame().evaluate(() => window.outcome(window.ui.askPassword({ title: 'Recover' })));
  assert.equal(await fl().locator('#ks-password').getAttribute('autocomplete'), 'current-password');
  assert.equal(await fl().locator('#ks-password-repeat').count(), 0);
  await fl().locator('#ks-password').fill('my old password');
  await fl().locator('#ks-approve:enabled').waitFor();
  await fl().locator('#ks-approve').click();
  assert.deepEqual(await settled(), { ok: true, value: 'my old password' });
});

test('showMnemonic: numbered words, copy to the clipboard, close clears them', async () => {
  await ready();
  const mnemonic = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
  await frame().evaluate((m) => window.outcome(window.ui.showMnemonic({ mnemonic: m, walletAddress: '0x' + '11'.repeat(20) })), mnemonic);
  const items = fl().locator('#ks-mnemonic li');
  assert.equal(await items.count(), 12);
  assert.equal((await items.nth(2).textContent()).replace(/\s+/g, ' '), '3thank');
  await fl().locator('#ks-copy').click();
  await fl().locator('#ks-copy', { hasText: 'Copied' }).waitFor();
  // (the test's parent also allows clipboard-read, only to check what was copied)
  assert.equal(await frame().evaluate(() => navigator.clipboard.readText()), mnemonic);
  await fl().locator('#ks-close').click();
  assert.deepEqual(await settled(), { ok: true, value: null });
  assert.equal(await frame().evaluate(() => document.body.textContent.includes('sausage')), false);
});

// ---- summaryRows (plain functions, in node) -------------------------------------------

const rowMap = (rows) => new Map(rows.map(([label, value, flags]) => [label, { value, flags: flags ?? {} }]));

test('summaryRows(transaction): network, to, value in ETH and wei, selector, calldata in full', () => {
  const to = '0x' + 'Ab'.repeat(20);
  const data = '0xa9059cbb' + '00'.repeat(64);
  const summary = {
    method: 'eth_signTransaction', chainType: 'ethereum', from: '0x' + '12'.repeat(20), type: 2, chainId: '1', nonce: '7',
    to, value: '10000000000000000', data, selector: '0xa9059cbb', gasLimit: '21000', maxFeePerGas: '30000000000', maxPriorityFeePerGas: '1000000000',
  };
  const rows = rowMap(summaryRows('transaction', summary));
  assert.match(rows.get('Network').value, /^Ethereum \(chain id 1\)$/);
  assert.equal(rows.get('To').value, to);
  assert.equal(rows.get('Value').value, `${ethers.formatEther(summary.value).replace(/\.0$/, '')} ETH`);
  assert.equal(rows.get('Value in wei').value, '10,000,000,000,000,000');
  assert.equal(rows.get('Function selector').value, '0xa9059cbb');
  assert.equal(rows.get('Calldata (68 bytes)').value, data);
  assert.equal(rows.get('Max network fee').value, `${ethers.formatEther(21000n * 30000000000n)} ETH`);
  assert.equal(rows.get('Max fee per gas').value, '30 gwei');
  // Large and odd values, exactly.
  const big = rowMap(summaryRows('transaction', { ...summary, value: (2n ** 256n - 1n).toString(), chainId: '999999', to: null, data: '0x', selector: null }));
  assert.equal(big.get('Value').value, `${ethers.formatEther(2n ** 256n - 1n)} ETH`);
  assert.match(big.get('Network').value, /unknown network/);
  assert.equal(big.get('To').flags.warn, true);
  assert.equal(big.get('Calldata').value, 'none (a plain transfer)');
  for (const wei of ['0', '1', '999999999999999999', '1000000000000000000', '123456789012345678901']) {
    const value = rowMap(summaryRows('transaction', { ...summary, value: wei })).get('Value').value;
    assert.equal(value, `${ethers.formatEther(wei).replace(/\.0$/, '')} ETH`);
  }
});

test('summaryRows(typedData, solanaTransaction, message, policy and the wallet actions)', () => {
  const typed = rowMap(summaryRows('typedData', {
    from: '0x' + '12'.repeat(20), primaryType: 'Mail', digest: '0x' + 'be'.repeat(32),
    domain: { name: 'Ether Mail', version: '1', chainId: '1', verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC', salt: null },
  }));
  assert.equal(typed.get('Domain name').value, 'Ether Mail');
  assert.equal(typed.get('Domain version').value, '1');
  assert.match(typed.get('Network').value, /chain id 1/);
  assert.equal(typed.get('Verifying contract').value, '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC');
  assert.equal(typed.has('Salt'), false);

  const payer = '4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T';
  const sol = summaryRows('solanaTransaction', {
    from: payer, feePayer: payer, versioned: true, recentBlockhash: '11111111111111111111111111111111', unresolvedLookups: 1,
    instructions: [
      { programId: '11111111111111111111111111111111', transfer: { from: payer, to: 'So11111111111111111111111111111111111111112', lamports: '1500000000' }, opaque: false },
      { programId: '11111111111111111111111111111111', transfer: null, opaque: true },
      { programId: 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA', transfer: null, opaque: false },
    ],
  });
  assert.equal(sol[3][1], '1.5 SOL (1,500,000,000 lamports) to So11111111111111111111111111111111111111112');
  assert.equal(sol[4][2].warn, true, 'the opaque transfer is flagged');
  assert.match(sol[5][1], /TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA/);
  assert.ok(sol.some(([label, , f]) => label === 'Lookup tables' && f.warn));

  const text = rowMap(summaryRows('message', { text: 'héllo\u202e', from: '0x' + '12'.repeat(20) }));
  assert.equal(text.get('Message').value, 'héllo<U+202E>');
  assert.equal(text.get('Length').value, '9 bytes (UTF-8)');
  const hex = rowMap(summaryRows('message', { hex: '68690a' }));
  assert.equal(hex.get('Message (hex)').value, '0x68690a');
  assert.equal(hex.get('Length').value, '3 bytes');
  assert.equal(hex.get('As text').value, 'hi\n');
  assert.equal(rowMap(summaryRows('message', { hex: 'ff00' })).has('As text'), false);

  const policy = summaryRows('policy', { policy: { version: '1.0', name: 'small sends', chain_type: 'ethereum', rules: [
    { name: 'up to 0.01 ETH', method: 'eth_signTransaction', action: 'ALLOW', conditions: [{ field_source: 'ethereum_transaction', field: 'value', operator: 'lte', value: '10000000000000000' }] },
  ] } });
  const rule = rowMap(policy).get('Rule 1');
  assert.equal(rule.value, 'ALLOW eth_signTransaction — up to 0.01 ETH\n• ethereum_transaction.value lte 10000000000000000');
  assert.equal(rule.flags.warn, true);

  const info = { walletId: 'ab'.repeat(16), epoch: 3, ethereumAddress: '0x' + '12'.repeat(20) };
  assert.equal(rowMap(summaryRows('rotate', { wallet: info })).get('Share set').value, 'epoch 3 → 4');
  assert.equal(rowMap(summaryRows('recover', { walletId: 'cd'.repeat(16) })).get('Wallet id').value, 'cd'.repeat(16));
  assert.ok(rowMap(summaryRows('export', { wallet: info })).get('Shown').flags.warn);
  assert.ok(rowMap(summaryRows('forget', { wallet: info })).get('Effect').flags.warn);
  assert.throws(() => summaryRows('nope', {}), (e) => e.code === 'INTERNAL');
});
