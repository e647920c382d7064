// Test fixture (app origin A) of wasm/e2e/attacks.test.mjs: embeds the wallet frame and
// holds back its own handshake, so that other windows get the first try:
//   addSibling(name)     an empty sibling iframe of this origin (about:blank: this page's
//                        CSP allows only the wallet as a frame source); the test runs
//                        /e2e/attack-probe.js's probe() inside it
//   openProbePopup()     a popup of this origin posts to the wallet frame (via opener.frames)
//   openWalletPopup()    the wallet opened as a popup of this page, sent a hello
//   handshake()          this page's own handshake, the control: 'ready' when it works
import { connectWallet } from '/keysplit-client.js';

const walletOrigin = document.querySelector('meta[name="keysplit-wallet-origin"]').content;
const frame = document.getElementById('wallet');
window.attackResults = [];

window.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'attack-result') window.attackResults.push({ origin: event.origin, ...event.data });
});
window.walletLoaded = new Promise((resolve) => {
  window.addEventListener('message', (event) => {
    if (event.source === frame.contentWindow && event.origin === walletOrigin && event.data?.type === 'keysplit:loaded') resolve(true);
  });
});
frame.src = `${walletOrigin}/`;

window.addSibling = (name) => {
  const sibling = document.createElement('iframe');
  sibling.name = name;
  sibling.width = '300';
  sibling.height = '80';
  document.body.append(sibling);
};

window.openProbePopup = () =>
  Boolean(window.open(`/e2e/attack-probe.html?mode=popup&wallet=${encodeURIComponent(walletOrigin)}`, 'probe', 'popup,width=320,height=200'));

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

window.openWalletPopup = async () => {
  const popup = window.open(`${walletOrigin}/`, 'wallet-popup', 'popup,width=400,height=600');
  if (!popup) return 'popup blocked';
  const heard = [];
  const onMessage = (event) => {
    if (event.source === popup) heard.push(event.data);
  };
  window.addEventListener('message', onMessage);
  const ports = [];
  const hello = () => {
    const channel = new MessageChannel();
    ports.push(channel.port1);
    channel.port1.onmessage = (event) => heard.push(event.data);
    try {
      popup.postMessage({ type: 'keysplit:hello', version: 2 }, walletOrigin, [channel.port2]);
    } catch {
      // not navigated yet
    }
  };
  for (let i = 0; i < 20; i++) {
    hello();
    await sleep(250);
  }
  window.removeEventListener('message', onMessage);
  for (const port of ports) port.close();
  popup.close();
  return heard.length === 0 ? 'no-answer' : `answered ${JSON.stringify(heard[0])}`;
};

window.handshake = async () => {
  try {
    const client = await connectWallet(frame, walletOrigin, { timeoutMs: 8000 });
    const status = await client.call('status');
    client.close();
    return { result: 'ready', status };
  } catch (error) {
    return { result: error.code ?? String(error) };
  }
};

document.body.dataset.ready = 'true';
