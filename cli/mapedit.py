"""`label` and `annotate`: kubectl's `key=value` / `key-` changes to a string map, and running them.

`parse_changes` and `apply_changes` are pure; `run` reads, changes and writes each object, retrying
when another writer got in between.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass

from api import errors, retry
from cli import flags, resources
from cli.context import Context
from cli.errors import CliError, not_found
from cli.resources import Target


@dataclass(frozen=True)
class Changes:
    set: dict[str, str]
    remove: tuple[str, ...]


def parse_changes(words: list[str]) -> Changes:
    to_set: dict[str, str] = {}
    remove: list[str] = []
    for word in words:
        if word.endswith("-") and "=" not in word:
            remove.append(word[:-1])
        elif "=" in word:
            key, _, value = word.partition("=")
            if not key:
                raise CliError(f'"{word}": the key is empty (expected key=value or key-)')
            to_set[key] = value
        else:
            raise CliError(f'"{word}": expected key=value to set or key- to remove')
    both = set(to_set) & set(remove)
    if both:
        raise CliError(f"cannot both set and remove {', '.join(sorted(both))}")
    return Changes(to_set, tuple(remove))


def apply_changes(current: dict[str, str], changes: Changes, overwrite: bool, what: str) -> dict[str, str]:
    """The map after the changes; changing an existing value needs `overwrite`, as kubectl's."""
    out = dict(current)
    for key, value in changes.set.items():
        if key in out and out[key] != value and not overwrite:
            raise CliError(f"'{key}' already has a value ({out[key]}), and --overwrite is false")
        out[key] = value
    for key in changes.remove:
        out.pop(key, None)
    return out


def register_verb(subparsers, parents, verb: str, field: str, noun: str, examples: str) -> None:
    help_ = f"add, change or remove {noun}s of objects (key=value sets, key- removes)"
    p = subparsers.add_parser(verb, parents=parents, help=help_, description=help_.capitalize() + ".",
                              epilog=examples, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("words", nargs="+", metavar="KIND NAME... | KIND/NAME... KEY=VALUE... KEY-...",
                   help=f"the objects, then the {noun} changes")
    flags.namespace(p)
    flags.selector(p)
    p.add_argument("--all", action="store_true", help="every object of the kind in the namespace")
    p.add_argument("--overwrite", action="store_true", help=f"allow changing an existing {noun}'s value")
    flags.dry_run(p)
    p.set_defaults(handler=lambda ctx, args: run(ctx, args, field, verb))


def split_words(words: list[str]) -> tuple[list[str], list[str]]:
    """(object words, change words): changes are the words with `=` or ending in `-`."""
    first = next((i for i, w in enumerate(words) if i > 0 and ("=" in w or w.endswith("-"))), len(words))
    return words[:first], words[first:]


async def run(ctx: Context, args: argparse.Namespace, field: str, verb: str) -> int:
    object_words, change_words = split_words(args.words)
    if not change_words:
        raise CliError(f"at least one {field[:-1]} change is required (key=value or key-)")
    changes = parse_changes(change_words)
    kinds_to_list, named = resources.parse(object_words)
    namespace = ctx.namespace(args)
    async with ctx.client() as client:
        targets = list(named)
        if kinds_to_list:
            if not (args.selector or args.all):
                raise CliError("name the objects, or select them with -l SELECTOR or --all")
            for kind in kinds_to_list:
                listed = await client.list(kind, namespace, args.selector)
                targets += [Target(kind, o.metadata.name) for o in listed.items]

        for target in targets:
            async def attempt(target=target) -> bool:
                obj = await client.get(target.kind, target.name, namespace)
                current = getattr(obj.metadata, field)
                wanted = apply_changes(dict(current), changes, args.overwrite, field)
                if wanted == dict(current):
                    return False
                current.clear()
                current.update(wanted)
                if args.dry_run != "client":
                    await client.update(obj, dry_run=args.dry_run == "server")
                return True
            try:
                changed = await retry.on_conflict(attempt)
            except errors.NotFound:
                ctx.fail_api(not_found(target.kind, target.name))
                continue
            except errors.ApiError as e:
                ctx.fail_api(e)
                continue
            done = verb.rstrip("e") + "ed"  # labeled, annotated
            ctx.out(f"{object_name_of(target)} {done if changed else 'not ' + done}"
                    f"{flags.dry_run_suffix(args) if changed else ''}")
    return ctx.exit_code()


def object_name_of(target: Target) -> str:
    return f"{resources.resource_name(target.kind)}/{target.name}"

