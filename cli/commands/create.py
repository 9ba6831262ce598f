"""`skiff create -f`: create each object of the manifests; an existing one is an error."""
from __future__ import annotations

import argparse

from api import errors
from cli import flags
from cli.commands import create_config, create_policy, create_workloads
from cli.commands.apply import load, validation
from cli import writes
from cli.context import Context
from cli.errors import CliError

HELP = "create objects from manifest files (fails for objects that exist; see apply)"


def register(subparsers, parents) -> None:
    p = subparsers.add_parser("create", parents=parents, help=HELP, description=HELP.capitalize() + ".",
                              epilog="examples:\n  skiff create -f web.yaml\n"
                                     "  skiff create deployment web --image=busybox:1.36 --replicas=2\n"
                                     "  skiff create job hello --image=busybox -- echo hello\n"
                                     "  skiff create cronjob tick --image=busybox --schedule='*/5 * * * *'\n"
                                     "  skiff create pdb web-pdb --selector=app=web --min-available=1\n"
                                     "  skiff create service nodeport web --tcp=80:8080\n"
                                     "  skiff create configmap my-config --from-literal=level=debug\n"
                                     "  skiff create secret generic db --from-literal=password=s3cret",
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    flags.filename(p)
    flags.namespace(p)
    flags.dry_run(p)
    flags.output(p)
    flags.validate(p)
    p.set_defaults(handler=run)
    generators = p.add_subparsers(dest="generator", metavar="KIND", title="or create one object from flags")
    create_workloads.register(generators, parents)
    create_config.register(generators, parents)
    create_policy.register(generators, parents)


async def run(ctx: Context, args: argparse.Namespace) -> int:
    if not args.filename:
        raise CliError("must specify -f FILE, or a kind to create (configmap, cronjob, deployment, job, namespace, "
                       "poddisruptionbudget, secret, service)")
    documents = load(ctx, args, need_names=False)
    async with ctx.client() as client:
        for d in documents:
            try:
                created = d.obj if args.dry_run == "client" else await client.create(
                    d.data, dry_run=args.dry_run == "server", field_validation=validation(args))
            except errors.ApiError as e:
                ctx.fail_api(e, f'error when creating "{d.source}"')
                continue
            writes.report(ctx, args, created, "created")
    return ctx.exit_code()
