// Test fixture of wasm/e2e/attacks.test.mjs: a window that is NOT the wallet frame's
// parent — a sibling frame (`mode: 'sibling'`, the wallet is parent.frames[0]) or a popup
// (`mode: 'popup'`, the wallet is opener.frames[0]) — sends the wallet every kind of
// greeting for 4 s: a v2 hello with a port, a v1 hello with a port, a bare request. Any
// message back from the wallet (on a port or on this window) is an answer.
//   As a page (/e2e/attack-probe.html?mode=popup&wallet=W): runs itself, shows the verdict
//   in body[data-result] and sends it to the opener/parent as {type: 'attack-result'}.
//   Imported into a frame: `await probe({ walletOrigin, mode })` -> the verdict.

export async function probe({ walletOrigin, mode }) {
  const home = mode === 'popup' ? window.opener : window.parent;
  const heard = [];
  const ports = [];
  const onMessage = (event) => {
    if (event.origin === walletOrigin) heard.push({ via: 'window', data: event.data });
  };
  window.addEventListener('message', onMessage);

  const greet = () => {
    let target;
    try {
      target = home.frames[0];
    } catch {
      return;
    }
    if (!target) return;
    for (const [message, origin] of [
      [{ type: 'keysplit:hello', version: 2 }, walletOrigin],
      [{ type: 'keysplit:hello', version: 1 }, '*'],
    ]) {
      const channel = new MessageChannel();
      ports.push(channel.port1);
      channel.port1.onmessage = (event) => heard.push({ via: 'port', data: event.data });
      target.postMessage(message, origin, [channel.port2]);
    }
    target.postMessage({ id: 1, method: 'status', params: {} }, '*');
  };

  greet();
  const timer = setInterval(greet, 250);
  await new Promise((resolve) => setTimeout(resolve, 4000));
  clearInterval(timer);
  window.removeEventListener('message', onMessage);
  for (const port of ports) port.close();
  return heard.length === 0 ? 'no-answer' : `answered ${JSON.stringify(heard[0])}`;
}

const query = new URLSearchParams(location.search);
if (query.has('mode')) {
  const mode = query.get('mode');
  const result = await probe({ walletOrigin: query.get('wallet'), mode });
  document.getElementById('result').textContent = result;
  document.body.dataset.result = result;
  (mode === 'popup' ? window.opener : window.parent).postMessage({ type: 'attack-result', mode, result }, '*');
}
