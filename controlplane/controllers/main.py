"""skiff-controller-manager: runs the ReplicaSet (and ReplicationController), Deployment, DaemonSet, Job (and
TTL-after-finished), garbage collector, namespace, node IPAM, node lifecycle, pod GC, endpoints and load-balancer
IP controllers, the CSR signer and cleaner, one active replica at a time (leader-elected).
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import signal

import uvloop

from api import gctune, kubeconfig, leaderelection, monitoring
from api.flagtypes import positive_seconds
from controlplane.controllers import manager
from controlplane.controllers.loadbalancer import pool
from controlplane.controllers.nodeipam.cidrset import CidrSet, CidrSetError
from controlplane.controllers.options import Options

log = logging.getLogger("skiff-controller-manager")


def parse_args(argv=None) -> argparse.Namespace:
    d = Options()
    p = argparse.ArgumentParser(
        prog="skiff-controller-manager",
        description="Run skiff's controllers against the API server: they compare what is asked for with "
                    "what exists and act to close the gap.")
    kubeconfig.add_flags(p)
    p.add_argument("--controllers", default="*", metavar="LIST",
                   help=f'comma-separated controllers to run; "*" for all, "-name" to leave one out '
                        f'(known: {", ".join(manager.CONTROLLERS)}; default "*")')
    p.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    p.add_argument("--workers", type=int, default=d.workers, metavar="N",
                   help="concurrent syncs of the ReplicaSet, ReplicationController, Deployment and garbage collector "
                        "(default %(default)s)")
    p.add_argument("--cluster-cidr", default=d.cluster_cidr, help="pod addresses of the cluster (default %(default)s)")
    p.add_argument("--node-cidr-mask-size", type=int, default=d.node_cidr_mask_size, metavar="BITS",
                   help="prefix length of each node's podCIDR (default %(default)s)")
    p.add_argument("--node-monitor-period", type=float, default=d.node_monitor_period, metavar="SECONDS",
                   help="how often node health is checked (default %(default)s)")
    p.add_argument("--node-monitor-grace-period", type=float, default=d.node_monitor_grace_period,
                   metavar="SECONDS",
                   help="a node whose lease is not renewed for this long turns Unknown (default %(default)s)")
    p.add_argument("--pod-eviction-timeout", type=float, default=d.pod_eviction_timeout, metavar="SECONDS",
                   help="pods of an unreachable node are deleted after this long (default %(default)s)")
    p.add_argument("--node-eviction-rate", type=float, default=d.node_eviction_rate, metavar="NODES_PER_S",
                   help="nodes per second given a NoExecute lifecycle taint in each zone (default %(default)s)")
    p.add_argument("--secondary-node-eviction-rate", type=float, default=d.secondary_node_eviction_rate,
                   metavar="NODES_PER_S", help="the same in a zone of more than --large-cluster-size-threshold "
                   "nodes in partial disruption (default %(default)s; smaller zones then taint none)")
    p.add_argument("--unhealthy-zone-threshold", type=float, default=d.unhealthy_zone_threshold, metavar="RATIO",
                   help="a zone with this share of nodes not Ready (and more than 2) is in partial disruption; "
                        "when no node of the cluster is Ready, nothing is tainted or evicted (default %(default)s)")
    p.add_argument("--large-cluster-size-threshold", type=int, default=d.large_cluster_size_threshold,
                   metavar="N", help="zones of more nodes than this keep the secondary rate in partial "
                   "disruption (default %(default)s)")
    p.add_argument("--terminated-pod-gc-threshold", type=int, default=d.terminated_pod_gc_threshold, metavar="N",
                   help="finished pods kept before the oldest are deleted; 0 keeps all (default %(default)s)")
    p.add_argument("--pod-gc-period", type=float, default=d.pod_gc_period, metavar="SECONDS",
                   help="how often the pod garbage collector runs (default %(default)s)")
    monitoring.add_flag(p, "127.0.0.1:10257")
    p.add_argument("--resource-quota-sync-period", type=positive_seconds, default=d.resource_quota_sync_period,
                   metavar="SECONDS", help="how often every ResourceQuota's usage is recounted, correcting the "
                   "charge of a create that failed after it (default %(default)g)")
    p.add_argument("--horizontal-pod-autoscaler-sync-period", type=positive_seconds, default=d.hpa_sync_period,
                   metavar="SECONDS", help="how often each HorizontalPodAutoscaler is looked at (default %(default)g)")
    p.add_argument("--horizontal-pod-autoscaler-tolerance", type=float, default=d.hpa_tolerance, metavar="RATIO",
                   help="no scaling while usage / target is within 1 +- this (default %(default)g)")
    p.add_argument("--horizontal-pod-autoscaler-downscale-stabilization", type=positive_seconds,
                   default=d.hpa_downscale_stabilization, metavar="SECONDS",
                   help="a scale-down takes the highest recommendation of this long, unless an HPA's behavior "
                        "sets its own window (default %(default)g)")
    p.add_argument("--horizontal-pod-autoscaler-cpu-initialization-period", type=positive_seconds,
                   default=d.hpa_cpu_initialization_period, metavar="SECONDS",
                   help="after a pod starts, its cpu counts only once it has been Ready for a whole sample "
                        "(default %(default)g)")
    p.add_argument("--horizontal-pod-autoscaler-initial-readiness-delay", type=positive_seconds,
                   default=d.hpa_initial_readiness_delay, metavar="SECONDS",
                   help="after this long a pod that is not Ready counts as never ready (default %(default)g)")
    p.add_argument("--load-balancer-pool", default=d.load_balancer_pool, metavar="RANGES",
                   help="addresses for LoadBalancer Services: comma-separated ranges A-B or CIDRs, e.g. "
                        "10.250.0.200-10.250.0.250; empty (the default) leaves them <pending>")
    p.add_argument("--job-pod-failure-backoff", type=positive_seconds, default=d.job_backoff_base, metavar="SECONDS",
                   help="wait before a Job replaces its first failed pod, doubled per further failure up to 6m "
                        "(Kubernetes' 10s; default %(default)g)")
    p.add_argument("--cluster-signing-cert-file", default=d.cluster_signing_cert_file, metavar="PATH",
                   help="PEM CA certificate the csrsigning controller issues certificates with, for the "
                        "kubernetes.io/kube-apiserver-client and -kubelet signers (the cluster CA, ca.crt)")
    p.add_argument("--cluster-signing-key-file", default=d.cluster_signing_key_file, metavar="PATH",
                   help="PEM private key of --cluster-signing-cert-file; without both, approved "
                        "CertificateSigningRequests stay unsigned")
    p.add_argument("--cluster-signing-duration", type=positive_seconds, default=d.cluster_signing_duration,
                   metavar="SECONDS", help="the longest certificate the signer issues; a request's expirationSeconds "
                   "may only shorten it (default %(default)g: one year)")
    leaderelection.add_flags(p)
    return p.parse_args(argv)


def options_from(args: argparse.Namespace) -> Options:
    return Options(workers=args.workers, cluster_cidr=args.cluster_cidr,
                   node_cidr_mask_size=args.node_cidr_mask_size, node_monitor_period=args.node_monitor_period,
                   node_monitor_grace_period=args.node_monitor_grace_period,
                   pod_eviction_timeout=args.pod_eviction_timeout, node_eviction_rate=args.node_eviction_rate,
                   secondary_node_eviction_rate=args.secondary_node_eviction_rate,
                   unhealthy_zone_threshold=args.unhealthy_zone_threshold,
                   large_cluster_size_threshold=args.large_cluster_size_threshold,
                   terminated_pod_gc_threshold=args.terminated_pod_gc_threshold, pod_gc_period=args.pod_gc_period,
                   hpa_sync_period=args.horizontal_pod_autoscaler_sync_period,
                   resource_quota_sync_period=args.resource_quota_sync_period,
                   hpa_tolerance=args.horizontal_pod_autoscaler_tolerance,
                   hpa_downscale_stabilization=args.horizontal_pod_autoscaler_downscale_stabilization,
                   hpa_cpu_initialization_period=args.horizontal_pod_autoscaler_cpu_initialization_period,
                   hpa_initial_readiness_delay=args.horizontal_pod_autoscaler_initial_readiness_delay,
                   load_balancer_pool=args.load_balancer_pool, job_backoff_base=args.job_pod_failure_backoff,
                   cluster_signing_cert_file=args.cluster_signing_cert_file,
                   cluster_signing_key_file=args.cluster_signing_key_file,
                   cluster_signing_duration=args.cluster_signing_duration)


async def serve(args: argparse.Namespace, names: list[str]) -> int:
    async with kubeconfig.client_from_args(args, "skiff-controller-manager") as client:
        elector = leaderelection.elector_from_args(client, manager.LEASE_NAME, args)
        m = manager.ControllerManager(client, options_from(args), names, elector)
        log.info("controller manager %s: talking to %s", m.identity, client.server)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        observer = monitoring.serve_from_args(args, log, monitoring.client_guard(client, log))
        await m.start()
        stopping = asyncio.create_task(stop.wait())
        running = asyncio.create_task(m.wait())
        await asyncio.wait({stopping, running}, return_when=asyncio.FIRST_COMPLETED)
        lost = running.done() and not stop.is_set()
        stopping.cancel()
        await m.stop()
        if observer is not None:
            observer.stop()
        await asyncio.gather(stopping, running, return_exceptions=True)
        if lost:
            log.error("leadership lost: exiting so a fresh process can compete again")
            return 1
        return 0


def main(argv=None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        names = manager.choose(args.controllers)
        CidrSet(args.cluster_cidr, args.node_cidr_mask_size)
        pool.parse(args.load_balancer_pool)
    except (manager.UnknownControllerError, CidrSetError, pool.PoolError) as e:
        raise SystemExit(f"skiff-controller-manager: {e}") from None
    try:
        gctune.for_server()
        code = uvloop.run(serve(args, names))
    except KeyboardInterrupt:
        code = 0
    raise SystemExit(code)


if __name__ == "__main__":
    main()
