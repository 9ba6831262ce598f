"""`skiff edit KIND/NAME`: open the object's YAML in $KUBE_EDITOR or $EDITOR, then send what changed (a patch
through the API's Patch); an edit the server refuses is kept in a file whose top says why, as kubectl does."""
from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import tempfile

from cli import flags, resources
from cli.context import Context
from cli.errors import CliError

HELP = "edit an object in your editor and write the change back"
EXAMPLES = """examples:
  skiff edit deploy/web
  KUBE_EDITOR="code --wait" skiff edit svc web
  skiff edit deploy/web -o yaml               print the object as written
"""
HEADER = """# Please edit the object below. Lines beginning with a '#' will be ignored,
# and an empty file will abort the edit. If an error occurs while saving this file will be
# reopened with the relevant failures.
#
"""


def register(subparsers, parents) -> None:
    p = subparsers.add_parser("edit", parents=parents, help=HELP, description=HELP.capitalize() + ".",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("objects", nargs="+", metavar="KIND/NAME | KIND NAME", help="the object to edit")
    flags.namespace(p)
    flags.output(p)
    p.add_argument("--output-patch", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(handler=run)


def editor_command(environ=os.environ) -> list[str]:
    """$KUBE_EDITOR, else $EDITOR, else vi, split as a shell would split it."""
    return shlex.split(environ.get("KUBE_EDITOR") or environ.get("EDITOR") or "vi")


def strip_comments(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def keep_failed(text: str, problems: list[str]) -> str:
    """Save the edited text, its failures on top as comments; returns where."""
    fd, path = tempfile.mkstemp(prefix="skiff-edit-", suffix=".yaml")
    head = "# The edited file had a problem:\n" + "".join(f"# {line}\n" for p in problems for line in p.splitlines())
    with os.fdopen(fd, "w") as f:
        f.write(head + "#\n" + text)
    return path


async def run(ctx: Context, args: argparse.Namespace) -> int:
    import asyncio

    from api import errors, manifest
    from cli import printers, writes
    from cli.errors import describe_api_error, not_found
    _, named = resources.parse(args.objects)
    if len(named) != 1:
        raise CliError("name one object to edit, e.g. `skiff edit deploy/web`")
    target, namespace = named[0], ctx.namespace(args)
    async with ctx.client() as client:
        try:
            live = await client.get(target.kind, target.name, namespace)
        except errors.NotFound:
            raise not_found(target.kind, target.name) from None
        original = printers.render_yaml(printers.manifest_of(live)) + "\n"
        fd, path = tempfile.mkstemp(prefix="skiff-edit-", suffix=".yaml")
        with os.fdopen(fd, "w") as f:
            f.write(HEADER + original)
        try:
            done = await asyncio.to_thread(subprocess.run, [*editor_command(), path])
            with open(path) as f:
                edited = f.read()
        finally:
            os.unlink(path)
        if done.returncode != 0:
            raise CliError(f"the editor exited with {done.returncode}; nothing was changed")
        body = strip_comments(edited)
        if not body.strip():
            raise CliError("Edit cancelled, saved file was empty.")
        if body.strip() == strip_comments(original).strip():
            ctx.out("Edit cancelled, no changes made.")
            return 0
        try:
            obj = _parse(body, target)
            updated = await _write(client, target, namespace, live, obj)
        except (manifest.ManifestError, CliError) as e:
            problems = list(getattr(e, "errors", None) or [str(e)])
            saved = keep_failed(body, problems)
            raise CliError(f"{target.kind.resource} \"{target.name}\" is invalid: {'; '.join(problems)}\n"
                           f'A copy of your changes has been stored to "{saved}"') from None
        except errors.ApiError as e:
            if isinstance(e, errors.ServerUnreachable):
                raise
            message = describe_api_error(e, ctx.server)
            saved = keep_failed(body, [message])
            ctx.warn(message)
            ctx.warn(f'A copy of your changes has been stored to "{saved}"')
            return 1
    writes.report(ctx, args, updated, "edited")
    return 0


async def _write(client, target, namespace: str, live, edited):
    """As kubectl: only what the editor changed goes to the server, as a merge patch, on the condition
    that the object is still the version that was opened (else: Conflict, and the edit is kept)."""
    from api import patch as patching
    from cli import printers
    change = patching.merge_diff(printers.manifest_of(live), printers.manifest_of(edited))
    change.setdefault("metadata", {})["resourceVersion"] = live.metadata.resource_version
    return await client.patch(target.kind, target.name, change, namespace, "merge")


def _parse(text: str, target):
    import yaml

    from api import manifest
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise CliError(f"the edited file is not valid YAML: {' '.join(str(e).split())}") from None
    obj, unknown = manifest.from_dict(data)
    if unknown:
        raise manifest.ManifestError([f"{path}: unknown field" for path in unknown])
    if type(obj) is not target.kind.message or obj.metadata.name != target.name:
        raise CliError("the kind and name of the object cannot be changed by edit")
    return obj
