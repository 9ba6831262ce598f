"""`skiff logs POD|deploy/NAME|rs/NAME|-l SELECTOR`: containers' output, through the API server.

`--all-containers` and `-l` read several streams (at once with -f, up to --max-log-requests);
`--prefix` names the source of every line, as kubectl does.
"""
from __future__ import annotations

import argparse
import asyncio
import math

import grpc

from api import errors
from api.flagtypes import duration
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
  skiff logs deploy/web               # a pod of the deployment
  skiff logs -l app=web --prefix      # every pod labelled app=web, each line naming its pod
  skiff logs web --all-containers --since=5m
"""
DEFAULT_SELECTOR_TAIL = 10  # kubectl shows the last 10 lines of each pod a selector finds


def register(subparsers, parents) -> None:
    p = subparsers.add_parser("logs", parents=parents, help=HELP, description=HELP.capitalize() + ".",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("pod", nargs="?", metavar="POD|KIND/NAME",
                   help="the pod (NAME or pod/NAME), or deploy/NAME, rs/NAME, job/NAME or ds/NAME for one of "
                        "their pods")
    p.add_argument("container_arg", nargs="?", metavar="CONTAINER", help="the container (as -c)")
    p.add_argument("-c", "--container", default="", help="the container (default: the pod's first)")
    p.add_argument("-f", "--follow", action="store_true", help="keep printing output as it comes")
    p.add_argument("--tail", type=int, default=None, metavar="N",
                   help="only the last N lines (default: all; 10 per pod with -l)")
    p.add_argument("-p", "--previous", action="store_true",
                   help="the logs of the previous instance of the container (before its last restart)")
    p.add_argument("--timestamps", action="store_true", help="prefix every line with its time")
    p.add_argument("--since", type=duration, default=0, metavar="DURATION",
                   help="only lines newer than this, e.g. 10s, 5m, 1h")
    p.add_argument("--since-time", default="", metavar="RFC3339",
                   help="only lines after this time, e.g. 2026-03-01T12:00:00Z")
    p.add_argument("--all-containers", action="store_true", help="every container of the pod(s)")
    p.add_argument("--prefix", action="store_true", help="start every line with [pod/NAME/CONTAINER]")
    p.add_argument("--max-log-requests", type=int, default=5, metavar="N",
                   help="with -l and -f: follow at most this many streams at once (default 5)")
    flags.namespace(p)
    flags.selector(p)
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


async def _pods(ctx: Context, client, args, namespace: str) -> list:
    """The pods whose logs are asked for: one named, one of a workload's, or every one a selector finds."""
    if args.selector:
        if args.pod:
            raise CliError("only one of a pod name or -l selector can be given")
        pods = (await client.list("Pod", namespace, args.selector)).items
        if not pods:
            raise CliError(f"no pods found with labels {args.selector} in {namespace} namespace")
        return sorted(pods, key=lambda p: p.metadata.name)
    if not args.pod:
        raise CliError("name a pod (or deploy/NAME, rs/NAME, rc/NAME, job/NAME, ds/NAME), or select pods with "
                       "-l SELECTOR")
    kind, sep, name = args.pod.partition("/")
    if sep and kind.lower() in ("deploy", "deployment", "deployments", "rs", "replicaset", "replicasets", "job", "jobs",
                                "ds", "daemonset", "daemonsets", "rc", "replicationcontroller",
                                "replicationcontrollers"):
        return [await _pod_of_workload(ctx, client, kind, name, namespace)]
    return [await _get_pod(client, pod_name(args.pod), namespace)]


async def _get_pod(client, name: str, namespace: str):
    try:
        return await client.get("Pod", name, namespace)
    except errors.NotFound:
        raise errors.NotFound(f'pods "{name}" not found') from None


async def _pod_of_workload(ctx: Context, client, kind_word: str, name: str, namespace: str):
    """As kubectl: the first pod of the workload (by name), telling the user when there are several."""
    from api import selectors
    from cli.errors import not_found
    from cli.resources import lookup_kind
    kind = lookup_kind(kind_word)
    try:
        obj = await client.get(kind, name, namespace)
    except errors.NotFound:
        raise not_found(kind, name) from None
    selector = str(selectors.of_spec(obj.spec))
    pods = [p for p in (await client.list("Pod", namespace, selector)).items if not p.metadata.deletion_timestamp]
    if not pods:
        raise CliError(f"no pods of {kind.singular} {name} found")
    pods.sort(key=lambda p: (p.status.phase != "Running", p.metadata.name))
    if len(pods) > 1:
        ctx.warn(f"Found {len(pods)} pods, using pod/{pods[0].metadata.name}")
    return pods[0]


def containers_of(pod, args) -> tuple[list[str], str]:
    """(the containers to read, kubectl's note when it picked the first of several itself)."""
    if args.all_containers:
        # every kind of container, as kubectl's AllFeatureEnabledContainers: ephemeral (`skiff debug`) ones too
        every = (*pod.spec.init_containers, *pod.spec.containers, *pod.spec.ephemeral_containers)
        return [c.name for c in every], ""
    wanted = args.container or args.container_arg or ""
    if wanted:
        return [wanted], ""
    first = pod.spec.containers[0].name
    note = ""
    if len(pod.spec.containers) > 1 and not args.selector:
        note = f'Defaulted container "{first}" out of: ' + ", ".join(c.name for c in pod.spec.containers)
    return [first], note


class _Lines:
    """Writes one stream's output with `[pod/NAME/CONTAINER] ` before each line (whole lines only)."""

    def __init__(self, ctx: Context, prefix: str):
        self.ctx = ctx
        self.prefix = prefix.encode()
        self.pending = b""

    def feed(self, data: bytes) -> None:
        if not self.prefix:
            write(self.ctx.stdout, data)
            return
        lines = (self.pending + data).split(b"\n")
        self.pending = lines.pop()
        if lines:
            write(self.ctx.stdout, b"".join(self.prefix + line + b"\n" for line in lines))

    def close(self) -> None:
        if self.pending:
            write(self.ctx.stdout, self.prefix + self.pending + b"\n" if self.prefix else self.pending)
            self.pending = b""


async def _stream(ctx: Context, client, request: api_pb2.LogsRequest, prefix: str) -> None:
    out = _Lines(ctx, prefix)
    try:
        async for chunk in client.logs_stream(request):
            out.feed(chunk.data)
    except grpc.aio.AioRpcError as e:
        raise agent_error(e) from None
    finally:
        out.close()


async def run(ctx: Context, args: argparse.Namespace) -> int:
    namespace = ctx.namespace(args)
    tail = args.tail if args.tail is not None else (DEFAULT_SELECTOR_TAIL if args.selector else -1)
    async with ctx.client() as client:
        pods = await _pods(ctx, client, args, namespace)
        streams = []
        for pod in pods:
            names, note = containers_of(pod, args)
            if note:
                ctx.warn(note)
            streams += [(pod, name) for name in names]
        if args.follow and len(streams) > args.max_log_requests:
            raise CliError(f"you are attempting to follow {len(streams)} log streams, but maximum allowed "
                           f"concurrency is {args.max_log_requests}, use --max-log-requests to increase the limit")
        requests = [(api_pb2.LogsRequest(
            namespace=namespace, name=pod.metadata.name, container=container, follow=args.follow,
            tail_lines=tail, previous=args.previous, timestamps=args.timestamps,
            since_seconds=math.ceil(args.since), since_time=args.since_time),
            f"[pod/{pod.metadata.name}/{container}] " if args.prefix else "") for pod, container in streams]
        if args.follow:
            await asyncio.gather(*(_stream(ctx, client, r, prefix) for r, prefix in requests))
        else:
            for r, prefix in requests:
                await _stream(ctx, client, r, prefix)
    return 0
