"""`skiff create poddisruptionbudget NAME --selector=... --min-available=N|--max-unavailable=N` and `skiff create
priorityclass NAME --value=N`, as kubectl's generators: the object is built from flags here (cli.generate), then created."""
from __future__ import annotations

import argparse
import re

from cli import flags, generate
from cli.context import Context

# kubectl's check of the flags: a number or a percentage, nothing else (not 10Gb).
_AMOUNT = re.compile(r"[0-9]+%?")


def register(generators, parents) -> None:
    p = generators.add_parser(
        "poddisruptionbudget", aliases=["pdb"], parents=parents,
        help="create a pod disruption budget for the pods a selector matches",
        description="Create a PodDisruptionBudget: how many of the selected pods must stay available (or may "
                    "be unavailable) while pods are evicted, e.g. by `skiff drain`.",
        epilog="examples:\n  skiff create pdb my-pdb --selector=app=rails --min-available=1\n"
               "  skiff create pdb my-pdb --selector=app=nginx --max-unavailable=50%",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("name", metavar="NAME")
    flags.namespace(p)
    flags.dry_run(p)
    flags.output(p)
    p.add_argument("--selector", default="", metavar="SELECTOR", help="the pods the budget covers, e.g. app=web")
    p.add_argument("--min-available", default="", metavar="N|N%",
                   help="pods that must stay available: a number or a percentage")
    p.add_argument("--max-unavailable", default="", metavar="N|N%",
                   help="pods that may be unavailable: a number or a percentage")
    p.set_defaults(handler=run)
    p = generators.add_parser(
        "priorityclass", aliases=["pc"], parents=parents,
        help="create a priority class with the given value",
        description="Create a PriorityClass: pods naming it get its value as their priority (the scheduler "
                    "places higher ones first and may evict lower ones for them).",
        epilog="examples:\n  skiff create priorityclass high-priority --value=1000 --description=\"high priority\"\n"
               "  skiff create priorityclass default-priority --value=1000 --global-default=true\n"
               "  skiff create priorityclass high-priority --value=1000 --preemption-policy=Never",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("name", metavar="NAME")
    flags.dry_run(p)
    flags.output(p)
    p.add_argument("--value", type=int, default=0, metavar="N", help="the priority of the class's pods (default 0)")
    p.add_argument("--description", default="", help="what the class is for")
    p.add_argument("--global-default", nargs="?", const=True, default=False, type=flags.boolean, metavar="BOOL",
                   help="pods naming no class get this one (only one class may be the default)")
    p.add_argument("--preemption-policy", default="PreemptLowerPriority", metavar="POLICY",
                   help="PreemptLowerPriority (default) or Never: whether its pods may evict lower-priority pods")
    p.set_defaults(handler=run_priority_class)


def check(args: argparse.Namespace) -> str:
    """kubectl's refusal of the flags, in its words ("" when they are fine)."""
    if not args.selector:
        return "a selector must be specified"
    if not args.max_unavailable and not args.min_available:
        return "one of min-available or max-unavailable must be specified"
    if args.max_unavailable and args.min_available:
        return "min-available and max-unavailable cannot be both specified"
    if args.min_available and not _AMOUNT.fullmatch(args.min_available):
        return "invalid format specified for min-available"
    if args.max_unavailable and not _AMOUNT.fullmatch(args.max_unavailable):
        return "invalid format specified for max-unavailable"
    return ""


async def run(ctx: Context, args: argparse.Namespace) -> int:
    from api import manifest, selectors
    from cli import writes
    from cli.errors import CliError
    problem = check(args)
    if problem:
        raise CliError(problem)
    namespace = args.namespace or ("" if args.dry_run == "client" else ctx.namespace(args))
    try:
        data = generate.pod_disruption_budget(args.name, args.selector, args.min_available, args.max_unavailable,
                                              namespace)
    except selectors.SelectorError as e:
        raise CliError(f"unable to parse requirement: {e}") from None
    obj, _ = manifest.from_dict(data)
    await writes.create(ctx, args, obj, "failed to create poddisruptionbudgets: ")
    return 0


async def run_priority_class(ctx: Context, args: argparse.Namespace) -> int:
    from api import manifest
    from cli import writes
    data = generate.priority_class(args.name, args.value, args.description, args.global_default,
                                   args.preemption_policy)
    obj, _ = manifest.from_dict(data)
    await writes.create(ctx, args, obj, "failed to create priorityclass: ")
    return 0
