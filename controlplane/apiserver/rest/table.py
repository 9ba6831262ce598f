"""`Table` responses (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`): the rows `kubectl get`
prints, built from the same column functions as `skiff get` (api/columns.py). Pure functions.
"""
from __future__ import annotations

from datetime import datetime

from google.protobuf.message import Message

from api import manifest
from api.columns import columns_for
from api.kinds import Kind
from controlplane.apiserver.rest import codec

INCLUDE_OBJECT = ("None", "Metadata", "Object")


def column_definitions(kind: Kind) -> list[dict]:
    """Name, type and priority of each column; priority 1 are the `-o wide` extras."""
    cols = columns_for(kind.name)
    out = [_definition(h, 0, i == 0) for i, h in enumerate(cols.headers)]
    return out + [_definition(h, 1, False) for h in cols.wide_headers]


def _definition(header: str, priority: int, is_name: bool) -> dict:
    # kubectl prints a column's name upper-cased; the CLI's headers already are.
    return {"name": header, "type": "string", "format": "name" if is_name else "", "description": "",
            "priority": priority}


def row(kind: Kind, obj: Message, now: datetime, include: str) -> dict:
    cols = columns_for(kind.name)
    cells = cols.row(obj, now) + cols.wide_row(obj)
    out: dict = {"cells": cells}
    if include == "Object":
        out["object"] = codec.encode(obj)
    elif include != "None":
        out["object"] = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                         "metadata": manifest.to_dict(obj.metadata)}
    return out


def table(kind: Kind, objects: list[Message], now: datetime, include: str = "Metadata",
          resource_version: str = "", continue_token: str = "", headers: bool = True) -> dict:
    meta = {"resourceVersion": resource_version} if resource_version else {}
    if continue_token:
        meta["continue"] = continue_token
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta,
            "columnDefinitions": column_definitions(kind) if headers else [],
            "rows": [row(kind, o, now, include) for o in objects]}
