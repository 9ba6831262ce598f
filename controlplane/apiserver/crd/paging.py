"""Pages of a custom resource list as Kubernetes' etcd3 store hands them out: the `continue` token (its
encoding, its checks) and the list options' resourceVersion rules, as pure functions."""
from __future__ import annotations

import base64
import binascii
import json
from typing import NamedTuple

from api import errors

TOKEN_VERSION = "meta.k8s.io/v1"
EXPIRED = ("The provided continue parameter is too old to display a consistent list result. You can start a new "
           "list without the continue parameter, or use the continue token in this response to retrieve the "
           "remainder of the results. Continuing with the provided token results in an inconsistent list - objects "
           "that were created, modified, or deleted between the time the first chunk was returned and now may show "
           "up in the list.")


class ListOptions(NamedTuple):
    limit: int  # 0: every item
    start: str  # the key to start from, relative to the list's prefix ("": the beginning)
    revision: int  # the etcd revision to read at (0: now)


def encode_continue(revision: int, next_key: str) -> str:
    """Kubernetes' token: unpadded URL-safe base64 of {"v", "rv", "start"} (the key relative to the prefix)."""
    raw = json.dumps({"v": TOKEN_VERSION, "rv": revision, "start": next_key}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_continue(token: str) -> tuple[int, str]:
    """(revision, start key); BadRequest in Kubernetes' words for a token this server did not make."""
    def invalid(why: str) -> errors.ApiError:
        return errors.BadRequest(f"invalid continue token: continue key is not valid: {why}")
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError):
        raise invalid("illegal base64 data or JSON") from None
    if not isinstance(data, dict) or data.get("v") != TOKEN_VERSION:
        raise invalid("server does not recognize this encoding")
    rv, start = data.get("rv"), data.get("start")
    if not isinstance(rv, int) or rv <= 0:
        raise invalid(f"incorrect encoded start resourceVersion (version {TOKEN_VERSION})")
    if not isinstance(start, str) or not start or start.startswith("/") or ".." in start.split("/"):
        raise invalid("path traversal attempt detected")
    return rv, start


def list_options(query) -> ListOptions:
    """limit, continue, resourceVersion and resourceVersionMatch checked as Kubernetes' ValidateListOptions."""
    limit_text, token = query.get("limit", ""), query.get("continue", "")
    version, match = query.get("resourceVersion", ""), query.get("resourceVersionMatch", "")
    try:
        limit = int(limit_text) if limit_text else 0
    except ValueError:
        raise errors.BadRequest(f'limit: invalid value "{limit_text}": must be an integer') from None
    limit = max(limit, 0)
    problems = []
    if match and match not in ("Exact", "NotOlderThan"):
        problems.append(f'resourceVersionMatch: Unsupported value: "{match}": supported values: '
                        f'"Exact", "NotOlderThan", ""')
    elif match and not version:
        problems.append("resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion "
                        "is provided")
    elif match and token:
        problems.append("resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided")
    elif match == "Exact" and version == "0":
        problems.append('resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for '
                        'resourceVersion "0"')
    if problems:
        raise errors.Invalid.of('ListOptions.meta.k8s.io ""', problems)
    if token:
        if version not in ("", "0"):
            raise errors.BadRequest("specifying resource version is not allowed when using continue")
        revision, start = decode_continue(token)
        return ListOptions(limit, start, revision)
    revision = 0
    if match == "Exact":
        try:
            revision = int(version)
        except ValueError:
            raise errors.BadRequest(f'resourceVersion: invalid value "{version}"') from None
    elif version not in ("", "0"):
        try:
            int(version)  # NotOlderThan: the latest state is never older than a version the server gave out
        except ValueError:
            raise errors.BadRequest(f'resourceVersion: invalid value "{version}"') from None
    return ListOptions(limit, "", revision)
