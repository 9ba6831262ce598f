"""`skiff wait --for=condition=Ready|delete|jsonpath='{.status.phase}'=Running KIND/NAME`: block until
every object meets the condition (watching it), or fail with kubectl's timeout message and exit 1."""
from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass

from api.flagtypes import duration
from cli import flags, resources
from cli.context import Context
from cli.errors import CliError

HELP = "wait for objects to reach a condition, or to be deleted"
EXAMPLES = """examples:
  skiff wait --for=condition=Ready pod/web --timeout=60s
  skiff wait --for=condition=Available deploy/web
  skiff wait --for=condition=Ready=false pod/web
  skiff wait --for=delete pod/web --timeout=30s
  skiff wait --for=jsonpath='{.status.phase}'=Running pod -l app=web
"""
DEFAULT_TIMEOUT = 30.0


@dataclass(frozen=True)
class Condition:
    kind: str  # "condition", "delete" or "jsonpath"
    name: str = ""  # the condition type, or the JSONPath
    value: str = ""  # wanted status ("True" by default) or JSONPath value ("" : the field exists)

    def met(self, obj) -> bool:
        if self.kind == "condition":
            status = next((c.status for c in obj.status.conditions if c.type.lower() == self.name.lower()), None)
            return status is not None and status.lower() == self.value.lower()
        from cli import jsonpath, printers
        values = jsonpath.find(self.name, printers.manifest_of(obj))
        if not self.value:
            return bool(values)
        return any(jsonpath.text_of(v) == self.value for v in values)


def parse_for(text: str) -> Condition:
    """`condition=Ready`, `condition=Ready=false`, `delete`, `jsonpath={.status.phase}=Running`."""
    if text == "delete":
        return Condition("delete")
    what, eq, rest = text.partition("=")
    if what == "condition" and eq and rest:
        name, eq2, value = rest.partition("=")
        return Condition("condition", name, value if eq2 else "True")
    if what == "jsonpath" and eq and rest:
        path, value = _split_jsonpath(rest)
        return Condition("jsonpath", path.strip().removeprefix("{").removesuffix("}"), value)
    raise CliError(f"unrecognized condition: {text!r} (use condition=NAME[=VALUE], delete or "
                   "jsonpath='{.path}'=VALUE)")


def _split_jsonpath(text: str) -> tuple[str, str]:
    if text.startswith("{"):
        end = text.find("}")
        if end < 0:
            raise CliError(f"unclosed jsonpath in --for: {text}")
        path, rest = text[:end + 1], text[end + 1:]
        return path, rest[1:] if rest.startswith("=") else rest
    path, _, value = text.partition("=")
    return path, value


def register(subparsers, parents) -> None:
    p = subparsers.add_parser("wait", parents=parents, help=HELP, description=HELP.capitalize() + ".",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("objects", nargs="+", metavar="KIND/NAME... | KIND [NAME...]", help="what to wait for")
    p.add_argument("--for", dest="condition", required=True, type=parse_for, metavar="CONDITION",
                   help="condition=NAME[=VALUE], delete, or jsonpath='{.path}'=VALUE")
    p.add_argument("--timeout", type=duration, default=DEFAULT_TIMEOUT, metavar="DURATION",
                   help="give up after this long, e.g. 60s or 5m (default 30s; 0 checks once)")
    flags.namespace(p, all_namespaces=True)
    flags.selector(p)
    p.add_argument("--all", action="store_true", help="every object of the kind in the namespace")
    p.set_defaults(handler=run)


async def run(ctx: Context, args: argparse.Namespace) -> int:
    from api import errors
    kinds_to_list, named = resources.parse(args.objects)
    namespace = ctx.namespace(args)
    condition: Condition = args.condition
    async with ctx.client() as client:
        targets = [(t.kind, t.name, namespace) for t in named]
        for kind in kinds_to_list:
            if not (args.selector or args.all):
                raise CliError("name the objects, or select them with -l SELECTOR or --all")
            where = "" if args.all_namespaces else namespace
            listed = (await client.list(kind, where, args.selector)).items
            targets += [(kind, o.metadata.name, o.metadata.namespace or namespace) for o in listed]
        if not targets:
            raise CliError("no matching resources found")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + args.timeout
        for kind, name, ns in targets:
            try:
                done = await asyncio.wait_for(_one(client, kind, name, ns, condition),
                                              max(deadline - loop.time(), 0.001) if args.timeout else 0.5)
            except asyncio.TimeoutError:
                done = False
            except errors.NotFound:
                raise CliError(str(_not_found(kind, name))) from None
            if not done:
                # kubectl's words and exit code
                raise CliError(f"timed out waiting for the condition on {kind.plural}/{name}")
            if done is not ABSENT:  # as kubectl: an object already gone before the wait says nothing
                ctx.out(f"{resources.resource_name(kind)}/{name} condition met")
    return 0


def _not_found(kind, name):
    from cli.errors import not_found
    return not_found(kind, name)


ABSENT = "absent"  # `--for=delete` of an object that did not exist when the wait began


async def _one(client, kind, name: str, namespace: str, condition: Condition):
    """True once the object meets the condition (or is gone, for delete); watches between checks."""
    from api import errors
    first = True
    while True:
        try:
            obj = await client.get(kind, name, namespace)
        except errors.NotFound:
            if condition.kind == "delete":
                return ABSENT if first else True
            raise
        first = False
        if condition.kind != "delete" and condition.met(obj):
            return True
        try:
            async for event in client.watch(kind, namespace, field_selector=f"metadata.name={name}",
                                            resource_version=obj.metadata.resource_version):
                if event.type == "DELETED" and condition.kind == "delete":
                    return True
                if event.type == "DELETED":
                    raise errors.NotFound(f"{kind.resource} \"{name}\" not found")
                if event.object is not None and event.type != "BOOKMARK" and condition.kind != "delete" \
                        and condition.met(event.object):
                    return True
        except (errors.Expired, errors.Unavailable, errors.Timeout):
            await asyncio.sleep(0.2)  # the watch broke: read again, then watch again
