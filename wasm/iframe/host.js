// keysplit wallet host: runs in an iframe on its own origin. It holds the device share
// (sealed, in this origin's localStorage, which the embedding app cannot read), takes
// the auth share from the app, and does every secret operation inside this realm.
// Protocol: see PROTOCOL.md. It never posts entropy, seeds, keys or unsealed shares;
// only addresses, signatures, sealed shares, and the mnemonic on an explicit export.
import { init, wallet, KeysplitError } from '/pkg/web.js';

const PROTOCOL_VERSION = 1;
const STORAGE_KEY = 'keysplit.wallet.v1';

const allowedParents = new Set(
  (document.querySelector('meta[name="keysplit-allowed-parents"]')?.content ?? '').split(/\s+/).filter(Boolean),
);
const status = document.getElementById('status');
const setStatus = (text) => {
  status.textContent = `keysplit wallet: ${text}`;
};

// ---- bytes <-> hex (the protocol carries bytes as 0x-hex strings) -------------------

function toHex(bytes) {
  let out = '0x';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

function fromHex(text, what) {
  if (typeof text !== 'string' || !/^(0x)?([0-9a-fA-F]{2})*$/.test(text)) {
    throw new ProtocolError('INVALID_PARAMS', `${what} must be a hex string`);
  }
  const digits = text.startsWith('0x') ? text.slice(2) : text;
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}

class ProtocolError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

// ---- device storage ----------------------------------------------------------------
// localStorage holds { info, share: sealed device share, key: wrapped device key }. The
// device key is wrapped (AES-GCM) under a non-extractable WebCrypto key kept in this
// origin's IndexedDB: no script can read that key's bytes, not even this one.

const DB_NAME = 'keysplit-wallet';
const DB_STORE = 'keys';
const WRAPPING_KEY_ID = 'device-wrapping-key';

function idb(mode, action) {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(DB_NAME, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(DB_STORE);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const request = action(db.transaction(DB_STORE, mode).objectStore(DB_STORE));
      request.onsuccess = () => {
        db.close();
        resolve(request.result);
      };
      request.onerror = () => {
        db.close();
        reject(request.error);
      };
    };
  });
}

async function wrappingKey() {
  const existing = await idb('readonly', (store) => store.get(WRAPPING_KEY_ID));
  if (existing) return existing;
  const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  await idb('readwrite', (store) => store.put(key, WRAPPING_KEY_ID));
  return key;
}

async function loadDevice() {
  const text = localStorage.getItem(STORAGE_KEY);
  if (!text) return null;
  try {
    const record = JSON.parse(text);
    const aad = new TextEncoder().encode(`keysplit device key ${record.info.walletId}`);
    const key = new Uint8Array(
      await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: fromHex(record.key.iv, 'iv'), additionalData: aad },
        await wrappingKey(),
        fromHex(record.key.wrapped, 'wrapped key'),
      ),
    );
    return { info: record.info, share: fromHex(record.share, 'share'), key };
  } catch {
    return null;
  }
}

async function saveDevice(info, sealedDeviceShare, deviceKey) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const aad = new TextEncoder().encode(`keysplit device key ${info.walletId}`);
  const wrapped = new Uint8Array(
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad }, await wrappingKey(), deviceKey),
  );
  deviceKey.fill(0);
  localStorage.setItem(
    STORAGE_KEY,
    JSON.stringify({ info, share: toHex(sealedDeviceShare), key: { iv: toHex(iv), wrapped: toHex(wrapped) } }),
  );
}

async function requireDevice() {
  const device = await loadDevice();
  if (!device) {
    throw new ProtocolError('NO_DEVICE_SHARE', 'this device holds no wallet share: create a wallet or recover it');
  }
  return device;
}

// ---- parameters --------------------------------------------------------------------

function object(value, what) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ProtocolError('INVALID_PARAMS', `${what} must be an object`);
  }
  return value;
}

function string(value, what) {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ProtocolError('INVALID_PARAMS', `${what} must be a non-empty string`);
  }
  return value;
}

/** The auth share as the app's backend released it: { share: hex, key: hex }. */
function authInput(params) {
  const auth = object(params.auth, 'params.auth');
  return { role: 'auth', share: fromHex(auth.share, 'auth.share'), key: fromHex(auth.key, 'auth.key') };
}

function index(params) {
  const value = params.index ?? 0;
  if (!Number.isSafeInteger(value) || value < 0) throw new ProtocolError('INVALID_PARAMS', 'index must be a non-negative integer');
  return value;
}

async function deviceAndAuth(params) {
  const device = await requireDevice();
  return {
    info: device.info,
    shares: [{ role: 'device', share: device.share, key: device.key }, authInput(params)],
  };
}

/** Seals a fresh set: a new device key (kept here), the app's auth key, the password. */
function protectionsFor(params, authKey) {
  const password = string(params.recoveryPassword, 'params.recoveryPassword');
  // The Argon2id cost protects the recovery share against whoever holds it, so it is the
  // wallet origin's (the library's floor and default), never the parent page's.
  if (params.argon2 !== undefined) {
    throw new ProtocolError('INVALID_PARAMS', 'params.argon2 is not accepted: the wallet sets the recovery password cost');
  }
  const deviceKey = wallet.generateKey();
  return {
    deviceKey,
    protections: {
      device: { key: deviceKey },
      auth: { key: authKey },
      recovery: { password },
    },
  };
}

/** Stores the new device share and returns what the app's backend keeps (all public). */
async function adopt(set, deviceKey) {
  await saveDevice(set.info, set.device, deviceKey);
  setStatus(`wallet ${set.info.ethereumAddress} (epoch ${set.info.epoch})`);
  return { info: set.info, authShare: toHex(set.auth), recoveryShare: toHex(set.recovery) };
}

// ---- methods -----------------------------------------------------------------------

const methods = {
  async status() {
    const device = await loadDevice();
    return { version: PROTOCOL_VERSION, hasDeviceShare: device !== null, info: device?.info ?? null };
  },

  /** New wallet. params: { authKey: hex (32 bytes, from the app's backend), recoveryPassword, argon2? } */
  async createWallet(params) {
    const authKey = fromHex(string(params.authKey, 'params.authKey'), 'authKey');
    const { deviceKey, protections } = protectionsFor(params, authKey);
    return adopt(wallet.create({ protections }), deviceKey);
  },

  /** Existing mnemonic as a new wallet. params: { mnemonic, authKey, recoveryPassword, argon2? } */
  async importWallet(params) {
    const authKey = fromHex(string(params.authKey, 'params.authKey'), 'authKey');
    const { deviceKey, protections } = protectionsFor(params, authKey);
    return adopt(wallet.import({ mnemonic: string(params.mnemonic, 'params.mnemonic'), protections }), deviceKey);
  },

  /** params: { auth, chain?, index? } (index 0 needs no auth: it is in the wallet info). */
  async getAddress(params) {
    const chain = params.chain ?? 'ethereum';
    const i = index(params);
    if (i === 0 && params.auth === undefined) {
      const { info } = await requireDevice();
      return { address: chain === 'solana' ? info.solanaAddress : info.ethereumAddress };
    }
    return { address: wallet.address({ ...(await deviceAndAuth(params)), chain, index: i }) };
  },

  /** EIP-191 personal_sign. params: { auth, message: string, index? } */
  async signMessage(params) {
    const message = typeof params.message === 'string' ? params.message : fromHex(params.message, 'message');
    const i = index(params);
    const opened = await deviceAndAuth(params);
    const signature = wallet.signMessage({ ...opened, message, index: i });
    return { signature: toHex(signature), address: wallet.recoverMessageSigner(message, signature) };
  },

  /** params: { auth, digest: hex (32 bytes), index? } */
  async signDigest(params) {
    const digest = fromHex(params.digest, 'digest');
    const opened = await deviceAndAuth(params);
    return { signature: toHex(wallet.hazmat.signDigest({ ...opened, digest, index: index(params) })) };
  },

  /** EIP-712. params: { auth, domainSeparator: hex, structHash: hex, index? } */
  async signTypedData(params) {
    const domainSeparator = fromHex(params.domainSeparator, 'domainSeparator');
    const structHash = fromHex(params.structHash, 'structHash');
    const opened = await deviceAndAuth(params);
    const signature = wallet.hazmat.signTypedDataHashes({ ...opened, domainSeparator, structHash, index: index(params) });
    return { signature: toHex(signature) };
  },

  /** Solana ed25519. params: { auth, message: string or hex, index? } */
  async signSolanaMessage(params) {
    const message = typeof params.message === 'string' && !params.message.startsWith('0x')
      ? params.message
      : fromHex(params.message, 'message');
    const opened = await deviceAndAuth(params);
    const i = index(params);
    return {
      signature: toHex(wallet.signSolanaMessage({ ...opened, message, index: i })),
      address: wallet.address({ ...opened, chain: 'solana', index: i }),
    };
  },

  /** New device: the app's auth share + the user's recovery share and password.
   * params: { info, auth, recoveryShare: hex, recoveryPassword, argon2? } */
  async recover(params) {
    const info = object(params.info, 'params.info');
    const auth = authInput(params);
    const recovery = {
      role: 'recovery',
      share: fromHex(params.recoveryShare, 'recoveryShare'),
      password: string(params.recoveryPassword, 'params.recoveryPassword'),
    };
    const { deviceKey, protections } = protectionsFor(params, auth.key);
    return adopt(wallet.recover({ info, auth, recovery, protections }), deviceKey);
  },

  /** Fresh shares at epoch + 1 from the device and auth shares.
   * params: { auth, recoveryPassword, argon2? } */
  async rotate(params) {
    const opened = await deviceAndAuth(params);
    const { deviceKey, protections } = protectionsFor(params, opened.shares[1].key);
    return adopt(wallet.rotate({ ...opened, protections }), deviceKey);
  },

  /** The mnemonic, only on an explicit request. params: { auth, confirm: "export" } */
  async exportMnemonic(params) {
    if (params.confirm !== 'export') {
      throw new ProtocolError('CONFIRMATION_REQUIRED', 'exportMnemonic needs params.confirm = "export"');
    }
    return { mnemonic: wallet.exportMnemonic(await deviceAndAuth(params)) };
  },

  /** Forgets this device's share (a lost or wiped device). */
  clearDeviceShare() {
    localStorage.removeItem(STORAGE_KEY);
    setStatus('no wallet on this device');
    return { cleared: true };
  },
};

// ---- transport ---------------------------------------------------------------------

function errorReply(id, error) {
  const code = error instanceof ProtocolError || error instanceof KeysplitError ? error.code : 'INTERNAL';
  const message = code === 'INTERNAL' ? 'the wallet failed unexpectedly' : String(error.message);
  return { id, ok: false, error: { code, message } };
}

async function handleRequest(data) {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return errorReply(null, new ProtocolError('MALFORMED_REQUEST', 'a request is an object { id, method, params }'));
  }
  const { id, method, params = {} } = data;
  if ((typeof id !== 'string' && typeof id !== 'number') || typeof method !== 'string') {
    const replyId = typeof id === 'string' || typeof id === 'number' ? id : null;
    return errorReply(replyId, new ProtocolError('MALFORMED_REQUEST', 'a request needs a string or number id and a string method'));
  }
  if (!Object.hasOwn(methods, method)) {
    return errorReply(id, new ProtocolError('UNKNOWN_METHOD', `unknown method ${JSON.stringify(method).slice(0, 80)}`));
  }
  try {
    return { id, ok: true, result: await methods[method](object(params, 'params')) };
  } catch (error) {
    return errorReply(id, error);
  }
}

let port = null;

function onHandshake(event) {
  // Only our embedding parent, only from an allowed origin, only once; anything else
  // gets no answer at all (not even an error, so a stranger learns nothing).
  if (port !== null) return;
  if (event.source !== window.parent || window.parent === window) return;
  if (!allowedParents.has(event.origin)) return;
  const data = event.data;
  if (data === null || typeof data !== 'object' || data.type !== 'keysplit:hello') return;
  if (event.ports.length !== 1) return;
  port = event.ports[0];
  port.onmessage = async (message) => {
    let reply;
    try {
      reply = await handleRequest(message.data);
    } catch (error) {
      reply = errorReply(null, error);
    }
    port.postMessage(reply);
  };
  port.postMessage({ type: 'keysplit:ready', version: PROTOCOL_VERSION, origin: location.origin });
  window.removeEventListener('message', onHandshake);
}

await init();
window.addEventListener('message', onHandshake);
const device = await loadDevice();
setStatus(device ? `wallet ${device.info.ethereumAddress} (epoch ${device.info.epoch})` : 'no wallet on this device');
// Tell the parent we can take the handshake now (no data in it; the parent must still
// send keysplit:hello with a port). Sent to each allowed origin; the browser drops it
// unless the parent's origin matches.
if (window.parent !== window) {
  for (const origin of allowedParents) window.parent.postMessage({ type: 'keysplit:loaded' }, origin);
}
