"""Flags that several verbs share, declared once so they read the same everywhere."""
from __future__ import annotations

import argparse

OUTPUTS = ("wide", "yaml", "json", "name")


def common() -> argparse.ArgumentParser:
    """Flags every verb accepts, before or after the verb (`skiff get po --server H:P`)."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--server", "-s", metavar="HOST:PORT", default=argparse.SUPPRESS,
                   help="the API server (default: the one ~/.skiff/config or $SKIFF_CONFIG names)")
    p.add_argument("--request-timeout", type=float, metavar="SECONDS", default=argparse.SUPPRESS,
                   help="give up on a single request after this long (default 30)")
    return p


def namespace(p: argparse.ArgumentParser, all_namespaces: bool = False) -> None:
    p.add_argument("-n", "--namespace", metavar="NS", help="the namespace (default: from the config, else default)")
    if all_namespaces:
        p.add_argument("-A", "--all-namespaces", action="store_true",
                       help="list across every namespace (adds a NAMESPACE column)")


def filename(p: argparse.ArgumentParser, required: bool = False) -> None:
    p.add_argument("-f", "--filename", action="append", metavar="FILE|DIR|-", required=required,
                   help="a YAML or JSON manifest file, a directory of them, or - for stdin; repeatable")
    p.add_argument("-R", "--recursive", action="store_true", help="read directories given to -f recursively")


def selector(p: argparse.ArgumentParser) -> None:
    p.add_argument("-l", "--selector", default="", metavar="SELECTOR",
                   help="label selector, e.g. app=web,tier in (a,b)")


def boolean(text: str) -> bool:
    if text.lower() in ("true", "1", "yes"):
        return True
    if text.lower() in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")
