"""The shapes of `skiff describe` text shared by every kind: labelled values aligned in a column,
label maps one pair a line, and tables with a dashed rule under their headers.
"""
from __future__ import annotations

from typing import Any

from api.columns import NONE

WIDTH = 20  # where values start: past the longest common label, CreationTimestamp


def field(label: str, value: Any, indent: int = 0, width: int = WIDTH) -> str:
    text = f"{' ' * indent}{label}:"
    width = max(width - indent, len(label) + 3)  # a long label still leaves two spaces, as kubectl's
    return (text.ljust(width + indent) + str(value)).rstrip()


def map_lines(label: str, values, indent: int = 0, sep: str = "=") -> list[str]:
    """`Labels:  a=1` with further pairs under the first value; `<none>` when empty."""
    items = sorted(values.items())
    if not items:
        return [field(label, NONE, indent)]
    first, *rest = [f"{k}{sep}{v}" for k, v in items]
    pad = " " * max(WIDTH, len(label) + 3 + indent)
    return [field(label, first, indent)] + [pad + r for r in rest]


def table(headers: list[str], rows: list[list[str]], indent: int = 2) -> list[str]:
    """Columns as wide as their widest cell plus two spaces, a rule of dashes under each header."""
    everything = [headers, ["-" * len(h) for h in headers]] + rows
    widths = [max(len(r[i]) for r in everything) for i in range(len(headers) - 1)]
    return [(" " * indent + "".join(c.ljust(w + 2) for c, w in zip(r, widths)) + r[-1]).rstrip()
            for r in everything]


def int_or_percent(value) -> str:
    """An IntOrString as written: `25%` or `1`."""
    return value.str_value if value.WhichOneof("value") == "str_value" else str(value.int_value)
