"""`skiff cp SRC DEST`: copy files and directories into and out of a container, as kubectl does:
a tar stream through exec (`tar -x` in the container for an upload, `tar -c` for a download)."""
from __future__ import annotations

import argparse

from cli import copying, flags
from cli.context import Context
from cli.errors import CliError

HELP = "copy files and directories to and from containers"
EXAMPLES = """examples:
  skiff cp ./app.conf web:/etc/app.conf        a file into pod web
  skiff cp ./site web:/srv/site -c nginx        a directory into a named container
  skiff cp web:/var/log/app.log ./app.log       a file out of the pod
  skiff cp team/web:/data ./data                from a pod in namespace team
"""
CHUNK = 64 * 1024


def register(subparsers, parents) -> None:
    p = subparsers.add_parser("cp", parents=parents, help=HELP, description=HELP.capitalize() + ".",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("source", metavar="SRC", help="a local path, or [NAMESPACE/]POD:PATH")
    p.add_argument("dest", metavar="DEST", help="a local path, or [NAMESPACE/]POD:PATH")
    p.add_argument("-c", "--container", default="", help="the container (default: the pod's first)")
    flags.namespace(p)
    p.set_defaults(handler=run)


async def run(ctx: Context, args: argparse.Namespace) -> int:
    source, dest = copying.parse_spec(args.source), copying.parse_spec(args.dest)
    if bool(source.pod) == bool(dest.pod):
        raise CliError("one of src or dest must be a local file or directory, the other POD:PATH")
    async with ctx.client() as client:
        if dest.pod:
            command, data = copying.upload_plan(source.path, dest.path)
            await _exec(ctx, client, dest, args, command, data, f"{args.dest}")
        else:
            data = await _exec(ctx, client, source, args, copying.download_command(source.path), None, args.source)
            copying.unpack(data, source.path, dest.path)
    return 0


async def _exec(ctx: Context, client, spec: copying.Spec, args, command: list[str], stdin: bytes | None,
                where: str) -> bytes:
    """Run `command` in the container, feeding `stdin`; its stdout, or a one-line CliError from its stderr."""
    import grpc

    from cli.commands.logs import agent_error
    from proto import api_pb2
    first = api_pb2.ExecRequest(namespace=spec.namespace or ctx.namespace(args), name=spec.pod,
                                container=args.container, command=command, stdin=stdin is not None)

    async def requests():
        yield first
        if stdin is None:
            return
        for i in range(0, len(stdin), CHUNK):
            yield api_pb2.ExecRequest(stdin_data=stdin[i:i + CHUNK])
        yield api_pb2.ExecRequest(stdin_close=True)

    out, err = bytearray(), bytearray()
    code = None
    try:
        async for response in client.exec_stream(requests()):
            out += response.stdout
            err += response.stderr
            if response.exited:
                code = response.exit_code
    except grpc.aio.AioRpcError as e:
        raise agent_error(e) from None
    if code != 0:
        problem = " ".join(err.decode(errors="replace").split()) or f"tar exited with {code}"
        raise CliError(f"cannot copy {'to' if stdin is not None else 'from'} {where}: {problem}")
    return bytes(out)
