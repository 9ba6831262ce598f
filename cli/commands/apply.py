"""`skiff apply -f`: create each object, or update it to match its manifest (configured / unchanged)."""
from __future__ import annotations

import argparse

from api import errors, kinds, manifest, retry
from api.client import Client
from cli import flags, manifests, merge
from cli.context import Context
from cli.errors import CliError
from cli.resources import object_name

HELP = "create or update objects from manifest files, as kubectl apply does"
EXAMPLES = """examples:
  skiff apply -f web.yaml          create or update what web.yaml describes
  skiff apply -f manifests/        every .yaml, .yml and .json file in a directory
  cat web.yaml | skiff apply -f -  read the manifest from stdin
  skiff apply -f web.yaml --validate=warn   drop unknown fields with a warning instead of refusing
"""


def register(subparsers, parents) -> None:
    p = subparsers.add_parser("apply", parents=parents, help=HELP, description=HELP.capitalize() + ".",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    flags.filename(p, required=True)
    flags.namespace(p)
    flags.validate(p)
    flags.dry_run(p)
    p.set_defaults(handler=run)


def load(ctx: Context, args: argparse.Namespace, need_names: bool) -> list[manifests.Document]:
    """Every document of every file, checked before anything is sent; warnings printed once."""
    documents = manifests.load(args.filename, args.recursive, validation=validation(args))
    manifests.place(documents, ctx.namespace(args), explicit=bool(args.namespace))
    if need_names:
        nameless = [f"{d.source}: {d.kind.name}: metadata.name: Required value (apply needs a name)"
                    for d in documents if not d.obj.metadata.name]
        if nameless:
            raise manifests.ManifestLoadError(nameless)
    for line in manifests.warning_lines(documents):
        ctx.warn(line)
    return documents


def validation(args: argparse.Namespace) -> str:
    """The field validation mode `--validate` names (Strict for commands without the flag)."""
    return manifest.field_validation(getattr(args, "validate", "strict"))


async def run(ctx: Context, args: argparse.Namespace) -> int:
    documents = load(ctx, args, need_names=True)
    async with ctx.client() as client:
        # the server checks every object first (a dry run), so one invalid object stops every write
        for d in documents:
            try:
                await apply_one(client, d, validation(args), dry_run=True)
            except errors.ApiError as e:
                ctx.fail_api(e, f'error when applying "{d.source}"')
        if ctx.exit_code():
            return ctx.exit_code()
        dry_run = getattr(args, "dry_run", "none")
        for d in documents:
            try:
                if dry_run == "client":
                    outcome = await preview(client, d)
                else:
                    outcome = await apply_one(client, d, validation(args), dry_run=dry_run == "server")
            except errors.ApiError as e:
                ctx.fail_api(e, f'error when applying "{d.source}"')
                continue
            ctx.out(f"{object_name(d.obj)} {outcome}{flags.dry_run_suffix(args)}")
    return ctx.exit_code()


async def preview(client: Client, document: manifests.Document) -> str:
    """--dry-run=client: what apply would do (created, configured, unchanged), decided here; no write sent."""
    kind, m = kinds.of(document.obj), document.obj.metadata
    try:
        live = await client.get(kind, m.name, m.namespace)
    except errors.NotFound:
        return "created"
    return "configured" if merge.apply_patch(document.data, live) else "unchanged"


async def apply_one(client: Client, document: manifests.Document, validation: str = manifest.STRICT,
                    dry_run: bool = False) -> str:
    """created, configured or unchanged: a create, or one three-way strategic merge patch."""
    kind = kinds.of(document.obj)
    m = document.obj.metadata
    if not m.name:
        raise CliError(f"{kind.name}: metadata.name: Required value")

    async def attempt() -> str:
        try:
            live = await client.get(kind, m.name, m.namespace)
        except errors.NotFound:
            try:
                await client.create(merge.with_last_applied(document.data), dry_run=dry_run,
                                    field_validation=validation)
            except errors.AlreadyExists:
                raise errors.Conflict("created by someone else meanwhile") from None
            return "created"
        change = merge.apply_patch(document.data, live)
        if not change:
            return "unchanged"
        updated = await client.patch(kind, m.name, change, m.namespace, "strategic", dry_run=dry_run,
                                     field_validation=validation)
        # the server skips writes that change nothing, so an unchanged version means unchanged
        same = updated.metadata.resource_version == live.metadata.resource_version
        return "unchanged" if same else "configured"

    return await retry.on_conflict(attempt)
