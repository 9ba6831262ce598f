"""The text of kubectl-style tables: cells padded as kubectl's tabwriter pads them, label columns.

Plain strings in, lines out, with no protobuf: `skiff get`'s REST fast path prints with it too.
"""
from __future__ import annotations

from collections.abc import Mapping

GAP = 3  # spaces between columns, as kubectl's tabwriter pads
NONE = "<none>"  # the same text as api.columns.NONE, which cannot be imported without protobuf


def label_header(key: str) -> str:
    """`-L app.kubernetes.io/name` heads its column NAME, as kubectl does."""
    return key.rsplit("/", 1)[-1].upper()


def labels_text(labels: Mapping[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items())) or NONE


def widths_of(rows: list[list[str]]) -> list[int]:
    return [max(len(r[i]) for r in rows) for i in range(len(rows[0]))] if rows else []


def render_rows(rows: list[list[str]]) -> list[str]:
    """Rows of cells (the header first) aligned as kubectl's tabwriter aligns them."""
    widths = widths_of(rows)
    return [line(r, widths) for r in rows]


def line(cells: list[str], widths: list[int]) -> str:
    padded = [c.ljust(w + GAP) for c, w in zip(cells[:-1], widths)]
    return ("".join(padded) + cells[-1]).rstrip()
