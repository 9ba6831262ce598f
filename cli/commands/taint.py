"""`skiff taint nodes NODE key=value:NoSchedule | key:NoSchedule- | key-`: add, change or remove taints."""
from __future__ import annotations

import argparse

from cli import flags, resources, taints
from cli.context import Context
from cli.errors import CliError

HELP = "add or remove taints of nodes"
EXAMPLES = """examples:
  skiff taint nodes skiff-host-2 dedicated=db:NoSchedule
  skiff taint nodes skiff-host-2 dedicated=web:NoSchedule --overwrite
  skiff taint nodes skiff-host-2 dedicated:NoSchedule-     remove the taint with this key and effect
  skiff taint nodes skiff-host-2 dedicated-                remove every taint with this key
  skiff taint nodes -l disk=ssd dedicated=db:NoExecute
"""


def register(subparsers, parents) -> None:
    p = subparsers.add_parser("taint", parents=parents, help=HELP, description=HELP.capitalize() + ".",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("words", nargs="+", metavar="nodes NODE... TAINT...", help="the nodes, then the taint specs")
    flags.selector(p)
    p.add_argument("--all", action="store_true", help="every node")
    p.add_argument("--overwrite", action="store_true", help="replace a taint with the same key and effect")
    flags.dry_run(p)
    p.set_defaults(handler=run)


def split(words: list[str]) -> tuple[list[str], list[taints.TaintSpec]]:
    """(node words, taint specs): specs contain `:` or `=`, or end in `-`."""
    first = next((i for i, w in enumerate(words) if i > 0 and (":" in w or "=" in w or w.endswith("-"))), len(words))
    if first == len(words):
        raise CliError("at least one taint update is required, e.g. key=value:NoSchedule")
    return words[:first], [taints.parse(w) for w in words[first:]]


async def run(ctx: Context, args: argparse.Namespace) -> int:
    from api import errors
    from cli import writes
    node_words, specs = split(args.words)
    kinds_to_list, named = resources.parse(node_words)
    if any(k.name != "Node" for k in kinds_to_list) or any(t.kind.name != "Node" for t in named):
        raise CliError("taint works on nodes, e.g. `skiff taint nodes NODE key=value:NoSchedule`")
    node_kind = resources.lookup_kind("node")
    async with ctx.client() as client:
        names = [t.name for t in named]
        if kinds_to_list:
            if not (args.selector or args.all):
                raise CliError("name the nodes, or select them with -l SELECTOR or --all")
            names += [n.metadata.name for n in (await client.list("Node", label_selector=args.selector)).items]
        for name in names:
            verb = [""]

            def mutate(node, name=name) -> bool:
                new, verb[0] = taints.apply(name, node.spec.taints, specs, args.overwrite)
                del node.spec.taints[:]
                for t in new:
                    node.spec.taints.add(**t)
                return True
            try:
                await writes.modify(client, node_kind, name, "", mutate, args.dry_run)
            except errors.ApiError as e:
                ctx.fail_api(e)
                continue
            ctx.out(f"node/{name} {verb[0]}{flags.dry_run_suffix(args)}")
    return ctx.exit_code()
