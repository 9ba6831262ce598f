"""`skiff debug POD --image=IMAGE [-it] [--target=CONTAINER] [-c NAME] [-- COMMAND...]`: add an ephemeral
container to a running pod, as kubectl debug does, then (with -i) wait for it to run and attach to it."""
from __future__ import annotations

import argparse
import asyncio

from cli import flags
from cli.context import Context
from cli.errors import CliError

HELP = "debug a running pod in an ephemeral container"
EXAMPLES = """examples:
  skiff debug -it web --image=busybox                  a shell beside the pod's containers
  skiff debug -it web --image=busybox --target=app     ... seeing the processes of container app
  skiff debug web --image=busybox -c probe -- wget -qO- http://127.0.0.1:8080/
                                                       run a command; read it with `skiff logs web -c probe`
Ephemeral containers share the pod's network and volumes they mount; they are never restarted, and
stay in the pod until it goes. Node debugging and pod copies (--copy-to) are not supported.
"""
PULL_POLICIES = ("Always", "IfNotPresent", "Never")


def register(subparsers, parents) -> None:
    p = subparsers.add_parser("debug", parents=parents, help=HELP, description=HELP.capitalize() + ".",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("pod", metavar="POD", help="the pod (NAME or pod/NAME)")
    p.add_argument("--image", default="", help="the debugging container's image (required)")
    p.add_argument("-c", "--container", default="", help="the debugging container's name (default debugger-xxxxx)")
    p.add_argument("--target", default="", metavar="CONTAINER",
                   help="share the process namespace of this container of the pod")
    p.add_argument("-i", "--stdin", action="store_true", help="keep stdin open on the container, and attach")
    p.add_argument("-t", "--tty", action="store_true", help="allocate a terminal for the container (needs -i)")
    p.add_argument("--attach", action=argparse.BooleanOptionalAction, default=None,
                   help="wait for the container to run and attach to it (default: with -i)")
    p.add_argument("-q", "--quiet", action="store_true", help="print no informational messages")
    p.add_argument("--image-pull-policy", default="", choices=("", *PULL_POLICIES), metavar="POLICY",
                   help="Always, IfNotPresent or Never (default: the server's, from the image's tag)")
    p.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                   help="an environment variable; repeatable")
    p.add_argument("--arguments-only", action="store_true",
                   help="the words after -- are the image's arguments, not its command")
    p.add_argument("--copy-to", default="", help=argparse.SUPPRESS)  # refused with its reason
    flags.namespace(p)
    p.set_defaults(handler=run)


def pod_name(word: str) -> str:
    """NAME or pod/NAME; a node (kubectl's node debugging) is refused with the reason."""
    kind, sep, name = word.partition("/")
    if sep and kind in ("node", "nodes", "no"):
        raise CliError("debugging a node is not supported by skiff debug: debug a pod (skiff debug POD --image=...)")
    from cli.commands.logs import pod_name as named
    return named(word)


def container_name(pod, wanted: str, suffix) -> str:
    """The debugging container's name: the one asked for, else `debugger-` and a suffix no container of the pod
    has (Kubernetes' alphabet, as kubectl's nameSuffixFunc)."""
    if wanted:
        return wanted
    taken = {c.name for c in (*pod.spec.init_containers, *pod.spec.containers, *pod.spec.ephemeral_containers)}
    name = ""
    while not name or name in taken:
        name = f"debugger-{suffix()}"
    return name


def ephemeral_container(name: str, args: argparse.Namespace, command: list[str]) -> dict:
    """The EphemeralContainer kubectl's generateDebugContainer makes (its legacy profile adds nothing)."""
    from cli import generate
    container = {"name": name, "image": args.image, "stdin": args.stdin, "tty": args.tty,
                 "terminationMessagePolicy": "File"}
    if args.image_pull_policy:
        container["imagePullPolicy"] = args.image_pull_policy
    if args.env:
        container["env"] = generate.env_vars(args.env)
    if args.target:
        container["targetContainerName"] = args.target
    if command:
        container["args" if args.arguments_only else "command"] = command
    return container


def _check(args: argparse.Namespace) -> None:
    """kubectl's own refusals, in its words, before anything is sent."""
    if args.copy_to:
        raise CliError("--copy-to is not supported by skiff debug: only ephemeral containers in the pod itself")
    if not args.image:
        raise CliError("you must specify --image when not using --copy-to.")
    if args.tty and not args.stdin:
        raise CliError("-i/--stdin is required for containers with -t/--tty=true")


async def run(ctx: Context, args: argparse.Namespace) -> int:
    from api import errors, names
    _check(args)
    name = pod_name(args.pod)
    namespace = ctx.namespace(args)
    attach = args.stdin if args.attach is None else args.attach
    async with ctx.client() as client:
        try:
            pod = await client.get("Pod", name, namespace)
        except errors.NotFound:
            raise CliError(f'pods "{name}" not found') from None
        container = container_name(pod, args.container, lambda: names.generated_name(""))
        if not args.container and not args.quiet:
            ctx.out(f"Defaulting debug container name to {container}.")
        if args.target and not args.quiet:
            ctx.out(f'Targeting container "{args.target}". If you don\'t see processes from this container it '
                    f"may be because the container runtime doesn't support this feature.")
        patch = {"spec": {"ephemeralContainers": [ephemeral_container(container, args, args.command or [])]}}
        await client.patch("Pod", name, patch, namespace, subresource="ephemeralcontainers")
        if not attach:
            return 0
        return await _attach(ctx, client, name, namespace, container, args)


async def _attach(ctx: Context, client, pod: str, namespace: str, container: str, args) -> int:
    """Wait for the container to run, then attach this terminal; one that already ended shows its logs."""
    from api import errors
    from cli.commands.exec import session
    from proto import api_pb2
    status = await _running(ctx, client, pod, namespace, container, args.quiet)
    if status.state.HasField("running"):
        if args.stdin and not args.quiet:
            ctx.warn("If you don't see a command prompt, try pressing enter.")
        first = api_pb2.ExecRequest(namespace=namespace, name=pod, container=container, tty=args.tty,
                                    stdin=args.stdin)
        try:
            code = await session(ctx, client.attach_stream, first)
        except errors.PreconditionFailed:
            code = None  # it ended before the attach: its logs say what it did
        if code is not None:
            if not args.quiet:
                ctx.warn(f"Session ended, the ephemeral container will not be restarted but may be reattached "
                         f"using 'skiff attach {pod} -c {container} -i -t' if it is still running")
            return code
    await _logs(ctx, client, pod, namespace, container)
    return 0


async def _running(ctx: Context, client, pod: str, namespace: str, container: str, quiet: bool):
    """The container's status once it runs or has ended (watching the pod); its waiting messages as warnings."""
    from api import errors
    said = ""
    while True:
        obj = await client.get("Pod", pod, namespace)
        try:
            async for event in _changes(client, obj, namespace):
                if event.type == "DELETED":
                    raise CliError(f'pods "{pod}" not found')
                status = next((s for s in event.object.status.ephemeral_container_statuses if s.name == container),
                              None)
                if status is None:
                    continue
                if status.state.HasField("running") or status.state.HasField("terminated"):
                    return status
                message = status.state.waiting.message
                if message and message != said and not quiet:
                    ctx.warn(f"Warning: container {container}: {message}")
                    said = message
        except (errors.Expired, errors.Unavailable, errors.Timeout):
            await asyncio.sleep(0.2)  # the watch broke: read again, then watch again


async def _changes(client, pod, namespace: str):
    """The pod as it is, then as it changes."""
    from types import SimpleNamespace
    yield SimpleNamespace(type="ADDED", object=pod)
    async for event in client.watch("Pod", namespace, field_selector=f"metadata.name={pod.metadata.name}",
                                    resource_version=pod.metadata.resource_version):
        if event.type != "BOOKMARK" and event.object is not None:
            yield event


async def _logs(ctx: Context, client, pod: str, namespace: str, container: str) -> None:
    import grpc
    from cli.commands.logs import _Lines, agent_error
    from proto import api_pb2
    out = _Lines(ctx, "")
    try:
        async for chunk in client.logs_stream(api_pb2.LogsRequest(namespace=namespace, name=pod, container=container,
                                                                  tail_lines=-1)):
            out.feed(chunk.data)
    except grpc.aio.AioRpcError as e:
        raise agent_error(e) from None
