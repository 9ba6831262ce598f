"""skiff-scheduler: assigns every pending pod to a node through the binding subresource.

Run several for availability: one leads (Lease kube-system/skiff-scheduler), the others wait."""
from __future__ import annotations

import argparse
import asyncio
import logging
import signal

import uvloop

from api import gctune, kubeconfig, leaderelection, monitoring
from api.flagtypes import positive_seconds
from controlplane.scheduler.cache import DEFAULT_ASSUMED_TTL
from controlplane.scheduler.leader import LEASE_NAME, ElectedScheduler
from controlplane.scheduler.scheduler import DEFAULT_NAME, Config

log = logging.getLogger("skiff-scheduler")


def _percentage(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"must be between 0 and 100, not {value}")
    return value


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="skiff-scheduler",
        description="Bind pending pods to nodes (filter, score, bind), recording why each node won or "
                    "why none fit.")
    kubeconfig.add_flags(p)
    p.add_argument("--scheduler-name", default=DEFAULT_NAME,
                   help="schedule only pods whose spec.schedulerName is this (default %(default)s)")
    p.add_argument("--percentage-of-nodes-to-score", type=_percentage, default=0, metavar="PERCENT",
                   help="stop filtering once this share of the nodes fits; 0 adapts to the cluster size "
                        "(50%% minus 1%% per 125 nodes, at least 5%%, never fewer than 100 nodes)")
    p.add_argument("--parallelism", type=int, default=Config.parallelism,
                   help="API calls (binds, status writes) in flight at once (default %(default)s)")
    p.add_argument("--assumed-pod-ttl", type=positive_seconds, default=DEFAULT_ASSUMED_TTL, metavar="SECONDS",
                   help="stop counting a bound pod's requests if the watch has not shown it bound after this "
                        "long (default %(default)g)")
    monitoring.add_flag(p, "127.0.0.1:10259")
    leaderelection.add_flags(p)
    p.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    args = p.parse_args(argv)
    if args.parallelism < 1:
        p.error("--parallelism must be at least 1")
    return args


async def serve(args: argparse.Namespace) -> None:
    identity = leaderelection.default_identity(LEASE_NAME)
    config = Config(name=args.scheduler_name, percentage_of_nodes_to_score=args.percentage_of_nodes_to_score,
                    parallelism=args.parallelism, identity=identity, assumed_pod_ttl=args.assumed_pod_ttl)
    async with kubeconfig.client_from_args(args, "skiff-scheduler") as client:
        elector = leaderelection.elector_from_args(client, LEASE_NAME, args, identity)
        scheduler = ElectedScheduler(client, config, elector)
        log.info("%s (%s) using the API server at %s", config.name, identity, client.server)
        observer = monitoring.serve_from_args(args, log, monitoring.client_guard(client, log))
        scheduler.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        waiting = asyncio.create_task(stop.wait())
        running = asyncio.create_task(scheduler.wait())
        try:
            await asyncio.wait({waiting, running}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiting.cancel()
            await scheduler.stop()
            if observer is not None:
                observer.stop()
            await asyncio.gather(waiting, running, return_exceptions=True)


def main(argv=None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    gctune.for_server()
    uvloop.run(serve(args))


if __name__ == "__main__":
    main()
