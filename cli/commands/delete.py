"""`skiff delete`: delete objects named on the command line, selected by labels, or in manifests.

`--cascade` picks the propagation policy; `--wait` returns only once the objects are gone.
"""
from __future__ import annotations

import argparse
import asyncio

from api import errors, retry
from api.client import Client
from api.flagtypes import duration
from cli import flags, manifests, resources
from cli.context import Context
from cli.errors import CliError, not_found
from cli.resources import Target, resource_name

HELP = "delete objects by name, by label selector, or as described in manifest files"
EXAMPLES = """examples:
  skiff delete pod web                      delete one pod
  skiff delete po/web deploy/api            name objects as KIND/NAME
  skiff delete -f web.yaml                  delete what a manifest describes
  skiff delete deploy api --cascade=orphan  keep the deployment's replica sets and pods
  skiff delete pods -l app=web --wait       delete by label and wait until they are gone
  skiff delete pods -A --field-selector status.phase=Failed
  skiff delete deploy web --dry-run=server  check the delete, delete nothing
"""
CASCADE = {"background": "Background", "true": "Background", "foreground": "Foreground",
           "orphan": "Orphan", "false": "Orphan"}


def register(subparsers, parents) -> None:
    p = subparsers.add_parser("delete", parents=parents, help=HELP, description=HELP.capitalize() + ".",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("objects", nargs="*", metavar="KIND NAME... | KIND/NAME...",
                   help="what to delete (or use -f)")
    flags.filename(p)
    flags.namespace(p, all_namespaces=True)
    flags.selector(p)
    flags.field_selector(p)
    flags.dry_run(p)
    p.add_argument("--all", action="store_true", help="delete every object of the kind in the namespace")
    p.add_argument("--grace-period", type=int, default=-1, metavar="N",
                   help="seconds a pod gets to shut down (default -1: the pod's own setting; 0: at once)")
    p.add_argument("--now", action="store_true", help="same as --grace-period=1")
    p.add_argument("--cascade", default="background", type=str.lower, choices=sorted(CASCADE),
                   help="what happens to owned objects: background (default), foreground, orphan")
    p.add_argument("--wait", nargs="?", const=True, default=False, type=flags.boolean, metavar="BOOL",
                   help="wait until the objects are gone from the server")
    p.add_argument("--timeout", type=duration, default=0, metavar="DURATION",
                   help="with --wait: give up after this long (default 0: no limit)")
    p.add_argument("--ignore-not-found", action="store_true", help="a missing object is not an error")
    p.set_defaults(handler=run)


async def run(ctx: Context, args: argparse.Namespace) -> int:
    grace = 1 if args.now else (args.grace_period if args.grace_period >= 0 else None)
    propagation = CASCADE[args.cascade]
    namespace = ctx.namespace(args)
    async with ctx.client() as client:
        targets = await _targets(ctx, args, client, namespace)
        gone: list[tuple[Target, str, str]] = []
        for target, ns, source in targets:
            try:
                if args.dry_run == "client":
                    obj, deleted = await client.get(target.kind, target.name, ns), True
                else:
                    obj, deleted = await client.delete(target.kind, target.name, ns, grace_period=grace,
                                                       propagation=propagation, dry_run=args.dry_run == "server")
            except errors.NotFound:
                if not args.ignore_not_found:
                    where = f'error when deleting "{source}"' if source else ""
                    ctx.fail_api(not_found(target.kind, target.name), where)
                continue
            except errors.ApiError as e:
                ctx.fail_api(e, f'error when deleting "{source}"' if source else "")
                continue
            ctx.out(f'{resource_name(target.kind)} "{target.name}" deleted{flags.dry_run_suffix(args)}')
            if not deleted and args.dry_run == "none":
                gone.append((target, ns, obj.metadata.uid))
        if args.wait and gone:
            waits = [wait_gone(client, t, ns, uid) for t, ns, uid in gone]
            try:
                await asyncio.wait_for(asyncio.gather(*waits), args.timeout or None)
            except asyncio.TimeoutError:
                raise CliError(f"timed out after {args.timeout:g}s waiting for the objects to be deleted") from None
    return ctx.exit_code()


async def _targets(ctx, args, client: Client, namespace: str) -> list[tuple[Target, str, str]]:
    """(target, namespace, source file or "") for everything to delete."""
    if args.filename:
        if args.objects:
            raise CliError("give either -f or KIND NAME..., not both")
        documents = manifests.load(args.filename, args.recursive)
        manifests.place(documents, namespace, explicit=bool(args.namespace))
        return [(Target(d.kind, d.obj.metadata.name), d.obj.metadata.namespace, d.source) for d in documents]
    kinds_to_list, named = resources.parse(args.objects)
    if named:
        if args.selector or args.all:
            raise CliError("name objects or select them with -l/--all, not both")
        return [(t, namespace, "") for t in named]
    if not (args.selector or args.field_selector or args.all or args.all_namespaces):
        raise CliError("name the objects to delete, or select them with -l, --field-selector, --all or -A")
    where = "" if args.all_namespaces else namespace
    out = []
    for kind in kinds_to_list:
        listed = await client.list(kind, where, label_selector=args.selector, field_selector=args.field_selector)
        out += [(Target(kind, o.metadata.name), o.metadata.namespace or namespace, "") for o in listed.items]
    if not out:
        ctx.warn("No resources found" + (f" in {namespace} namespace." if where else ""))
    return out


async def wait_gone(client: Client, target: Target, namespace: str, uid: str) -> None:
    """Return once the object with this uid no longer exists (watching, re-reading after any hiccup)."""
    backoff = retry.Backoff(cap=2.0)
    while True:
        try:
            obj = await client.get(target.kind, target.name, namespace)
        except errors.NotFound:
            return
        if obj.metadata.uid != uid:
            return  # deleted and made again under the same name
        try:
            async for event in client.watch(target.kind, namespace,
                                            field_selector=f"metadata.name={target.name}",
                                            resource_version=obj.metadata.resource_version):
                if event.type == "DELETED" and event.object.metadata.uid == uid:
                    return
        except (errors.Expired, errors.Unavailable, errors.Timeout):
            await backoff.wait()
