"""SLIP-39 cross-implementation check: keysplit <-> python-shamir-mnemonic (PyPI, the
reference implementation by SatoshiLabs).

Random group configurations, secrets (16..32 bytes, even), passphrases, iteration
exponents and extendable flags; ROUNDS rounds each way:
  * keysplit slip39 split  -> random qualifying subset -> shamir_mnemonic.combine_mnemonics
  * shamir_mnemonic.generate_mnemonics -> random qualifying subset -> keysplit slip39 combine
plus, each round, a non-qualifying subset that keysplit must refuse. Exits 1 on the
first mismatch, printing the round's inputs.

usage: python slip39_interop.py KEYSPLIT_BIN [ROUNDS] [SEED]
"""

import os
import random
import string
import subprocess
import sys

import shamir_mnemonic

KEYSPLIT = sys.argv[1]
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 30
SEED = int(sys.argv[3]) if len(sys.argv) > 3 else int.from_bytes(os.urandom(4), "big")
rng = random.Random(SEED)


def fail(what, **context):
    print(f"slip39 interop: MISMATCH ({what}); seed {SEED}", file=sys.stderr)
    for key, value in context.items():
        print(f"  {key}: {value!r}", file=sys.stderr)
    sys.exit(1)


def random_config():
    count = rng.randint(1, 5)
    groups = []
    for _ in range(count):
        n = rng.randint(1, 6)
        t = 1 if n == 1 else rng.randint(2, n)
        groups.append((t, n))
    return rng.randint(1, count), groups


def random_passphrase():
    if rng.random() < 0.25:
        return ""
    alphabet = string.ascii_letters + string.digits + string.punctuation + " "
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 16)))


def qualifying(group_threshold, groups, shares):
    chosen = []
    for g in rng.sample(range(len(groups)), group_threshold):
        chosen += rng.sample(shares[g], groups[g][0])
    rng.shuffle(chosen)
    return chosen


def keysplit(args, stdin, passphrase):
    env = dict(os.environ)
    env["KEYSPLIT_SLIP39_PASSPHRASE"] = passphrase
    return subprocess.run(
        [KEYSPLIT, "slip39", *args], input=stdin, env=env, capture_output=True, text=True
    )


def main():
    checked = 0
    for rnd in range(ROUNDS):
        gt, groups = random_config()
        secret = os.urandom(rng.choice([16, 32, 2 * rng.randint(8, 16)]))
        passphrase = random_passphrase()
        exponent = rng.choice([0, 0, 1])
        extendable = rng.random() < 0.5
        ctx = dict(round=rnd, group_threshold=gt, groups=groups, secret=secret.hex(),
                   passphrase=passphrase, exponent=exponent, extendable=extendable)

        # keysplit split -> python combine
        args = ["split", "--group-threshold", str(gt), "--iteration-exponent", str(exponent)]
        for t, n in groups:
            args += ["--group", f"{t}/{n}"]
        if not extendable:
            args.append("--no-extendable")
        out = keysplit(args, secret.hex() + "\n", passphrase)
        if out.returncode != 0:
            fail("keysplit split failed", stderr=out.stderr, **ctx)
        printed = [g.splitlines() for g in out.stdout.rstrip("\n").split("\n\n")]
        if [len(g) for g in printed] != [n for _, n in groups]:
            fail("keysplit printed the wrong group layout", stdout=out.stdout, **ctx)
        chosen = qualifying(gt, groups, printed)
        try:
            back = shamir_mnemonic.combine_mnemonics(chosen, passphrase.encode())
        except Exception as e:  # noqa: BLE001 - any refusal is a failure here
            fail(f"python refused keysplit's shares: {e}", shares=chosen, **ctx)
        if back != secret:
            fail("python combined keysplit's shares to another secret", got=back.hex(), **ctx)
        for share in chosen:
            parsed = shamir_mnemonic.share.Share.from_mnemonic(share)
            if parsed.extendable != extendable or parsed.iteration_exponent != exponent:
                fail("flags differ", share=share, **ctx)
        checked += 1

        # python split -> keysplit combine
        made = shamir_mnemonic.generate_mnemonics(
            gt, groups, secret, passphrase.encode(), extendable=extendable,
            iteration_exponent=exponent,
        )
        chosen = qualifying(gt, groups, made)
        text = "\n".join(chosen) + "\n"
        out = keysplit(["combine"], text, passphrase)
        if out.returncode != 0 or out.stdout != secret.hex() + "\n":
            fail("keysplit did not combine python's shares", stdout=out.stdout,
                 stderr=out.stderr, shares=chosen, **ctx)
        # One share fewer is refused by both.
        short = chosen[:-1]
        out = keysplit(["combine"], "\n".join(short) + "\n", passphrase)
        if out.returncode != 1 or out.stdout:
            fail("keysplit accepted a non-qualifying subset", stdout=out.stdout, **ctx)
        try:
            shamir_mnemonic.combine_mnemonics(short, passphrase.encode())
            fail("python accepted a non-qualifying subset", **ctx)
        except shamir_mnemonic.MnemonicError:
            pass
        checked += 1
    print(f"slip39 interop: {checked} rounds passed ({ROUNDS} each way, seed {SEED}, "
          f"shamir-mnemonic {getattr(shamir_mnemonic, '__version__', '0.3.0')})")


main()
