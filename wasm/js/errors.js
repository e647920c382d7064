// The one error class of keysplit-wasm.

/** Error thrown by every keysplit-wasm function: `code` is stable, `message` is for people. */
export class KeysplitError extends Error {
  constructor(code, message, options) {
    super(message, options);
    this.name = 'KeysplitError';
    this.code = code;
  }
}
