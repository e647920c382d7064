// Test fixture: the app page (origin A) of the end-to-end tests. It connects to the wallet
// frame with the parent-side client and exposes `window.wallet` for page.evaluate:
//   wallet.call(method, params) -> { ok: true, result } or { ok: false, code, message }
//   wallet.send(raw)            -> the raw reply (malformed requests)
//   wallet.reconnect()          -> reloads the frame and handshakes again
//   wallet.token(sub)           -> a development access token from this origin's /dev/token
// Every reply is kept in window.walletReplies (tests check that nothing secret arrives).
import { connectWallet } from '/keysplit-client.js';

const walletOrigin = document.querySelector('meta[name="keysplit-wallet-origin"]').content;
const frame = document.getElementById('wallet');
window.walletReplies = [];
let client = null;

async function connect() {
  client?.close();
  client = null;
  const connecting = connectWallet(frame, walletOrigin);
  frame.src = `${walletOrigin}/?load=${Date.now()}`;
  client = await connecting;
}

window.wallet = {
  async call(method, params) {
    let reply;
    try {
      reply = { ok: true, result: await client.call(method, params) };
    } catch (error) {
      reply = { ok: false, code: error.code, message: error.message };
    }
    window.walletReplies.push({ method, ...reply });
    return reply;
  },
  async send(raw) {
    const reply = await client.send(raw);
    window.walletReplies.push({ method: null, reply });
    return reply;
  },
  reconnect: connect,
  async token(sub) {
    const response = await fetch(`/dev/token?sub=${encodeURIComponent(sub)}`);
    return (await response.json()).token;
  },
};

await connect();
document.body.dataset.ready = 'true';
