// Errors the wallet iframe answers with: a stable `code` (see PROTOCOL.md) and a message
// for people. Shared by host.js and confirm.js.

/** An error with a protocol error code, e.g. `USER_REJECTED` or `INVALID_PARAMS`. */
export class ProtocolError extends Error {
  constructor(code, message) {
    super(message ?? code);
    this.name = 'ProtocolError';
    this.code = code;
  }
}
