// Wallet API over the wasm module's wallet bindings (filled in with keysplit-wallet).
export function bindWallet() {
  return {};
}
