// Test fixture: an origin that is not on the wallet's allowlist tries to talk to it.
import { connectWallet } from '/keysplit-client.js';

const walletOrigin = new URLSearchParams(location.search).get('wallet');
const frame = document.getElementById('wallet');
const attempt = connectWallet(frame, walletOrigin, { timeoutMs: 3000 });
frame.src = `${walletOrigin}/`;
let result;
try {
  await attempt;
  result = 'answered';
} catch (error) {
  result = error.code === 'TIMEOUT' ? 'no-answer' : `error ${error.code}`;
}
document.getElementById('result').textContent = result;
document.body.dataset.result = result;
