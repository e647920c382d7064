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
import { confirmAction, askPassword, setRequester, showMnemonic, summaryRows } from './confirm.js';
import { fromHex, toHex, wipe } from './bytes.js';
import * as device from './device.js';
import * as params from './params.js';
import { serialQueue } from './queue.js';
import {
  checkAuthorization,
  checkExactRequest,
  configuredServer,
  fromServerInfo,
  releasePayload,
  requestPayload,
  sameInfo,
  serverClient,
  toServerInfo,
} from './server.js';

const { init, wallet, policy, authz, KeysplitError } = keysplit;

const PROTOCOL_VERSION = 2;
/** How long a key-quorum owner's upload waits for its signatures (its request's expiry). */
const UPLOAD_TTL_MS = 10 * 60 * 1000;
/** The body of a recovery-key request (the server does not interpret it). */
const RECOVERY_KEY_BODY = { method: 'keysplit_recover', params: {} };

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

/** The upload `proof`: EIP-191 by the wallet's index-0 key over the upload statement. */
function uploadProof(set, deviceKey, authKey) {
  const statement = custody().uploadStatement(set.info);
  const signature = wallet.signMessage({
    info: set.info,
    shares: [
      { role: 'device', share: set.device, key: deviceKey },
      { role: 'auth', share: set.auth, key: authKey },
    ],
    message: statement,
  });
  return toHex(signature);
}

/**
 * The plain upload of a new set (create, and rotation or recovery of a user-owned
 * wallet): the auth key, the sealed shares, the proof, and the recovery key when the
 * server keeps it (automatic recovery).
 */
function upload(set, deviceKey, authKey, recoveryKey = null) {
  return {
    wallet: toServerInfo(set.info),
    auth_share: toHex(set.auth, false),
    auth_key: toHex(authKey, false),
    recovery_share: toHex(set.recovery, false),
    proof: uploadProof(set, deviceKey, authKey),
    ...(recoveryKey ? { recovery_key: toHex(recoveryKey, false) } : {}),
  };
}

/**
 * Fresh device and auth keys; the recovery share sealed under `password`, or, when it is
 * null (automatic recovery), under a fresh recovery key the server will keep.
 */
function freshProtections(password) {
  const deviceKey = wallet.generateKey();
  const authKey = wallet.generateKey();
  const recoveryKey = password === null ? wallet.generateKey() : null;
  return {
    deviceKey,
    authKey,
    recoveryKey,
    protections: {
      device: { key: deviceKey },
      auth: { key: authKey },
      recovery: recoveryKey ? { key: recoveryKey } : { password },
    },
  };
}

const sha256Hex = async (bytes) => toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)), false);

/** A wallet owner's key quorum (`{threshold, members}`), or null for a user owner. */
function keyQuorum(owner) {
  return owner && typeof owner === 'object' && owner.key_quorum && typeof owner.key_quorum === 'object' ? owner.key_quorum : null;
}

// ---- a key-quorum owner's upload, waiting for its signatures (memory only) -------------

/**
 * `{ kind, walletId, expectedEpoch, set, deviceKey, authKey, recoveryKey, request,
 * expiresAt, timer }`, or null. One at a time; never stored; wiped on cancel, on expiry,
 * on forgetDevice and after completion.
 */
let pendingUpload = null;

function wipePendingUpload() {
  const up = pendingUpload;
  pendingUpload = null;
  if (!up) return;
  clearTimeout(up.timer);
  wipe(up.deviceKey, up.authKey, up.recoveryKey, up.set.device, up.set.auth, up.set.recovery);
}

/** The pending upload, or null (an expired one is wiped first). */
function currentPendingUpload() {
  if (pendingUpload && Date.now() >= pendingUpload.expiresAt) wipePendingUpload();
  return pendingUpload;
}

function refusePendingUpload() {
  const up = currentPendingUpload();
  if (up) {
    throw new ProtocolError(
      'UPLOAD_PENDING',
      `an upload of wallet ${up.walletId} (epoch ${up.set.info.epoch}) waits for its signatures: completeUpload or cancelUpload first`,
    );
  }
}

/**
 * Sends a new set. A user owner: the plain `PUT`, then the device share is stored. A
 * key-quorum owner: nothing is sent yet; the set and its keys wait in memory and the
 * parent gets the unsigned upload request (public parts and the shares' SHA-256) for the
 * quorum to sign (`completeUpload`). Takes ownership of the keys (wiped or kept).
 */
async function finishUpload({ client, kind, expectedEpoch, set, deviceKey, authKey, recoveryKey, quorum }) {
  const walletId = set.info.walletId;
  let kept = false;
  try {
    if (!quorum) {
      await client.replaceShares(walletId, { expected_epoch: expectedEpoch, ...upload(set, deviceKey, authKey, recoveryKey) });
      // Stored only now that the server swapped its shares to the new set.
      await device.saveDevice(set.info, set.device, deviceKey);
      device.noteRecoveryMode(walletId, recoveryKey ? 'automatic' : 'password');
      setStatus(describeWallet(set.info));
      return { wallet: set.info };
    }
    const request = requestPayload(
      'PUT',
      `${client.origin}/v1/wallets/${walletId}/shares`,
      {
        expected_epoch: expectedEpoch,
        wallet: toServerInfo(set.info),
        proof: uploadProof(set, deviceKey, authKey),
        auth_share_sha256: await sha256Hex(set.auth),
        recovery_share_sha256: await sha256Hex(set.recovery),
      },
      UPLOAD_TTL_MS,
    );
    const expiresAt = Number(request.headers['privy-request-expiry']);
    const up = { kind, walletId, expectedEpoch, set, deviceKey, authKey, recoveryKey, request, expiresAt, timer: null };
    up.timer = setTimeout(() => {
      if (pendingUpload === up) wipePendingUpload();
    }, expiresAt - Date.now());
    pendingUpload = up;
    kept = true;
    setStatus(`${describeWallet(device.storedInfo())}; an upload of epoch ${set.info.epoch} waits for the key quorum`);
    return { pendingUpload: { request } };
  } finally {
    if (!kept) wipe(deviceKey, authKey, recoveryKey);
  }
}

/** Server refusals after which the same pending upload may still succeed. */
const RETRYABLE_UPLOAD = new Set([
  'QUORUM_NOT_MET',
  'INVALID_AUTHORIZATION_SIGNATURE',
  'TOO_MANY_SIGNATURES',
  'UNAUTHENTICATED',
  'RATE_LIMITED',
  'UNAVAILABLE',
  'SERVER_UNREACHABLE',
]);

/**
 * The recovery key of a wallet with automatic recovery, fetched over HPKE like a release
 * and opened with this iframe's own digest and info (recovery-key label || wallet id ||
 * epoch). The caller wipes it.
 */
async function fetchRecoveryKey({ client, walletId, epoch, authorization }) {
  const api = custody();
  const payload = authorization
    ? authorization.request
    : requestPayload('POST', `${client.origin}/v1/wallets/${walletId}/recovery-key`, RECOVERY_KEY_BODY);
  const digest = decoding('recoveryKeyAuthorization.request', () => api.requestDigest(payload));
  const releaseKey = api.generateReleaseKey();
  try {
    const answer = await client.recoveryKey(walletId, {
      request: payload,
      ...(authorization ? { authorization_signature: authorization.signature } : {}),
      hpke_public_key: toHex(releaseKey.publicKey, false),
    });
    let serverInfo = null;
    try {
      serverInfo = fromServerInfo(answer.wallet);
    } catch {
      throw new ProtocolError('RELEASE_REJECTED', 'the recovery-key answer names no valid wallet');
    }
    if (serverInfo.walletId !== walletId) throw new ProtocolError('RELEASE_REJECTED', 'the recovery-key answer is for another wallet');
    if (serverInfo.epoch !== epoch) throw new ProtocolError('EPOCH_CONFLICT', 'the wallet changed on the server during recovery: try again');
    const enc = fromHex(answer.enc, 'the recovery-key answer\'s enc', 'RELEASE_REJECTED');
    const ciphertext = fromHex(answer.ciphertext, 'the recovery-key answer\'s ciphertext', 'RELEASE_REJECTED');
    return releaseKey.openRecoveryKey({ walletId, epoch, requestDigest: digest, enc, ciphertext });
  } finally {
    releaseKey.free();
  }
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
    const o = params.fields(p, 'createWallet', ['automaticRecovery']);
    const automatic = params.flag(o.automaticRecovery, 'params.automaticRecovery');
    const client = server();
    const existing = await device.loadDevice();
    if (existing) {
      wipe(existing.key);
      throw new ProtocolError('DEVICE_SHARE_EXISTS', `this device already holds a share of wallet ${existing.info.walletId}: forget it first (forgetDevice)`);
    }
    let password = null;
    if (automatic) {
      await confirmAction({
        title: 'Create a wallet',
        rows: [
          ['Action', 'Create a new wallet'],
          [
            'Recovery',
            'automatic, without a password: the keysplit server will be able to recover this wallet for the signed-in user (and so can whoever runs that server, or holds this account\'s sign-in)',
            { warn: true },
          ],
        ],
        approveLabel: 'Create',
      });
    } else {
      password = await askPassword({
        title: 'Create a wallet',
        rows: [
          ['Action', 'Create a new wallet'],
          ['Recovery password', 'Choose the password that recovers this wallet on a new device'],
        ],
        repeat: true,
        approveLabel: 'Create',
      });
    }
    const { deviceKey, authKey, recoveryKey, protections } = freshProtections(password);
    try {
      const set = wallet.create({ protections });
      await client.create(upload(set, deviceKey, authKey, recoveryKey));
      // Stored only now that the server holds the other two shares.
      await device.saveDevice(set.info, set.device, deviceKey);
      device.noteRecoveryMode(set.info.walletId, recoveryKey ? 'automatic' : 'password');
      setStatus(describeWallet(set.info));
      return { wallet: set.info };
    } finally {
      wipe(deviceKey, authKey, recoveryKey);
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
    const o = params.fields(p, 'recover', ['walletId', 'authorization', 'recoveryAuthorization', 'recoveryKeyAuthorization'], ['walletId']);
    const walletId = params.walletId(o.walletId);
    const authorization = o.authorization === undefined ? undefined : params.authorization(o.authorization);
    const recoveryAuthorization =
      o.recoveryAuthorization === undefined ? undefined : params.authorization(o.recoveryAuthorization, 'params.recoveryAuthorization');
    const recoveryKeyAuthorization =
      o.recoveryKeyAuthorization === undefined
        ? undefined
        : params.authorization(o.recoveryKeyAuthorization, 'params.recoveryKeyAuthorization');
    const client = server();
    refusePendingUpload();
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
    const { info, owner, automaticRecovery } = await client.wallet(walletId);
    device.refuseRollback(walletId, info.epoch, 'the server\'s wallet');
    const body = { method: 'keysplit_recover', params: { epoch: info.epoch } };
    // Every authorization is checked before anything is asked.
    if (authorization) checkAuthorization(authorization, walletId, body, canonicalBody);
    if (recoveryAuthorization) {
      checkExactRequest(
        recoveryAuthorization,
        { method: 'POST', url: `${client.origin}/v1/wallets/${walletId}/recovery-share`, body: {} },
        canonicalBody,
        'params.recoveryAuthorization',
      );
    }
    if (recoveryKeyAuthorization) {
      if (!automaticRecovery) throw new ProtocolError('NO_AUTOMATIC_RECOVERY', 'this wallet has no automatic recovery: recover it with its password');
      checkExactRequest(
        recoveryKeyAuthorization,
        { method: 'POST', url: `${client.origin}/v1/wallets/${walletId}/recovery-key`, body: RECOVERY_KEY_BODY },
        canonicalBody,
        'params.recoveryKeyAuthorization',
      );
    }
    const quorum = keyQuorum(owner);
    if (quorum) {
      const missing = [
        authorization ? null : 'authorization (the release)',
        recoveryAuthorization ? null : 'recoveryAuthorization (the recovery share)',
        automaticRecovery && !recoveryKeyAuthorization ? 'recoveryKeyAuthorization (the recovery key)' : null,
      ].filter(Boolean);
      if (missing.length) {
        throw new ProtocolError('SIGNED_REQUEST_REQUIRED', `this wallet is owned by a key quorum: recover needs its signed ${missing.join(', ')}`);
      }
    }
    const rows = summaryRows('recover', { walletId, wallet: info, automaticRecovery, quorum: quorum !== null });
    let password = null;
    if (automaticRecovery) {
      await confirmAction({ title: 'Recover your wallet', rows, approveLabel: 'Recover' });
    } else {
      password = await askPassword({ title: 'Recover your wallet', rows, repeat: false, approveLabel: 'Recover' });
    }
    const fetched = await client.recoveryShare(walletId, recoveryAuthorization);
    if (!sameInfo(fetched.info, info)) {
      throw new ProtocolError('EPOCH_CONFLICT', 'the wallet changed on the server during recovery: try again');
    }
    let facts = null;
    try {
      facts = wallet.sealedShareInfo(fetched.recoveryShare);
    } catch {
      facts = {};
    }
    if (facts.role !== 'recovery' || facts.walletId !== walletId || facts.epoch !== info.epoch || facts.passwordSealed === automaticRecovery) {
      throw new ProtocolError('SERVER_ERROR', 'the server\'s recovery share is not this wallet\'s recovery share of this epoch and kind');
    }
    const recoveryKey = automaticRecovery
      ? await fetchRecoveryKey({ client, walletId, epoch: info.epoch, authorization: recoveryKeyAuthorization })
      : null;
    try {
      return await withAuthShare({ client, walletId, epoch: info.epoch, body, authorization }, async (auth) => {
        const fresh = freshProtections(password);
        let set;
        try {
          set = wallet.recover({
            info,
            auth,
            recovery: { role: 'recovery', share: fetched.recoveryShare, ...(recoveryKey ? { key: recoveryKey } : { password }) },
            protections: fresh.protections,
          });
        } catch (error) {
          wipe(fresh.deviceKey, fresh.authKey, fresh.recoveryKey);
          throw error;
        }
        return finishUpload({ client, kind: 'recover', expectedEpoch: info.epoch, set, ...fresh, quorum });
      });
    } finally {
      wipe(recoveryKey);
    }
  },

  async rotate(p) {
    const o = params.fields(p, 'rotate', ['authorization']);
    const client = server();
    const info = currentInfo();
    refusePendingUpload();
    const body = { method: 'keysplit_rotate', params: { epoch: info.epoch } };
    const authorization = o.authorization === undefined ? undefined : params.authorization(o.authorization);
    if (authorization) checkAuthorization(authorization, info.walletId, body, canonicalBody);
    // The owner decides the upload's form; automatic recovery stays on with a new key.
    const remote = await client.wallet(info.walletId);
    const quorum = keyQuorum(remote.owner);
    // The recovery mode this device set up wins over the server's flag: a server that
    // claimed automatic recovery for a password wallet would get the new recovery key.
    const known = device.recoveryMode(info.walletId);
    const automaticRecovery = known === null ? remote.automaticRecovery : known === 'automatic';
    if (automaticRecovery !== remote.automaticRecovery) {
      throw new ProtocolError(
        'SERVER_ERROR',
        `the server says this wallet ${remote.automaticRecovery ? 'has' : 'has no'} automatic recovery, which is not how this device set it up: recover the wallet`,
      );
    }
    if (quorum && !authorization) {
      throw new ProtocolError('SIGNED_REQUEST_REQUIRED', 'this wallet is owned by a key quorum: rotate needs its signed authorization (the release)');
    }
    const rows = summaryRows('rotate', { wallet: info, automaticRecovery, quorum: quorum !== null });
    let password = null;
    if (automaticRecovery) {
      await confirmAction({ title: 'Rotate your wallet\'s shares', rows, approveLabel: 'Rotate' });
    } else {
      password = await askPassword({ title: 'Rotate your wallet\'s shares', rows, repeat: true, approveLabel: 'Rotate' });
    }
    const d = await unlockDevice(info);
    try {
      if (d.info.epoch !== info.epoch) throw new ProtocolError('EPOCH_CONFLICT', 'the device share changed while the request waited');
      return await withAuthShare({ client, walletId: info.walletId, epoch: info.epoch, body, authorization }, async (auth) => {
        const fresh = freshProtections(password);
        let set;
        try {
          set = wallet.rotate({ info: d.info, shares: [deviceInput(d), auth], protections: fresh.protections });
        } catch (error) {
          wipe(fresh.deviceKey, fresh.authKey, fresh.recoveryKey);
          throw error;
        }
        return finishUpload({ client, kind: 'rotate', expectedEpoch: info.epoch, set, ...fresh, quorum });
      });
    } finally {
      wipe(d.key);
    }
  },

  async completeUpload(p) {
    const o = params.fields(p, 'completeUpload', ['signature'], ['signature']);
    const signature = params.string(o.signature, 'params.signature', { max: 64 * 200 });
    const client = server();
    const up = currentPendingUpload();
    if (!up) throw new ProtocolError('NO_PENDING_UPLOAD', 'no upload waits for signatures (none was made, or it was cancelled, completed or expired)');
    // The device must still be where the upload started (another tab may have changed it).
    const stored = device.storedInfo();
    if (up.kind === 'rotate' && (!stored || stored.walletId !== up.walletId || stored.epoch !== up.expectedEpoch)) {
      wipePendingUpload();
      throw new ProtocolError('EPOCH_CONFLICT', 'the device share changed while the upload waited');
    }
    if (up.kind === 'recover' && stored && stored.walletId !== up.walletId) {
      wipePendingUpload();
      throw new ProtocolError('DEVICE_SHARE_EXISTS', `this device now holds a share of wallet ${stored.walletId}`);
    }
    try {
      await client.replaceShares(up.walletId, {
        request: up.request,
        authorization_signature: signature,
        auth_share: toHex(up.set.auth, false),
        auth_key: toHex(up.authKey, false),
        recovery_share: toHex(up.set.recovery, false),
        ...(up.recoveryKey ? { recovery_key: toHex(up.recoveryKey, false) } : {}),
      });
    } catch (error) {
      // Too few or bad signatures, no answer, an expired token: the same upload may still
      // go through. Anything else (a conflict, a replay, an expired request) cannot.
      if (!(error instanceof ProtocolError && RETRYABLE_UPLOAD.has(error.code))) wipePendingUpload();
      throw error;
    }
    // Accepted: store the new device share, then wipe the rest.
    pendingUpload = null;
    clearTimeout(up.timer);
    try {
      await device.saveDevice(up.set.info, up.set.device, up.deviceKey);
      device.noteRecoveryMode(up.walletId, up.recoveryKey ? 'automatic' : 'password');
    } finally {
      wipe(up.deviceKey, up.authKey, up.recoveryKey);
    }
    setStatus(describeWallet(up.set.info));
    return { wallet: up.set.info };
  },

  async cancelUpload(p) {
    params.fields(p, 'cancelUpload', []);
    const had = currentPendingUpload() !== null;
    wipePendingUpload();
    setStatus(describeWallet(device.storedInfo()));
    return { cancelled: had };
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
    wipePendingUpload();
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
  setRequester(event.origin);
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
