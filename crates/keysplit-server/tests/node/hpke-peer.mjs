// The other end of keysplit-server's HPKE, written with npm's @hpke/core (an independent
// RFC 9180 implementation): DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305.
// Run by tests/hpke_interop.rs: reads one JSON request on stdin, writes one JSON answer.
//   {"op":"keypair"}                                  -> {"sk","pk"}
//   {"op":"open","sk","enc","ct","info","aad"}        -> {"pt"}
//   {"op":"seal","pk","pt","info","aad"}              -> {"enc","ct"}
// Every byte string is hex.
import { CipherSuite, DhkemP256HkdfSha256, HkdfSha256 } from "@hpke/core";
import { Chacha20Poly1305 } from "@hpke/chacha20poly1305";

const suite = new CipherSuite({
  kem: new DhkemP256HkdfSha256(),
  kdf: new HkdfSha256(),
  aead: new Chacha20Poly1305(),
});
const hex = (buf) => Buffer.from(new Uint8Array(buf)).toString("hex");
const bytes = (text) => new Uint8Array(Buffer.from(text, "hex"));

let input = "";
for await (const chunk of process.stdin) input += chunk;
const req = JSON.parse(input);
let out;
if (req.op === "keypair") {
  const kp = await suite.kem.generateKeyPair();
  out = {
    sk: hex(await suite.kem.serializePrivateKey(kp.privateKey)),
    pk: hex(await suite.kem.serializePublicKey(kp.publicKey)),
  };
} else if (req.op === "open") {
  const sk = await suite.kem.deserializePrivateKey(bytes(req.sk).buffer);
  const pk = await suite.kem.deserializePublicKey(bytes(req.pk).buffer);
  const pt = await suite.open(
    { recipientKey: { privateKey: sk, publicKey: pk }, enc: bytes(req.enc).buffer, info: bytes(req.info).buffer },
    bytes(req.ct).buffer,
    bytes(req.aad).buffer,
  );
  out = { pt: hex(pt) };
} else if (req.op === "seal") {
  const pk = await suite.kem.deserializePublicKey(bytes(req.pk).buffer);
  const { ct, enc } = await suite.seal(
    { recipientPublicKey: pk, info: bytes(req.info).buffer },
    bytes(req.pt).buffer,
    bytes(req.aad).buffer,
  );
  out = { enc: hex(enc), ct: hex(ct) };
} else {
  throw new Error(`unknown op ${req.op}`);
}
process.stdout.write(JSON.stringify(out));
