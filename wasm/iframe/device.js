// What the wallet origin keeps on this device (storage of the wallet origin only; the app
// page cannot read or write it):
//   localStorage 'keysplit.wallet.v1'   { info, share: sealed device share (hex),
//                                        key: { iv, wrapped } }  the device key, wrapped
//                                        (AES-GCM) under a non-extractable WebCrypto key
//   IndexedDB 'keysplit-wallet'/'keys'  that wrapping key (a CryptoKey: no script can
//                                        read its bytes, not even this one)
//   localStorage 'keysplit.epochs.v2'   { walletId: highest epoch whose shares this device
//                                        opened or stored }; kept after forgetDevice
//   localStorage 'keysplit.recovery.v2' { walletId: 'automatic' | 'password' } how the
//                                        recovery share of the set this device last made
//                                        or recovered is sealed; kept after forgetDevice
//   localStorage 'keysplit.policy.v2'   { walletId, policy } the headless policy the user
//                                        confirmed here
import { ProtocolError } from './errors.js';
import { fromHex, toHex, wipe } from './bytes.js';

const STORAGE_KEY = 'keysplit.wallet.v1';
const EPOCHS_KEY = 'keysplit.epochs.v2';
const POLICY_KEY = 'keysplit.policy.v2';
const RECOVERY_MODE_KEY = 'keysplit.recovery.v2';
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

const aadFor = (walletId) => new TextEncoder().encode(`keysplit device key ${walletId}`);

function readJson(key) {
  const text = localStorage.getItem(key);
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** The stored wallet info, without unwrapping the key (null when none). */
export function storedInfo() {
  const record = readJson(STORAGE_KEY);
  return record && typeof record.info === 'object' ? record.info : null;
}

/**
 * The device record `{ info, share, key }` with the device key unwrapped (the caller wipes
 * `key` after use), or null when there is none or it does not open. A record older than
 * the highest epoch this device has seen for its wallet is EPOCH_ROLLBACK.
 */
export async function loadDevice() {
  const record = readJson(STORAGE_KEY);
  if (!record || typeof record.info !== 'object' || record.info === null) return null;
  let key;
  try {
    key = new Uint8Array(
      await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: fromHex(record.key.iv, 'iv'), additionalData: aadFor(record.info.walletId) },
        await wrappingKey(),
        fromHex(record.key.wrapped, 'wrapped key'),
      ),
    );
  } catch {
    return null;
  }
  const device = { info: record.info, share: fromHex(record.share, 'share'), key };
  if (device.info.epoch < highestEpoch(device.info.walletId)) {
    wipe(key);
    throw new ProtocolError(
      'EPOCH_ROLLBACK',
      `the stored device share is at epoch ${device.info.epoch}, older than epoch ${highestEpoch(device.info.walletId)} seen before`,
    );
  }
  return device;
}

/** The device record, or NO_DEVICE_SHARE. */
export async function requireDevice() {
  const device = await loadDevice();
  if (!device) {
    throw new ProtocolError('NO_DEVICE_SHARE', 'this device holds no wallet share: create a wallet or recover it');
  }
  return device;
}

/** Stores a new device share (after the server accepted its set) and wipes `deviceKey`. */
export async function saveDevice(info, sealedDeviceShare, deviceKey) {
  try {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const wrapped = new Uint8Array(
      await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aadFor(info.walletId) }, await wrappingKey(), deviceKey),
    );
    localStorage.setItem(
      STORAGE_KEY,
      JSON.stringify({ info, share: toHex(sealedDeviceShare), key: { iv: toHex(iv), wrapped: toHex(wrapped) } }),
    );
    noteEpoch(info.walletId, info.epoch);
  } finally {
    wipe(deviceKey);
  }
}

/** Forgets the device share (and the wallet's headless policy); the epoch record stays. */
export function forgetDevice() {
  localStorage.removeItem(STORAGE_KEY);
  localStorage.removeItem(POLICY_KEY);
}

// ---- epochs ------------------------------------------------------------------------

/** The highest epoch this device opened or stored for `walletId` (-1: none). */
export function highestEpoch(walletId) {
  const epochs = readJson(EPOCHS_KEY);
  const value = epochs && Object.hasOwn(epochs, walletId) ? epochs[walletId] : -1;
  return Number.isSafeInteger(value) ? value : -1;
}

/** Records that shares of `walletId` at `epoch` were opened or stored here. */
export function noteEpoch(walletId, epoch) {
  if (epoch <= highestEpoch(walletId)) return;
  const epochs = readJson(EPOCHS_KEY) ?? {};
  epochs[walletId] = epoch;
  localStorage.setItem(EPOCHS_KEY, JSON.stringify(epochs));
}

/** EPOCH_ROLLBACK unless `epoch` is at least the highest seen for `walletId`. */
export function refuseRollback(walletId, epoch, what) {
  const highest = highestEpoch(walletId);
  if (epoch < highest) {
    throw new ProtocolError('EPOCH_ROLLBACK', `${what} is at epoch ${epoch}, older than epoch ${highest} seen on this device`);
  }
}

// ---- recovery mode -----------------------------------------------------------------

/** 'automatic' or 'password' as this device last set up `walletId`, or null (unknown). */
export function recoveryMode(walletId) {
  const modes = readJson(RECOVERY_MODE_KEY);
  const value = modes && Object.hasOwn(modes, walletId) ? modes[walletId] : null;
  return value === 'automatic' || value === 'password' ? value : null;
}

/** Records how the recovery share of the set this device made or recovered is sealed. */
export function noteRecoveryMode(walletId, mode) {
  const modes = readJson(RECOVERY_MODE_KEY) ?? {};
  modes[walletId] = mode;
  localStorage.setItem(RECOVERY_MODE_KEY, JSON.stringify(modes));
}

// ---- headless policy ---------------------------------------------------------------

/** The confirmed headless policy (JSON text) of `walletId`, or null. */
export function storedPolicy(walletId) {
  const record = readJson(POLICY_KEY);
  return record && record.walletId === walletId && typeof record.policy === 'string' ? record.policy : null;
}

export function savePolicy(walletId, policyText) {
  localStorage.setItem(POLICY_KEY, JSON.stringify({ walletId, policy: policyText }));
}

export function clearPolicy() {
  localStorage.removeItem(POLICY_KEY);
}
