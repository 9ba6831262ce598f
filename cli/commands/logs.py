"""`skiff logs POD [-c CONTAINER] [-f] [--tail N] [--previous]`: a container's output, through the API server."""
from __future__ import annotations

import argparse

import grpc

from api import errors
from cli import flags
from cli.context import Context
from cli.errors import CliError
from proto import api_pb2

HELP = "print the logs of a container in a pod"
EXAMPLES = """examples:
  skiff logs web                      # the pod's first container
  skiff logs web -c sidecar --tail 20
  skiff logs web -f                   # follow
  skiff logs web --previous           # the instance before the last restart
"""


def register(subparsers, parents) -> None:
    p = subparsers.add_parser("logs", parents=parents, help=HELP, description=HELP.capitalize() + ".",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("pod", metavar="POD", help="the pod (NAME or pod/NAME)")
    p.add_argument("-c", "--container", default="", help="the container (default: the pod's first)")
    p.add_argument("-f", "--follow", action="store_true", help="keep printing output as it comes")
    p.add_argument("--tail", type=int, default=-1, metavar="N", help="only the last N lines (default: all)")
    p.add_argument("-p", "--previous", action="store_true",
                   help="the logs of the previous instance of the container (before its last restart)")
    p.add_argument("--timestamps", action="store_true", help="prefix every line with its time")
    flags.namespace(p)
    p.set_defaults(handler=run)


def pod_name(word: str) -> str:
    kind, sep, name = word.partition("/")
    if not sep:
        return word
    if kind not in ("pod", "pods", "po") or not name:
        raise CliError(f"{word!r}: name a pod, as NAME or pod/NAME")
    return name


def agent_error(e: grpc.aio.AioRpcError) -> Exception:
    """The typed error, with an unreachable agent told apart from an unreachable API server."""
    error = errors.from_rpc_error(e)
    if isinstance(error, errors.Unavailable) and "agent" in error.message:
        return CliError(error.message)
    return error


def write(stream, data: bytes) -> None:
    binary = getattr(stream, "buffer", None)
    if binary is not None:
        binary.write(data)
    else:
        stream.write(data.decode(errors="replace"))
    stream.flush()


async def run(ctx: Context, args: argparse.Namespace) -> int:
    request = api_pb2.LogsRequest(namespace=ctx.namespace(args), name=pod_name(args.pod), container=args.container,
                                  follow=args.follow, tail_lines=args.tail, previous=args.previous,
                                  timestamps=args.timestamps)
    async with ctx.client() as client:
        try:
            async for chunk in client.logs_stream(request):
                write(ctx.stdout, chunk.data)
        except grpc.aio.AioRpcError as e:
            raise agent_error(e) from None
    return 0
