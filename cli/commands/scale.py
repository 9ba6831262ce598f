"""`skiff scale KIND NAME --replicas N`: set the replicas of Deployments, ReplicaSets, ReplicationControllers and
StatefulSets through their scale subresource."""
from __future__ import annotations

import argparse

from api import errors
from cli import flags, resources
from cli.context import Context
from cli.errors import CliError, not_found

HELP = "set the number of replicas of deployments, replica sets, replication controllers or stateful sets"
SCALABLE = ("Deployment", "ReplicaSet", "ReplicationController", "StatefulSet")
EXAMPLES = """examples:
  skiff scale deploy web --replicas 3
  skiff scale rs/web-5d8f --replicas 0
  skiff scale rc nginx --replicas 5
"""


def register(subparsers, parents) -> None:
    p = subparsers.add_parser("scale", parents=parents, help=HELP, description=HELP.capitalize() + ".",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("objects", nargs="+", metavar="KIND NAME... | KIND/NAME...", help="what to scale")
    p.add_argument("--replicas", type=int, required=True, metavar="N", help="the number of replicas wanted")
    p.add_argument("--resource-version", default="", metavar="RV",
                   help="only scale if the object is still at this resourceVersion")
    flags.namespace(p)
    flags.dry_run(p)
    p.set_defaults(handler=run)


async def run(ctx: Context, args: argparse.Namespace) -> int:
    kinds_to_list, named = resources.parse(args.objects)
    if kinds_to_list:
        raise CliError("name the objects to scale, e.g. `skiff scale deploy web --replicas 3`")
    if args.replicas < 0:
        raise CliError("--replicas must be 0 or more")
    namespace = ctx.namespace(args)
    async with ctx.client() as client:
        for target in named:
            try:
                if args.dry_run == "none":
                    await client.scale(target.kind, target.name, args.replicas, namespace, args.resource_version)
                else:
                    await _dry_run(client, target, args, namespace)
            except errors.NotFound:
                if target.kind.name not in SCALABLE:
                    raise CliError(f"{target.kind.plural} cannot be scaled (only deployments, replica sets, "
                                   f"replication controllers and stateful sets have replicas)") from None
                ctx.fail_api(not_found(target.kind, target.name))
                continue
            ctx.out(f"{resources.resource_name(target.kind)}/{target.name} scaled{flags.dry_run_suffix(args)}")
    return ctx.exit_code()


async def _dry_run(client, target, args, namespace: str) -> None:
    """--dry-run: the object read and checked (server: the update validated), nothing written."""
    from cli import writes
    if target.kind.name not in SCALABLE:
        raise errors.NotFound(target.name)

    def resize(obj) -> bool:
        if args.resource_version and obj.metadata.resource_version != args.resource_version:
            raise errors.Conflict(f"the object has been modified; resourceVersion {args.resource_version} "
                                  f"is not {obj.metadata.resource_version}")
        obj.spec.replicas = args.replicas
        return True
    await writes.modify(client, target.kind, target.name, namespace, resize, args.dry_run)
