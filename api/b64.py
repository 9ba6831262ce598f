"""Base64 as Kubernetes reads Secret data: Go's standard encoding, which skips line breaks (a YAML block
scalar `|` adds one) and names the offset of the first byte it cannot read."""
from __future__ import annotations

import base64
import string

ALPHABET = frozenset(string.ascii_letters + string.digits + "+/")


class Illegal(ValueError):
    def __init__(self, offset: int):
        super().__init__(f"illegal base64 data at input byte {offset}")
        self.offset = offset


def decode(text: str) -> bytes:
    """The bytes `text` encodes, line breaks ignored; Illegal (with Go's offset into `text`) otherwise."""
    kept = [(i, c) for i, c in enumerate(text) if c not in "\r\n"]
    end = len(text)
    for j, (offset, c) in enumerate(kept):
        if c in ALPHABET:
            continue
        if c != "=" or j % 4 < 2:
            raise Illegal(offset)
        # Padding: "x=" must be followed by one more "=" in a two-byte quantum, then nothing at all.
        rest = kept[j + 1:]
        if j % 4 == 2:
            if not rest:
                raise Illegal(end)
            if rest[0][1] != "=":
                raise Illegal(rest[0][0] - 1)
            rest = rest[1:]
        if rest:
            raise Illegal(rest[0][0])
        break
    else:
        if len(kept) % 4:
            raise Illegal(kept[len(kept) - len(kept) % 4][0])
    return base64.b64decode("".join(c for _, c in kept))
