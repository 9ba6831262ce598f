"""`skiff expose KIND NAME --port P`: a Service selecting the pods of a deployment, replica set, pod or
service, as kubectl expose (the selector comes from the object; ports from --port or its containers).
"""
from __future__ import annotations

import argparse

from google.protobuf.message import Message

from api import errors, kinds, manifest
from cli import flags, resources
from cli.context import Context
from cli.errors import CliError, not_found

HELP = "expose a deployment, replica set, pod or service as a new Service"
EXAMPLES = """examples:
  skiff expose deploy web --port 80 --target-port 8080
  skiff expose pod db --port 5432 --name db-svc
  skiff expose rs/web --port 80 --type NodePort
  skiff expose deploy/web --port 80 --type LoadBalancer
"""
EXPOSABLE = ("Deployment", "ReplicaSet", "ReplicationController", "Pod", "Service")
TYPES = ("ClusterIP", "NodePort", "LoadBalancer")


def register(subparsers, parents) -> None:
    p = subparsers.add_parser("expose", parents=parents, help=HELP, description=HELP.capitalize() + ".",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("object", nargs="+", metavar="KIND NAME | KIND/NAME", help="what to expose")
    p.add_argument("--port", type=int, default=None, metavar="PORT",
                   help="the Service's port (default: the ports of the object's containers)")
    p.add_argument("--target-port", default="", metavar="PORT|NAME",
                   help="the pods' port, by number or by container port name (default: --port)")
    p.add_argument("--name", default="", metavar="NAME", help="the Service's name (default: the object's)")
    p.add_argument("--type", default="ClusterIP", choices=TYPES, help="the Service's type (default %(default)s)")
    p.add_argument("--protocol", default="TCP", choices=("TCP", "UDP"), help="(default %(default)s)")
    p.add_argument("--selector", default="", metavar="K=V,...",
                   help="pods to select instead of the object's own selector (equality only)")
    p.add_argument("--session-affinity", default="", choices=("", "None", "ClientIP"), metavar="None|ClientIP")
    flags.dry_run(p)
    flags.output(p)
    flags.namespace(p)
    p.set_defaults(handler=run)


def selector_of(obj: Message) -> dict[str, str]:
    """The label equality a Service can select with: a controller's matchLabels, a pod's labels."""
    kind = kinds.of(obj).name
    if kind == "Pod":
        selector = dict(obj.metadata.labels)
    elif kind in ("Service", "ReplicationController"):  # a plain map of labels already
        selector = dict(obj.spec.selector)
    else:
        if obj.spec.selector.match_expressions:
            raise CliError(f"{kind.lower()} {obj.metadata.name}: a selector with matchExpressions cannot be "
                           f"a Service selector; pass --selector K=V,...")
        selector = dict(obj.spec.selector.match_labels)
    if not selector:
        raise CliError(f"{kind.lower()} {obj.metadata.name} has no labels or selector to select its pods with; "
                       f"pass --selector K=V,...")
    return selector


def parse_selector(text: str) -> dict[str, str]:
    out = {}
    for item in filter(None, (s.strip() for s in text.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key or value.startswith("="):
            raise CliError(f"--selector: {item!r} is not KEY=VALUE (Services select by equality only)")
        out[key] = value
    return out


def _target(text: str) -> int | str:
    return int(text) if text.isdigit() else text


def _container_ports(obj: Message) -> list:
    kind = kinds.of(obj).name
    spec = obj.spec if kind == "Pod" else obj.spec.template.spec if kind != "Service" else None
    if spec is None:
        return []
    return [p for c in spec.containers for p in c.ports]


def ports_for(obj: Message, port: int | None, target_port: str, protocol: str) -> list[dict]:
    if port is not None:
        return [{"port": port, "protocol": protocol, "targetPort": _target(target_port) if target_port else port}]
    if kinds.of(obj).name == "Service":
        found = [{"name": p.name, "port": p.port, "protocol": p.protocol or "TCP",
                  "targetPort": manifest.int_or_string_value(p.target_port) or p.port} for p in obj.spec.ports]
    else:
        found = [{"port": p.container_port, "protocol": p.protocol or "TCP",
                  "targetPort": _target(target_port) if target_port else p.container_port}
                 for p in _container_ports(obj)]
    if not found:
        raise CliError("couldn't find a port to expose: pass --port (the object's containers declare none)")
    if len(found) > 1:
        for i, p in enumerate(found, 1):
            p["name"] = p.get("name") or f"port-{i}"
    return found


def service_for(obj: Message, args: argparse.Namespace, namespace: str) -> Message:
    """The Service `skiff expose` creates for `obj` (pure)."""
    selector = parse_selector(args.selector) if args.selector else selector_of(obj)
    spec = {"type": args.type, "selector": selector,
            "ports": ports_for(obj, args.port, args.target_port, args.protocol)}
    if args.session_affinity:
        spec["sessionAffinity"] = args.session_affinity
    labels = dict(obj.metadata.labels)
    body = {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": args.name or obj.metadata.name, "namespace": namespace, "labels": labels},
            "spec": spec}
    svc, _ = manifest.from_dict(body, "expose")
    return svc


async def run(ctx: Context, args: argparse.Namespace) -> int:
    kinds_to_list, named = resources.parse(args.object)
    if kinds_to_list or len(named) != 1:
        raise CliError("name one object to expose, e.g. `skiff expose deploy web --port 80`")
    [target] = named
    if target.kind.name not in EXPOSABLE:
        raise CliError(f"cannot expose {target.kind.plural}: only deployments, replica sets, pods and "
                       f"services can be exposed")
    if args.port is not None and not 0 < args.port < 65536:
        raise CliError(f"--port {args.port} is not a port number (1-65535)")
    namespace = ctx.namespace(args)
    async with ctx.client() as client:
        try:
            obj = await client.get(target.kind, target.name, namespace)
        except errors.NotFound:
            ctx.fail_api(not_found(target.kind, target.name))
            return ctx.exit_code()
        svc = service_for(obj, args, namespace)
        try:
            created = svc if args.dry_run == "client" else await client.create(svc, dry_run=args.dry_run == "server")
        except errors.ApiError as e:
            ctx.fail_api(e)
            return ctx.exit_code()
    from cli import writes
    writes.report(ctx, args, created, "exposed")
    return ctx.exit_code()
