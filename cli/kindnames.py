"""What a user types for a kind (`po`, `deploy`, `Services`, `deployments.apps`) as a REST resource,
without protobuf: derived from api.kinds once per build of proto/api_pb2.py, then kept in the CLI's cache.

Only `skiff get`'s REST fast path needs this; everything else looks kinds up in api.kinds itself.
"""
from __future__ import annotations

import json
import os
from typing import NamedTuple

# where api.kinds reads the registered kinds from: its size and age say whether the cache still holds
SOURCE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "proto", "api_pb2.py")


class Resource(NamedTuple):
    kind: str  # "Deployment"
    api_version: str  # "apps/v1"
    plural: str  # "deployments"
    namespaced: bool

    def path(self, namespace: str = "") -> str:
        """The collection's URL path; `namespace` "" for a cluster-scoped kind or across every namespace."""
        root = f"/apis/{self.api_version}" if "/" in self.api_version else f"/api/{self.api_version}"
        scope = f"/namespaces/{namespace}" if namespace and self.namespaced else ""
        return f"{root}{scope}/{self.plural}"


def derive() -> dict:
    """{"kinds": [[kind, apiVersion, plural, namespaced]...], "names": {Kind: index}, "aliases": {word: index}},
    read from api.kinds as api.kinds.lookup reads them (a later kind's alias wins there, so here too)."""
    from api import kinds  # protobuf: paid once per build of proto/api_pb2.py
    table: dict = {"kinds": [], "names": {}, "aliases": {}}
    for i, k in enumerate(kinds.KINDS):
        table["kinds"].append([k.name, k.api_version, k.plural, k.namespaced])
        table["names"][k.name] = i
        for alias in (k.name.lower(), k.plural, k.singular, *k.short_names):
            table["aliases"][alias] = i
    return table


def load(cache_file: str | None) -> dict:
    """The table, from `cache_file` while proto/api_pb2.py is unchanged; derived (and stored) otherwise."""
    try:
        st = os.stat(SOURCE)
        identity = [st.st_size, st.st_mtime_ns]
    except OSError:
        return derive()
    if cache_file:
        try:
            with open(cache_file) as f:
                cached = json.load(f)
            if cached.get("identity") == identity:
                return cached["table"]
        except (OSError, ValueError, KeyError, AttributeError):
            pass
    table = derive()
    if cache_file:
        _store(cache_file, {"identity": identity, "table": table})
    return table


def lookup(table: dict, word: str) -> Resource | None:
    """As api.kinds.lookup finds a kind; None for a word it would refuse."""
    aliases = table["aliases"]
    index = table["names"].get(word)
    if index is None:
        index = aliases.get(word.lower())
    if index is None:
        index = aliases.get(word.lower().split(".", 1)[0])
    if index is None:
        return None
    kind, api_version, plural, namespaced = table["kinds"][index]
    return Resource(kind, api_version, plural, bool(namespaced))


def _store(cache_file: str, value: dict) -> None:
    temporary = f"{cache_file}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(cache_file), mode=0o700, exist_ok=True)
        with open(temporary, "w") as f:
            json.dump(value, f)
        os.replace(temporary, cache_file)  # readers see the old table or the new one
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass
