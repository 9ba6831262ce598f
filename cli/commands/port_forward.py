"""`skiff port-forward pod/NAME|svc/NAME|deploy/NAME [LOCAL:]REMOTE...`: local TCP ports that reach a
pod's ports through the API server and the pod's agent, one stream per connection, until Ctrl-C."""
from __future__ import annotations

import argparse
import asyncio

from api.flagtypes import duration
from cli import flags, forwarding
from cli.context import Context
from cli.errors import CliError

HELP = "forward local ports to a pod (or a service's or deployment's pod)"
EXAMPLES = """examples:
  skiff port-forward pod/web 8080:80        localhost:8080 reaches port 80 of pod web
  skiff port-forward svc/web 8080:80        port 80 of service web, through one of its pods
  skiff port-forward deploy/web :80         a free local port, printed
  skiff port-forward pod/web 8080 --address 0.0.0.0
"""


def register(subparsers, parents) -> None:
    p = subparsers.add_parser("port-forward", parents=parents, help=HELP, description=HELP.capitalize() + ".",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("target", metavar="TYPE/NAME", help="pod/NAME (or NAME), svc/NAME, deploy/NAME or rs/NAME")
    p.add_argument("ports", nargs="+", metavar="[LOCAL:]REMOTE", help="port pairs, e.g. 8080:80, :80 or 80")
    p.add_argument("--address", default="localhost", metavar="ADDR[,ADDR]",
                   help="addresses to listen on (default localhost: 127.0.0.1 and ::1)")
    p.add_argument("--pod-running-timeout", type=duration, default=60.0, metavar="DURATION",
                   help="how long to wait for a running pod (default 1m)")
    flags.namespace(p)
    p.set_defaults(handler=run)


async def _resolve(client, target: str, namespace: str, timeout: float) -> tuple:
    """(pod, the kind word for messages); svc/deploy/rs resolve to one running pod of theirs."""
    from api import errors, selectors
    from cli.errors import not_found
    from cli.resources import lookup_kind
    kind_word, slash, name = target.partition("/")
    if not slash:
        kind_word, name = "pod", target
    kind = lookup_kind(kind_word)
    try:
        obj = await client.get(kind, name, namespace)
    except errors.NotFound:
        raise not_found(kind, name) from None
    if kind.name == "Pod":
        if obj.status.phase != "Running":
            raise CliError(f"unable to forward port because pod is not running. Current status={obj.status.phase}")
        return obj, None
    if kind.name == "Service":
        selector = ",".join(f"{k}={v}" for k, v in sorted(obj.spec.selector.items()))
        if not selector:
            raise CliError(f"service {name} has no selector: there is no pod to forward to")
    elif kind.name in ("Deployment", "ReplicaSet", "ReplicationController"):
        selector = str(selectors.of_spec(obj.spec))
    else:
        raise CliError(f"cannot port-forward to a {kind.singular}: name a pod, service, deployment, replica set "
                       f"or replication controller")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        pod = forwarding.pick_pod((await client.list("Pod", namespace, selector)).items)
        if pod is not None:
            return pod, obj if kind.name == "Service" else None
        if loop.time() > deadline:
            raise CliError(f"timed out waiting for a running pod of {kind.singular} {name}")
        await asyncio.sleep(0.5)


async def run(ctx: Context, args: argparse.Namespace) -> int:
    pairs = forwarding.parse_ports(args.ports)
    namespace = ctx.namespace(args)
    failed: asyncio.Future = asyncio.get_running_loop().create_future()
    async with ctx.client() as client:
        pod, service = await _resolve(client, args.target, namespace, args.pod_running_timeout)
        servers = []
        try:
            for pair in pairs:
                remote = pair.remote
                if service is not None:
                    remote = forwarding.service_target(service, int(remote))
                remote = forwarding.container_port(pod, remote)
                local = pair.local
                listening = 0
                for address in forwarding.listen_addresses(args.address):
                    try:
                        server = await _listen(ctx, client, pod, namespace, address, local, remote, failed)
                    except CliError:
                        if listening and address == "::1":
                            continue  # as kubectl: localhost without IPv6 is 127.0.0.1 alone
                        raise
                    local = server.sockets[0].getsockname()[1]  # ::1 takes the port 127.0.0.1 got
                    servers.append(server)
                    listening += 1
                    shown = f"[{address}]" if ":" in address else address
                    ctx.out(f"Forwarding from {shown}:{local} -> {remote}")
            error = await failed
        finally:
            for server in servers:
                server.close()
    raise CliError(error)


async def _listen(ctx: Context, client, pod, namespace: str, address: str, local: int, remote: int,
                  failed: asyncio.Future):
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        port = writer.get_extra_info("sockname")[1]
        ctx.out(f"Handling connection for {port}")
        problem = await forward(client, namespace, pod.metadata.name, remote, reader, writer)
        if problem and not failed.done():
            # as kubectl since 1.30: a connection the pod refuses ends the port-forward
            failed.set_result(f"an error occurred forwarding {port} -> {remote}: {problem}")
    try:
        return await asyncio.start_server(handle, address, local)
    except OSError as e:
        raise CliError(f"unable to listen on {address}:{local}: {e.strerror or e}") from None


async def forward(client, namespace: str, name: str, port: int, reader: asyncio.StreamReader,
                  writer: asyncio.StreamWriter) -> str:
    """Pump one local connection through a PortForward stream; the error text, or "" when it ended well."""
    import grpc

    from api import errors
    from proto import api_pb2

    async def requests():
        yield api_pb2.PortForwardRequest(namespace=namespace, name=name, port=port)
        while data := await reader.read(64 * 1024):
            yield api_pb2.PortForwardRequest(data=data)
        yield api_pb2.PortForwardRequest(close=True)

    call = client.port_forward_stream(requests())
    try:
        async for response in call:
            if response.data:
                writer.write(response.data)
                await writer.drain()
        return ""
    except grpc.aio.AioRpcError as e:
        return errors.from_rpc_error(e).message
    except (ConnectionError, OSError):
        return ""  # the local client went away
    finally:
        call.cancel()
        writer.close()
