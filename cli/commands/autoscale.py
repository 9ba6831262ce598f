"""`skiff autoscale KIND NAME --max N [--min N] [--cpu-percent P]`: a HorizontalPodAutoscaler for a
Deployment or ReplicaSet, as kubectl autoscale makes it."""
from __future__ import annotations

import argparse

from api import errors, manifest
from cli import flags, resources, writes
from cli.context import Context
from cli.errors import CliError, not_found

HELP = "make a horizontal pod autoscaler for a deployment or replica set"
EXAMPLES = """examples:
  skiff autoscale deploy/web --min 2 --max 10 --cpu-percent 50
  skiff autoscale rs web-5d8f --max 5

Without --cpu-percent the server's default applies (80% of the pods' cpu requests)."""
SCALABLE = ("Deployment", "ReplicaSet", "ReplicationController")


def register(subparsers, parents) -> None:
    p = subparsers.add_parser("autoscale", parents=parents, help=HELP, description=HELP.capitalize() + ".",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("objects", nargs="+", metavar="KIND NAME | KIND/NAME", help="what to autoscale")
    p.add_argument("--max", type=int, default=-1, metavar="MAXPODS", help="the most replicas (required)")
    p.add_argument("--min", type=int, default=-1, metavar="MINPODS",
                   help="the fewest replicas (default: the server's, 1)")
    p.add_argument("--cpu-percent", type=int, default=-1, metavar="PERCENT",
                   help="the average cpu use wanted, as a percentage of the pods' requests")
    p.add_argument("--name", default="", help="the autoscaler's name (default: the target's)")
    flags.namespace(p)
    flags.dry_run(p)
    flags.output(p)
    p.set_defaults(handler=run)


def autoscaler(target_kind, target_name: str, namespace: str, name: str, max_pods: int, min_pods: int,
               cpu_percent: int):
    spec: dict = {"scaleTargetRef": {"apiVersion": target_kind.api_version, "kind": target_kind.name,
                                     "name": target_name},
                  "maxReplicas": max_pods}
    if min_pods >= 0:
        spec["minReplicas"] = min_pods
    if cpu_percent >= 0:
        spec["metrics"] = [{"type": "Resource", "resource": {
            "name": "cpu", "target": {"type": "Utilization", "averageUtilization": cpu_percent}}}]
    obj, _ = manifest.from_dict({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                                 "metadata": {"name": name or target_name, "namespace": namespace},
                                 "spec": spec})
    return obj


async def run(ctx: Context, args: argparse.Namespace) -> int:
    kinds_to_list, named = resources.parse(args.objects)
    if kinds_to_list or len(named) != 1:
        raise CliError("name one deployment or replica set, e.g. `skiff autoscale deploy/web --max 10`")
    if args.max < 1:
        raise CliError(f"--max=MAXPODS is required and must be at least 1, max: {args.max}")
    if args.max < args.min:
        raise CliError(f"--max=MAXPODS must be larger or equal to --min=MINPODS, max: {args.max}, min: {args.min}")
    target = named[0]
    if target.kind.name not in SCALABLE:
        raise CliError(f"cannot autoscale a {target.kind.name}: only deployments, replica sets and replication "
                       f"controllers have a scale")
    namespace = ctx.namespace(args)
    async with ctx.client() as client:
        try:
            await client.get(target.kind, target.name, namespace)
        except errors.NotFound:
            raise not_found(target.kind, target.name) from None
    hpa = autoscaler(target.kind, target.name, namespace, args.name, args.max, args.min, args.cpu_percent)
    created = hpa if args.dry_run == "client" else None
    if created is None:
        async with ctx.client() as client:
            created = await client.create(hpa, dry_run=args.dry_run == "server")
    writes.report(ctx, args, created, "autoscaled")
    return 0
