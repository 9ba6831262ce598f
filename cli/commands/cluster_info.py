"""`skiff cluster-info`: where the control plane answers and what serves the cluster, as kubectl shows it."""
from __future__ import annotations

import argparse

from cli.context import Context

HELP = "show where the control plane runs and what serves the cluster"


def register(subparsers, parents) -> None:
    p = subparsers.add_parser("cluster-info", parents=parents, help=HELP, description=HELP.capitalize() + ".")
    p.set_defaults(handler=run)


async def run(ctx: Context, args: argparse.Namespace) -> int:
    async with ctx.client() as client:
        info = await client.version()
        nodes = (await client.list("Node")).items
    ready = sum(1 for n in nodes if any(c.type == "Ready" and c.status == "True" for c in n.status.conditions))
    ctx.out(f"Kubernetes control plane is running at {ctx.server} (skiff {info.version})")
    ctx.out(f"Nodes: {ready} of {len(nodes)} Ready")
    ctx.out("Cluster DNS is served by every node's agent at its skiff0 bridge address")
    ctx.out("")
    ctx.out("To further debug and diagnose cluster problems, use 'skiff get events -A' and "
            "'skiff describe node NAME'.")
    return 0
