// The demo app: embeds the wallet iframe and plays the app's backend with this origin's
// localStorage (a real app keeps the auth share and its key on its server and releases
// them to the wallet after the user signs in).
import { connectWallet } from '/keysplit-client.js';

const walletOrigin = document.querySelector('meta[name="keysplit-wallet-origin"]').content;
const $ = (id) => document.getElementById(id);
const BACKEND_KEY = 'demo.backend.v1';

// Everything the wallet sends back, kept for inspection (the end-to-end test checks that
// no secret ever arrives here).
window.walletReplies = [];

const backend = {
  load: () => JSON.parse(localStorage.getItem(BACKEND_KEY) ?? 'null'),
  save: (record) => localStorage.setItem(BACKEND_KEY, JSON.stringify(record)),
};

function randomHex(bytes) {
  const data = crypto.getRandomValues(new Uint8Array(bytes));
  return '0x' + Array.from(data, (b) => b.toString(16).padStart(2, '0')).join('');
}

function log(text, isError = false) {
  const item = document.createElement('li');
  item.textContent = text;
  if (isError) item.className = 'error';
  $('log').prepend(item);
}

let client;

async function call(method, params) {
  try {
    const result = await client.call(method, params);
    window.walletReplies.push({ method, ok: true, result });
    return result;
  } catch (error) {
    window.walletReplies.push({ method, ok: false, error: { code: error.code, message: error.message } });
    log(`${method}: ${error.code}: ${error.message}`, true);
    throw error;
  }
}

function authFromBackend() {
  const record = backend.load();
  if (!record) throw new Error('the backend has no wallet for this user');
  return { share: record.authShare, key: record.authKey };
}

function storeSet(result, authKey) {
  backend.save({ info: result.info, authKey, authShare: result.authShare, recoveryShare: result.recoveryShare });
}

async function refresh() {
  const status = await call('status');
  const record = backend.load();
  const info = status.info ?? record?.info ?? null;
  $('status').textContent = status.hasDeviceShare
    ? `ready (epoch ${status.info.epoch})`
    : record
      ? 'this device has no share: recover with your password'
      : 'no wallet yet';
  $('address').textContent = info?.ethereumAddress ?? '–';
  $('solana').textContent = info?.solanaAddress ?? '–';
  $('create').disabled = Boolean(record);
  $('sign').disabled = !status.hasDeviceShare;
  $('clear').disabled = !status.hasDeviceShare;
  $('recover').disabled = status.hasDeviceShare || !record;
  document.body.dataset.state = status.hasDeviceShare ? 'ready' : record ? 'needs-recovery' : 'empty';
}

function password() {
  const value = $('password').value;
  if (value.length < 8) {
    log('choose a recovery password of at least 8 characters', true);
    throw new Error('password too short');
  }
  return value;
}

const actions = {
  async create() {
    const authKey = randomHex(32);
    const result = await call('createWallet', { authKey, recoveryPassword: password() });
    storeSet(result, authKey);
    log(`created wallet ${result.info.ethereumAddress}`);
  },
  async sign() {
    const message = $('message').value;
    const { signature, address } = await call('signMessage', { auth: authFromBackend(), message });
    $('signature').textContent = signature;
    log(`signed "${message}" as ${address}`);
  },
  async clear() {
    await call('clearDeviceShare');
    $('signature').textContent = '–';
    log('device share cleared (as on a new device)');
  },
  async recover() {
    const record = backend.load();
    const result = await call('recover', {
      info: record.info,
      auth: { share: record.authShare, key: record.authKey },
      recoveryShare: record.recoveryShare,
      recoveryPassword: password(),
    });
    storeSet(result, record.authKey);
    log(`recovered ${result.info.ethereumAddress}: new shares at epoch ${result.info.epoch}`);
  },
};

for (const [name, action] of Object.entries(actions)) {
  $(name).addEventListener('click', async () => {
    document.body.dataset.busy = 'true';
    try {
      await action();
    } catch (error) {
      if (!error.code) log(error.message, true);
    } finally {
      await refresh().catch(() => {});
      delete document.body.dataset.busy;
    }
  });
}

$('app-origin').textContent = location.origin;
$('wallet-origin').textContent = walletOrigin;
const frame = $('wallet');
const connecting = connectWallet(frame, walletOrigin);
frame.src = `${walletOrigin}/`;
client = await connecting;
// For experiments in the developer console (and the end-to-end tests).
window.walletClient = client;
await refresh();
log('connected to the wallet');
