"""`skiff get`: tables of objects as kubectl prints them, or their manifests; `-w` streams changes."""
from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from cli import flags

if TYPE_CHECKING:
    from cli.context import Context

# printers, resources and the client come in only when the gRPC path runs: they need protobuf, and a table
# the REST fast path (cli.restget) can print is printed without them

HELP = "list objects, or show named ones (tables, -o yaml|json|name|wide|jsonpath=|custom-columns=, -w to watch)"
EXAMPLES = """examples:
  skiff get pods                      pods of the current namespace
  skiff get po -A -o wide             every namespace, with IP and node
  skiff get deploy web -o yaml        one object's manifest
  skiff get po/web svc/web            name objects as KIND/NAME
  skiff get all                       pods, services, deployments and replica sets
  skiff get po -l app=web -w          watch pods labelled app=web until Ctrl-C
  skiff get po --show-labels -L app   labels as a column, and one label's value as another
  skiff get po --sort-by=.metadata.creationTimestamp
  skiff get po -o jsonpath='{.items[*].metadata.name}'
  skiff get po -o jsonpath='{range .items[*]}{.metadata.name}{"\\t"}{.status.podIP}{"\\n"}{end}'
  skiff get po -o custom-columns=NAME:.metadata.name,NODE:.spec.nodeName
  skiff get events --field-selector involvedObject.name=web
"""


def register(subparsers, parents) -> None:
    p = subparsers.add_parser("get", parents=parents, help=HELP, description=HELP.capitalize() + ".",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("objects", nargs="+", metavar="KIND[,KIND] [NAME...] | KIND/NAME...",
                   help="kind(s) to list (plural, singular or short name: po, deploy, svc, all...) and names")
    flags.namespace(p, all_namespaces=True)
    flags.selector(p)
    flags.field_selector(p)
    flags.output(p, table=True)
    p.add_argument("-w", "--watch", action="store_true", help="after the list, print a line per change")
    p.add_argument("--output-watch-events", action="store_true", help="with -w: show the event type")
    p.add_argument("--no-headers", action="store_true", help="tables without their header line")
    p.add_argument("--show-labels", action="store_true", help="add a LABELS column with every label")
    p.add_argument("-L", "--label-columns", action="append", default=[], metavar="KEY[,KEY]",
                   help="a column with the value of this label; repeatable")
    p.add_argument("--sort-by", default="", metavar="JSONPATH",
                   help="sort by this field, e.g. .metadata.name or {.status.startTime}")
    p.set_defaults(handler=run)


def table_options(args: argparse.Namespace) -> dict:
    keys = [k for words in args.label_columns for k in words.split(",") if k]
    return {"show_labels": args.show_labels, "label_columns": keys}


def run(ctx: "Context", args: argparse.Namespace):
    """The exit code when the REST fast path printed the table; else the gRPC path's coroutine (cli.main
    runs it)."""
    if ctx.config.rest_server:
        from cli import restget
        code = restget.get_table(ctx, args)
        if code is not None:
            return code
    return run_over_grpc(ctx, args)


async def run_over_grpc(ctx: "Context", args: argparse.Namespace) -> int:
    from cli import printers, resources
    kinds_to_list, named = resources.parse(args.objects)
    namespace = "" if args.all_namespaces else ctx.namespace(args)
    output = args.output or printers.Output()
    if args.watch:
        return await watch(ctx, args, kinds_to_list, named, namespace)
    async with ctx.client() as client:
        if named:
            groups = await _get_named(ctx, client, named, namespace)
        else:
            groups = [(k, await _list(client, k, namespace, args)) for k in kinds_to_list]
    if args.sort_by:
        groups = [(k, printers.sort_by(objs, args.sort_by)) for k, objs in groups]
    objects = [o for _, objs in groups for o in objs]
    if not output.is_table:
        single = len(named) == 1 and not kinds_to_list
        # an empty List, as kubectl, for a list that found nothing; named objects that were all missing print
        # only their errors
        if objects or (output.format in ("json", "yaml", "jsonpath") and not named):
            _print_machine(ctx, printers.render_objects(objects, output, single, header=not args.no_headers),
                           output)
        if not objects and output.format in ("name", "custom-columns") and not ctx.failures:
            ctx.warn(_none_found(groups, namespace))
        return ctx.exit_code()
    if not objects:
        if not ctx.failures:
            ctx.warn(_none_found(groups, namespace))
        return ctx.exit_code()
    shown = [(k, objs) for k, objs in groups if objs]
    now = ctx.now()
    for i, (kind, objs) in enumerate(shown):
        if i:
            ctx.out()
        table = printers.Table(kind.name, now, wide=output.format == "wide",
                               all_namespaces=args.all_namespaces and kind.namespaced,
                               with_kind=len(groups) > 1, **table_options(args))
        for line in table.render(objs, header=not args.no_headers):
            ctx.out(line)
    return ctx.exit_code()


def _none_found(groups, namespace: str) -> str:
    where = f" in {namespace} namespace" if namespace and any(k.namespaced for k, _ in groups) else ""
    return f"No resources found{where}."


def _print_machine(ctx: "Context", texts: list[str], output) -> None:
    if output.format == "jsonpath":  # the template decides every character, newlines too
        ctx.stdout.write("".join(texts))
        ctx.stdout.flush()
        return
    for text in texts:
        ctx.out(text)


async def _list(client, kind, namespace: str, args) -> list:
    from api.columns import event_time
    items = (await client.list(kind, namespace, args.selector, args.field_selector)).items
    if kind.name == "Event" and not args.sort_by:
        items.sort(key=event_time)  # newest last, as the story reads
    return items


async def _get_named(ctx: "Context", client, named, namespace: str) -> list:
    from api import errors
    from cli.errors import not_found
    groups: dict[str, tuple] = {}
    for target in named:
        try:
            obj = await client.get(target.kind, target.name, namespace or "default")
        except errors.NotFound:
            ctx.fail_api(not_found(target.kind, target.name))
            continue
        groups.setdefault(target.kind.name, (target.kind, []))[1].append(obj)
    return list(groups.values())


async def watch(ctx: "Context", args, kinds_to_list, named, namespace: str) -> int:
    from cli import printers, watching
    from cli.errors import CliError
    if len(kinds_to_list) + len(named) != 1:
        raise CliError("you may only watch one kind (and at most one name) at a time")
    kind = kinds_to_list[0] if kinds_to_list else named[0].kind
    output = args.output or printers.Output()
    field_selector = args.field_selector
    if named:
        field_selector = ",".join(filter(None, [f"metadata.name={named[0].name}", field_selector]))
    query = watching.Query(kind, namespace if kind.namespaced else "", args.selector, field_selector)
    table = printers.Table(kind.name, ctx.now(), wide=output.format == "wide",
                           all_namespaces=args.all_namespaces and kind.namespaced, **table_options(args))
    events = args.output_watch_events

    def lines(objs: list, types: list[str], header: bool) -> list[str]:
        if not output.is_table:
            sep = "---\n" if output.format == "yaml" else ""
            return [sep + printers.render_one(o, output) for o in objs]
        table.now = ctx.now()
        rendered = table.render(objs, header=header and not args.no_headers)
        if not events:
            return rendered
        labels = (["EVENT"] if header and not args.no_headers else []) + types
        width = len("MODIFIED")
        return [f"{t.ljust(width + printers.GAP)}{line}" for t, line in zip(labels, rendered)]

    header_due = [True]  # an empty list prints nothing; the first change brings the header

    def emit(objs: list, types: list[str]) -> None:
        for line in lines(objs, types, header=header_due[0]):
            ctx.out(line)
        header_due[0] = False

    def on_list(objs: list) -> None:
        if objs:
            emit(objs, ["ADDED"] * len(objs))

    def on_event(type_: str, obj) -> None:
        emit([obj], [type_])

    await watching.follow(ctx.client, query, on_list, on_event)
    return 0
