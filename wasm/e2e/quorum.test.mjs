// End-to-end: rotation and recovery of a key-quorum-owned wallet through the wallet frame
// (PROTOCOL.md, "Key-quorum owners: pending uploads"). The frame answers rotate/recover
// with the unsigned upload request; the quorum's signatures (node:crypto P-256 over npm
// canonicalize's RFC 8785 text, see harness.mjs) come back through completeUpload, and
// keysplit-server decides. ethers verifies the signatures of the new epoch.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { ethers } from 'ethers';
import { startServers } from '../serve.mjs';
import {
  T,
  authorizationKey,
  confirm,
  launchBrowser,
  noOverlay,
  ok,
  openProfile,
  overlayText,
  payload,
  refused,
  serverWallet,
  setQuorumOwner,
  signatures,
  signedPost,
} from './harness.mjs';

const PASSWORD = 'quorum wallet password';
const NEW_PASSWORD = 'the rotated quorum password';
const USER = 'quinn';

let servers;
let browser;
let first;
const members = [authorizationKey(), authorizationKey()];
const outsider = authorizationKey();
const state = { walletId: null, address: null };

before(async () => {
  servers = await startServers({ walletPort: 0, appPort: 0, serverPort: 0 });
  browser = await launchBrowser();
  first = await openProfile(browser, servers);
  ok(await first.call('signIn', { accessToken: await servers.mintToken(USER) }));
  const { wallet } = ok(await confirm(first, first.call('createWallet', {}), { password: PASSWORD, repeat: true }));
  state.walletId = wallet.walletId;
  state.address = wallet.ethereumAddress;
  // The user hands the wallet to a 2-of-2 quorum (the token suffices for that).
  await setQuorumOwner(servers, state.walletId, USER, { threshold: 2, members: members.map((m) => m.publicKey) });
});

after(async () => {
  await browser?.close();
  await servers?.close();
});

const release = (body, keys = members) => signedPost(servers.serverOrigin, state.walletId, 'release', body, keys);

/** Signs a message through `profile` with the quorum's authorization; ethers checks it. */
async function signWithQuorum(profile, text) {
  const authorization = release({ method: 'personal_sign', params: { message: text, encoding: 'utf-8' } });
  const result = ok(await confirm(profile, profile.call('signMessage', { text, authorization })));
  assert.equal(ethers.verifyMessage(text, result.signature), state.address, 'ethers recovers the wallet address');
}

const puts = (profile) => profile.requests.filter((r) => r.method === 'PUT' && r.url.endsWith(`/v1/wallets/${state.walletId}/shares`));

/** Checks a pending upload's request: the unsigned PUT the quorum is to sign, public parts only. */
function checkPendingRequest(request, epoch) {
  assert.equal(request.version, 1);
  assert.equal(request.method, 'PUT');
  assert.equal(request.url, `${servers.serverOrigin}/v1/wallets/${state.walletId}/shares`);
  assert.deepEqual(Object.keys(request.body).sort(), ['auth_share_sha256', 'expected_epoch', 'proof', 'recovery_share_sha256', 'wallet']);
  assert.equal(request.body.expected_epoch, epoch);
  assert.equal(request.body.wallet.wallet_id, state.walletId);
  assert.equal(request.body.wallet.epoch, epoch + 1);
  assert.equal(request.body.wallet.ethereum_address, state.address);
  assert.match(request.body.auth_share_sha256, /^[0-9a-f]{64}$/);
  assert.match(request.body.recovery_share_sha256, /^[0-9a-f]{64}$/);
  // The proof is the wallet's own EIP-191 signature over the server's upload statement.
  const statement = `keysplit share upload\nwallet: ${state.walletId}\nepoch: ${epoch + 1}\nshare set: ${request.body.wallet.share_set_id}`;
  assert.equal(ethers.verifyMessage(statement, request.body.proof), state.address, 'the upload proof is the wallet\'s');
  const expiry = Number(request.headers['privy-request-expiry']);
  assert.ok(expiry > Date.now() && expiry <= Date.now() + 3600000, 'it expires within the server\'s hour');
  assert.match(request.headers['privy-idempotency-key'], /^[0-9a-f]{32}$/);
}

test('a quorum-owned wallet: token-only rotate and recover are refused before asking', T, async () => {
  refused(await noOverlay(first, first.call('rotate', {})), 'SIGNED_REQUEST_REQUIRED');
  refused(await noOverlay(first, first.call('completeUpload', { signature: 'AA==' })), 'NO_PENDING_UPLOAD');
  refused(await first.call('completeUpload', {}), 'INVALID_PARAMS');
  refused(await first.call('cancelUpload', { now: true }), 'INVALID_PARAMS');
  assert.deepEqual(ok(await first.call('cancelUpload')), { cancelled: false });
  await signWithQuorum(first, 'before rotation');
});

test('a server claiming automatic recovery for this password wallet does not get a recovery key', T, async () => {
  const releases = () => first.requests.filter((r) => r.url.endsWith('/release')).length;
  const releasesBefore = releases();
  const route = `${servers.serverOrigin}/v1/wallets/${state.walletId}`;
  await first.context.route(route, async (intercepted) => {
    const response = await intercepted.fetch();
    await intercepted.fulfill({ response, json: { ...(await response.json()), automatic_recovery: true } });
  });
  try {
    const epoch = (await first.deviceRecord()).info.epoch;
    const authorization = release({ method: 'keysplit_rotate', params: { epoch } });
    const reply = await noOverlay(first, first.call('rotate', { authorization }));
    refused(reply, 'SERVER_ERROR');
    assert.match(reply.message, /automatic recovery/);
  } finally {
    await first.context.unroute(route);
  }
  assert.equal(releases(), releasesBefore, 'no release was asked for the rotation');
});

test('rotate: the pending upload completes with the quorum\'s signatures, not with an outsider\'s', T, async () => {
  const before = (await first.deviceRecord()).info;
  const authorization = release({ method: 'keysplit_rotate', params: { epoch: before.epoch } });
  const pending = first.call('rotate', { authorization });
  await first.frame().locator('#ks-overlay').waitFor({ state: 'visible', timeout: 30000 });
  assert.match(await overlayText(first), /key quorum/, 'the overlay says the quorum must sign the upload');
  const { pendingUpload } = ok(await confirm(first, pending, { password: NEW_PASSWORD, repeat: true }));
  checkPendingRequest(pendingUpload.request, before.epoch);
  assert.equal(puts(first).length, 0, 'nothing was uploaded yet');
  assert.deepEqual((await first.deviceRecord()).info, before, 'the device keeps its share until the server accepts');

  // Meanwhile other methods still work (the old epoch signs), one upload at a time.
  await signWithQuorum(first, 'while the upload waits');
  refused(await noOverlay(first, first.call('rotate', { authorization: release({ method: 'keysplit_rotate', params: { epoch: before.epoch } }) })), 'UPLOAD_PENDING');
  refused(await noOverlay(first, first.call('recover', { walletId: state.walletId })), 'UPLOAD_PENDING');

  // A non-member's signature, and one member's of two: the server refuses, nothing changes.
  refused(await noOverlay(first, first.call('completeUpload', { signature: signatures(pendingUpload.request, [outsider]) })), 'QUORUM_NOT_MET');
  refused(await first.call('completeUpload', { signature: signatures(pendingUpload.request, [members[0], outsider]) }), 'QUORUM_NOT_MET');
  assert.deepEqual((await first.deviceRecord()).info, before, 'the device keeps the old epoch');
  assert.equal((await serverWallet(servers, state.walletId, USER)).wallet.epoch, before.epoch, 'the server keeps the old epoch');
  await signWithQuorum(first, 'still the old epoch');

  // Signatures over another request (a changed body) do not count either.
  const tampered = { ...pendingUpload.request, body: { ...pendingUpload.request.body, expected_epoch: before.epoch + 5 } };
  refused(await first.call('completeUpload', { signature: signatures(tampered, members) }), 'QUORUM_NOT_MET');

  // The quorum signs exactly the pending request: accepted, stored, and it signs.
  const { wallet } = ok(await noOverlay(first, first.call('completeUpload', { signature: signatures(pendingUpload.request, members) })));
  assert.equal(wallet.epoch, before.epoch + 1);
  assert.equal(wallet.ethereumAddress, state.address);
  assert.deepEqual((await first.deviceRecord()).info, wallet, 'the new device share is stored');
  assert.equal((await serverWallet(servers, state.walletId, USER)).wallet.epoch, before.epoch + 1);
  // The upload sent the shares beside the signed request, matching its SHA-256.
  const [sent] = puts(first).slice(-1);
  const body = JSON.parse(sent.body);
  assert.deepEqual(body.request, pendingUpload.request);
  const sha = (hex) => crypto.createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex');
  assert.equal(sha(body.auth_share), pendingUpload.request.body.auth_share_sha256);
  assert.equal(sha(body.recovery_share), pendingUpload.request.body.recovery_share_sha256);

  await signWithQuorum(first, 'after the quorum rotation');
  refused(await first.call('completeUpload', { signature: signatures(pendingUpload.request, members) }), 'NO_PENDING_UPLOAD');
});

test('cancelUpload wipes the pending upload: its signatures complete nothing', T, async () => {
  const before = (await first.deviceRecord()).info;
  const putsBefore = puts(first).length;
  const authorization = release({ method: 'keysplit_rotate', params: { epoch: before.epoch } });
  const { pendingUpload } = ok(await confirm(first, first.call('rotate', { authorization }), { password: NEW_PASSWORD, repeat: true }));
  assert.deepEqual(ok(await noOverlay(first, first.call('cancelUpload'))), { cancelled: true });
  refused(await first.call('completeUpload', { signature: signatures(pendingUpload.request, members) }), 'NO_PENDING_UPLOAD');
  assert.equal(puts(first).length, putsBefore, 'nothing was sent');
  assert.deepEqual((await first.deviceRecord()).info, before);
  assert.equal((await serverWallet(servers, state.walletId, USER)).wallet.epoch, before.epoch);
  // A rejected rotation leaves nothing pending either.
  const again = release({ method: 'keysplit_rotate', params: { epoch: before.epoch } });
  refused(await confirm(first, first.call('rotate', { authorization: again }), { reject: true }), 'USER_REJECTED');
  assert.deepEqual(ok(await first.call('cancelUpload')), { cancelled: false });
  await signWithQuorum(first, 'after the cancelled rotation');
});

test('recover on a second profile with the release and recovery-share authorizations', T, async () => {
  const before = (await first.deviceRecord()).info;
  const second = await openProfile(browser, servers);
  try {
    ok(await second.call('signIn', { accessToken: await servers.mintToken(USER) }));
    const recoverBody = { method: 'keysplit_recover', params: { epoch: before.epoch } };
    const recoveryShare = (body = {}, keys = members) => signedPost(servers.serverOrigin, state.walletId, 'recovery-share', body, keys);

    // Missing authorizations: refused before asking anything.
    refused(await noOverlay(second, second.call('recover', { walletId: state.walletId })), 'SIGNED_REQUEST_REQUIRED');
    refused(await noOverlay(second, second.call('recover', { walletId: state.walletId, authorization: release(recoverBody) })), 'SIGNED_REQUEST_REQUIRED');
    // A recoveryAuthorization that is not exactly POST <S>/v1/wallets/<id>/recovery-share with body {}.
    const wrong = {
      'another body': recoveryShare({ epoch: before.epoch }),
      'another endpoint': signedPost(servers.serverOrigin, state.walletId, 'release', {}, members),
      'another wallet': signedPost(servers.serverOrigin, '00'.repeat(16), 'recovery-share', {}, members),
      'another origin': signedPost('http://127.0.0.1:1', state.walletId, 'recovery-share', {}, members),
      'a GET': (() => {
        const request = payload(servers.serverOrigin, 'GET', `/v1/wallets/${state.walletId}/recovery-share`, {});
        return { request, signature: signatures(request, members) };
      })(),
    };
    for (const [name, recoveryAuthorization] of Object.entries(wrong)) {
      const reply = await noOverlay(second, second.call('recover', { walletId: state.walletId, authorization: release(recoverBody), recoveryAuthorization }));
      refused(reply, 'AUTHORIZATION_MISMATCH');
      assert.ok(reply.message.includes('recoveryAuthorization'), `${name}: ${reply.message}`);
    }
    // A release authorization for another epoch.
    refused(
      await noOverlay(second, second.call('recover', {
        walletId: state.walletId,
        authorization: release({ method: 'keysplit_recover', params: { epoch: before.epoch + 1 } }),
        recoveryAuthorization: recoveryShare(),
      })),
      'AUTHORIZATION_MISMATCH',
    );

    // Both authorizations: the password is asked, then the upload waits for the quorum.
    const { pendingUpload } = ok(
      await confirm(second, second.call('recover', { walletId: state.walletId, authorization: release(recoverBody), recoveryAuthorization: recoveryShare() }), {
        password: NEW_PASSWORD,
      }),
    );
    checkPendingRequest(pendingUpload.request, before.epoch);
    assert.equal(await second.deviceRecord(), null, 'nothing stored before the server accepted');
    refused(await second.call('completeUpload', { signature: signatures(pendingUpload.request, [outsider, members[1]]) }), 'QUORUM_NOT_MET');
    assert.equal(await second.deviceRecord(), null);
    const { wallet } = ok(await second.call('completeUpload', { signature: signatures(pendingUpload.request, members) }));
    assert.equal(wallet.epoch, before.epoch + 1);
    assert.equal(wallet.ethereumAddress, state.address);
    assert.deepEqual((await second.deviceRecord()).info, wallet);
    await signWithQuorum(second, 'recovered on the second profile');

    // The first profile's share is of the older epoch now.
    const stale = release({ method: 'personal_sign', params: { message: 'stale', encoding: 'utf-8' } });
    refused(await confirm(first, first.call('signMessage', { text: 'stale', authorization: stale })), 'DEVICE_SHARE_STALE');
  } finally {
    await second.context.close();
  }
});

test('the app page never saw a share, a key or the password', T, async () => {
  const replies = JSON.stringify(await first.page.evaluate(() => window.walletReplies));
  assert.ok(!/"(share|authShare|deviceShare|deviceKey|authKey|auth_key|recovery_key|auth_share|recovery_share|password)"/.test(replies), replies.slice(0, 300));
  for (const secret of [PASSWORD, NEW_PASSWORD]) assert.ok(!replies.includes(secret));
  const record = await first.deviceRecord();
  assert.ok(!replies.includes(record.share.replace(/^0x/, '')));
});
