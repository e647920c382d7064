// The demo app for wallet iframe protocol v2 (wasm/iframe/PROTOCOL.md). It signs the user in
// (a development token from its own origin's /dev/token), passes the token to the wallet
// frame and sends requests. Everything secret happens in the frame: passwords are typed
// there, shares are fetched there from keysplit-server, and the recovery phrase is shown
// there. This page only ever sees addresses, signatures, signed transactions and errors.
//
// Element ids (stable; the end-to-end tests use them):
//   iframe      #wallet
//   buttons     #sign-in #create #forget #recover #rotate #export
//               #sign-message #sign-transaction #sign-typed-data
//   inputs      #message (text) #transaction (JSON) #typed-data (JSON)
//   outputs     #status #user #address #solana #wallet-id #epoch
//               #message-signature #transaction-hash #transaction-signed
//               #typed-data-signature #error ("CODE: message") #result (last result JSON) #log
//   body        data-state = connecting | signed-out | no-wallet | needs-recovery | ready | error
//               data-busy while a call runs (absent when idle)
// URL: ?user=NAME signs in as NAME instead of "demo-user".
// window.walletReplies lists every reply (tests check that no secret ever arrives here);
// window.walletClient is the connected client, for experiments in the console.
import { connectWallet } from '/keysplit-client.js';

const walletOrigin = document.querySelector('meta[name="keysplit-wallet-origin"]').content;
const $ = (id) => document.getElementById(id);
const user = new URLSearchParams(location.search).get('user') || 'demo-user';
// The app remembers each user's wallet id (public) to offer recovery on a new device.
const WALLETS_KEY = 'keysplit-demo.wallets';

const EXAMPLE_TRANSACTION = {
  type: 2,
  chainId: 1,
  nonce: 0,
  to: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  value: '10000000000000000',
  gasLimit: '21000',
  maxFeePerGas: '30000000000',
  maxPriorityFeePerGas: '1000000000',
};

const EXAMPLE_TYPED_DATA = {
  types: {
    EIP712Domain: [
      { name: 'name', type: 'string' },
      { name: 'version', type: 'string' },
      { name: 'chainId', type: 'uint256' },
      { name: 'verifyingContract', type: 'address' },
    ],
    Person: [
      { name: 'name', type: 'string' },
      { name: 'wallet', type: 'address' },
    ],
    Mail: [
      { name: 'from', type: 'Person' },
      { name: 'to', type: 'Person' },
      { name: 'contents', type: 'string' },
    ],
  },
  primaryType: 'Mail',
  domain: { name: 'Ether Mail', version: '1', chainId: 1, verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC' },
  message: {
    from: { name: 'Cow', wallet: '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826' },
    to: { name: 'Bob', wallet: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB' },
    contents: 'Hello, Bob!',
  },
};

window.walletReplies = [];

// ---- small helpers -------------------------------------------------------------------

const wallets = {
  get: () => {
    try {
      return JSON.parse(localStorage.getItem(WALLETS_KEY) ?? '{}') ?? {};
    } catch {
      return {};
    }
  },
  idFor: (name) => wallets.get()[name] ?? null,
  remember(name, walletId) {
    const all = wallets.get();
    all[name] = walletId;
    localStorage.setItem(WALLETS_KEY, JSON.stringify(all));
  },
};

function hex(bytes) {
  return '0x' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** JSON for display: byte arrays as 0x-hex. */
function pretty(value) {
  return JSON.stringify(value, (key, v) => (v instanceof Uint8Array ? hex(v) : v), 2);
}

const text = (value) => (value instanceof Uint8Array ? hex(value) : value === undefined || value === null ? '–' : String(value));

function log(message, isError = false) {
  const item = document.createElement('li');
  item.textContent = `${new Date().toLocaleTimeString()}  ${message}`;
  if (isError) item.className = 'error';
  $('log').prepend(item);
}

function showError(error) {
  const code = error?.code ?? 'APP_ERROR';
  $('error').textContent = `${code}: ${error?.message ?? String(error)}`;
  log(`${code}: ${error?.message ?? String(error)}`, true);
}

function readJson(id, what) {
  try {
    return JSON.parse($(id).value);
  } catch (error) {
    const problem = new Error(`the ${what} is not valid JSON (${error.message})`);
    problem.code = 'APP_INVALID_JSON';
    throw problem;
  }
}

// ---- wallet calls --------------------------------------------------------------------

let client = null;
let state = { signedIn: false, hasDeviceShare: false, wallet: null };

// Methods the wallet asks the user to confirm in its frame: the frame is scrolled into view
// first (the wallet enables Approve only while its panel is on screen).
const CONFIRMED = new Set(['createWallet', 'recover', 'rotate', 'exportMnemonic', 'forgetDevice', 'signMessage', 'signTransaction', 'signTypedData']);

async function call(method, params) {
  if (CONFIRMED.has(method)) $('wallet').scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  try {
    const result = params === undefined ? await client.call(method) : await client.call(method, params);
    window.walletReplies.push({ method, ok: true, result });
    $('result').textContent = `${method} →\n${pretty(result)}`;
    return result;
  } catch (error) {
    window.walletReplies.push({ method, ok: false, error: { code: error.code, message: error.message } });
    throw error;
  }
}

function showWallet(info) {
  $('address').textContent = text(info?.ethereumAddress);
  $('solana').textContent = text(info?.solanaAddress);
  $('wallet-id').textContent = text(info?.walletId ?? wallets.idFor(user));
  $('epoch').textContent = text(info?.epoch);
  if (info?.walletId) wallets.remember(user, String(info.walletId));
}

async function refresh() {
  state = await call('status');
  showWallet(state.wallet ?? null);
  const knownId = wallets.idFor(user);
  let name;
  if (!state.signedIn) name = 'signed-out';
  else if (state.hasDeviceShare) name = 'ready';
  else if (knownId) name = 'needs-recovery';
  else name = 'no-wallet';
  document.body.dataset.state = name;
  $('status').textContent = {
    'signed-out': 'not signed in',
    'no-wallet': 'signed in; no wallet on this device yet: create one',
    'needs-recovery': 'signed in; this device holds no share of your wallet: recover it',
    ready: `ready (epoch ${state.wallet?.epoch ?? '?'})`,
  }[name];
  $('user').textContent = state.signedIn ? user : '–';

  const ready = state.signedIn && state.hasDeviceShare;
  $('create').disabled = !state.signedIn || state.hasDeviceShare;
  $('recover').disabled = !state.signedIn || state.hasDeviceShare || !knownId;
  $('forget').disabled = !state.hasDeviceShare;
  for (const id of ['rotate', 'export', 'sign-message', 'sign-transaction', 'sign-typed-data']) $(id).disabled = !ready;
}

const actions = {
  async 'sign-in'() {
    const response = await fetch(`/dev/token?sub=${encodeURIComponent(user)}`);
    const body = await response.json().catch(() => null);
    if (!response.ok || typeof body?.token !== 'string') {
      const problem = new Error(body?.error?.message ?? `the token endpoint answered ${response.status}`);
      problem.code = body?.error?.code ?? 'APP_SIGN_IN_FAILED';
      throw problem;
    }
    await call('signIn', { accessToken: body.token });
    log(`signed in as ${user}`);
  },
  async create() {
    const { wallet } = await call('createWallet', {});
    log(`created wallet ${wallet.ethereumAddress}`);
  },
  async forget() {
    await call('forgetDevice');
    log('this device forgot its share (as if the device were lost)');
  },
  async recover() {
    const walletId = wallets.idFor(user);
    const { wallet } = await call('recover', { walletId });
    log(`recovered ${wallet.ethereumAddress}: new shares at epoch ${wallet.epoch}`);
  },
  async rotate() {
    const { wallet } = await call('rotate', {});
    log(`rotated: new shares at epoch ${wallet.epoch}`);
  },
  async export() {
    await call('exportMnemonic', {});
    log('the recovery phrase was shown in the wallet frame');
  },
  async 'sign-message'() {
    const message = $('message').value;
    const { signature, address } = await call('signMessage', { text: message });
    $('message-signature').textContent = text(signature);
    log(`signed the message as ${address}`);
  },
  async 'sign-transaction'() {
    const transaction = readJson('transaction', 'transaction');
    const result = await call('signTransaction', { transaction });
    $('transaction-signed').textContent = text(result.signedTransaction);
    $('transaction-hash').textContent = text(result.hash);
    log(`signed transaction ${text(result.hash)}`);
  },
  async 'sign-typed-data'() {
    const typedData = readJson('typed-data', 'typed data');
    const { signature } = await call('signTypedData', { typedData });
    $('typed-data-signature').textContent = text(signature);
    log('signed the typed data');
  },
};

for (const [id, action] of Object.entries(actions)) {
  $(id).addEventListener('click', async () => {
    if (document.body.dataset.busy) return;
    document.body.dataset.busy = 'true';
    $('error').textContent = '–';
    try {
      await action();
    } catch (error) {
      showError(error);
    } finally {
      await refresh().catch(showError);
      delete document.body.dataset.busy;
    }
  });
}

// ---- start ---------------------------------------------------------------------------

$('app-origin').textContent = location.origin;
$('wallet-origin').textContent = walletOrigin;
$('wallet-origin-caption').textContent = walletOrigin;
$('transaction').value = JSON.stringify(EXAMPLE_TRANSACTION, null, 2);
$('typed-data').value = JSON.stringify(EXAMPLE_TYPED_DATA, null, 2);
for (const button of document.querySelectorAll('button')) button.disabled = true;

const frame = $('wallet');
const connecting = connectWallet(frame, walletOrigin);
frame.src = `${walletOrigin}/`;
try {
  client = await connecting;
  window.walletClient = client;
  $('sign-in').disabled = false;
  await refresh();
  log('connected to the wallet');
} catch (error) {
  document.body.dataset.state = 'error';
  $('status').textContent = 'could not connect to the wallet';
  showError(error);
}
