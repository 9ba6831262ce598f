"""How writing verbs change objects and say so: read-modify-write with retry, `--dry-run`, and the
kubectl line (`deployment.apps/web image updated (dry run)`) or the object in the `-o` format.
"""
from __future__ import annotations

import argparse
from collections.abc import Callable

from google.protobuf.message import Message

from api import errors, retry
from api.kinds import Kind
from cli import flags, printers
from cli.context import Context
from cli.errors import not_found
from cli.resources import object_name


async def modify(client, kind: Kind, name: str, namespace: str, mutate: Callable[[Message], bool],
                 dry_run: str = "none") -> tuple[Message, bool]:
    """(the object after `mutate`, whether it changed); `mutate` edits in place and says if it did.

    client dry run: changed locally, nothing sent; server dry run: the server checks the update."""
    async def attempt() -> tuple[Message, bool]:
        try:
            obj = await client.get(kind, name, namespace)
        except errors.NotFound:
            raise not_found(kind, name) from None
        if not mutate(obj):
            return obj, False
        if dry_run == "client":
            return obj, True
        return await client.update(obj, dry_run=dry_run == "server"), True
    return await retry.on_conflict(attempt)


def report(ctx: Context, args: argparse.Namespace, obj: Message, what: str) -> None:
    """`-o FORMAT`: the object; otherwise `kind.group/name what`, with kubectl's dry-run suffix."""
    output = getattr(args, "output", None)
    if output is not None and not output.is_table:
        text = printers.render_one(obj, output)
        if output.format == "jsonpath":
            ctx.stdout.write(text)
            ctx.stdout.flush()
        else:
            ctx.out(text)
        return
    ctx.out(f"{object_name(obj)} {what}{flags.dry_run_suffix(args)}")


async def create(ctx: Context, args: argparse.Namespace, obj: Message, failed: str = "") -> Message:
    """Create a generated object (`create deployment`, `run`), or only check or print it (--dry-run).

    `failed` prefixes the server's refusal as kubectl's generator does ("failed to create deployment: ");
    without it the refusal reads "Error from server (...)"."""
    if args.dry_run == "client":
        created = obj
    else:
        async with ctx.client() as client:
            try:
                created = await client.create(obj, dry_run=args.dry_run == "server")
            except errors.ApiError as e:
                if not failed or isinstance(e, errors.ServerUnreachable):
                    raise
                from cli.errors import CliError
                raise CliError(f"{failed}{e}") from None
    report(ctx, args, created, "created")
    return created
