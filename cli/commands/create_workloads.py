"""`skiff create deployment|job|cronjob|namespace|service clusterip|nodeport`, as kubectl's generators: the object is
built from flags on this side (cli.generate), then created, or only checked or printed with --dry-run."""
from __future__ import annotations

import argparse

from cli import flags, generate
from cli.context import Context


def _common(p: argparse.ArgumentParser, namespaced: bool = True) -> None:
    p.add_argument("name", metavar="NAME")
    if namespaced:
        flags.namespace(p)
    flags.dry_run(p)
    flags.output(p)


def register(generators, parents) -> None:
    d = generators.add_parser(
        "deployment", aliases=["deploy"], parents=parents, help="create a deployment of the given images",
        description="Create a deployment labelled app=NAME running the given images (the words after -- "
                    "are their command).",
        epilog="examples:\n  skiff create deployment web --image=busybox:1.36 --replicas=3 --port=80\n"
               "  skiff create deployment web --image=busybox -- httpd -f -p 80",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    _common(d)
    d.add_argument("--image", action="append", default=[], required=True, metavar="IMAGE",
                   help="an image to run, one container each; repeatable")
    d.add_argument("--replicas", type=int, default=1, metavar="N", help="the number of replicas (default 1)")
    d.add_argument("--port", type=int, default=0, metavar="PORT", help="the port the first container exposes")
    d.set_defaults(handler=run_deployment)

    j = generators.add_parser(
        "job", parents=parents, help="create a job running the given image",
        description="Create a Job whose one container (named after it) runs the image to completion (the words "
                    "after -- are its command), or a Job from a CronJob's job template (--from).",
        epilog="examples:\n  skiff create job hello --image=busybox -- echo hello\n"
               "  skiff create job backup-now --from=cronjob/backup\n"
               "  skiff logs job/hello",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    _common(j)
    j.add_argument("--image", default="", metavar="IMAGE", help="the image to run")
    j.add_argument("--from", dest="from_", default="", metavar="cronjob/NAME",
                   help="make the Job from a CronJob's job template (as the CronJob would, now)")
    j.set_defaults(handler=run_job)

    cj = generators.add_parser(
        "cronjob", aliases=["cj"], parents=parents, help="create a cronjob running the given image on a schedule",
        description="Create a CronJob whose Jobs run the image (one container named after it; the words after -- "
                    "are its command) at each time of a five-field cron schedule.",
        epilog="examples:\n  skiff create cronjob hello --image=busybox --schedule='*/1 * * * *' -- date\n"
               "  skiff create job hello-now --from=cronjob/hello",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    _common(cj)
    cj.add_argument("--image", required=True, metavar="IMAGE", help="the image to run")
    cj.add_argument("--schedule", required=True, metavar="CRON",
                    help="minute hour day-of-month month day-of-week, e.g. '0 */6 * * *', or @hourly, @daily, ...")
    cj.add_argument("--restart", default="OnFailure", choices=("OnFailure", "Never"),
                    help="the pods' restartPolicy (default OnFailure)")
    cj.set_defaults(handler=run_cron_job)

    ns = generators.add_parser("namespace", aliases=["ns"], parents=parents, help="create a namespace",
                               description="Create a namespace.",
                               epilog="example:\n  skiff create namespace team-a",
                               formatter_class=argparse.RawDescriptionHelpFormatter)
    _common(ns, namespaced=False)
    ns.set_defaults(handler=run_namespace)

    svc = generators.add_parser("service", aliases=["svc"], parents=parents,
                                help="create a service (clusterip or nodeport)",
                                description="Create a service selecting the pods labelled app=NAME.")
    types = svc.add_subparsers(dest="service_type", metavar="TYPE", title="types")
    types.required = True
    for name, type_, example in (("clusterip", "ClusterIP", "skiff create service clusterip web --tcp=80:8080"),
                                 ("nodeport", "NodePort",
                                  "skiff create service nodeport web --tcp=80:8080 --node-port=30080")):
        t = types.add_parser(name, parents=parents, help=f"a {type_} service",
                             description=f"Create a {type_} service selecting the pods labelled app=NAME.",
                             epilog=f"example:\n  {example}", formatter_class=argparse.RawDescriptionHelpFormatter)
        _common(t)
        t.add_argument("--tcp", action="append", default=[], metavar="PORT[:TARGET_PORT]",
                       help="a port of the service and the pods' port it forwards to; repeatable")
        if type_ == "ClusterIP":
            t.add_argument("--clusterip", default="", metavar="IP", help='the cluster IP, or "None" (headless)')
        else:
            t.add_argument("--node-port", type=int, default=0, metavar="PORT",
                           help="the node port (default: one the server allocates)")
        t.set_defaults(handler=run_service, service_kind=type_)

    ing = generators.add_parser(
        "ingress", aliases=["ing"], parents=parents, help="create an ingress with the given rules",
        description="Create an Ingress routing HOST/PATH to SERVICE:PORT. A path ending in * is a Prefix match, "
                    "any other an Exact one; ',tls' or ',tls=SECRET' serves the host over TLS.",
        epilog="examples:\n  skiff create ingress site --class=nginx --rule='foo.com/*=web:80,tls=foo-tls'\n"
               "  skiff create ingress api --rule='/api*=api:http' --default-backend=web:80",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    _common(ing)
    ing.add_argument("--rule", action="append", default=[], metavar="HOST/PATH=SERVICE:PORT[,tls[=SECRET]]",
                     help="a routing rule; repeatable")
    ing.add_argument("--class", dest="class_name", default="", metavar="CLASS", help="the IngressClass")
    ing.add_argument("--default-backend", default="", metavar="SERVICE:PORT",
                     help="where requests matching no rule go")
    ing.add_argument("--annotation", action="append", default=[], metavar="KEY=VALUE",
                     help="an annotation to set; repeatable")
    ing.set_defaults(handler=run_ingress)


def _namespace(ctx: Context, args: argparse.Namespace) -> str:
    """kubectl prints no namespace in a client dry run unless -n was given; a create needs one."""
    return args.namespace or ("" if args.dry_run == "client" else ctx.namespace(args))


def _typed(data: dict):
    from api import manifest
    obj, _ = manifest.from_dict(data)
    return obj


async def run_deployment(ctx: Context, args: argparse.Namespace) -> int:
    from cli import writes
    obj = _typed(generate.deployment(args.name, args.image, args.replicas, args.port, args.command,
                                     _namespace(ctx, args)))
    await writes.create(ctx, args, obj, "failed to create deployment: ")
    return 0


async def run_job(ctx: Context, args: argparse.Namespace) -> int:
    from cli import writes
    from cli.errors import CliError
    if bool(args.image) == bool(args.from_):
        raise CliError("either --image or --from must be specified")
    if args.from_:
        if args.command:
            raise CliError("cannot specify --from and command")
        obj = _typed(await _job_from(ctx, args))
    else:
        obj = _typed(generate.job(args.name, args.image, args.command, _namespace(ctx, args)))
    await writes.create(ctx, args, obj, "failed to create job: ")
    return 0


async def _job_from(ctx: Context, args: argparse.Namespace) -> dict:
    from api import errors, manifest
    from cli.errors import CliError
    kind, _, name = args.from_.partition("/")
    if kind.lower() not in ("cronjob", "cronjobs", "cj", "cronjob.batch", "cronjobs.batch") or not name:
        raise CliError(f"from must be an existing cronjob: --from=cronjob/NAME, not {args.from_!r}")
    async with ctx.client() as client:
        try:
            source = await client.get("CronJob", name, ctx.namespace(args))
        except errors.NotFound:
            raise CliError(f'Error from server (NotFound): cronjobs.batch "{name}" not found') from None
    return generate.job_from_cron_job(args.name, manifest.to_dict(source), source.metadata.uid,
                                      _namespace(ctx, args))


async def run_cron_job(ctx: Context, args: argparse.Namespace) -> int:
    from cli import writes
    obj = _typed(generate.cron_job(args.name, args.image, args.schedule, args.command, args.restart,
                                   _namespace(ctx, args)))
    await writes.create(ctx, args, obj, "failed to create cronjob: ")
    return 0


async def run_namespace(ctx: Context, args: argparse.Namespace) -> int:
    from cli import writes
    await writes.create(ctx, args, _typed(generate.namespace(args.name)))
    return 0


async def run_service(ctx: Context, args: argparse.Namespace) -> int:
    from cli import writes
    obj = _typed(generate.service(args.service_kind, args.name, args.tcp, getattr(args, "node_port", 0),
                                  getattr(args, "clusterip", ""), _namespace(ctx, args)))
    await writes.create(ctx, args, obj, f"failed to create {args.service_kind} service: ")
    return 0


async def run_ingress(ctx: Context, args: argparse.Namespace) -> int:
    from cli import writes
    obj = _typed(generate.ingress(args.name, args.rule, args.class_name, args.default_backend, args.annotation,
                                  _namespace(ctx, args)))
    await writes.create(ctx, args, obj, "failed to create ingress: ")
    return 0
