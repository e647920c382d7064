// Parent-side client of the keysplit wallet iframe (see PROTOCOL.md).
//
//   import { connectWallet } from './keysplit-client.js';
//   const walletFrame = await connectWallet(iframeElement, 'https://wallet.example');
//   await walletFrame.call('signIn', { accessToken });
//   const { signature } = await walletFrame.call('signMessage', { text: 'hi' });
//
// The app never sends or receives a share, a key, a password or a mnemonic: the wallet
// fetches what it needs from keysplit-server itself and asks the user in its own frame.

/** Error of a wallet call, with the wallet's stable `code`. */
export class WalletError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'WalletError';
    this.code = code;
  }
}

/**
 * Connects to the wallet iframe: sends `keysplit:hello` with a MessageChannel port to the
 * iframe's window, addressed to `walletOrigin` only (the browser drops it if the frame
 * navigated elsewhere), and resolves once the wallet answers on that port.
 */
export const PROTOCOL_VERSION = 2;

export function connectWallet(iframe, walletOrigin, { timeoutMs = 15000 } = {}) {
  return new Promise((resolve, reject) => {
    const channels = [];
    let done = false;
    let nextId = 1;

    const finish = (error, port) => {
      if (done) return;
      done = true;
      clearInterval(retry);
      clearTimeout(timer);
      window.removeEventListener('message', onLoaded);
      for (const channel of channels) if (channel.port1 !== port) channel.port1.close();
      if (error) reject(error);
      else resolve(makeClient(port));
    };

    const makeClient = (port) => {
      const pending = new Map();
      const unmatched = [];
      port.onmessage = (event) => {
        const reply = event.data;
        const waiter = reply && pending.get(reply.id);
        if (!waiter) {
          unmatched.shift()?.(reply);
          return;
        }
        pending.delete(reply.id);
        if (reply.ok) waiter.resolve(reply.result);
        else waiter.reject(new WalletError(reply.error?.code ?? 'UNKNOWN', reply.error?.message ?? 'wallet error'));
      };
      return {
        /** Calls a wallet method; resolves with its result or rejects with a WalletError. */
        call(method, params = {}) {
          const id = nextId++;
          return new Promise((ok, fail) => {
            pending.set(id, { resolve: ok, reject: fail });
            port.postMessage({ id, method, params });
          });
        },
        /** Sends a raw message and resolves with the next reply no call is waiting for
         * (for tests of malformed requests, which are answered with id null). */
        send(message) {
          return new Promise((ok) => {
            unmatched.push(ok);
            port.postMessage(message);
          });
        },
        /** Closes the channel. */
        close() {
          port.close();
        },
      };
    };

    const hello = () => {
      if (done || !iframe.contentWindow) return;
      const channel = new MessageChannel();
      channels.push(channel);
      channel.port1.onmessage = (event) => {
        const type = event.data && event.data.type;
        if (type === 'keysplit:ready' && event.data.version === PROTOCOL_VERSION) finish(null, channel.port1);
        else if (type === 'keysplit:ready' || type === 'keysplit:unsupported') {
          finish(new WalletError('UNSUPPORTED_VERSION', `the wallet at ${walletOrigin} does not speak protocol version ${PROTOCOL_VERSION}`));
        }
      };
      iframe.contentWindow.postMessage({ type: 'keysplit:hello', version: PROTOCOL_VERSION }, walletOrigin, [channel.port2]);
    };

    const onLoaded = (event) => {
      if (event.source === iframe.contentWindow && event.origin === walletOrigin && event.data?.type === 'keysplit:loaded') {
        hello();
      }
    };

    window.addEventListener('message', onLoaded);
    const retry = setInterval(hello, 500);
    const timer = setTimeout(() => finish(new WalletError('TIMEOUT', `no answer from the wallet at ${walletOrigin}`)), timeoutMs);
    hello();
  });
}
