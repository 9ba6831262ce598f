"""`skiff rollout status|history|undo|pause|resume deploy/NAME`: follow and steer a Deployment's rollout
(`status`, `restart`, `history` and `undo` also of a DaemonSet, ds/NAME, and a StatefulSet, sts/NAME).

Undo works as kubectl's: the old revision's pod template (a ReplicaSet's, or a ControllerRevision's) is
copied back into the owner.
"""
from __future__ import annotations

import argparse
import asyncio

from api import controllerrevisions, deployments, errors, meta, retry
from api.flagtypes import duration
from cli import flags, resources
from cli.context import Context
from cli.describe_pods import template_lines
from cli.errors import CliError, not_found
from cli.related import controlled

HELP = "follow and manage the rollout of a deployment"
EXAMPLES = """examples:
  skiff rollout status deploy/web
  skiff rollout history deploy web
  skiff rollout history deploy/web --revision 2
  skiff rollout undo deploy/web --to-revision 2
  skiff rollout pause deploy/web
  skiff rollout resume deploy/web
  skiff rollout restart deploy/web
  skiff rollout status ds/fluentd
  skiff rollout history sts/web --revision 1
  skiff rollout undo ds/fluentd
"""
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"


def register(subparsers, parents) -> None:
    p = subparsers.add_parser("rollout", parents=parents, help=HELP, description=HELP.capitalize() + ".",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = p.add_subparsers(dest="action", metavar="ACTION", title="actions", required=True)
    for name, handler, text in (("status", status, "show the rollout's progress until it is done"),
                                ("history", history, "list the revisions of a deployment, daemon set or statefulset"),
                                ("undo", undo, "roll back to the previous (or a given) revision"),
                                ("pause", pause, "stop rolling out template changes"),
                                ("resume", resume, "continue rolling out template changes"),
                                ("restart", restart, "restart every pod, by rolling out an annotated template")):
        a = actions.add_parser(name, parents=parents, help=text, description=text.capitalize() + ".")
        target = "the deployment" if name in ("pause", "resume") else "the deployment, daemon set or statefulset"
        a.add_argument("objects", nargs="+", metavar="deploy/NAME | deploy NAME", help=target)
        flags.namespace(a)
        if name == "status":
            a.add_argument("--timeout", type=duration, default=0, metavar="DURATION",
                           help="give up after this long; 0 waits for ever (default 0)")
            a.add_argument("-w", "--watch", type=flags.boolean, default=True, metavar="BOOL",
                           help="keep watching until the rollout ends (default true)")
        if name == "history":
            a.add_argument("--revision", type=int, default=0, metavar="N",
                           help="show the pod template of this revision; 0 lists them all (default 0)")
        if name in ("restart", "undo", "pause", "resume"):
            flags.dry_run(a)
        if name == "undo":
            a.add_argument("--to-revision", type=int, default=0, metavar="N",
                           help="the revision to go back to; 0 means the previous one (default 0)")
        a.set_defaults(handler=handler)


def _deployment_name(args) -> str:
    return _target(args, ("Deployment",))[1]


def _target(args, kinds: tuple[str, ...]) -> tuple[str, str]:
    """(kind, name) of the one object named, of one of `kinds`."""
    _, named = resources.parse(args.objects)
    if len(named) != 1 or named[0].kind.name not in kinds:
        if kinds == ("Deployment",):
            raise CliError("name one deployment, e.g. `skiff rollout status deploy/web`")
        raise CliError("name one deployment, daemon set or statefulset, e.g. `skiff rollout status deploy/web`")
    return named[0].kind.name, named[0].name


async def _get(client, name: str, namespace: str, kind: str = "Deployment"):
    try:
        return await client.get(kind, name, namespace)
    except errors.NotFound:
        # "Error from server (NotFound)", as kubectl
        raise not_found(resources.lookup_kind(kind), name) from None


def daemon_set_status_message(ds) -> tuple[str, bool]:
    """kubectl's rollout status line for a DaemonSet, and whether the rollout is over."""
    name, s = ds.metadata.name, ds.status
    if ds.spec.update_strategy.type != "RollingUpdate":
        raise CliError("rollout status is only available for RollingUpdate strategy type")
    if ds.metadata.generation > s.observed_generation:
        return "Waiting for daemon set spec update to be observed...", False
    if s.updated_number_scheduled < s.desired_number_scheduled:
        return (f'Waiting for daemon set "{name}" rollout to finish: {s.updated_number_scheduled} out of '
                f'{s.desired_number_scheduled} new pods have been updated...'), False
    if s.number_available < s.desired_number_scheduled:
        return (f'Waiting for daemon set "{name}" rollout to finish: {s.number_available} of '
                f'{s.desired_number_scheduled} updated pods are available...'), False
    return f'daemon set "{name}" successfully rolled out', True


def stateful_set_status_message(sts) -> tuple[str, bool]:
    """kubectl's rollout status line for a StatefulSet, and whether the rollout is over."""
    spec, s = sts.spec, sts.status
    if spec.update_strategy.type != "RollingUpdate":
        raise CliError("rollout status is only available for RollingUpdate strategy type")
    if s.observed_generation == 0 or sts.metadata.generation > s.observed_generation:
        return "Waiting for statefulset spec update to be observed...", False
    if s.ready_replicas < spec.replicas:
        return f"Waiting for {spec.replicas - s.ready_replicas} pods to be ready...", False
    rolling = spec.update_strategy.rolling_update
    if spec.update_strategy.HasField("rolling_update") and rolling.HasField("partition"):
        if s.updated_replicas < spec.replicas - rolling.partition:
            return (f"Waiting for partitioned roll out to finish: {s.updated_replicas} out of "
                    f"{spec.replicas - rolling.partition} new pods have been updated..."), False
        return f"partitioned roll out complete: {s.updated_replicas} new pods have been updated...", True
    if s.update_revision != s.current_revision:
        return (f"waiting for statefulset rolling update to complete {s.updated_replicas} pods at revision "
                f"{s.update_revision}..."), False
    return (f"statefulset rolling update complete {s.current_replicas} pods at revision "
            f"{s.current_revision}..."), True


def status_message(d) -> tuple[str, bool]:
    """kubectl's rollout status line for a Deployment, and whether the rollout is over.

    Raises CliError when the rollout passed its progress deadline.
    """
    name, s, replicas = d.metadata.name, d.status, d.spec.replicas
    if d.metadata.generation > s.observed_generation:
        return "Waiting for deployment spec update to be observed...", False
    c = meta.get_condition(s.conditions, "Progressing")
    if c is not None and c.reason == "ProgressDeadlineExceeded":
        raise CliError(f'deployment "{name}" exceeded its progress deadline')
    if s.updated_replicas < replicas:
        return (f'Waiting for deployment "{name}" rollout to finish: {s.updated_replicas} out of {replicas} '
                f'new replicas have been updated...'), False
    if s.replicas > s.updated_replicas:
        return (f'Waiting for deployment "{name}" rollout to finish: {s.replicas - s.updated_replicas} old '
                f'replicas are pending termination...'), False
    if s.available_replicas < s.updated_replicas:
        return (f'Waiting for deployment "{name}" rollout to finish: {s.available_replicas} of '
                f'{s.updated_replicas} updated replicas are available...'), False
    return f'deployment "{name}" successfully rolled out', True


async def status(ctx: Context, args: argparse.Namespace) -> int:
    """Print each new status line as the object changes (a watch, not polling) until it is rolled out."""
    (kind, name), namespace = _target(args, ("Deployment", "DaemonSet", "StatefulSet")), ctx.namespace(args)
    message_of = {"DaemonSet": daemon_set_status_message,
                  "StatefulSet": stateful_set_status_message}.get(kind, status_message)
    what = {"DaemonSet": "daemon set", "StatefulSet": "statefulset"}.get(kind, "deployment")
    last = [""]

    def show(d) -> bool:
        message, done = message_of(d)
        if message != last[0]:
            ctx.out(message)
            last[0] = message
        return done

    async with ctx.client() as client:
        d = await _get(client, name, namespace, kind)
        if show(d) or not args.watch:
            return 0

        async def follow() -> None:
            version = d.metadata.resource_version
            while True:
                try:
                    async for event in client.watch(kind, namespace, field_selector=f"metadata.name={name}",
                                                    resource_version=version):
                        if event.type == "DELETED":
                            raise CliError(f'{what} "{name}" was deleted')
                        if event.object is not None and event.type != "BOOKMARK":
                            version = event.object.metadata.resource_version
                            if show(event.object):
                                return
                        elif event.resource_version:
                            version = event.resource_version
                except (errors.Expired, errors.Unavailable, errors.Timeout):
                    fresh = await _get(client, name, namespace, kind)  # re-read, then watch again from it
                    version = fresh.metadata.resource_version
                    if show(fresh):
                        return
        try:
            await asyncio.wait_for(follow(), args.timeout if args.timeout > 0 else None)
        except asyncio.TimeoutError:
            raise CliError(f'timed out waiting for the rollout of {what} "{name}" to finish') from None
    return 0


async def _replica_sets(client, d):
    return await controlled(client, "ReplicaSet", d)


OWNERS = ("Deployment", "DaemonSet", "StatefulSet")


async def history(ctx: Context, args: argparse.Namespace) -> int:
    kind, name = _target(args, OWNERS)
    namespace = ctx.namespace(args)
    if kind != "Deployment":
        return await _revision_history(ctx, args, kind, name, namespace)
    async with ctx.client() as client:
        d = await _get(client, name, namespace)
        rss = sorted(await _replica_sets(client, d), key=deployments.revision_of)
    if args.revision:
        return _show_revision(ctx, name, rss, args.revision)
    ctx.out(f"deployment.apps/{name}")
    ctx.out(f"{'REVISION':<10}CHANGE-CAUSE")
    for rs in rss:
        cause = rs.metadata.annotations.get(deployments.CHANGE_CAUSE, "<none>")
        ctx.out(f"{deployments.revision_of(rs):<10}{cause}")
    return 0


def _show_revision(ctx: Context, name: str, rss, revision: int) -> int:
    rs = next((rs for rs in rss if deployments.revision_of(rs) == revision), None)
    if rs is None:
        raise CliError(f'unable to find revision {revision} in the history of deployment "{name}"; '
                       f"`skiff rollout history deploy/{name}` lists the revisions")
    template = type(rs.spec.template)()
    template.CopyFrom(rs.spec.template)
    # as kubectl: the change cause is the ReplicaSet's, shown with the template it rolled out
    cause = rs.metadata.annotations.get(deployments.CHANGE_CAUSE)
    if cause:
        template.metadata.annotations[deployments.CHANGE_CAUSE] = cause
    ctx.out(f"deployment.apps/{name} with revision #{revision}")
    for line in template_lines(template):
        ctx.out(line)
    return 0


async def _controller_revisions(client, kind: str, name: str, namespace: str):
    """The owner and its ControllerRevisions by number (kubectl's controlledHistories)."""
    owner = await _get(client, name, namespace, kind)
    return owner, {r.revision: r for r in await controlled(client, "ControllerRevision", owner)}


async def _revision_history(ctx: Context, args, kind: str, name: str, namespace: str) -> int:
    """kubectl's printHistory of a DaemonSet or StatefulSet."""
    async with ctx.client() as client:
        _, revisions = await _controller_revisions(client, kind, name, namespace)
    what = f"{kind.lower()}.apps/{name}"
    if not revisions:
        ctx.out(f"{what}\nNo rollout history found.")
        return 0
    if args.revision:
        if args.revision not in revisions:
            raise CliError("unable to find the specified revision")
        ctx.out(f"{what} with revision #{args.revision}")
        for line in template_lines(controllerrevisions.template_of(revisions[args.revision])):
            ctx.out(line)
        return 0
    ctx.out(what)
    ctx.out(f"{'REVISION':<10}CHANGE-CAUSE")
    for number in sorted(revisions):
        ctx.out(f"{number:<10}{revisions[number].metadata.annotations.get(deployments.CHANGE_CAUSE) or '<none>'}")
    return 0


async def _revision_undo(ctx: Context, args, kind: str, name: str, namespace: str) -> int:
    """kubectl's DaemonSet and StatefulSet rollbacker: the previous (or the given) revision's template back."""
    what = f"{kind.lower()}.apps/{name}"
    if args.to_revision < 0:
        raise CliError(f"unable to find specified revision {args.to_revision} in history")
    async with ctx.client() as client:
        owner, revisions = await _controller_revisions(client, kind, name, namespace)
        if not args.to_revision and len(revisions) <= 1:
            raise CliError("no last revision to roll back to")
        number = args.to_revision or sorted(revisions)[-2]
        if number not in revisions:
            raise CliError(f"unable to find specified revision {args.to_revision} in history")
        revision = revisions[number]
        if controllerrevisions.same_data(revision, controllerrevisions.data_of(owner.spec.template)):
            ctx.out(f"{what} skipped rollback (current template already matches revision {args.to_revision})")
            return 0
        template = controllerrevisions.template_of(revision)

        async def attempt():
            current = await _get(client, name, namespace, kind)
            current.spec.template.CopyFrom(template)
            if args.dry_run != "client":
                await client.update(current, dry_run=args.dry_run == "server")
        await retry.on_conflict(attempt)
    ctx.out(f"{what} rolled back{flags.dry_run_suffix(args)}")
    return 0


async def undo(ctx: Context, args: argparse.Namespace) -> int:
    kind, name = _target(args, OWNERS)
    namespace = ctx.namespace(args)
    if kind != "Deployment":
        return await _revision_undo(ctx, args, kind, name, namespace)
    async with ctx.client() as client:
        d = await _get(client, name, namespace)
        template = deployments.template_of_revision(await _replica_sets(client, d), args.to_revision)
        if template is None:
            if args.to_revision:
                raise CliError(f"unable to find specified revision {args.to_revision} in history")
            raise CliError(f'no rollout history found for deployment "{name}"')
        if deployments.same_template(template, d.spec.template):
            ctx.out(f"deployment.apps/{name} skipped rollback (current template already matches "
                    f"revision {args.to_revision or 'previous'})")
            return 0

        async def attempt():
            current = await _get(client, name, namespace)
            current.spec.template.CopyFrom(template)
            if args.dry_run != "client":
                await client.update(current, dry_run=args.dry_run == "server")
        await retry.on_conflict(attempt)
    ctx.out(f"deployment.apps/{name} rolled back{flags.dry_run_suffix(args)}")
    return 0


async def _set_paused(ctx: Context, args: argparse.Namespace, paused: bool) -> int:
    name, namespace = _deployment_name(args), ctx.namespace(args)
    async with ctx.client() as client:
        async def attempt():
            d = await _get(client, name, namespace)
            if d.spec.paused == paused:
                raise CliError(f'deployments.apps "{name}" is {"already paused" if paused else "not paused"}')
            d.spec.paused = paused
            if args.dry_run != "client":
                await client.update(d, dry_run=args.dry_run == "server")
        await retry.on_conflict(attempt)
    ctx.out(f"deployment.apps/{name} {'paused' if paused else 'resumed'}{flags.dry_run_suffix(args)}")
    return 0


async def restart(ctx: Context, args: argparse.Namespace) -> int:
    """As kubectl: a new restartedAt annotation on the pod template rolls out fresh pods."""
    from cli import writes
    (kind, name), namespace = _target(args, ("Deployment", "DaemonSet", "StatefulSet")), ctx.namespace(args)
    stamp = meta.now_text()

    def annotate(d) -> bool:
        if kind == "Deployment" and d.spec.paused:
            raise CliError(f'deployments.apps "{name}" can\'t restart paused deployment (run rollout resume first)')
        d.spec.template.metadata.annotations[RESTARTED_AT] = stamp
        return True
    async with ctx.client() as client:
        obj, _ = await writes.modify(client, resources.lookup_kind(kind), name, namespace, annotate, args.dry_run)
    ctx.out(f"{kind.lower()}.apps/{name} restarted{flags.dry_run_suffix(args)}")
    return 0


async def pause(ctx: Context, args: argparse.Namespace) -> int:
    return await _set_paused(ctx, args, True)


async def resume(ctx: Context, args: argparse.Namespace) -> int:
    return await _set_paused(ctx, args, False)
