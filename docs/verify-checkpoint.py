#!/usr/bin/env python3
"""Verifies a ContactsGateway audit checkpoint with nothing but the gateway's public key.

    python3 docs/verify-checkpoint.py CHECKPOINT_FILE PUBLIC_KEY

CHECKPOINT_FILE is what `contacts-gateway audit checkpoint` printed (JSON), or the signed note alone. PUBLIC_KEY is
the verifier key `audit public-key` prints (`contacts-gateway/audit+<key id>+<base64>`), or the base64 of the raw
32-byte Ed25519 public key. Exit 0 and one line with what the checkpoint signs; otherwise exit 1 and one line on
stderr saying what is wrong. Needs Python 3 and the `cryptography` package (pip install cryptography). The format is
in docs/audit.md, "Signed checkpoints".
"""
import base64
import binascii
import hashlib
import json
import re
import sys

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
except ImportError:
    sys.exit("error: this script needs the cryptography package: pip install cryptography")

ORIGIN = "contacts-gateway/audit"
ED25519 = b"\x01"


class Bad(Exception):
    pass


def b64(text, what):
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise Bad(f"{what} is not base64")


def public_key(text):
    """(name, key id, raw key) from a verifier key, or from base64 of the raw key (then the name is the origin)."""
    text = text.strip()
    m = re.fullmatch(r"([^+\s]+)\+([0-9a-f]{8})\+(\S+)", text)
    if m and len(text) != 44:  # 44 characters: base64 of a raw 32-byte key, which may hold '+' too
        name, key_id, rest = m.groups()
        data = b64(rest, "the verifier key's key")
        if len(data) != 33 or data[:1] != ED25519:
            raise Bad("the verifier key is not an Ed25519 key (name+keyid+base64 of 0x01 and 32 bytes)")
        raw = data[1:]
        if key_id != key_id_of(name, raw).hex():
            raise Bad("the verifier key's ID does not match its name and key")
        return name, raw
    raw = b64(text, "the public key")
    if len(raw) != 32:
        raise Bad(f"an Ed25519 public key is 32 bytes, not {len(raw)}")
    return ORIGIN, raw


def key_id_of(name, raw):
    # C2SP signed-note: SHA-256(name || 0x0A || 0x01 || public key)[:4]
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + raw).digest()[:4]


def read_note(path):
    try:
        with open(path, "rb") as f:
            data = f.read((1 << 20) + 1)
    except OSError as e:
        raise Bad(f"cannot read {path}: {e.strerror}")
    if len(data) > 1 << 20:
        raise Bad(f"{path} is over 1 MiB: not a checkpoint")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Bad(f"{path} is not UTF-8 text")
    if text.strip().startswith("{"):
        try:
            note = json.loads(text)["note"]
        except (ValueError, KeyError, TypeError):
            raise Bad(f"{path} is JSON without a \"note\" string")
        if not isinstance(note, str):
            raise Bad(f"{path} is JSON without a \"note\" string")
        return note
    return text.rstrip("\n ") + "\n"


def verify(note, name, raw):
    if any(ord(c) < 0x20 and c != "\n" for c in note):
        raise Bad("the note holds control characters")
    split = note.rfind("\n\n")
    if split < 0:
        raise Bad("the note has no blank line before its signatures")
    text, signatures = note[: split + 1], note[split + 2 :]
    wanted = key_id_of(name, raw)
    key = Ed25519PublicKey.from_public_bytes(raw)
    mine = 0
    for line in signatures.split("\n")[:-1]:
        m = re.fullmatch(r"\u2014 (\S+) (\S+)", line)
        if not m:
            raise Bad(f"not a signature line: {line[:60]!r}")
        payload = b64(m.group(2), "a signature")
        if m.group(1) != name or payload[:4] != wanted:
            continue  # another key's signature: ignored, as signed-note says
        mine += 1
        try:
            key.verify(payload[4:], text.encode("utf-8"))
        except InvalidSignature:
            raise Bad("the signature does not verify with this public key: the checkpoint was changed or forged")
    if mine == 0:
        raise Bad(f"the checkpoint is not signed by this key ({name}+{wanted.hex()})")
    return text


def fields(text):
    lines = text[:-1].split("\n")
    if len(lines) != 6:
        raise Bad("the signed text is not a checkpoint (6 lines: origin, seq, hash, node, time, pruned)")
    origin, seq, root, node, time, pruned = lines
    if not re.fullmatch(r"0|[1-9][0-9]*", seq):
        raise Bad("the checkpoint's size is not a decimal number")
    head = b64(root, "the checkpoint's hash")
    if len(head) != 32:
        raise Bad("the checkpoint's hash is not 32 bytes")
    extras = {}
    for line, key in ((node, "node"), (time, "time"), (pruned, "pruned")):
        if not line.startswith(key + " "):
            raise Bad(f"the checkpoint has no '{key}' line where one belongs")
        extras[key] = line[len(key) + 1 :]
    return origin, int(seq), head.hex(), extras


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: verify-checkpoint.py CHECKPOINT_FILE PUBLIC_KEY")
    try:
        name, raw = public_key(argv[2])
        text = verify(read_note(argv[1]), name, raw)
        origin, seq, head, extras = fields(text)
    except Bad as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"ok: {origin} record {seq} hash {head}, signed by {extras['node']} at {extras['time']}, "
          f"records through {extras['pruned']} pruned")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
