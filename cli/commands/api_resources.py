"""`skiff api-resources`: the kinds the server knows, with their short names, as kubectl lists them."""
from __future__ import annotations

import argparse

from api import kinds
from cli.context import Context
from cli.printers import GAP

HELP = "list the kinds of objects skiff serves, with their short names"


def register(subparsers, parents) -> None:
    p = subparsers.add_parser("api-resources", parents=parents, help=HELP, description=HELP.capitalize() + ".")
    p.add_argument("--namespaced", type=lambda s: s.lower() == "true", default=None, metavar="BOOL",
                   help="only namespaced kinds (true) or only cluster-wide ones (false)")
    p.add_argument("-o", "--output", choices=("name",), help="name: print only the plural names")
    p.set_defaults(handler=run)


def rows(namespaced: bool | None = None) -> list[list[str]]:
    out = [["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]]
    for k in sorted(kinds.KINDS, key=lambda k: k.plural):
        if namespaced is None or k.namespaced == namespaced:
            out.append([k.plural, ",".join(k.short_names), k.api_version, str(k.namespaced).lower(), k.name])
    return out


def run(ctx: Context, args: argparse.Namespace) -> int:
    table = rows(args.namespaced)
    if args.output == "name":
        for r in table[1:]:
            ctx.out(r[0])
        return 0
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    for r in table:
        ctx.out("".join(c.ljust(w + GAP) for c, w in zip(r[:-1], widths)) + r[-1])
    return 0
