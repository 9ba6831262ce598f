"""`skiff get`: tables of objects as kubectl prints them, or their manifests; `-w` streams changes."""
from __future__ import annotations

import argparse

from google.protobuf.message import Message

from api import errors
from api.client import Client
from api.kinds import Kind
from cli import flags, printers, resources, watching
from api.columns import event_time
from cli.context import Context
from cli.errors import CliError, not_found

HELP = "list objects, or show named ones (tables, -o yaml|json|name|wide, -w to watch)"
EXAMPLES = """examples:
  skiff get pods                      pods of the current namespace
  skiff get po -A -o wide             every namespace, with IP and node
  skiff get deploy web -o yaml        one object's manifest
  skiff get po/web svc/web            name objects as KIND/NAME
  skiff get po -l app=web -w          watch pods labelled app=web until Ctrl-C
  skiff get events --field-selector involvedObject.name=web
"""


def register(subparsers, parents) -> None:
    p = subparsers.add_parser("get", parents=parents, help=HELP, description=HELP.capitalize() + ".",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("objects", nargs="+", metavar="KIND[,KIND] [NAME...] | KIND/NAME...",
                   help="kind(s) to list (plural, singular or short name: po, deploy, svc...) and names")
    flags.namespace(p, all_namespaces=True)
    flags.selector(p)
    p.add_argument("--field-selector", default="", metavar="SELECTOR",
                   help="field selector, e.g. status.phase=Running,spec.nodeName=node1")
    p.add_argument("-o", "--output", choices=printers.FORMATS, help="output format (default: a table)")
    p.add_argument("-w", "--watch", action="store_true", help="after the list, print a line per change")
    p.add_argument("--output-watch-events", action="store_true", help="with -w: show the event type")
    p.set_defaults(handler=run)


async def run(ctx: Context, args: argparse.Namespace) -> int:
    kinds_to_list, named = resources.parse(args.objects)
    namespace = "" if args.all_namespaces else ctx.namespace(args)
    if args.watch:
        return await watch(ctx, args, kinds_to_list, named, namespace)
    async with ctx.client() as client:
        if named:
            groups = await _get_named(ctx, client, named, namespace)
        else:
            groups = [(k, await _list(client, k, namespace, args)) for k in kinds_to_list]
    objects = [o for _, objs in groups for o in objs]
    if not objects:
        if not ctx.failures:
            where = f" in {namespace} namespace" if namespace and any(k.namespaced for k, _ in groups) else ""
            ctx.warn(f"No resources found{where}.")
        return ctx.exit_code()
    if args.output in ("json", "yaml", "name"):
        single = len(named) == 1
        for text in printers.render_objects(objects, args.output, single):
            ctx.out(text)
        return ctx.exit_code()
    shown = [(k, objs) for k, objs in groups if objs]
    now = ctx.now()
    for i, (kind, objs) in enumerate(shown):
        if i:
            ctx.out()
        table = printers.Table(kind.name, now, wide=args.output == "wide",
                               all_namespaces=args.all_namespaces and kind.namespaced,
                               with_kind=len(groups) > 1)
        for line in table.render(objs):
            ctx.out(line)
    return ctx.exit_code()


async def _list(client: Client, kind: Kind, namespace: str, args) -> list[Message]:
    items = (await client.list(kind, namespace, args.selector, args.field_selector)).items
    if kind.name == "Event":
        items.sort(key=event_time)  # newest last, as the story reads
    return items


async def _get_named(ctx: Context, client: Client, named, namespace: str) -> list[tuple[Kind, list[Message]]]:
    groups: dict[str, tuple[Kind, list[Message]]] = {}
    for target in named:
        try:
            obj = await client.get(target.kind, target.name, namespace or "default")
        except errors.NotFound:
            ctx.fail_api(not_found(target.kind, target.name))
            continue
        groups.setdefault(target.kind.name, (target.kind, []))[1].append(obj)
    return list(groups.values())


async def watch(ctx: Context, args, kinds_to_list: list[Kind], named, namespace: str) -> int:
    if len(kinds_to_list) + len(named) != 1:
        raise CliError("you may only watch one kind (and at most one name) at a time")
    kind = kinds_to_list[0] if kinds_to_list else named[0].kind
    field_selector = args.field_selector
    if named:
        field_selector = ",".join(filter(None, [f"metadata.name={named[0].name}", field_selector]))
    query = watching.Query(kind, namespace if kind.namespaced else "", args.selector, field_selector)
    table = printers.Table(kind.name, ctx.now(), wide=args.output == "wide",
                           all_namespaces=args.all_namespaces and kind.namespaced)
    events = args.output_watch_events

    def lines(objs: list[Message], types: list[str], header: bool) -> list[str]:
        if args.output in ("json", "yaml", "name"):
            sep = "---\n" if args.output == "yaml" else ""
            return [sep + printers.render_one(o, args.output) for o in objs]
        table.now = ctx.now()
        rendered = table.render(objs, header=header)
        if not events:
            return rendered
        labels = (["EVENT"] if header else []) + types
        width = len("MODIFIED")
        return [f"{t.ljust(width + printers.GAP)}{line}" for t, line in zip(labels, rendered)]

    header_due = [True]  # an empty list prints nothing; the first change brings the header

    def emit(objs: list[Message], types: list[str]) -> None:
        for line in lines(objs, types, header=header_due[0]):
            ctx.out(line)
        header_due[0] = False

    def on_list(objs: list[Message]) -> None:
        if objs:
            emit(objs, ["ADDED"] * len(objs))

    def on_event(type_: str, obj: Message) -> None:
        emit([obj], [type_])

    await watching.follow(ctx.client, query, on_list, on_event)
    return 0
