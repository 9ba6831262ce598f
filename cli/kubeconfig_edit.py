"""What `skiff config view|get-contexts|current-context|use-context|set-context` do to a kubeconfig
(clusters, users, contexts, current-context), as pure functions over its YAML data, in kubectl's words."""
from __future__ import annotations

import copy

from cli.errors import CliError

_SECRET_DATA = ("client-certificate-data", "client-key-data", "certificate-authority-data")


def redacted(data: dict) -> dict:
    """`config view` without --raw: embedded certificates and keys as DATA+OMITTED, tokens REDACTED."""
    out = copy.deepcopy(data)
    for section, inner in (("clusters", "cluster"), ("users", "user")):
        for entry in out.get(section) or []:
            body = entry.get(inner) or {}
            for key in _SECRET_DATA:
                if key in body:
                    body[key] = "DATA+OMITTED"
            if "token" in body:
                body["token"] = "REDACTED"
    return out


def minified(data: dict) -> dict:
    """`--minify`: only the current context and the cluster and user it names."""
    current = data.get("current-context") or ""
    context = _find(data, "contexts", current)
    if context is None:
        raise CliError("current-context must exist in order to minify")
    body = context.get("context") or {}
    out = {k: v for k, v in data.items() if k not in ("clusters", "users", "contexts")}
    out["contexts"] = [context]
    out["clusters"] = [c for c in data.get("clusters") or [] if c.get("name") == body.get("cluster")]
    out["users"] = [u for u in data.get("users") or [] if u.get("name") == body.get("user")]
    return out


def context_rows(data: dict, only: str = "") -> list[list[str]]:
    """`get-contexts`: CURRENT NAME CLUSTER AUTHINFO NAMESPACE, `*` on the current one."""
    current = data.get("current-context") or ""
    rows = [["CURRENT", "NAME", "CLUSTER", "AUTHINFO", "NAMESPACE"]]
    found = False
    for entry in sorted(data.get("contexts") or [], key=lambda c: str(c.get("name"))):
        name = str(entry.get("name", ""))
        if only and name != only:
            continue
        found = True
        body = entry.get("context") or {}
        rows.append(["*" if name == current else "", name, str(body.get("cluster", "")),
                     str(body.get("user", "")), str(body.get("namespace", ""))])
    if only and not found:
        raise CliError(f'context {only} not found')
    return rows


def use_context(data: dict, name: str) -> dict:
    if _find(data, "contexts", name) is None:
        raise CliError(f'no context exists with the name: "{name}"')
    out = copy.deepcopy(data)
    out["current-context"] = name
    return out


def set_context(data: dict, name: str, changes: dict[str, str]) -> tuple[dict, bool]:
    """(the new data, created?) with the context's cluster/user/namespace set as given."""
    if not name:
        raise CliError("you must specify a non-empty context name or --current")
    out = copy.deepcopy(data)
    contexts = out.setdefault("contexts", []) or []
    out["contexts"] = contexts
    entry = next((c for c in contexts if c.get("name") == name), None)
    created = entry is None
    if created:
        entry = {"name": name, "context": {}}
        contexts.append(entry)
    body = entry.setdefault("context", {}) or {}
    entry["context"] = body
    for key, value in changes.items():
        if value:
            body[key] = value
    return out, created


def _find(data: dict, section: str, name: str):
    return next((e for e in data.get(section) or [] if e.get("name") == name), None)
