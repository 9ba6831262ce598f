"""`skiff create -f`: create each object of the manifests; an existing one is an error."""
from __future__ import annotations

import argparse

from api import errors
from cli import flags
from cli.commands.apply import load
from cli.context import Context
from cli.resources import object_name

HELP = "create objects from manifest files (fails for objects that exist; see apply)"


def register(subparsers, parents) -> None:
    p = subparsers.add_parser("create", parents=parents, help=HELP, description=HELP.capitalize() + ".",
                              epilog="example:\n  skiff create -f web.yaml",
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    flags.filename(p, required=True)
    flags.namespace(p)
    p.set_defaults(handler=run)


async def run(ctx: Context, args: argparse.Namespace) -> int:
    documents = load(ctx, args, need_names=False)
    async with ctx.client() as client:
        for d in documents:
            try:
                created = await client.create(d.obj)
            except errors.ApiError as e:
                ctx.fail_api(e, f'error when creating "{d.source}"')
                continue
            ctx.out(f"{object_name(created)} created")
    return ctx.exit_code()
