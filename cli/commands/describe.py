"""`skiff describe KIND NAME`: one object in words, with the events that name it, newest last."""
from __future__ import annotations

import argparse

from google.protobuf.message import Message

from api import errors
from cli import flags, resources
from cli.context import Context
from cli.describe import describe
from cli.errors import not_found
from cli.related import events_of, related_of

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
            if i:  # kubectl writes "\n\n" before each further description: two blank lines
                ctx.out()
                ctx.out()
            for line in describe(obj, await events_of(client, obj), ctx.now(),
                                 await related_of(client, obj)):
                ctx.out(line)
    return ctx.exit_code()

