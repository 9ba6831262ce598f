"""Flags that several verbs share, declared once so they read the same everywhere."""
from __future__ import annotations

import argparse

from api.flagtypes import duration
from cli.parser import Parser

DRY_RUN = ("none", "client", "server")


def common() -> argparse.ArgumentParser:
    """Flags every verb accepts, before or after the verb (`skiff --server H:P get po`)."""
    p = Parser(add_help=False)
    p.add_argument("--server", "-s", metavar="HOST:PORT", default=argparse.SUPPRESS,
                   help="the API server (default: the one ~/.skiff/config or $SKIFF_CONFIG names)")
    p.add_argument("--request-timeout", type=duration, metavar="DURATION", default=argparse.SUPPRESS,
                   help="give up on a single request after this long, e.g. 30s, 2m (default 30s)")
    p.add_argument("--as", dest="as_user", metavar="USER", default=argparse.SUPPRESS,
                   help="act as this user (or system:serviceaccount:NS:NAME); needs the right to impersonate")
    p.add_argument("--as-group", action="append", metavar="GROUP", default=argparse.SUPPRESS,
                   help="with --as: act with this group too; repeatable")
    p.add_argument("--as-uid", metavar="UID", default=argparse.SUPPRESS, help="with --as: act with this uid")
    return p


def global_namespace(p: argparse.ArgumentParser) -> None:
    """`-n` before the verb (`skiff -n web get pods`), as kubectl takes it."""
    p.add_argument("-n", "--namespace", metavar="NS", default=argparse.SUPPRESS,
                   help="the namespace (default: from the config, else default)")


def namespace(p: argparse.ArgumentParser, all_namespaces: bool = False) -> None:
    # SUPPRESS: a verb's own default must not undo a `-n` given before the verb
    p.add_argument("-n", "--namespace", metavar="NS", default=argparse.SUPPRESS,
                   help="the namespace (default: from the config, else default)")
    if all_namespaces:
        p.add_argument("-A", "--all-namespaces", action="store_true",
                       help="list across every namespace (adds a NAMESPACE column)")


def filename(p: argparse.ArgumentParser, required: bool = False) -> None:
    p.add_argument("-f", "--filename", action="append", metavar="FILE|DIR|-", required=required,
                   help="a YAML or JSON manifest file, a directory of them, or - for stdin; repeatable")
    p.add_argument("-R", "--recursive", action="store_true", help="read directories given to -f recursively")


def validate(p: argparse.ArgumentParser) -> None:
    """`--validate`: Kubernetes' field validation of the manifests' unknown and duplicate fields."""
    p.add_argument("--validate", default="strict", metavar="MODE",
                   type=lambda text: text if text.lower() in VALIDATE else _bad_validate(text),
                   help="unknown or duplicate fields: strict (default) refuses the object naming every one; "
                        "warn drops them with a warning; ignore (or false) drops them silently")


VALIDATE = ("strict", "true", "warn", "ignore", "false")


def _bad_validate(text: str):
    raise argparse.ArgumentTypeError(f'invalid value "{text}": choose from strict, warn, ignore (or true, false)')


def selector(p: argparse.ArgumentParser) -> None:
    p.add_argument("-l", "--selector", default="", metavar="SELECTOR",
                   help="label selector, e.g. app=web,tier in (a,b)")


def field_selector(p: argparse.ArgumentParser) -> None:
    p.add_argument("--field-selector", default="", metavar="SELECTOR",
                   help="field selector, e.g. status.phase=Running,spec.nodeName=node1")


def output(p: argparse.ArgumentParser, table: bool = False) -> None:
    """`-o`: yaml|json|name|jsonpath=...|custom-columns=... (and wide where a table is the default)."""
    from cli.outputs import output_format
    shown = "wide|yaml|json|name|" if table else "yaml|json|name|"
    p.add_argument("-o", "--output", type=output_format, default=None, metavar="FORMAT",
                   help=f"output format: {shown}jsonpath=TEMPLATE|custom-columns=SPEC "
                        "(also jsonpath-file=, custom-columns-file=)")


def dry_run(p: argparse.ArgumentParser) -> None:
    """`--dry-run=client|server`: show what would be written; server: the server checks it, writes nothing."""
    p.add_argument("--dry-run", nargs="?", const="client", default="none", choices=DRY_RUN,
                   help="client: print the object, send nothing; server: the server validates and "
                        "defaults it but writes nothing (default none)")


def dry_run_suffix(args: argparse.Namespace) -> str:
    """kubectl's ` (dry run)` / ` (server dry run)` after `pod/web created`."""
    mode = getattr(args, "dry_run", "none")
    return {"client": " (dry run)", "server": " (server dry run)"}.get(mode, "")


def boolean(text: str) -> bool:
    if text.lower() in ("true", "1", "yes"):
        return True
    if text.lower() in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")
