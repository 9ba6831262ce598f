"""`skiff drain NODE`: cordon the node, then evict its pods (each shutting down gracefully) and wait
until they are gone, as `kubectl drain` does; pods drain cannot safely move are refused first."""
from __future__ import annotations

import argparse
import asyncio

from api.flagtypes import duration, duration_text
from cli import drain, flags
from cli.context import Context
from cli.errors import CliError

# kubectl's pause before asking again for an eviction a PodDisruptionBudget refused.
RETRY_AFTER_S = 5.0
HELP = "cordon a node and evict its pods, to prepare it for maintenance"
EXAMPLES = """examples:
  skiff drain skiff-host-2 --ignore-daemonsets
  skiff drain skiff-host-2 --force --delete-emptydir-data   also pods without a controller, and emptyDir data
  skiff drain skiff-host-2 --timeout=2m
"""


def register(subparsers, parents) -> None:
    p = subparsers.add_parser("drain", parents=parents, help=HELP, description=HELP.capitalize() + ".",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("nodes", nargs="*", metavar="NODE", help="the nodes (or select them with -l)")
    flags.selector(p)
    p.add_argument("--force", action="store_true",
                   help="also delete pods that no controller (ReplicaSet, ...) would re-create")
    p.add_argument("--ignore-daemonsets", action="store_true", help="leave DaemonSet-managed pods in place")
    p.add_argument("--delete-emptydir-data", action="store_true",
                   help="also evict pods with emptyDir volumes (their data is lost)")
    p.add_argument("--grace-period", type=int, default=-1, metavar="SECONDS",
                   help="seconds each pod gets to shut down (default -1: the pod's own setting)")
    p.add_argument("--timeout", type=duration, default=0, metavar="DURATION",
                   help="give up after this long, e.g. 2m (default 0: wait for ever); an eviction a "
                        "PodDisruptionBudget refuses is retried every 5s until then")
    p.add_argument("--pod-selector", default="", metavar="SELECTOR", help="only evict pods with these labels")
    flags.dry_run(p)
    p.set_defaults(handler=run)


async def run(ctx: Context, args: argparse.Namespace) -> int:
    from cli.commands.cordon import node_names, set_unschedulable
    options = drain.Options(args.force, args.ignore_daemonsets, args.delete_emptydir_data)
    async with ctx.client() as client:
        for name in await node_names(client, args):
            await client.get("Node", name)  # NotFound before anything is cordoned
            await set_unschedulable(ctx, client, name, True, args.dry_run)
            pods = (await client.list("Pod", "", label_selector=args.pod_selector,
                                      field_selector=f"spec.nodeName={name}")).items
            plan = drain.plan(pods, options)
            if plan.errors:
                raise CliError(f'unable to drain node "{name}" due to error: ' + "; ".join(plan.errors))
            for line in plan.warnings:
                ctx.warn(line)
            refused: dict[str, str] = {}  # pods a disruption budget keeps refusing: key -> kubectl's words
            try:
                await asyncio.wait_for(_evict_all(ctx, client, plan.evict, args, refused), args.timeout or None)
            except asyncio.TimeoutError:
                if refused:
                    raise CliError(f'unable to drain node "{name}" due to error: ' + ", ".join(
                        f"error when evicting {who}: global timeout reached: {duration_text(args.timeout)}"
                        for who in refused.values())) from None
                raise CliError(f'unable to drain node "{name}": timed out after {args.timeout:g}s waiting for '
                               f"its pods to be evicted") from None
            ctx.out(f"node/{name} drained{flags.dry_run_suffix(args)}")
    return 0


async def _evict_all(ctx: Context, client, pods: list, args, refused: dict[str, str]) -> None:
    """Evict every pod (kubectl prints `evicting pod NS/NAME`), then wait until each is gone. An eviction a
    disruption budget refuses (429) is tried again every RETRY_AFTER_S, as kubectl does, until the timeout."""
    from api import errors
    from cli.commands.delete import wait_gone
    from cli.resources import Target, lookup_kind
    grace = args.grace_period if args.grace_period >= 0 else None
    pod_kind = lookup_kind("pod")

    async def one(pod) -> None:
        ns, name = pod.metadata.namespace, pod.metadata.name
        who = f'pods/"{name}" -n "{ns}"'
        while True:
            ctx.out(f"evicting pod {ns}/{name}")
            if args.dry_run == "client":
                break
            try:
                _, deleted = await client.evict(name, ns, grace, dry_run=args.dry_run == "server")
            except errors.NotFound:
                deleted = True  # gone already
            except errors.TooManyRequests as e:
                refused[f"{ns}/{name}"] = who
                ctx.warn(f"error when evicting {who} (will retry after {RETRY_AFTER_S:g}s): {e.message}")
                await asyncio.sleep(RETRY_AFTER_S)
                continue
            refused.pop(f"{ns}/{name}", None)
            if not deleted and args.dry_run == "none":
                await wait_gone(client, Target(pod_kind, name), ns, pod.metadata.uid)
            break
        ctx.out(f"pod/{name} evicted")
    await asyncio.gather(*(one(p) for p in pods))
