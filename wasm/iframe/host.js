// keysplit wallet host, protocol v2 (PROTOCOL.md): runs in an iframe on its own origin W.
// It keeps the device share (sealed, in W's storage, which the embedding app cannot read),
// holds the user's access token in memory, fetches the auth share from keysplit-server
// itself (HPKE-sealed to a key made for that one request), shows the user what is about
// to happen in its own overlay and goes on only after a click there (or a headless policy
// the user confirmed here), does every secret operation inside this realm and wipes.
// Replies carry only public data: info, addresses, signatures, signed transactions, and
// an HPKE-sealed mnemonic for a quorum-authorized encrypted export. Never a share, a key,
// a password or the mnemonic.
import * as keysplit from '/pkg-requests/inline.js';
import { ProtocolError } from './errors.js';
import { confirmAction, askPassword, showMnemonic, summaryRows } from './confirm.js';
import { fromHex, toHex, wipe } from './bytes.js';
import * as device from './device.js';
import * as params from './params.js';
import { serialQueue } from './queue.js';
import {
  checkAuthorization,
  configuredServer,
  fromServerInfo,
  releasePayload,
  sameInfo,
  serverClient,
  toServerInfo,
} from './server.js';

const { init, wallet, policy, authz, KeysplitError } = keysplit;

const PROTOCOL_VERSION = 2;

const allowedParents = new Set(
  (document.querySelector('meta[name="keysplit-allowed-parents"]')?.content ?? '').split(/\s+/).filter(Boolean),
);
const serverOrigin = configuredServer();

function setStatus(text) {
  const status = document.getElementById('status');
  if (status) status.textContent = `keysplit wallet: ${text}`;
}

const describeWallet = (info) => (info ? `wallet ${info.ethereumAddress} (epoch ${info.epoch})` : 'no wallet on this device');

/** The `custody` namespace of keysplit-wasm-requests (HPKE release keys, digests, statements). */
function custody() {
  const api = keysplit.custody;
  if (!api || typeof api.generateReleaseKey !== 'function') {
    throw new ProtocolError('INTERNAL', 'this wasm build has no custody API (build wasm/pkg-requests with the custody bindings)');
  }
  return api;
}

// ---- session: the access token, in memory only ----------------------------------------

let accessToken = null;

function server() {
  if (accessToken === null) throw new ProtocolError('NOT_SIGNED_IN', 'sign in first (signIn with the access token)');
  if (serverOrigin === null) throw new ProtocolError('SERVER_UNREACHABLE', 'the wallet page names no keysplit server');
  return serverClient(serverOrigin, accessToken);
}

// ---- helpers ---------------------------------------------------------------------------

/** A KeysplitError from decoding a request the parent gave: INVALID_PARAMS with its reason. */
function decoding(what, action) {
  try {
    return action();
  } catch (error) {
    if (error instanceof KeysplitError) throw new ProtocolError('INVALID_PARAMS', `${what}: ${error.message} (${error.code})`);
    throw error;
  }
}

/** RFC 8785 text of a request body (wrapped in a payload, which is what canonicalize reads). */
function canonicalBody(body) {
  const text = authz.canonicalize({ version: 1, method: 'POST', url: 'https://body.invalid/', body, headers: {} });
  return text;
}

/**
 * Asks the server for the auth share for one request and opens it with this iframe's own
 * digest and own HPKE info (wallet id and `epoch`), never the server's. Runs `use(auth)`
 * with `auth = { role: 'auth', share, key }` and wipes the opened key and share after.
 */
async function withAuthShare({ client, walletId, epoch, body, authorization }, use) {
  const api = custody();
  let payload;
  if (authorization) {
    checkAuthorization(authorization, walletId, body, canonicalBody);
    payload = authorization.request;
  } else {
    payload = releasePayload(client.origin, walletId, body);
  }
  const digest = decoding('authorization.request', () => api.requestDigest(payload));
  const releaseKey = api.generateReleaseKey();
  let opened = null;
  try {
    const answer = await client.release(walletId, {
      request: payload,
      ...(authorization ? { authorization_signature: authorization.signature } : {}),
      request_digest: toHex(digest, false),
      hpke_public_key: toHex(releaseKey.publicKey, false),
    });
    let serverInfo = null;
    try {
      serverInfo = fromServerInfo(answer.wallet);
    } catch {
      throw new ProtocolError('RELEASE_REJECTED', 'the release answer names no valid wallet');
    }
    if (serverInfo.walletId !== walletId) throw new ProtocolError('RELEASE_REJECTED', 'the release answer is for another wallet');
    if (serverInfo.epoch > epoch) {
      throw new ProtocolError('DEVICE_SHARE_STALE', `the server is at epoch ${serverInfo.epoch}, this device at ${epoch}: recover the wallet`);
    }
    if (serverInfo.epoch < epoch) {
      throw new ProtocolError('EPOCH_ROLLBACK', `the server answered at epoch ${serverInfo.epoch}, older than this device's ${epoch}`);
    }
    const enc = fromHex(answer.enc, 'the release answer\'s enc', 'RELEASE_REJECTED');
    const ciphertext = fromHex(answer.ciphertext, 'the release answer\'s ciphertext', 'RELEASE_REJECTED');
    opened = releaseKey.open({ walletId, epoch, requestDigest: digest, enc, ciphertext });
    let facts = null;
    try {
      facts = wallet.sealedShareInfo(opened.authShare);
    } catch {
      facts = {};
    }
    if (facts.role !== 'auth' || facts.walletId !== walletId || facts.epoch !== epoch || facts.passwordSealed) {
      throw new ProtocolError('RELEASE_REJECTED', 'the released share is not this wallet\'s auth share of this epoch');
    }
    return await use({ role: 'auth', share: opened.authShare, key: opened.authKey });
  } finally {
    releaseKey.free();
    if (opened) wipe(opened.authKey, opened.authShare);
  }
}

/** The device share as a share input of the wasm API. */
const deviceInput = (d) => ({ role: 'device', share: d.share, key: d.key });

/**
 * The upload of a new set: the auth key, the sealed shares and the `proof` (EIP-191 by the
 * wallet's index-0 key over the server's upload statement for the new info).
 */
function upload(set, deviceKey, authKey) {
  const statement = custody().uploadStatement(set.info);
  const signature = wallet.signMessage({
    info: set.info,
    shares: [
      { role: 'device', share: set.device, key: deviceKey },
      { role: 'auth', share: set.auth, key: authKey },
    ],
    message: statement,
  });
  return {
    wallet: toServerInfo(set.info),
    auth_share: toHex(set.auth, false),
    auth_key: toHex(authKey, false),
    recovery_share: toHex(set.recovery, false),
    proof: toHex(signature),
  };
}

/** Fresh device and auth keys, with `recovery` for the recovery share. */
function freshProtections(password) {
  const deviceKey = wallet.generateKey();
  const authKey = wallet.generateKey();
  return {
    deviceKey,
    authKey,
    protections: { device: { key: deviceKey }, auth: { key: authKey }, recovery: { password } },
  };
}

/** Confirmation for a signature: ALLOW by the stored headless policy, else the overlay. */
async function approveSignature({ info, kind, policyInput, summary, details, title }) {
  const stored = device.storedPolicy(info.walletId);
  if (stored !== null) {
    let decision = null;
    try {
      decision = policy.evaluate({ policy: stored, ...policyInput(info) });
    } catch {
      decision = null;
    }
    if (decision && decision.allowed === true) return 'policy';
  }
  await confirmAction({ title, rows: summaryRows(kind, summary), details, approveLabel: 'Sign' });
  return 'user';
}

// ---- methods -----------------------------------------------------------------------

/** The stored wallet info (the device key stays wrapped), or NO_DEVICE_SHARE / EPOCH_ROLLBACK. */
function currentInfo() {
  const info = device.storedInfo();
  if (!info) throw new ProtocolError('NO_DEVICE_SHARE', 'this device holds no wallet share: create a wallet or recover it');
  device.refuseRollback(info.walletId, info.epoch, 'the stored device share');
  return info;
}

/**
 * The device share with its key unwrapped, once the user approved (so the key is not in
 * memory while the overlay waits). The caller wipes `key`.
 */
async function unlockDevice(info) {
  const d = await device.requireDevice();
  if (d.info.walletId !== info.walletId) {
    wipe(d.key);
    throw new ProtocolError('NO_DEVICE_SHARE', 'the device share changed while the request waited');
  }
  return d;
}

async function signWith(p, { kind, body, policyInput, summary, details, title, sign }) {
  const client = server();
  const info = currentInfo();
  const authorization = p.authorization === undefined ? undefined : params.authorization(p.authorization);
  if (authorization) checkAuthorization(authorization, info.walletId, body, canonicalBody);
  await approveSignature({ info, kind, policyInput, summary: summary(info), details, title });
  const d = await unlockDevice(info);
  try {
    return await withAuthShare(
      { client, walletId: d.info.walletId, epoch: d.info.epoch, body, authorization },
      (auth) => sign({ info: d.info, shares: [deviceInput(d), auth] }),
    );
  } finally {
    wipe(d.key);
  }
}

const methods = {
  async status(p) {
    params.fields(p, 'status', []);
    let info = null;
    const d = await device.loadDevice();
    if (d) {
      info = d.info;
      wipe(d.key);
    }
    return { version: PROTOCOL_VERSION, signedIn: accessToken !== null, hasDeviceShare: info !== null, wallet: info };
  },

  async signIn(p) {
    const o = params.fields(p, 'signIn', ['accessToken'], ['accessToken']);
    accessToken = params.accessToken(o.accessToken);
    return { signedIn: true };
  },

  async signOut(p) {
    params.fields(p, 'signOut', []);
    accessToken = null;
    return { signedIn: false };
  },

  async createWallet(p) {
    params.fields(p, 'createWallet', []);
    const client = server();
    const existing = await device.loadDevice();
    if (existing) {
      wipe(existing.key);
      throw new ProtocolError('DEVICE_SHARE_EXISTS', `this device already holds a share of wallet ${existing.info.walletId}: forget it first (forgetDevice)`);
    }
    const password = await askPassword({
      title: 'Create a wallet',
      rows: [
        ['Action', 'Create a new wallet'],
        ['Recovery password', 'Choose the password that recovers this wallet on a new device'],
      ],
      repeat: true,
      approveLabel: 'Create',
    });
    const { deviceKey, authKey, protections } = freshProtections(password);
    try {
      const set = wallet.create({ protections });
      await client.create(upload(set, deviceKey, authKey));
      // Stored only now that the server holds the other two shares.
      await device.saveDevice(set.info, set.device, deviceKey);
      setStatus(describeWallet(set.info));
      return { wallet: set.info };
    } finally {
      wipe(deviceKey, authKey);
    }
  },

  async getAddress(p) {
    const o = params.fields(p, 'getAddress', ['chain']);
    const chain = params.chain(o.chain);
    const info = device.storedInfo();
    if (!info) throw new ProtocolError('NO_DEVICE_SHARE', 'this device holds no wallet share: create a wallet or recover it');
    return { address: chain === 'solana' ? info.solanaAddress : info.ethereumAddress };
  },

  async signMessage(p) {
    const o = params.fields(p, 'signMessage', ['text', 'hex', 'authorization']);
    const m = params.message(o);
    return signWith(o, {
      kind: 'message',
      body: { method: 'personal_sign', params: m.body },
      policyInput: (info) => ({ from: info.ethereumAddress, message: m.message }),
      summary: (info) => ({ ...m.display, from: info.ethereumAddress }),
      title: 'Sign a message',
      sign: (opened) => {
        const signature = wallet.signMessage({ ...opened, message: m.message });
        return { signature: toHex(signature), address: opened.info.ethereumAddress };
      },
    });
  },

  async signTransaction(p) {
    const o = params.fields(p, 'signTransaction', ['transaction', 'authorization'], ['transaction']);
    const transaction = params.jsonObject(o.transaction, 'params.transaction');
    return signWith(o, {
      kind: 'transaction',
      body: { method: 'eth_signTransaction', params: { transaction } },
      policyInput: (info) => ({ from: info.ethereumAddress, transaction }),
      summary: (info) => decoding('params.transaction', () => wallet.summarizeTransaction({ from: info.ethereumAddress, transaction })),
      title: 'Sign a transaction',
      sign: (opened) => {
        const { signedTransaction, hash, summary } = wallet.signTransaction({ ...opened, transaction });
        return { signedTransaction, hash, summary };
      },
    });
  },

  async signTypedData(p) {
    const o = params.fields(p, 'signTypedData', ['typedData', 'authorization'], ['typedData']);
    const typedData = params.jsonObject(o.typedData, 'params.typedData');
    return signWith(o, {
      kind: 'typedData',
      body: { method: 'eth_signTypedData_v4', params: { typed_data: typedData } },
      policyInput: (info) => ({ from: info.ethereumAddress, typedData }),
      summary: (info) => decoding('params.typedData', () => wallet.summarizeTypedData({ from: info.ethereumAddress, typedData })),
      details: JSON.stringify({ domain: typedData.domain, primaryType: typedData.primaryType, message: typedData.message }, null, 2),
      title: 'Sign typed data',
      sign: (opened) => ({ signature: toHex(wallet.signTypedData({ ...opened, typedData }).signature) }),
    });
  },

  async signSolanaTransaction(p) {
    const o = params.fields(p, 'signSolanaTransaction', ['message', 'authorization'], ['message']);
    const m = params.solanaMessage(o.message);
    return signWith(o, {
      kind: 'solanaTransaction',
      body: { method: 'signTransaction', params: { message: m.text } },
      policyInput: (info) => ({ from: info.solanaAddress, solanaTransaction: m.bytes }),
      summary: (info) => decoding('params.message', () => wallet.summarizeSolanaTransaction({ from: info.solanaAddress, message: m.bytes })),
      title: 'Sign a Solana transaction',
      sign: (opened) => ({ signature: toHex(wallet.signSolanaTransaction({ ...opened, message: m.bytes }).signature) }),
    });
  },

  async recover(p) {
    const o = params.fields(p, 'recover', ['walletId'], ['walletId']);
    const walletId = params.walletId(o.walletId);
    const client = server();
    const existing = await device.loadDevice().catch((error) => {
      // A rolled-back record of this wallet is what recovery replaces.
      if (error instanceof ProtocolError && error.code === 'EPOCH_ROLLBACK') return null;
      throw error;
    });
    if (existing) {
      wipe(existing.key);
      if (existing.info.walletId !== walletId) {
        throw new ProtocolError('DEVICE_SHARE_EXISTS', `this device holds a share of wallet ${existing.info.walletId}: forget it first (forgetDevice)`);
      }
    }
    const { info } = await client.wallet(walletId);
    device.refuseRollback(walletId, info.epoch, 'the server\'s wallet');
    const password = await askPassword({
      title: 'Recover your wallet',
      rows: summaryRows('recover', { walletId, wallet: info }),
      repeat: false,
      approveLabel: 'Recover',
    });
    const fetched = await client.recoveryShare(walletId);
    if (!sameInfo(fetched.info, info)) {
      throw new ProtocolError('EPOCH_CONFLICT', 'the wallet changed on the server during recovery: try again');
    }
    const body = { method: 'keysplit_recover', params: { epoch: info.epoch } };
    return withAuthShare({ client, walletId, epoch: info.epoch, body }, async (auth) => {
      const { deviceKey, authKey, protections } = freshProtections(password);
      try {
        const set = wallet.recover({
          info,
          auth,
          recovery: { role: 'recovery', share: fetched.recoveryShare, password },
          protections,
        });
        await client.replaceShares(walletId, { expected_epoch: info.epoch, ...upload(set, deviceKey, authKey) });
        await device.saveDevice(set.info, set.device, deviceKey);
        setStatus(describeWallet(set.info));
        return { wallet: set.info };
      } finally {
        wipe(deviceKey, authKey);
      }
    });
  },

  async rotate(p) {
    const o = params.fields(p, 'rotate', ['authorization']);
    const client = server();
    const info = currentInfo();
    const body = { method: 'keysplit_rotate', params: { epoch: info.epoch } };
    const authorization = o.authorization === undefined ? undefined : params.authorization(o.authorization);
    if (authorization) checkAuthorization(authorization, info.walletId, body, canonicalBody);
    const password = await askPassword({
      title: 'Rotate your wallet\'s shares',
      rows: summaryRows('rotate', { wallet: info }),
      repeat: true,
      approveLabel: 'Rotate',
    });
    const d = await unlockDevice(info);
    try {
      if (d.info.epoch !== info.epoch) throw new ProtocolError('EPOCH_CONFLICT', 'the device share changed while the request waited');
      return await withAuthShare({ client, walletId: info.walletId, epoch: info.epoch, body, authorization }, async (auth) => {
        const { deviceKey, authKey, protections } = freshProtections(password);
        try {
          const set = wallet.rotate({ info: d.info, shares: [deviceInput(d), auth], protections });
          await client.replaceShares(info.walletId, { expected_epoch: info.epoch, ...upload(set, deviceKey, authKey) });
          // Stored only now that the server swapped its shares to the new set.
          await device.saveDevice(set.info, set.device, deviceKey);
          setStatus(describeWallet(set.info));
          return { wallet: set.info };
        } finally {
          wipe(deviceKey, authKey);
        }
      });
    } finally {
      wipe(d.key);
    }
  },

  async exportMnemonic(p) {
    const o = params.fields(p, 'exportMnemonic', ['recipientPublicKey', 'authorization']);
    if ((o.recipientPublicKey === undefined) !== (o.authorization === undefined)) {
      throw new ProtocolError(
        'INVALID_PARAMS',
        'exportMnemonic takes no params (shown in the wallet) or both recipientPublicKey and authorization (encrypted export)',
      );
    }
    const recipient = o.recipientPublicKey === undefined ? null : params.recipientKey(o.recipientPublicKey);
    const authorization = o.authorization === undefined ? undefined : params.authorization(o.authorization);
    const client = server();
    const info = currentInfo();
    const { walletId } = info;
    const body = { method: 'keysplit_export', params: recipient ? { recipient_public_key: recipient.hex } : {} };
    if (authorization) {
      checkAuthorization(authorization, walletId, body, canonicalBody);
      // The wallet's owner must be a key quorum, and the quorum must have signed this very
      // request: the server checks too, but the wallet does not rely on it alone.
      const { owner } = await client.wallet(walletId);
      const quorum = owner && typeof owner === 'object' ? owner.key_quorum : null;
      if (!quorum) throw new ProtocolError('QUORUM_NOT_MET', 'an encrypted export needs a wallet owned by a key quorum');
      const report = decoding('params.authorization', () =>
        authz.verify({ payload: authorization.request, signatures: authorization.signature, quorum }),
      );
      if (report.met !== true) {
        throw new ProtocolError('QUORUM_NOT_MET', `the authorization has ${report.signers.length} of the ${report.threshold} owner signatures it needs`);
      }
    }
    await confirmAction({
      title: recipient ? 'Export your recovery phrase, encrypted' : 'Show your recovery phrase',
      rows: summaryRows('export', { wallet: info, recipientPublicKey: recipient ? `0x${recipient.hex}` : undefined }),
      approveLabel: recipient ? 'Export' : 'Show',
    });
    const d = await unlockDevice(info);
    let mnemonic = null;
    try {
      mnemonic = await withAuthShare({ client, walletId, epoch: d.info.epoch, body, authorization }, async (auth) =>
        wallet.exportMnemonic({ info: d.info, shares: [deviceInput(d), auth] }),
      );
    } finally {
      wipe(d.key);
    }
    if (!recipient) {
      await showMnemonic({ mnemonic, walletAddress: info.ethereumAddress });
      return { shown: true };
    }
    const plaintext = new TextEncoder().encode(mnemonic);
    try {
      const sealed = custody().sealToRecipient({ recipientPublicKey: recipient.bytes, walletId, plaintext });
      return {
        enc: toHex(sealed.enc),
        ciphertext: toHex(sealed.ciphertext),
        suite: sealed.suite ?? { kem: 'DHKEM(P-256, HKDF-SHA256)', kdf: 'HKDF-SHA256', aead: 'ChaCha20-Poly1305' },
      };
    } finally {
      wipe(plaintext);
    }
  },

  async forgetDevice(p) {
    params.fields(p, 'forgetDevice', []);
    const info = device.storedInfo();
    if (!info) throw new ProtocolError('NO_DEVICE_SHARE', 'this device holds no wallet share');
    await confirmAction({
      title: 'Forget this device\'s share',
      rows: summaryRows('forget', { wallet: info }),
      approveLabel: 'Forget',
    });
    device.forgetDevice();
    setStatus(describeWallet(null));
    return { forgotten: true };
  },

  async setHeadlessPolicy(p) {
    const o = params.fields(p, 'setHeadlessPolicy', ['policy'], ['policy']);
    const policyJson = params.jsonObject(o.policy, 'params.policy');
    const info = device.storedInfo();
    if (!info) throw new ProtocolError('NO_DEVICE_SHARE', 'this device holds no wallet share');
    const text = JSON.stringify(policyJson);
    // Loads the policy the way every later decision will (a probe request that it judges).
    const probe =
      policyJson.chain_type === 'solana'
        ? { from: info.solanaAddress, solanaMessage: 'keysplit policy check' }
        : { from: info.ethereumAddress, message: 'keysplit policy check' };
    decoding('params.policy', () => policy.evaluate({ policy: text, ...probe }));
    await confirmAction({
      title: 'Allow signing without asking',
      rows: summaryRows('policy', { policy: policyJson }),
      details: JSON.stringify(policyJson, null, 2),
      approveLabel: 'Allow',
    });
    device.savePolicy(info.walletId, text);
    return { stored: true };
  },

  async clearHeadlessPolicy(p) {
    params.fields(p, 'clearHeadlessPolicy', []);
    device.clearPolicy();
    return { cleared: true };
  },
};

// ---- transport ---------------------------------------------------------------------

function errorReply(id, error) {
  const known = error instanceof ProtocolError || error instanceof KeysplitError;
  const code = known && typeof error.code === 'string' ? error.code : 'INTERNAL';
  if (!known) console.error('keysplit wallet: internal error', error);
  const message = code === 'INTERNAL' ? 'the wallet failed unexpectedly' : String(error.message).slice(0, 500);
  return { id, ok: false, error: { code, message } };
}

const REQUEST_FIELDS = new Set(['id', 'method', 'params']);

async function handleRequest(data) {
  if (!params.isPlainObject(data)) {
    return errorReply(null, new ProtocolError('MALFORMED_REQUEST', 'a request is an object { id, method, params }'));
  }
  const { id, method } = data;
  const validId = (typeof id === 'string' && id.length <= 128) || Number.isSafeInteger(id);
  if (!validId || typeof method !== 'string') {
    return errorReply(validId ? id : null, new ProtocolError('MALFORMED_REQUEST', 'a request needs a string or integer id and a string method'));
  }
  if (Object.keys(data).some((key) => !REQUEST_FIELDS.has(key))) {
    return errorReply(id, new ProtocolError('MALFORMED_REQUEST', 'a request has only id, method and params'));
  }
  if (!Object.hasOwn(methods, method)) {
    return errorReply(id, new ProtocolError('UNKNOWN_METHOD', `unknown method ${JSON.stringify(method).slice(0, 80)}`));
  }
  try {
    return { id, ok: true, result: await methods[method](data.params) };
  } catch (error) {
    return errorReply(id, error);
  }
}

const enqueue = serialQueue();
let port = null;

function onHandshake(event) {
  // Only our embedding parent, only from an allowed origin, only once; anything else
  // gets no answer at all (not even an error, so a stranger learns nothing).
  if (port !== null) return;
  if (event.source !== window.parent || window.parent === window) return;
  if (!allowedParents.has(event.origin)) return;
  const data = event.data;
  if (!params.isPlainObject(data) || data.type !== 'keysplit:hello') return;
  if (event.ports.length !== 1) return;
  if (data.version !== PROTOCOL_VERSION) {
    event.ports[0].postMessage({ type: 'keysplit:unsupported', versions: [PROTOCOL_VERSION] });
    return;
  }
  port = event.ports[0];
  port.onmessage = (message) => {
    enqueue(() => handleRequest(message.data))
      .catch((error) => errorReply(null, error))
      .then((reply) => port.postMessage(reply));
  };
  port.postMessage({ type: 'keysplit:ready', version: PROTOCOL_VERSION, origin: location.origin });
  window.removeEventListener('message', onHandshake);
}

await init();
window.addEventListener('message', onHandshake);
setStatus(describeWallet(device.storedInfo()));
// Tell the parent we can take the handshake now (no data in it; the parent must still
// send keysplit:hello with a port). Sent to each allowed origin; the browser drops it
// unless the parent's origin matches.
if (window.parent !== window) {
  for (const origin of allowedParents) window.parent.postMessage({ type: 'keysplit:loaded' }, origin);
}
