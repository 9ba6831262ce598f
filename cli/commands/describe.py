"""`skiff describe KIND NAME`: one object in words, with the events that name it, newest last."""
from __future__ import annotations

import argparse

from google.protobuf.message import Message

from api import errors, selectors
from api.client import Client
from cli import flags, resources
from cli.context import Context
from cli.describe import describe
from cli.errors import not_found

HELP = "show one object in detail, with its events (newest last)"
EXAMPLES = """examples:
  skiff describe pod web
  skiff describe deploy/api node/node1
  skiff describe pods -l app=web
"""


def register(subparsers, parents) -> None:
    p = subparsers.add_parser("describe", parents=parents, help=HELP, description=HELP.capitalize() + ".",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("objects", nargs="+", metavar="KIND [NAME...] | KIND/NAME...",
                   help="what to describe; a kind alone describes every object of it")
    flags.namespace(p)
    flags.selector(p)
    p.set_defaults(handler=run)


async def run(ctx: Context, args: argparse.Namespace) -> int:
    kinds_to_list, named = resources.parse(args.objects)
    namespace = ctx.namespace(args)
    async with ctx.client() as client:
        objects: list[Message] = []
        for target in named:
            try:
                objects.append(await client.get(target.kind, target.name, namespace))
            except errors.NotFound:
                ctx.fail_api(not_found(target.kind, target.name))
        for kind in kinds_to_list:
            objects += (await client.list(kind, namespace, args.selector)).items
        if not objects and not ctx.failures:
            ctx.warn(f"No resources found in {namespace} namespace.")
        for i, obj in enumerate(objects):
            if i:
                ctx.out()
            for line in describe(obj, await events_of(client, obj), ctx.now()):
                ctx.out(line)
    return ctx.exit_code()


async def events_of(client: Client, obj: Message) -> list[Message]:
    """Events whose involvedObject is this object (cluster-scoped objects' events live in any namespace)."""
    m = obj.metadata
    field_selector = ",".join([
        f"involvedObject.name={selectors.escape_field_value(m.name)}",
        f"involvedObject.kind={obj.kind or type(obj).__name__}"])
    listed = await client.list("Event", m.namespace, field_selector=field_selector)
    return [e for e in listed.items if not e.involved_object.uid or e.involved_object.uid == m.uid]
