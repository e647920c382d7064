#!/usr/bin/env python3
"""An independent, deliberately simple reference implementation of keysplit's formats,
written from docs/envelope-format.md and the RNG-consumption rules, in Python with no
dependencies. It generates the known-answer vectors in test-vectors/ that the Rust code
must reproduce; it shares no code with the Rust implementation.

    python3 test-vectors/generate/reference.py      # rewrites the JSON files

Nothing here is constant-time: it is a test oracle, never to be used on real secrets.
"""
import hashlib
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.dirname(HERE)

# --- GF(2^8) mod x^8 + x^4 + x^3 + x + 1, by carry-less multiply and long division ------


def gf_mul(a, b):
    p = 0
    for i in range(8):
        if (b >> i) & 1:
            p ^= a << i
    for bit in range(15, 7, -1):
        if (p >> bit) & 1:
            p ^= 0x11B << (bit - 8)
    return p


def gf_inv(a):
    if a == 0:
        return 0
    # Search: an oracle may be slow.
    for b in range(1, 256):
        if gf_mul(a, b) == 1:
            return b
    raise AssertionError("no inverse")


# --- ChaCha20 keystream (RFC 8439 block function, 64-bit counter, zero nonce) ----------


def _rotl(v, c):
    return ((v << c) & 0xFFFFFFFF) | (v >> (32 - c))


def _quarter(s, a, b, c, d):
    s[a] = (s[a] + s[b]) & 0xFFFFFFFF; s[d] = _rotl(s[d] ^ s[a], 16)
    s[c] = (s[c] + s[d]) & 0xFFFFFFFF; s[b] = _rotl(s[b] ^ s[c], 12)
    s[a] = (s[a] + s[b]) & 0xFFFFFFFF; s[d] = _rotl(s[d] ^ s[a], 8)
    s[c] = (s[c] + s[d]) & 0xFFFFFFFF; s[b] = _rotl(s[b] ^ s[c], 7)


def chacha20_block(key, counter_nonce_words):
    state = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574]
    state += list(struct.unpack("<8I", key))
    state += counter_nonce_words
    w = list(state)
    for _ in range(10):
        _quarter(w, 0, 4, 8, 12); _quarter(w, 1, 5, 9, 13)
        _quarter(w, 2, 6, 10, 14); _quarter(w, 3, 7, 11, 15)
        _quarter(w, 0, 5, 10, 15); _quarter(w, 1, 6, 11, 12)
        _quarter(w, 2, 7, 8, 13); _quarter(w, 3, 4, 9, 14)
    return struct.pack("<16I", *[(x + y) & 0xFFFFFFFF for x, y in zip(w, state)])


def _self_test_chacha():
    # RFC 8439 section 2.3.2: key 00..1f, counter 1, nonce 00:00:00:09:00:00:00:4a:00:00:00:00.
    key = bytes(range(32))
    block = chacha20_block(key, [1, 0x09000000, 0x4A000000, 0])
    assert block[:16].hex() == "10f1e7e4d13b5915500fdd1fa32071c4", block[:16].hex()


class KeystreamRng:
    """ChaCha20 with key = seed, 64-bit block counter from 0, 64-bit stream id 0, read as
    one continuous byte stream (the same bytes as RustCrypto's ChaCha20Rng and as RFC
    8439 ChaCha20 with a zero nonce)."""

    def __init__(self, seed):
        assert len(seed) == 32
        self.key = seed
        self.counter = 0
        self.buf = b""

    def read(self, n):
        while len(self.buf) < n:
            lo = self.counter & 0xFFFFFFFF
            hi = self.counter >> 32
            self.buf += chacha20_block(self.key, [lo, hi, 0, 0])
            self.counter += 1
        out, self.buf = self.buf[:n], self.buf[n:]
        return out


# --- keysplit's Shamir engine, from the spec ---------------------------------------------

BLOCK = 4096


def uniform_below(m, rng):
    limit = 256 - (256 % m)
    while True:
        b = rng.read(1)[0]
        if b < limit:
            return b % m


def random_xs(n, rng):
    pool = list(range(1, 256))
    xs = []
    for i in range(n):
        j = i + uniform_below(255 - i, rng)
        pool[i], pool[j] = pool[j], pool[i]
        xs.append(pool[i])
    return xs


def share_payload(payload, xs, t, rng):
    """Returns one bytearray of y values per x."""
    ys = [bytearray() for _ in xs]
    for start in range(0, len(payload), BLOCK):
        block = payload[start:start + BLOCK]
        n = len(block)
        rows = rng.read((t - 1) * n)
        coeffs = [rows[j * n:(j + 1) * n] for j in range(t - 1)]
        for i, x in enumerate(xs):
            for pos in range(n):
                # Horner in the opposite direction from the Rust code, on purpose.
                acc = 0
                for j in range(t - 2, -1, -1):
                    acc = gf_mul(acc, x) ^ coeffs[j][pos]
                acc = gf_mul(acc, x) ^ block[pos]
                ys[i].append(acc)
    return ys


def interpolate_at(xs, ys, at):
    out = bytearray(len(ys[0]))
    for i, xi in enumerate(xs):
        num, den = 1, 1
        for j, xj in enumerate(xs):
            if i != j:
                num = gf_mul(num, at ^ xj)
                den = gf_mul(den, xi ^ xj)
        w = gf_mul(num, gf_inv(den))
        for pos in range(len(out)):
            out[pos] ^= gf_mul(w, ys[i][pos])
    return bytes(out)


def raw_split(secret, t, n, rng):
    xs = random_xs(n, rng)
    ys = share_payload(secret, xs, t, rng)
    return [bytes(y) + bytes([x]) for x, y in zip(xs, ys)]


DIGEST_DOMAIN = b"keysplit/v1/secret-digest"


def secret_digest(set_id, secret):
    return hashlib.sha256(DIGEST_DOMAIN + set_id + struct.pack(">Q", len(secret)) + secret).digest()


def envelope(t, x, set_id, secret_len, y):
    body = b"KS" + bytes([1, t, x]) + set_id + struct.pack(">Q", secret_len) + y
    return body + hashlib.sha256(body).digest()[:16]


def envelope_split(secret, t, n, rng):
    set_id = rng.read(16)
    xs = random_xs(n, rng)
    payload = secret + secret_digest(set_id, secret)
    ys = share_payload(payload, xs, t, rng)
    return set_id, [envelope(t, x, set_id, len(secret), bytes(y)) for x, y in zip(xs, ys)]


# --- bech32m (BIP-350) -------------------------------------------------------------------

CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _polymod(values):
    gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for v in values:
        b = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if ((b >> i) & 1) else 0
    return chk


def bech32m(hrp, data):
    bits, acc, out = 0, 0, []
    for b in data:
        acc = (acc << 8) | b
        bits += 8
        while bits >= 5:
            bits -= 5
            out.append((acc >> bits) & 31)
    if bits:
        out.append((acc << (5 - bits)) & 31)
    hrp_exp = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    pm = _polymod(hrp_exp + out + [0] * 6) ^ 0x2BC830A3
    checksum = [(pm >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(CHARSET[d] for d in out + checksum)


# --- vector files --------------------------------------------------------------------------


def seed_of(label):
    return hashlib.sha256(b"keysplit test vector seed: " + label.encode()).digest()


def gf256_vectors():
    table = bytes(gf_mul(a, b) for a in range(256) for b in range(256))
    return {
        "description": "GF(2^8) with the AES polynomial x^8+x^4+x^3+x+1 (0x11B).",
        "polynomial": "0x11b",
        "products_layout": "byte a*256+b of the 65,536-byte table is a*b",
        "products_sha256": hashlib.sha256(table).hexdigest(),
        "inverses": {"layout": "entry a-1 is the inverse of a, for a = 1..255",
                     "hex": bytes(gf_inv(a) for a in range(1, 256)).hex()},
        "sample_products": [[a, b, gf_mul(a, b)] for a, b in
                            [(0x57, 0x83), (0x57, 0x13), (0x02, 0x80), (0xFF, 0xFF), (0x53, 0xCA), (0, 0x42), (1, 0x42)]],
    }


SPLIT_CASES = [
    # label, secret, threshold, shares
    ("one-byte", bytes([0x42]), 2, 2),
    ("wallet-entropy-2-of-3", bytes.fromhex("000102030405060708090a0b0c0d0e0f"), 2, 3),
    ("entropy-256-3-of-5", bytes(range(32)), 3, 5),
    ("ascii-4-of-7", b"correct horse battery staple", 4, 7),
    ("max-shares-255", b"\xff\x00\xaa\x55", 2, 255),
    ("threshold-255", b"\x01\x02", 255, 255),
    ("two-blocks-2-of-3", bytes((i * 7 + 3) & 0xFF for i in range(4100)), 2, 3),
]


def split_vectors():
    raw, env = [], []
    for label, secret, t, n in SPLIT_CASES:
        shares = raw_split(secret, t, n, KeystreamRng(seed_of(label)))
        xs = [s[-1] for s in shares]
        # Check the oracle against itself: every threshold subset in sliding windows.
        for start in range(0, n - t + 1, max(1, (n - t + 1) // 3)):
            sub = shares[start:start + t]
            assert interpolate_at([s[-1] for s in sub], [s[:-1] for s in sub], 0) == secret
        raw.append({"label": label, "rng_seed": seed_of(label).hex(), "secret": secret.hex(),
                    "threshold": t, "shares": n, "xs": xs, "raw_shares": [s.hex() for s in shares]})
        if len(secret) <= 64 or label == "two-blocks-2-of-3":
            set_id, envs = envelope_split(secret, t, n, KeystreamRng(seed_of(label)))
            env.append({"label": label, "rng_seed": seed_of(label).hex(), "secret": secret.hex(),
                        "threshold": t, "shares": n, "set_id": set_id.hex(),
                        "envelopes_hex": [e.hex() for e in envs],
                        "envelopes_text": [bech32m("ks", e) for e in envs] if len(secret) <= 64 else None})
    return raw, env


def corrupt_cases():
    """Invalid inputs, each with the error code keysplit must return."""
    secret = bytes.fromhex("00112233445566778899aabbccddeeff")
    set_id, envs = envelope_split(secret, 2, 3, KeystreamRng(seed_of("invalid-base")))
    _, other = envelope_split(secret, 2, 3, KeystreamRng(seed_of("invalid-other-set")))
    raws = raw_split(secret, 2, 3, KeystreamRng(seed_of("invalid-raw")))

    def reseal(e, **changes):
        t = changes.get("t", e[3]); x = changes.get("x", e[4])
        sid = changes.get("set_id", e[5:21]); ln = changes.get("len", struct.unpack(">Q", e[21:29])[0])
        y = changes.get("y", e[29:-16])
        return envelope(t, x, sid, ln, y)

    flipped = bytearray(envs[1]); flipped[40] ^= 0x01
    forged_y = bytearray(envs[1][29:-16]); forged_y[0] ^= 0x80
    text = bech32m("ks", envs[0])
    typo = text[:-1] + ("q" if text[-1] != "q" else "p")
    swapped = text[:10] + text[11] + text[10] + text[12:]
    c = []
    def add(name, fmt, shares, code, note):
        c.append({"name": name, "format": fmt, "shares": shares, "error": code, "note": note})
    add("raw-x-zero", "raw_hex", [raws[0][:-1].hex() + "00", raws[1].hex()], "ZERO_X",
        "x = 0 would make that share the secret in libraries that accept it")
    add("raw-duplicate-x", "raw_hex", [raws[0].hex(), raws[0].hex(), raws[1].hex()], "DUPLICATE_X", "the same share twice")
    add("raw-length-mismatch", "raw_hex", [raws[0].hex(), raws[1][1:].hex()], "LENGTH_MISMATCH", "shares of different lengths")
    add("raw-single-share", "raw_hex", [raws[0].hex()], "BELOW_THRESHOLD", "one share can never be enough")
    add("raw-too-short", "raw_hex", [raws[0].hex(), "07"], "SHARE_TOO_SHORT", "a raw share needs a y byte and the x byte")
    add("envelope-x-zero", "envelope_hex", [reseal(envs[0], x=0).hex(), envs[1].hex()], "ZERO_X",
        "x = 0 with a valid checksum is still refused")
    add("envelope-duplicate", "envelope_hex", [envs[0].hex(), envs[0].hex()], "DUPLICATE_X", "the same share twice")
    add("envelope-mixed-sets", "envelope_hex", [envs[0].hex(), other[1].hex()], "SET_MISMATCH", "shares of two splits")
    add("envelope-below-threshold", "envelope_hex", [envs[2].hex()], "BELOW_THRESHOLD", "needs 2, got 1")
    add("envelope-corrupted", "envelope_hex", [envs[0].hex(), bytes(flipped).hex()], "SHARE_CHECKSUM",
        "one bit flipped in share 2's y bytes")
    add("envelope-forged-consistent-checksum", "envelope_hex", [envs[0].hex(), reseal(envs[1], y=bytes(forged_y)).hex()],
        "INTEGRITY_CHECK", "y altered and the checksum recomputed: only the shared digest catches it")
    t3 = envelope_split(secret, 3, 3, KeystreamRng(seed_of("t3")))[1]
    add("envelope-threshold-edited", "envelope_hex", [(t3[0][:3] + b"\x02" + t3[0][4:]).hex(), t3[1].hex()],
        "SHARE_CHECKSUM", "threshold byte edited without fixing the checksum")
    add("envelope-threshold-lowered-resealed", "envelope_hex", [reseal(t3[0], t=2).hex(), reseal(t3[1], t=2).hex()],
        "INTEGRITY_CHECK", "a 3-of-3 set relabelled 2-of-3 (checksums recomputed): two shares cannot pass the digest")
    add("envelope-truncated", "envelope_hex", [envs[0][:-5].hex(), envs[1].hex()], "TRUNCATED", "last 5 bytes missing")
    add("envelope-trailing", "envelope_hex", [envs[0].hex() + "00", envs[1].hex()], "TRAILING_BYTES", "an extra byte")
    add("envelope-bad-magic", "envelope_hex", ["4b54" + envs[0][2:].hex(), envs[1].hex()], "BAD_MAGIC", "not KS")
    add("envelope-version-2", "envelope_hex", [envs[0][:2].hex() + "02" + envs[0][3:].hex(), envs[1].hex()],
        "UNSUPPORTED_VERSION", "a future version")
    add("text-typo", "text", [typo, bech32m("ks", envs[1])], "TEXT_CHECKSUM", "last character changed")
    add("text-swapped", "text", [swapped, bech32m("ks", envs[1])], "TEXT_CHECKSUM", "two adjacent characters swapped")
    add("text-bad-character", "text", [text[:8] + "b" + text[9:], bech32m("ks", envs[1])], "INVALID_TEXT",
        "'b' is not in the bech32 alphabet")
    return {"description": "Inputs keysplit must refuse, each with the stable error code (keysplit::Error::code). "
                           "In list operations, every share before the faulty one is valid.",
            "base_secret": secret.hex(), "cases": c}


def main():
    _self_test_chacha()
    assert gf_mul(0x57, 0x83) == 0xC1
    raw, env = split_vectors()
    files = {
        "gf256.json": gf256_vectors(),
        "split-raw.json": {
            "description": "Raw (Privy/Vault format, y || x) shares under the deterministic test RNG. "
                           "See README.md for the RNG and its consumption order.",
            "vectors": raw},
        "split-envelope.json": {
            "description": "Envelope v1 shares under the deterministic test RNG (set id, then xs, then coefficients).",
            "vectors": env},
        "invalid.json": corrupt_cases(),
    }
    for name, content in files.items():
        with open(os.path.join(OUT, name), "w") as f:
            json.dump(content, f, indent=1)
            f.write("\n")
        print("wrote", name)


if __name__ == "__main__":
    main()
