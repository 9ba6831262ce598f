"""`skiff top nodes|pods`: CPU and memory in use, from the metrics API (metrics.k8s.io), as kubectl top."""
from __future__ import annotations

import argparse

from cli import flags, printers, top
from cli.context import Context

HELP = "show CPU and memory use of nodes or pods"
EXAMPLES = """examples:
  skiff top nodes
  skiff top pods -A --sort-by cpu
  skiff top pod web-5d8f-x2x9 --containers
  skiff top pods -l app=web

Usage is sampled by each node's agent every --metrics-resolution (15 s by default), so a new pod
shows after two samples; CPU(%) and MEMORY(%) are of the node's allocatable."""

NODE_WORDS = ("node", "nodes", "no")
POD_WORDS = ("pod", "pods", "po")


def register(subparsers, parents) -> None:
    p = subparsers.add_parser("top", parents=parents, help=HELP, description=HELP.capitalize() + ".",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("resource", choices=NODE_WORDS + POD_WORDS, metavar="nodes|pods", help="what to show")
    p.add_argument("name", nargs="?", default="", help="one node or pod")
    flags.namespace(p, all_namespaces=True)
    flags.selector(p)
    p.add_argument("--containers", action="store_true", help="pods: one line per container")
    p.add_argument("--sort-by", choices=("cpu", "memory"), default="",
                   help="list the heaviest first by cpu or memory")
    p.add_argument("--no-headers", action="store_true", help="leave out the header line")
    p.set_defaults(handler=run)


async def run(ctx: Context, args: argparse.Namespace) -> int:
    async with ctx.client() as client:
        if args.resource in NODE_WORDS:
            return await _nodes(ctx, client, args)
        return await _pods(ctx, client, args)


def _print(ctx: Context, rows: list[list[str]], no_headers: bool) -> None:
    # one write for the whole table: a flushed write per line costs more than the rest at 30,000 pods
    ctx.out("\n".join(printers.render_rows(rows)[1 if no_headers else 0:]))


async def _nodes(ctx: Context, client, args) -> int:
    metrics = await client.node_metrics(args.name, args.selector)
    if not metrics:
        ctx.warn("error: metrics not available yet")
        return 1
    if args.name:
        nodes = [await client.get("Node", args.name, "")]
    else:
        nodes = (await client.list("Node", label_selector=args.selector)).items
    rows = top.node_rows(metrics, {n.metadata.name: n for n in nodes}, args.sort_by)
    _print(ctx, rows, args.no_headers)
    return 0


async def _pods(ctx: Context, client, args) -> int:
    namespace = "" if args.all_namespaces else ctx.namespace(args)
    metrics = await client.pod_metrics(namespace, args.name, args.selector)
    if not metrics:
        pods = (await client.list("Pod", namespace=namespace, label_selector=args.selector)).items
        reason = top.why_empty(pods, ctx.now())
        if reason:
            ctx.warn(f"error: {reason}")
            return 1
        ctx.warn("No resources found" if args.all_namespaces else f"No resources found in {namespace} namespace.")
        return 0
    usage = top.sort_pods(top.pod_usage(metrics), args.sort_by)
    _print(ctx, top.pod_rows(usage, args.all_namespaces, args.containers), args.no_headers)
    return 0
