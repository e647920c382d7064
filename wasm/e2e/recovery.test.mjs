// End-to-end: automatic recovery through the wallet frame (PROTOCOL.md, "Automatic
// recovery"). createWallet({automaticRecovery: true}) leaves the recovery key with
// keysplit-server; recover fetches it over HPKE (POST .../recovery-key) and rebuilds the
// wallet without a password; rotate keeps it on. Forged recovery-key answers, sealed by
// @hpke/core the way a lying server or network would, are RELEASE_REJECTED. ethers
// verifies every signature.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ethers } from 'ethers';
import { CipherSuite, DhkemP256HkdfSha256, HkdfSha256 } from '@hpke/core';
import { Chacha20Poly1305 } from '@hpke/chacha20poly1305';
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
  refused,
  serverWallet,
  setQuorumOwner,
  signatures,
  signedPost,
} from './harness.mjs';

const USER = 'ava';
const hpke = new CipherSuite({ kem: new DhkemP256HkdfSha256(), kdf: new HkdfSha256(), aead: new Chacha20Poly1305() });

let servers;
let browser;
let profile;
const state = { walletId: null, address: null, phrase: null };

before(async () => {
  servers = await startServers({ walletPort: 0, appPort: 0, serverPort: 0 });
  browser = await launchBrowser();
  profile = await openProfile(browser, servers);
  ok(await profile.call('signIn', { accessToken: await servers.mintToken(USER) }));
});

after(async () => {
  await browser?.close();
  await servers?.close();
});

async function signText(p, text) {
  const result = ok(await confirm(p, p.call('signMessage', { text })));
  assert.equal(ethers.verifyMessage(text, result.signature), state.address, 'ethers recovers the wallet address');
}

test('createWallet with automatic recovery: no password, the overlay says the server can recover', T, async () => {
  refused(await profile.call('createWallet', { automaticRecovery: 'yes' }), 'INVALID_PARAMS');
  refused(await profile.call('createWallet', { automaticRecovery: true, password: 'x' }), 'INVALID_PARAMS');
  const pending = profile.call('createWallet', { automaticRecovery: true });
  await profile.frame().locator('#ks-overlay').waitFor({ state: 'visible', timeout: 30000 });
  assert.match(await overlayText(profile), /server will be able to recover this wallet for the signed-in user/);
  const { wallet } = ok(await confirm(profile, pending));
  state.walletId = wallet.walletId;
  state.address = wallet.ethereumAddress;
  assert.equal(wallet.epoch, 0);
  const stored = await serverWallet(servers, state.walletId, USER);
  assert.equal(stored.automatic_recovery, true, 'the server keeps the recovery key');
  assert.deepEqual(stored.wallet.epoch, 0);
  // The create request carried a 32-byte recovery key beside the key-sealed recovery share.
  const create = profile.requests.find((r) => r.method === 'POST' && r.url === `${servers.serverOrigin}/v1/wallets`);
  assert.match(JSON.parse(create.body).recovery_key, /^[0-9a-f]{64}$/);
  await signText(profile, 'automatic recovery wallet');
});

test('forged recovery-key answers are RELEASE_REJECTED; nothing is stored', T, async () => {
  assert.deepEqual(ok(await confirm(profile, profile.call('forgetDevice'))), { forgotten: true });
  const { wallet } = await serverWallet(servers, state.walletId, USER);
  const label = (text, epoch = wallet.epoch) => ethers.concat([ethers.toUtf8Bytes(text), `0x${state.walletId}`, ethers.toBeHex(epoch, 4)]);
  const recoveryInfo = label('keysplit-server/v1/recovery-key-release');
  const seal = async (publicKeyHex, aad, plaintext, info = recoveryInfo) => {
    const recipientPublicKey = await hpke.kem.deserializePublicKey(ethers.getBytes(`0x${publicKeyHex}`).buffer);
    const { enc, ct } = await hpke.seal({ recipientPublicKey, info: ethers.getBytes(info).buffer }, ethers.getBytes(plaintext).buffer, ethers.getBytes(aad).buffer);
    return { enc: ethers.hexlify(new Uint8Array(enc)).slice(2), ciphertext: ethers.hexlify(new Uint8Array(ct)).slice(2) };
  };
  const attacker = await hpke.kem.generateKeyPair();
  const attackerKey = ethers.hexlify(new Uint8Array(await hpke.kem.serializePublicKey(attacker.publicKey))).slice(2);
  const digestOf = (answer) => `0x${answer.request_digest}`;
  const forgeries = {
    'a flipped ciphertext bit': async (answer) => ({
      ...answer,
      ciphertext: `${answer.ciphertext.slice(0, -2)}${(parseInt(answer.ciphertext.slice(-2), 16) ^ 1).toString(16).padStart(2, '0')}`,
    }),
    'a key the server chose, sealed to another HPKE key': async (answer) => ({ ...answer, ...(await seal(attackerKey, digestOf(answer), ethers.randomBytes(32))) }),
    'bound to another digest': async (answer, sent) => ({ ...answer, ...(await seal(sent.hpke_public_key, ethers.sha256(ethers.toUtf8Bytes('x')), ethers.randomBytes(32))) }),
    'under the auth-share release label': async (answer, sent) => ({
      ...answer,
      ...(await seal(sent.hpke_public_key, digestOf(answer), ethers.randomBytes(32), label('keysplit-server/v1/auth-share-release'))),
    }),
    'under another epoch': async (answer, sent) => ({ ...answer, ...(await seal(sent.hpke_public_key, digestOf(answer), ethers.randomBytes(32), label('keysplit-server/v1/recovery-key-release', wallet.epoch + 1))) }),
    'not 32 bytes': async (answer, sent) => ({ ...answer, ...(await seal(sent.hpke_public_key, digestOf(answer), ethers.randomBytes(33))) }),
  };
  const route = `${servers.serverOrigin}/v1/wallets/${state.walletId}/recovery-key`;
  for (const [name, forge] of Object.entries(forgeries)) {
    await profile.context.route(route, async (intercepted) => {
      const response = await intercepted.fetch();
      const answer = await response.json();
      await intercepted.fulfill({ response, json: await forge(answer, intercepted.request().postDataJSON()) });
    });
    try {
      const reply = await confirm(profile, profile.call('recover', { walletId: state.walletId }));
      assert.equal(reply.code, 'RELEASE_REJECTED', `${name}: ${JSON.stringify(reply)}`);
    } finally {
      await profile.context.unroute(route);
    }
  }
  // A genuine key of 32 random bytes sealed properly by a lying server opens, but does not
  // open the recovery share: the wallet refuses to rebuild (no share is stored).
  await profile.context.route(route, async (intercepted) => {
    const response = await intercepted.fetch();
    const answer = await response.json();
    const sent = intercepted.request().postDataJSON();
    await intercepted.fulfill({ response, json: { ...answer, ...(await seal(sent.hpke_public_key, digestOf(answer), ethers.randomBytes(32))) } });
  });
  try {
    refused(await confirm(profile, profile.call('recover', { walletId: state.walletId })), 'WRONG_KEY');
  } finally {
    await profile.context.unroute(route);
  }
  assert.equal(await profile.deviceRecord(), null, 'nothing stored after forged answers');
  assert.equal((await serverWallet(servers, state.walletId, USER)).wallet.epoch, wallet.epoch, 'the server was not changed');
});

test('forget, then recover without a password; sign; rotate keeps automatic recovery', T, async () => {
  assert.equal(await profile.deviceRecord(), null);
  const pending = profile.call('recover', { walletId: state.walletId });
  await profile.frame().locator('#ks-overlay').waitFor({ state: 'visible', timeout: 30000 });
  assert.match(await overlayText(profile), /automatic/);
  const { wallet } = ok(await confirm(profile, pending));
  assert.equal(wallet.epoch, 1);
  assert.equal(wallet.ethereumAddress, state.address);
  await signText(profile, 'recovered without a password');
  // The recovery sent a new recovery key with the new set: automatic recovery stays on.
  let stored = await serverWallet(servers, state.walletId, USER);
  assert.equal(stored.automatic_recovery, true);
  assert.equal(stored.wallet.epoch, 1);

  // A server that now says "no automatic recovery" is not believed into a password change.
  const route = `${servers.serverOrigin}/v1/wallets/${state.walletId}`;
  await profile.context.route(route, async (intercepted) => {
    const response = await intercepted.fetch();
    await intercepted.fulfill({ response, json: { ...(await response.json()), automatic_recovery: false } });
  });
  try {
    refused(await noOverlay(profile, profile.call('rotate', {})), 'SERVER_ERROR');
  } finally {
    await profile.context.unroute(route);
  }

  const { wallet: rotated } = ok(await confirm(profile, profile.call('rotate', {})));
  assert.equal(rotated.epoch, 2);
  stored = await serverWallet(servers, state.walletId, USER);
  assert.equal(stored.automatic_recovery, true, 'rotation keeps automatic recovery');
  assert.equal(stored.wallet.epoch, 2);
  const put = profile.requests.filter((r) => r.method === 'PUT').at(-1);
  assert.match(JSON.parse(put.body).recovery_key, /^[0-9a-f]{64}$/);
  await signText(profile, 'after rotation');
});

test('a second profile recovers the rotated wallet without a password', T, async () => {
  const second = await openProfile(browser, servers);
  try {
    ok(await second.call('signIn', { accessToken: await servers.mintToken(USER) }));
    refused(await noOverlay(second, second.call('recover', { walletId: state.walletId, recoveryKeyAuthorization: { request: {}, signature: '' } })), 'INVALID_PARAMS');
    const { wallet } = ok(await confirm(second, second.call('recover', { walletId: state.walletId })));
    assert.equal(wallet.epoch, 3);
    await signText(second, 'second profile, automatic recovery');
  } finally {
    await second.context.close();
  }
  refused(await confirm(profile, profile.call('signMessage', { text: 'stale' })), 'DEVICE_SHARE_STALE');
});

test('a quorum-owned wallet with automatic recovery: three authorizations, then the pending upload', T, async () => {
  const member = authorizationKey();
  await setQuorumOwner(servers, state.walletId, USER, { threshold: 1, members: [member.publicKey] });
  const third = await openProfile(browser, servers);
  try {
    ok(await third.call('signIn', { accessToken: await servers.mintToken(USER) }));
    const { wallet } = await serverWallet(servers, state.walletId, USER);
    const post = (endpoint, body) => signedPost(servers.serverOrigin, state.walletId, endpoint, body, [member]);
    const authorization = post('release', { method: 'keysplit_recover', params: { epoch: wallet.epoch } });
    const recoveryAuthorization = post('recovery-share', {});
    // Without the recovery-key authorization: refused before asking.
    refused(await noOverlay(third, third.call('recover', { walletId: state.walletId, authorization, recoveryAuthorization })), 'SIGNED_REQUEST_REQUIRED');
    // One for another body: refused before asking.
    refused(
      await noOverlay(third, third.call('recover', { walletId: state.walletId, authorization, recoveryAuthorization, recoveryKeyAuthorization: post('recovery-key', {}) })),
      'AUTHORIZATION_MISMATCH',
    );
    const recoveryKeyAuthorization = post('recovery-key', { method: 'keysplit_recover', params: {} });
    const { pendingUpload } = ok(
      await confirm(third, third.call('recover', { walletId: state.walletId, authorization, recoveryAuthorization, recoveryKeyAuthorization })),
    );
    assert.equal(pendingUpload.request.body.expected_epoch, wallet.epoch);
    const { wallet: recovered } = ok(await third.call('completeUpload', { signature: signatures(pendingUpload.request, [member]) }));
    assert.equal(recovered.epoch, wallet.epoch + 1);
    const stored = await serverWallet(servers, state.walletId, USER);
    assert.equal(stored.automatic_recovery, true, 'the signed upload carried the new recovery key');
    assert.equal(stored.wallet.epoch, wallet.epoch + 1);
    const text = 'quorum and automatic recovery';
    const signed = post('release', { method: 'personal_sign', params: { message: text, encoding: 'utf-8' } });
    const result = ok(await confirm(third, third.call('signMessage', { text, authorization: signed })));
    assert.equal(ethers.verifyMessage(text, result.signature), state.address);
  } finally {
    await third.context.close();
  }
});
