"""`skiff exec POD [-c CONTAINER] [-i] [-t] -- COMMAND...`: run a command in a container; exits with its code."""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import termios
import threading
import tty

import grpc

from cli import flags
from cli.commands.logs import agent_error, pod_name, write
from cli.context import Context
from cli.errors import CliError
from proto import api_pb2

HELP = "run a command in a container of a pod"
EXAMPLES = """examples:
  skiff exec web -- cat /etc/hostname
  skiff exec web -c sidecar -- env
  skiff exec -it web -- sh             # an interactive shell
"""
CHUNK = 16 * 1024


def register(subparsers, parents) -> None:
    p = subparsers.add_parser("exec", parents=parents, help=HELP, description=HELP.capitalize() + ".",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("pod", metavar="POD", help="the pod (NAME or pod/NAME)")
    p.add_argument("command", nargs=argparse.REMAINDER, metavar="-- COMMAND",
                   help="the command and its arguments, after --")
    _options(p)
    p.set_defaults(handler=run)


def _options(p: argparse.ArgumentParser) -> None:
    p.add_argument("-c", "--container", default="", help="the container (default: the pod's first)")
    p.add_argument("-i", "--stdin", action="store_true", help="pass this terminal's stdin to the command")
    p.add_argument("-t", "--tty", action="store_true", help="give the command a terminal")
    flags.namespace(p)


def split_command(args: argparse.Namespace) -> list[str]:
    """The command after `--`; flags between POD and `--` (which argparse leaves in the rest) are applied."""
    words = list(args.command)
    if "--" not in words:
        return words
    cut = words.index("--")
    if cut:
        late = argparse.ArgumentParser(prog="skiff exec", add_help=False)
        _options(late)
        try:
            parsed = late.parse_args(words[:cut])
        except SystemExit:
            raise CliError(f"unknown flags before --: {' '.join(words[:cut])}") from None
        for key in ("container", "namespace"):
            if getattr(parsed, key, None):  # -n's default is SUPPRESS: absent unless given
                setattr(args, key, getattr(parsed, key))
        args.stdin = args.stdin or parsed.stdin
        args.tty = args.tty or parsed.tty
    return words[cut + 1:]


def _stdin_reader(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue) -> None:
    """In a daemon thread: a blocked read of stdin must never hold the process open at exit."""
    fd = sys.stdin.fileno()
    while True:
        try:
            data = os.read(fd, CHUNK)
        except OSError:
            data = b""
        loop.call_soon_threadsafe(queue.put_nowait, data)
        if not data:
            return


async def _requests(first: api_pb2.ExecRequest, with_stdin: bool):
    yield first
    if not with_stdin:
        return
    queue: asyncio.Queue = asyncio.Queue()
    threading.Thread(target=_stdin_reader, args=(asyncio.get_running_loop(), queue), daemon=True,
                     name="exec-stdin").start()
    while data := await queue.get():
        yield api_pb2.ExecRequest(stdin_data=data)
    yield api_pb2.ExecRequest(stdin_close=True)


@contextlib.contextmanager
def _raw_terminal(enabled: bool):
    if not enabled:
        yield
        return
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    tty.setraw(fd)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


async def run(ctx: Context, args: argparse.Namespace) -> int:
    command = split_command(args)
    if not command:
        raise CliError("name the command to run after --, e.g. `skiff exec web -- ls /`")
    first = api_pb2.ExecRequest(namespace=ctx.namespace(args), name=pod_name(args.pod), container=args.container,
                                command=command, tty=args.tty, stdin=args.stdin)
    async with ctx.client() as client:
        return await session(ctx, client.exec_stream, first)


async def session(ctx: Context, open_stream, first: api_pb2.ExecRequest) -> int:
    """Run an exec or attach stream with this terminal: stdin in (raw with -it), output out; its exit code."""
    interactive_tty = first.tty and first.stdin and sys.stdin.isatty()
    with _raw_terminal(interactive_tty):
        try:
            async for response in open_stream(_requests(first, first.stdin)):
                if response.stdout:
                    write(ctx.stdout, response.stdout)
                if response.stderr:
                    write(ctx.stderr, response.stderr)
                if response.exited:
                    return response.exit_code
        except grpc.aio.AioRpcError as e:
            raise agent_error(e) from None
    raise CliError(f"the command in pod {first.name} ended without an exit code (the connection was lost)")
