"""`skiff version`: the client's version and the API server's."""
from __future__ import annotations

import argparse

from api.version import VERSION
from cli.context import Context

HELP = "print the client and server versions"


def register(subparsers, parents) -> None:
    p = subparsers.add_parser("version", parents=parents, help=HELP, description=HELP.capitalize() + ".")
    p.add_argument("--client", action="store_true", help="only the client's version (no server needed)")
    p.set_defaults(handler=run)


def run(ctx: Context, args: argparse.Namespace):
    ctx.out(f"Client Version: {VERSION}")
    return 0 if args.client else server_version(ctx)


async def server_version(ctx: Context) -> int:
    async with ctx.client() as client:
        info = await client.version()
    ctx.out(f"Server Version: {info.version}" + (f" ({info.platform})" if info.platform else ""))
    return 0
