"""`skiff run NAME --image=IMAGE [-- ARGS...]`: start one pod, as kubectl run does; with -i/-t/--attach this
terminal is attached to the container until it ends (and `--rm` deletes the pod afterwards)."""
from __future__ import annotations

import argparse
import asyncio

from api.flagtypes import duration
from cli import flags, generate
from cli.context import Context
from cli.errors import CliError

HELP = "run a pod from an image"
EXAMPLES = """examples:
  skiff run web --image=busybox:1.36 --port=80 -- httpd -f -p 80
  skiff run tmp --rm -it --image=busybox --restart=Never -- wget -qO- http://web
  skiff run job --image=busybox --restart=OnFailure --env=MODE=once --command -- sh -c 'echo done'
  skiff run web --image=busybox --dry-run=client -o yaml
"""
RESTARTS = ("Always", "OnFailure", "Never")


def register(subparsers, parents) -> None:
    p = subparsers.add_parser("run", parents=parents, help=HELP, description=HELP.capitalize() + ".",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("name", metavar="NAME", help="the pod's name")
    p.add_argument("--image", required=True, help="the image to run")
    p.add_argument("--restart", default="Always", choices=RESTARTS, help="the pod's restartPolicy (default Always)")
    p.add_argument("--env", action="append", default=[], metavar="KEY=VALUE", help="an environment variable; repeatable")
    p.add_argument("--port", type=int, default=0, help="the port the container exposes")
    p.add_argument("-l", "--labels", default="", metavar="K=V,...", help="labels (default run=NAME)")
    p.add_argument("--command", dest="as_command", action="store_true",
                   help="the words after -- are the command, not the image's arguments")
    p.add_argument("-i", "--stdin", action="store_true", help="pass this terminal's stdin to the container")
    p.add_argument("-t", "--tty", action="store_true", help="allocate a terminal for the container")
    p.add_argument("--attach", action="store_true", help="stay attached to the container's output until it ends")
    p.add_argument("--rm", action="store_true", help="delete the pod once its container ended (with -i or --attach)")
    p.add_argument("--pod-running-timeout", type=duration, default=60.0, metavar="DURATION",
                   help="how long to wait for the pod to start (default 1m)")
    flags.namespace(p)
    flags.dry_run(p)
    flags.output(p)
    p.set_defaults(handler=run)


def _labels(text: str, name: str) -> dict:
    if not text:
        return {"run": name}
    return generate_labels(text)


def generate_labels(text: str) -> dict:
    out = {}
    for part in filter(None, text.split(",")):
        key, eq, value = part.partition("=")
        if not eq or not key:
            raise CliError(f"invalid label spec: {part} (expected KEY=VALUE)")
        out[key] = value
    return out


async def run(ctx: Context, args: argparse.Namespace) -> int:
    from api import manifest
    from cli import writes
    attach = args.attach or args.stdin or args.tty
    if args.rm and not attach:
        raise CliError("--rm should only be used for attached containers")
    if attach and args.dry_run != "none":
        raise CliError("--dry-run=[server|client] can't be used with attached containers options "
                       "(--attach, --stdin, or --tty)")
    namespace = args.namespace or ("" if args.dry_run == "client" else ctx.namespace(args))
    data = generate.pod(args.name, args.image, args.restart, args.env, args.as_command, args.command,
                        args.port, _labels(args.labels, args.name), args.stdin, args.tty, namespace)
    obj, _ = manifest.from_dict(data)
    if not attach:
        await writes.create(ctx, args, obj)
        return 0
    async with ctx.client() as client:
        created = await client.create(obj)
        try:
            return await _show_until_done(ctx, client, created, args)
        finally:
            if args.rm:
                await client.delete("Pod", created.metadata.name, created.metadata.namespace, grace_period=0)
                ctx.out(f'pod "{created.metadata.name}" deleted')


async def _show_until_done(ctx: Context, client, pod, args) -> int:
    """Wait for the container to start, attach this terminal to it, return its exit code."""
    import grpc

    from api import errors
    from cli.commands.exec import session
    from cli.commands.logs import _Lines, agent_error
    from proto import api_pb2
    name, namespace = pod.metadata.name, pod.metadata.namespace
    try:
        await asyncio.wait_for(_started(client, name, namespace), args.pod_running_timeout)
    except asyncio.TimeoutError:
        raise CliError(f"timed out waiting for pod {name} to start (see `skiff describe pod {name}`)") from None
    first = api_pb2.ExecRequest(namespace=namespace, name=name, container=name, tty=args.tty, stdin=args.stdin)
    if args.stdin or args.tty:
        ctx.warn("If you don't see a command prompt, try pressing enter.")
    try:
        return await session(ctx, client.attach_stream, first)
    except errors.PreconditionFailed:
        pass  # the container ended before we could attach: show what it printed instead
    out = _Lines(ctx, "")
    try:
        async for chunk in client.logs_stream(api_pb2.LogsRequest(namespace=namespace, name=name, tail_lines=-1)):
            out.feed(chunk.data)
    except grpc.aio.AioRpcError as e:
        raise agent_error(e) from None
    return await _exit_code(client, name, namespace)


async def _started(client, name: str, namespace: str) -> None:
    while True:
        pod = await client.get("Pod", name, namespace)
        states = [s.state for s in pod.status.container_statuses]
        if pod.status.phase in ("Running", "Succeeded", "Failed") or any(
                s.HasField("running") or s.HasField("terminated") for s in states):
            return
        waiting = [s.waiting for s in states if s.HasField("waiting") and s.waiting.reason in
                   ("ErrImagePull", "ImagePullBackOff", "InvalidImageName", "CreateContainerError")]
        if waiting:
            raise CliError(f"pod {name} cannot start: {waiting[0].reason}: {waiting[0].message}")
        await asyncio.sleep(0.2)


async def _exit_code(client, name: str, namespace: str) -> int:
    """The container's exit code once it has ended (the log stream ends a moment before the status says so)."""
    for _ in range(50):
        pod = await client.get("Pod", name, namespace)
        for s in pod.status.container_statuses:
            if s.state.HasField("terminated"):
                return s.state.terminated.exit_code
            if s.last_state.HasField("terminated") and pod.spec.restart_policy != "Never":
                return s.last_state.terminated.exit_code
        await asyncio.sleep(0.1)
    return 0
