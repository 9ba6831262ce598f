"""`skiff attach POD [-c CONTAINER] [-i] [-t]`: this terminal on a running container's main process."""
from __future__ import annotations

import argparse

from cli import flags
from cli.context import Context

HELP = "attach to the main process of a running container"
EXAMPLES = """examples:
  skiff attach web                  follow the output of the pod's first container
  skiff attach web -c shell -it     type into a container started with stdin and tty
"""


def register(subparsers, parents) -> None:
    p = subparsers.add_parser("attach", parents=parents, help=HELP, description=HELP.capitalize() + ".",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("pod", metavar="POD", help="the pod (NAME or pod/NAME)")
    p.add_argument("-c", "--container", default="", help="the container (default: the pod's first)")
    p.add_argument("-i", "--stdin", action="store_true", help="pass this terminal's stdin to the container")
    p.add_argument("-t", "--tty", action="store_true", help="the container has a terminal (it was made with tty)")
    flags.namespace(p)
    p.set_defaults(handler=run)


async def run(ctx: Context, args: argparse.Namespace) -> int:
    from cli.commands.exec import session
    from cli.commands.logs import pod_name
    from proto import api_pb2
    first = api_pb2.ExecRequest(namespace=ctx.namespace(args), name=pod_name(args.pod), container=args.container,
                                tty=args.tty, stdin=args.stdin)
    async with ctx.client() as client:
        return await session(ctx, client.attach_stream, first)
