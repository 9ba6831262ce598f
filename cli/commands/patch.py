"""`skiff patch KIND/NAME -p PATCH [--type strategic|merge|json]`: change fields of an object in place,
through the API's Patch (applied on the server to the latest version); --dry-run=client applies it here."""
from __future__ import annotations

import argparse

from cli import flags, resources
from cli.context import Context
from cli.errors import CliError

HELP = "change fields of an object with a strategic merge, JSON merge or JSON patch"
EXAMPLES = """examples:
  skiff patch deploy/web -p '{"spec":{"replicas":3}}'
  skiff patch deploy web -p '{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"busybox:1.37"}]}}}}'
  skiff patch svc/web --type merge -p '{"metadata":{"labels":{"tier":null}}}'
  skiff patch pod/web --type json -p '[{"op":"replace","path":"/spec/activeDeadlineSeconds","value":60}]'
  skiff patch deploy/web --patch-file change.yaml --dry-run=server -o yaml
"""


def register(subparsers, parents) -> None:
    p = subparsers.add_parser("patch", parents=parents, help=HELP, description=HELP.capitalize() + ".",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("objects", nargs="+", metavar="KIND/NAME | KIND NAME", help="the object to patch")
    p.add_argument("-p", "--patch", default=None, metavar="PATCH", help="the patch, as JSON or YAML")
    p.add_argument("--patch-file", default="", metavar="FILE", help="read the patch from this file")
    p.add_argument("--type", default="strategic", choices=("strategic", "merge", "json"),
                   help="strategic (default: lists merge by their keys), merge (RFC 7386) or json (RFC 6902)")
    flags.namespace(p)
    flags.dry_run(p)
    flags.output(p)
    p.set_defaults(handler=run)


def read_patch(text: str, where: str):
    """The patch as data: JSON, or YAML (kubectl takes both); a one-line error naming what failed."""
    import json
    try:
        return json.loads(text)
    except ValueError as json_error:
        import yaml
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError:
            detail = f"{json_error.msg} at line {json_error.lineno} column {json_error.colno}"
            raise CliError(f"unable to parse {where}: not valid JSON or YAML: {detail}") from None
        if not isinstance(data, (dict, list)):
            raise CliError(f"unable to parse {where}: expected a JSON object (or, with --type json, a list)")
        return data


def _patch_text(args) -> tuple[str, str]:
    if args.patch is not None and args.patch_file:
        raise CliError("give the patch with -p or --patch-file, not both")
    if args.patch_file:
        try:
            with open(args.patch_file) as f:
                return f.read(), args.patch_file
        except OSError as e:
            raise CliError(f"cannot read the patch file {args.patch_file}: {e.strerror}") from None
    if args.patch is None:
        raise CliError("must specify -p (--patch) or --patch-file containing the contents of the patch")
    return args.patch, f'"{args.patch}"'


async def run(ctx: Context, args: argparse.Namespace) -> int:
    from api import errors
    from cli import writes
    from cli.errors import not_found
    _, named = resources.parse(args.objects)
    if len(named) != 1:
        raise CliError("name one object to patch, e.g. `skiff patch deploy/web -p ...`")
    target, namespace = named[0], ctx.namespace(args)
    data = read_patch(*_patch_text(args))
    async with ctx.client() as client:
        try:
            live = await client.get(target.kind, target.name, namespace)
        except errors.NotFound:
            raise not_found(target.kind, target.name) from None
        if args.dry_run == "client":
            obj = _patched_here(live, target, args.type, data)
        else:
            obj = await client.patch(target.kind, target.name, data, namespace, args.type,
                                     dry_run=args.dry_run == "server")
    # as kubectl: the object the server answered with, compared with the one read before
    changed = obj.metadata.resource_version != live.metadata.resource_version or args.dry_run != "none"
    if args.dry_run != "none":
        from cli import printers
        changed = printers.manifest_of(obj) != printers.manifest_of(live)
    writes.report(ctx, args, obj, "patched" if changed else "patched (no change)")
    return 0


def _patched_here(live, target, patch_type: str, data):
    """--dry-run=client: the patch applied on this side (api.patch, the server's own functions)."""
    from api import manifest
    from api import patch as patching
    from cli import printers
    try:
        after = patching.apply(patch_type, printers.manifest_of(live), data, target.kind.message.DESCRIPTOR)
    except patching.PatchError as e:
        raise CliError(f'the {patch_type} patch cannot be applied to {target.kind.resource} "{target.name}": {e}') \
            from None
    try:
        obj, _ = manifest.from_dict(after)
    except manifest.ManifestError as e:
        raise CliError(f'{target.kind.resource} "{target.name}" would be invalid: {"; ".join(e.errors)}') from None
    return obj
