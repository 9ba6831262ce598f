"""`skiff cordon|uncordon NODE`: mark a node (un)schedulable; `skiff taint` lives beside them in taint.py."""
from __future__ import annotations

import argparse

from cli import flags, resources
from cli.context import Context

HELP = "mark nodes unschedulable (cordon) or schedulable again (uncordon)"


def register(subparsers, parents) -> None:
    for verb, wanted in (("cordon", True), ("uncordon", False)):
        text = f"mark nodes as {'unschedulable' if wanted else 'schedulable'}"
        p = subparsers.add_parser(verb, parents=parents, help=text, description=text.capitalize() + ".",
                                  epilog=f"example:\n  skiff {verb} skiff-host-2",
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
        p.add_argument("nodes", nargs="*", metavar="NODE", help="the nodes (or select them with -l)")
        flags.selector(p)
        flags.dry_run(p)
        p.set_defaults(handler=lambda ctx, args, wanted=wanted: run(ctx, args, wanted))


async def set_unschedulable(ctx: Context, client, name: str, wanted: bool, dry_run: str = "none") -> None:
    """Cordon or uncordon one node and say so as kubectl does (`node/n1 cordoned`, `already cordoned`)."""
    from cli import writes

    def mutate(node) -> bool:
        if node.spec.unschedulable == wanted:
            return False
        node.spec.unschedulable = wanted
        return True
    _, changed = await writes.modify(client, resources.lookup_kind("node"), name, "", mutate, dry_run)
    verb = "cordoned" if wanted else "uncordoned"
    suffix = {"client": " (dry run)", "server": " (server dry run)"}.get(dry_run, "")
    ctx.out(f"node/{name} {verb}{suffix}" if changed else f"node/{name} already {verb}")


async def node_names(client, args) -> list[str]:
    from cli.errors import CliError
    if args.nodes and args.selector:
        raise CliError("name the nodes or select them with -l, not both")
    if args.selector:
        return [n.metadata.name for n in (await client.list("Node", label_selector=args.selector)).items]
    if not args.nodes:
        raise CliError("name at least one node, e.g. `skiff cordon skiff-host-2`")
    return list(args.nodes)


async def run(ctx: Context, args: argparse.Namespace, wanted: bool) -> int:
    from api import errors
    async with ctx.client() as client:
        for name in await node_names(client, args):
            try:
                await set_unschedulable(ctx, client, name, wanted, args.dry_run)
            except errors.ApiError as e:
                ctx.fail_api(e)
    return ctx.exit_code()
