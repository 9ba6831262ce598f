"""The `python -m deploy.lab` command line: parse, run one verb, print expected failures as one line.

Each verb's work lives in its own module (up, down, status, hosts, demo).
"""
from __future__ import annotations

import argparse
import sys

from deploy.lab import plan as P
from deploy.lab.shell import LabError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m deploy.lab",
                                     description="A multi-host skiff cluster on this machine (needs root).")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    up = verbs.add_parser("up", help="build the lab, or report what already runs")
    up.add_argument("--nodes", type=int, default=3, help="simulated hosts (default 3)")
    up.add_argument("--etcd-members", type=int, default=1, choices=(1, 3), help="etcd members (default 1)")
    up.add_argument("--apiservers", type=int, default=1,
                    help="API server processes, each with its own watch cache and address; every client is "
                         "given them all and fails over (default 1, at most 6)")
    up.add_argument("--underlay", default=P.Settings.underlay, help="the hosts' subnet (default %(default)s)")
    up.add_argument("--ready-timeout", type=float, default=120, help="seconds to wait for Ready nodes")
    up.add_argument("--no-agents", action="store_true", help="only the underlay and the control plane")
    up.add_argument("--prometheus", action="store_true",
                    help="also run Debian's prometheus (installed if missing) scraping every component; "
                         "its web UI URL is printed")
    up.add_argument("--ingress", action="store_true",
                    help="also run the ingress controller (nginx) on the first host, serving Ingresses on its "
                         "address, ports 80 and 443, with a default IngressClass \"nginx\"")
    verbs.add_parser("down", help="remove everything the lab made, even after a crash")
    verbs.add_parser("kubeconfig", help="print the kubeconfig for stock kubectl (`up` also writes it to "
                                        "~/.kube/config)")
    verbs.add_parser("status", help="components, hosts, nodes and the node-failure timeouts")
    logs = verbs.add_parser("logs", help="a component's log (apiserver, scheduler, etcd-1, skiff-host-1, ...)")
    logs.add_argument("component")
    logs.add_argument("-n", "--lines", type=int, default=100)
    logs.add_argument("-f", "--follow", action="store_true")
    ex = verbs.add_parser("exec", help="run a command inside a host's network namespace: exec HOST -- CMD")
    ex.add_argument("host")
    ex.add_argument("argv", nargs=argparse.REMAINDER, metavar="-- CMD")
    verbs.add_parser("defrag", help="free etcd's space: compact, defragment every member, disarm NOSPACE "
                                    "(the fix for 'storage full')")
    demo = verbs.add_parser("demo", help="web servers over the hosts and a client fetching across hosts")
    demo.add_argument("--timeout", type=float, default=180)
    for verb, text in (("stop-host", "power a host off: kill its agent and containers"),
                       ("start-host", "power a host on again: start its agent"),
                       ("partition", "cut a host's underlay link"), ("heal", "restore a host's underlay link")):
        verbs.add_parser(verb, help=text).add_argument("host", help="the node name, as `skiff get nodes` shows")
    for verb, text in (("kill", "crash one component: SIGKILL (apiserver, apiserver-2, scheduler, etcd-2, "
                                "agent-skiff-host-1, ...)"),
                       ("start", "start a component again after `kill`")):
        verbs.add_parser(verb, help=text).add_argument("component", help="as `status` and `logs` name it")
    return parser


def run(args: argparse.Namespace) -> int:
    if args.verb in ("up", "down", "stop-host", "start-host", "partition", "heal", "kill", "start"):
        from deploy.lab.state import locked
        with locked():
            return _run(args)
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    if args.verb == "up":
        from deploy.lab.up import up
        return up(P.Settings(nodes=args.nodes, etcd_members=args.etcd_members, apiservers=args.apiservers, underlay=args.underlay,
                             prometheus=args.prometheus, ingress=args.ingress),
                  ready_timeout=args.ready_timeout, agents=not args.no_agents)
    if args.verb == "down":
        from deploy.lab.down import down
        return down()
    if args.verb in ("status", "logs", "exec"):
        from deploy.lab import status
        if args.verb == "status":
            return status.status()
        if args.verb == "logs":
            return status.logs(args.component, args.lines, args.follow)
        argv = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
        return status.exec_in(args.host, argv)
    if args.verb == "kubeconfig":
        from deploy.lab import kubeconfig, state as S
        st = S.load()
        if st is None:
            raise LabError("no lab here; run `deploy.lab up` first")
        print(kubeconfig.render(P.plan(st.settings)), end="")
        return 0
    if args.verb == "defrag":
        import asyncio
        from deploy.etcdspace import free_space
        from deploy.lab.state import load
        current = load()
        if current is None:
            raise LabError("no lab is up (no state file); run `python -m deploy.lab up` first")
        from api.errors import ApiError
        try:
            from controlplane.apiserver.etcdclient import EtcdTLS
            from deploy.pki import etcd_client_files
            tls = EtcdTLS.from_files(*etcd_client_files(P.PKI_DIR))
            lines = asyncio.run(free_space(P.plan(current.settings).etcd_endpoints, tls))
        except ApiError as e:
            raise LabError(f"etcd: {e.message}") from None
        print("\n".join(lines))
        return 0
    if args.verb == "demo":
        from deploy.lab.demo import demo
        return demo(args.timeout)
    if args.verb in ("kill", "start"):
        from deploy.lab import crash
        print((crash.kill if args.verb == "kill" else crash.start)(args.component))
        return 0
    from deploy.lab import hosts
    actions = {"stop-host": hosts.stop_host, "start-host": hosts.start_host,
               "partition": lambda h: hosts.partition(h, cut=True), "heal": lambda h: hosts.partition(h, cut=False)}
    print(actions[args.verb](args.host))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except (LabError, P.PlanError) as e:
        print(f"lab {args.verb}: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
