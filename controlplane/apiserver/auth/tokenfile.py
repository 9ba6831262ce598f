"""The static token file for people (Kubernetes' --token-auth-file): `token,user,uid,"group1,group2"`.

Read once at start; a malformed line is an error naming the file and line.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from controlplane.apiserver.auth.user import UserInfo, with_authenticated


class TokenFileError(ValueError):
    pass


def parse(text: str, source: str = "token file") -> dict[str, UserInfo]:
    tokens: dict[str, UserInfo] = {}
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        if len(row) < 3:
            raise TokenFileError(f"{source}:{number}: expected token,user,uid[,\"group1,group2\"], "
                                 f"got {len(row)} column(s)")
        token, name, uid = (c.strip() for c in row[:3])
        if not token or not name:
            raise TokenFileError(f"{source}:{number}: the token and the user name must not be empty")
        if token in tokens:
            raise TokenFileError(f"{source}:{number}: duplicate token (also for user {tokens[token].name!r})")
        groups = [g.strip() for g in row[3].split(",") if g.strip()] if len(row) > 3 else []
        tokens[token] = with_authenticated(name, groups, uid)
    return tokens


def load(path: str | Path) -> dict[str, UserInfo]:
    try:
        text = Path(path).read_text()
    except OSError as e:
        raise TokenFileError(f"cannot read token file {path}: {e.strerror}") from None
    return parse(text, str(path))
