"""`skiff diff -f FILE`: what `apply` would change, as kubectl diff shows it: the live object against the
server's dry-run result of the apply, as a unified diff. Exit 0: no difference, 1: differences, >1: failed."""
from __future__ import annotations

import argparse
import difflib

from cli import flags
from cli.context import Context

HELP = "show what apply would change: live objects against the server's dry-run result"
EXAMPLES = """examples:
  skiff diff -f web.yaml
  skiff diff -f manifests/ && echo "nothing to apply"
"""
EXIT_DIFFERENT = 1
EXIT_FAILED = 2
# fields the server changes on every write: a diff of them says nothing about the manifest
_VOLATILE = ("resourceVersion", "managedFields", "generation")


def register(subparsers, parents) -> None:
    p = subparsers.add_parser("diff", parents=parents, help=HELP, description=HELP.capitalize() + ".",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    flags.filename(p, required=True)
    flags.namespace(p)
    p.set_defaults(handler=run)


def object_path(obj) -> str:
    """kubectl's file name for an object in its diff: `apps.v1.Deployment.default.web`."""
    from api import kinds
    kind = kinds.of(obj)
    group, _, version = kind.api_version.rpartition("/")
    prefix = f"{group}.{version}" if group else version
    namespace = f".{obj.metadata.namespace}" if obj.metadata.namespace else ""
    return f"{prefix}.{kind.name}{namespace}.{obj.metadata.name}"


def comparable_yaml(obj) -> list[str]:
    from cli import printers
    if obj is None:
        return []
    data = printers.manifest_of(obj)
    for key in _VOLATILE:
        data.get("metadata", {}).pop(key, None)
    return [line + "\n" for line in printers.render_yaml(data).splitlines()]


def unified(live, merged, name: str) -> list[str]:
    """The `diff -u -N` text of two objects' YAML (either may be None: created or gone)."""
    before, after = comparable_yaml(live), comparable_yaml(merged)
    if before == after:
        return []
    lines = [f"diff -u -N LIVE/{name} MERGED/{name}\n"]
    lines += difflib.unified_diff(before, after, f"LIVE/{name}", f"MERGED/{name}")
    return lines


async def run(ctx: Context, args: argparse.Namespace) -> int:
    from api import errors, kinds
    from cli import merge
    from cli.commands.apply import load, validation
    documents = load(ctx, args, need_names=True)
    different = False
    async with ctx.client() as client:
        for d in documents:
            kind, m = kinds.of(d.obj), d.obj.metadata
            try:
                try:
                    live = await client.get(kind, m.name, m.namespace)
                except errors.NotFound:
                    live = None
                if live is None:
                    merged = await client.create(merge.with_last_applied(d.data), dry_run=True,
                                                 field_validation=validation(args))
                else:
                    merged = await client.patch(kind, m.name, merge.apply_patch(d.data, live), m.namespace,
                                                dry_run=True, field_validation=validation(args))
            except errors.ApiError as e:
                ctx.fail_api(e, f'error when diffing "{d.source}"')
                continue
            text = unified(live, merged, object_path(merged))
            if text:
                different = True
                ctx.stdout.write("".join(text))
                ctx.stdout.flush()
    if ctx.failures:
        return EXIT_FAILED
    return EXIT_DIFFERENT if different else 0
