"""Output of `get`: kubectl-style tables, and the manifest form as JSON, YAML or `kind/name` lines.

Pure functions from objects (and an injected "now") to text, so every format has a golden test.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

import yaml
from google.protobuf.message import Message

from api import kinds, manifest
from api.columns import columns_for
from cli.resources import object_name

FORMATS = ("wide", "yaml", "json", "name")
GAP = 3  # spaces between columns, as kubectl's tabwriter pads


class Table:
    """Rows of one kind; widths fixed by the first rendering so a watch's later lines stay aligned."""

    def __init__(self, kind_name: str, now: datetime, wide: bool = False, all_namespaces: bool = False,
                 with_kind: bool = False):
        self.kind_name = kind_name
        self.now = now
        self.wide = wide
        self.all_namespaces = all_namespaces
        self.with_kind = with_kind
        self.widths: list[int] | None = None

    def headers(self) -> list[str]:
        cols = columns_for(self.kind_name)
        headers = list(cols.headers) + (list(cols.wide_headers) if self.wide else [])
        return (["NAMESPACE"] if self.all_namespaces else []) + headers

    def row(self, obj: Message) -> list[str]:
        cols = columns_for(self.kind_name)
        cells = cols.row(obj, self.now) + (cols.wide_row(obj) if self.wide else [])
        if self.with_kind and "NAME" in cols.headers:
            i = cols.headers.index("NAME")
            cells[i] = object_name(obj)
        return ([obj.metadata.namespace] if self.all_namespaces else []) + cells

    def render(self, objs: Sequence[Message], header: bool = True) -> list[str]:
        rows = ([self.headers()] if header else []) + [self.row(o) for o in objs]
        if self.widths is None:
            self.widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))] if rows else []
        return [_line(r, self.widths) for r in rows]


def render_rows(rows: list[list[str]]) -> list[str]:
    """Rows of cells (the header first) aligned as kubectl's tabwriter aligns them."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))] if rows else []
    return [_line(r, widths) for r in rows]


def _line(cells: list[str], widths: list[int]) -> str:
    padded = [c.ljust(w + GAP) for c, w in zip(cells[:-1], widths)]
    return ("".join(padded) + cells[-1]).rstrip()


def render_table(objs: Sequence[Message], now: datetime, wide: bool = False, all_namespaces: bool = False,
                 with_kind: bool = False) -> list[str]:
    """The table of objects of one kind, header first."""
    kind_name = kinds.of(objs[0]).name if objs else ""
    return Table(kind_name, now, wide, all_namespaces, with_kind).render(objs)


def manifest_of(obj: Message) -> dict:
    return manifest.to_dict(obj)


def as_list(objs: Sequence[Message]) -> dict:
    return {"apiVersion": "v1", "kind": "List", "items": [manifest_of(o) for o in objs],
            "metadata": {"resourceVersion": ""}}


def render_json(data: dict) -> str:
    return json.dumps(data, indent=4, ensure_ascii=False)


def render_yaml(data: dict) -> str:
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False, allow_unicode=True).rstrip("\n")


def render_objects(objs: Sequence[Message], output: str, single: bool) -> list[str]:
    """`-o json|yaml|name`: one object as itself when one was named, else a List."""
    if output == "name":
        return [object_name(o) for o in objs]
    data = manifest_of(objs[0]) if single and len(objs) == 1 else as_list(objs)
    return [render_json(data) if output == "json" else render_yaml(data)]


def render_one(obj: Message, output: str) -> str:
    """One object of a watch stream in a machine format."""
    return render_objects([obj], output, single=True)[0]
