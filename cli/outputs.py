"""What `-o` asks for (a format and its template), parsed without importing any printer.

`get`'s REST fast path and the flag parser use it before anything heavy is loaded; cli.printers renders.
"""
from __future__ import annotations

import argparse
from typing import NamedTuple

FORMATS = ("wide", "yaml", "json", "name", "jsonpath=TEMPLATE", "jsonpath-file=FILE",
           "custom-columns=SPEC", "custom-columns-file=FILE")
MACHINE = ("json", "yaml", "name", "jsonpath", "custom-columns")


class Output(NamedTuple):
    """What `-o` asked for: a format and, for jsonpath and custom-columns, its template."""

    format: str = ""  # "" is the default table
    template: str = ""

    @property
    def is_table(self) -> bool:
        return self.format in ("", "wide")


def output_format(text: str) -> Output:
    """The argparse type of `-o`: `yaml`, `jsonpath={.x}`, `custom-columns-file=cols.txt`..."""
    name, eq, template = text.partition("=")
    if name in ("wide", "yaml", "json", "name") and not eq:
        return Output(name)
    if name in ("jsonpath", "custom-columns") and eq:
        return Output(name, template)
    if name in ("jsonpath-file", "custom-columns-file") and eq:
        try:
            with open(template) as f:
                content = f.read()
        except OSError as e:
            raise argparse.ArgumentTypeError(f"error reading {template}: {e.strerror}") from None
        return Output(name.removesuffix("-file"), content.strip() if name.startswith("custom") else content)
    raise argparse.ArgumentTypeError(
        f'unable to match a printer suitable for the output format "{text}", allowed formats are: '
        + ",".join(FORMATS))
