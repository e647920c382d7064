// Test fixture of wasm/e2e/attacks.test.mjs: the same page on an allowed origin (the
// control: it must get `ready`) and on an origin that is not on the wallet's allowlist
// (it must get nothing at all, not even `keysplit:loaded`). It frames the wallet and runs
// the parent-side handshake plus bare requests for 4 s.
import { connectWallet } from '/keysplit-client.js';

const walletOrigin = new URLSearchParams(location.search).get('wallet');
const frame = document.getElementById('wallet');
const heard = [];
window.addEventListener('message', (event) => {
  if (event.source === frame.contentWindow) heard.push(event.data);
});
const attempt = connectWallet(frame, walletOrigin, { timeoutMs: 4000 });
frame.src = `${walletOrigin}/`;
const bare = setInterval(() => frame.contentWindow?.postMessage({ id: 1, method: 'status', params: {} }, '*'), 250);
let result;
try {
  const client = await attempt;
  const status = await client.call('status');
  result = `ready ${JSON.stringify(status)}`;
} catch (error) {
  result = error.code === 'TIMEOUT' ? 'no-answer' : `error ${error.code}`;
}
clearInterval(bare);
document.body.dataset.heard = JSON.stringify(heard);
document.getElementById('result').textContent = result;
document.body.dataset.result = result;
