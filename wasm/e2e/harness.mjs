// Shared helpers of the end-to-end tests (not a test file itself): Debian's Chromium
// (`launchBrowser`, never a downloaded browser) and, for the quorum and recovery tests,
// app pages embedding the wallet frame, calls through the parent-side client, trusted
// clicks in the wallet's overlay, and key-quorum signatures made with node:crypto over
// npm canonicalize's RFC 8785 text — an implementation independent of keysplit's `authz`.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import canonicalize from 'canonicalize';
import { chromium } from 'playwright-core';

export const T = { timeout: 180000 };

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

export async function launchBrowser() {
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/**
 * A fresh browser profile (context) with the app page loaded: `{ context, page, call,
 * frame(), requests }`. `requests` records every request of the profile.
 */
export async function openProfile(browser, servers) {
  const context = await browser.newContext({ viewport: { width: 480, height: 720 } });
  const requests = [];
  context.on('request', (request) => {
    requests.push({ url: request.url(), method: request.method(), body: request.postData() ?? '' });
  });
  const page = await context.newPage();
  await page.goto(`${servers.appOrigin}/e2e/app.html`);
  await page.waitForSelector('body[data-ready]', { timeout: 30000 });
  const call = (method, params) => page.evaluate(([m, p]) => window.wallet.call(m, p), [method, params]);
  const frame = () => page.frameLocator('#wallet');
  const walletFrame = () => {
    const found = page.frames().find((f) => f !== page.mainFrame() && f.url().startsWith(servers.walletOrigin));
    assert.ok(found, 'the wallet frame is loaded');
    return found;
  };
  const deviceRecord = async () => {
    const text = await walletFrame().evaluate(() => localStorage.getItem('keysplit.wallet.v1'));
    return text === null ? null : JSON.parse(text);
  };
  return { context, page, call, frame, walletFrame, deviceRecord, requests, appOrigin: servers.appOrigin };
}

/**
 * `pending` must wait for the overlay: fills passwords, clicks Approve (or Reject).
 * `profile` needs `frame()` (the wallet's frame locator) and may name `appOrigin`.
 */
export async function confirm(profile, pending, { password, repeat = false, reject = false } = {}) {
  const frame = profile.frame();
  const shown = frame
    .locator('#ks-overlay')
    .waitFor({ state: 'visible', timeout: 30000 })
    .then(() => 'overlay');
  shown.catch(() => {});
  const first = await Promise.race([shown, pending.then((reply) => ({ early: reply }))]);
  assert.equal(first, 'overlay', `an overlay asks first (the call answered ${JSON.stringify(first.early)})`);
  if (profile.appOrigin !== undefined) {
    // Every overlay names the page that asks (the handshake's origin, not anything it sent).
    assert.equal(await frame.locator('#ks-requester').textContent(), `requested by ${profile.appOrigin}`);
  }
  if (password !== undefined) {
    await frame.locator('#ks-password').fill(password);
    if (repeat) await frame.locator('#ks-password-repeat').fill(password);
  } else if (!reject) {
    assert.equal(await frame.locator('#ks-password').count(), 0, 'no password is asked');
  }
  await frame.locator(reject ? '#ks-reject' : '#ks-approve').click();
  return pending;
}

/** `pending` must be answered without any overlay being shown. */
export async function noOverlay(profile, pending) {
  const shown = profile
    .frame()
    .locator('#ks-overlay')
    .waitFor({ state: 'visible', timeout: 30000 })
    .then(() => 'overlay');
  shown.catch(() => {});
  const first = await Promise.race([shown, pending.then((reply) => ({ reply }))]);
  assert.notEqual(first, 'overlay', 'answered without asking the user');
  return first.reply;
}

export function ok(reply) {
  assert.equal(reply.ok, true, `the call succeeded: ${JSON.stringify(reply)}`);
  return reply.result;
}

export function refused(reply, code) {
  assert.equal(reply.ok, false, `the call was refused: ${JSON.stringify(reply)}`);
  assert.equal(reply.code, code, reply.message);
}

/** The overlay's text (for checking what the user is told). */
export async function overlayText(profile) {
  return profile.frame().locator('#ks-overlay').innerText();
}

// ---- the key quorum, as an app backend would hold it ------------------------------------

/** A P-256 authorization key: `{ publicKey: base64 SPKI DER, sign(payload) -> base64 DER }`. */
export function authorizationKey() {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    sign: (payload) => crypto.sign('sha256', Buffer.from(canonicalize(payload), 'utf8'), privateKey).toString('base64'),
  };
}

/** The `privy-authorization-signature` value of `keys` over `payload`. */
export const signatures = (payload, keys) => keys.map((key) => key.sign(payload)).join(',');

/** A Privy payload for `method` `<server><path>` around `body`. */
export function payload(serverOrigin, method, path, body, ttlMs = 120000) {
  return {
    version: 1,
    method,
    url: `${serverOrigin}${path}`,
    body,
    headers: {
      'privy-request-expiry': String(Date.now() + ttlMs),
      'privy-idempotency-key': crypto.randomBytes(16).toString('hex'),
    },
  };
}

/** `{request, signature}` for `POST <server>/v1/wallets/<id>/<endpoint>` signed by `keys`. */
export function signedPost(serverOrigin, walletId, endpoint, body, keys) {
  const request = payload(serverOrigin, 'POST', `/v1/wallets/${walletId}/${endpoint}`, body);
  return { request, signature: signatures(request, keys) };
}

/** The server's view of a wallet, with a fresh token of `sub`. */
export async function serverWallet(servers, walletId, sub) {
  const token = await servers.mintToken(sub);
  const response = await fetch(`${servers.serverOrigin}/v1/wallets/${walletId}`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(response.status, 200, await response.clone().text());
  return response.json();
}

/** Makes the wallet owned by `quorum` (`{threshold, members}`) with the user's token. */
export async function setQuorumOwner(servers, walletId, sub, quorum) {
  const token = await servers.mintToken(sub);
  const response = await fetch(`${servers.serverOrigin}/v1/wallets/${walletId}/owner`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ owner: { key_quorum: quorum } }),
  });
  assert.equal(response.status, 200, await response.text());
}
