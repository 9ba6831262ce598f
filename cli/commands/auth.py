"""`skiff auth can-i VERB RESOURCE[/NAME]`: ask the API server whether you (or, with --as, someone else)
may do something; prints yes or no and exits 0 or 1, as `kubectl auth can-i`."""
from __future__ import annotations

import argparse

from cli import flags
from cli.context import Context

HELP = "inspect authorization: `auth can-i VERB RESOURCE` answers yes or no"
EXAMPLES = """examples:
  skiff auth can-i create pods
  skiff auth can-i get pods/log -n prod
  skiff auth can-i create pods --subresource exec --as alice
  skiff auth can-i get secrets/db --as system:serviceaccount:default:robot
  skiff auth can-i delete nodes --as system:node:vm2 --as-group system:nodes
  skiff auth can-i get /version

Exits 0 for yes and 1 for no. --as needs the right to impersonate (cluster-admin has it)."""


def register(subparsers, parents) -> None:
    p = subparsers.add_parser("auth", parents=parents, help=HELP, description=HELP.capitalize() + ".")
    sub = p.add_subparsers(dest="action", metavar="can-i", required=True)
    c = sub.add_parser("can-i", parents=parents, help="may I (or --as USER) do VERB on RESOURCE?",
                       description="Check whether an action is allowed.", epilog=EXAMPLES,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    c.add_argument("verb", help="get, list, watch, create, update, patch, delete, ... or *")
    c.add_argument("resource", help="a resource (pods, deployments.apps), RESOURCE/NAME, RESOURCE/SUBRESOURCE "
                                    "(pods/log), or a non-resource URL (/version)")
    c.add_argument("name", nargs="?", default="", help="the object's name")
    c.add_argument("--subresource", default="", help="e.g. exec, log, status, scale")
    c.add_argument("-q", "--quiet", action="store_true", help="no output; only the exit code")
    flags.namespace(c, all_namespaces=True)
    c.set_defaults(handler=run)


def resolve(word: str, subresource: str, name: str) -> tuple[str, str, str, str]:
    """(api group, resource, subresource, name) for what the user typed: kinds skiff knows by any of
    their names, `deployments.apps`, `pods/log`, `pods/NAME`."""
    from api import kinds
    head, _, tail = word.partition("/")
    resource, _, group = head.partition(".")
    try:
        kind = kinds.lookup(resource)
        resource, group = kind.plural, kind.api_version.rpartition("/")[0]
    except kinds.UnknownKindError:
        pass  # as kubectl: still asked, the authorizer knows rules for resources skiff does not serve
    if tail:
        if tail in ("log", "exec", "attach", "portforward", "status", "scale", "binding", "eviction", "proxy"):
            subresource = subresource or tail
        else:
            name = name or tail
    return group, resource, subresource, name


async def run(ctx: Context, args: argparse.Namespace) -> int:
    from proto import api_pb2
    # With --as the question is asked as that user (the Impersonate-* metadata), as kubectl asks it.
    review = api_pb2.AccessReview(verb=args.verb)
    if args.resource.startswith("/"):
        review.path = args.resource
    else:
        group, resource, subresource, name = resolve(args.resource, args.subresource, args.name)
        review.api_group, review.resource, review.subresource, review.name = group, resource, subresource, name
        review.namespace = "" if args.all_namespaces else ctx.namespace(args)
        from api import kinds
        try:
            if not kinds.lookup(resource).namespaced:
                review.namespace = ""
        except kinds.UnknownKindError:
            pass
    async with ctx.client() as client:
        status = await client.review_access(review)
    if not args.quiet:
        ctx.out("yes" if status.allowed else "no" + (f" - {status.reason}" if status.reason else ""))
    return 0 if status.allowed else 1
