"""skiff's argparse: usage errors raised for main() to report the kubectl way, and a start-up that
asks the terminal's width once instead of importing shutil for every flag."""
from __future__ import annotations

import argparse
import os
import sys


class UsageError(Exception):
    """A command line argparse rejected; kubectl prints it with a pointer to --help and exits 1."""

    def __init__(self, message: str, prog: str):
        super().__init__(message)
        self.prog = prog


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is an exception main() reports the kubectl way (exit 1)."""

    def error(self, message: str):
        raise UsageError(message, self.prog)

    def _get_formatter(self):
        # argparse makes a formatter for every add_argument, and without a width each one imports shutil
        # (and with it zlib, bz2, lzma) to ask the terminal's size: a tenth of `skiff get`'s start-up.
        return self.formatter_class(prog=self.prog, width=terminal_width())


def terminal_width() -> int:
    """What argparse would find (COLUMNS, else the terminal's width, else 80) less its margin of 2."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return (columns or 80) - 2
