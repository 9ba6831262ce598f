"""`skiff set image|env|resources`: change the containers of pods, deployments and replica sets."""
from __future__ import annotations

import argparse

from cli import flags, podtemplate, resources
from cli.context import Context
from cli.errors import CliError

HELP = "change the images, environment or resources of workloads' containers"


def register(subparsers, parents) -> None:
    p = subparsers.add_parser("set", parents=parents, help=HELP, description=HELP.capitalize() + ".")
    actions = p.add_subparsers(dest="action", metavar="ACTION", title="actions", required=True)

    image = actions.add_parser(
        "image", parents=parents, help="set the image of containers", description="Set the image of containers.",
        epilog="examples:\n  skiff set image deploy/web app=busybox:1.37\n  skiff set image deploy/web '*=busybox:1.37'",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    image.add_argument("words", nargs="+", metavar="KIND/NAME... CONTAINER=IMAGE...",
                       help="the objects, then container=image pairs (* for every container)")
    _common(image)
    image.set_defaults(handler=run_image)

    env = actions.add_parser(
        "env", parents=parents, help="set or remove environment variables",
        description="Set (KEY=VALUE) or remove (KEY-) environment variables of containers.",
        epilog="examples:\n  skiff set env deploy/web LOG=debug MODE-\n  skiff set env deploy/web --list",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    env.add_argument("words", nargs="+", metavar="KIND/NAME... KEY=VALUE|KEY-...", help="objects, then changes")
    env.add_argument("-c", "--containers", default="*", metavar="NAME", help="the container (default: every one)")
    env.add_argument("--list", action="store_true", help="print the environment instead of changing it")
    _common(env)
    env.set_defaults(handler=run_env)

    res = actions.add_parser(
        "resources", parents=parents, help="set resource requests and limits",
        description="Set the resource requests and limits of containers.",
        epilog="example:\n  skiff set resources deploy/web --limits=cpu=200m,memory=512Mi --requests=cpu=100m",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    res.add_argument("words", nargs="+", metavar="KIND/NAME...", help="the objects")
    res.add_argument("-c", "--containers", default="*", metavar="NAME", help="the container (default: every one)")
    res.add_argument("--limits", default="", metavar="RES=QTY,...", help="e.g. cpu=200m,memory=512Mi")
    res.add_argument("--requests", default="", metavar="RES=QTY,...", help="e.g. cpu=100m,memory=256Mi")
    _common(res)
    res.set_defaults(handler=run_resources)


def _common(p: argparse.ArgumentParser) -> None:
    flags.namespace(p)
    flags.selector(p)
    p.add_argument("--all", action="store_true", help="every object of the kind in the namespace")
    flags.dry_run(p)
    flags.output(p)


def split_words(words: list[str]) -> tuple[list[str], list[str]]:
    """(object words, change words): changes contain `=` or end in `-`."""
    first = next((i for i, w in enumerate(words) if i > 0 and ("=" in w or w.endswith("-"))), len(words))
    return words[:first], words[first:]


async def _each(ctx: Context, args: argparse.Namespace, object_words: list[str], mutate, what: str) -> int:
    """Apply `mutate(pod_spec) -> changed` to every object named or selected; print kubectl's line."""
    from api import errors
    from cli import writes
    kinds_to_list, named = resources.parse(object_words)
    namespace = ctx.namespace(args)
    async with ctx.client() as client:
        targets = list(named)
        if kinds_to_list:
            if not (args.selector or args.all):
                raise CliError("name the objects (KIND/NAME), or select them with -l SELECTOR or --all")
            for kind in kinds_to_list:
                listed = await client.list(kind, namespace, args.selector)
                targets += [resources.Target(kind, o.metadata.name) for o in listed.items]
        for target in targets:
            try:
                obj, changed = await writes.modify(client, target.kind, target.name, namespace,
                                                   lambda o: mutate(podtemplate.pod_spec(o)), args.dry_run)
            except errors.ApiError as e:
                ctx.fail_api(e)
                continue
            if changed or args.output is not None:
                writes.report(ctx, args, obj, what)
    return ctx.exit_code()


async def run_image(ctx: Context, args: argparse.Namespace) -> int:
    object_words, changes = split_words(args.words)
    if not changes:
        raise CliError("at least one image update is required, e.g. app=busybox:1.37")
    images = podtemplate.parse_assignments(changes, "image")
    return await _each(ctx, args, object_words, lambda spec: podtemplate.set_images(spec, images), "image updated")


async def run_env(ctx: Context, args: argparse.Namespace) -> int:
    object_words, changes = split_words(args.words)
    if args.list:
        return await _list_env(ctx, args, object_words)
    if not changes:
        raise CliError("at least one environment variable change is required (KEY=VALUE or KEY-)")
    removes = [w[:-1] for w in changes if w.endswith("-") and "=" not in w]
    sets = podtemplate.parse_assignments([w for w in changes if "=" in w], "value")
    return await _each(ctx, args, object_words,
                       lambda spec: podtemplate.set_env(spec, args.containers, sets, removes), "env updated")


async def _list_env(ctx: Context, args: argparse.Namespace, object_words: list[str]) -> int:
    _, named = resources.parse(object_words)
    async with ctx.client() as client:
        for target in named:
            obj = await client.get(target.kind, target.name, ctx.namespace(args))
            ctx.out(f"# {target.kind.name} {target.name}")
            for line in podtemplate.env_lines(podtemplate.pod_spec(obj), args.containers):
                ctx.out(line)
    return 0


async def run_resources(ctx: Context, args: argparse.Namespace) -> int:
    limits = podtemplate.parse_resources(args.limits, "--limits")
    requests = podtemplate.parse_resources(args.requests, "--requests")
    if not (limits or requests):
        raise CliError("you must specify an update to requests or limits (in the form of --requests/--limits)")
    return await _each(ctx, args, args.words,
                       lambda spec: podtemplate.set_resources(spec, args.containers, limits, requests),
                       "resource requirements updated")
