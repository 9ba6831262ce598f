"""The controller manager's settings, one field per command-line flag, with Kubernetes' defaults."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass
class Options:
    workers: int = 5  # concurrent syncs per controller that allows several
    cluster_cidr: str = "10.244.0.0/16"
    node_cidr_mask_size: int = 24
    node_monitor_period: float = 5.0
    node_monitor_grace_period: float = 40.0
    pod_eviction_timeout: float = 300.0
    node_eviction_rate: float = 0.1  # nodes/s tainted per zone (Kubernetes' --node-eviction-rate)
    secondary_node_eviction_rate: float = 0.01  # ... in a large zone in partial disruption
    unhealthy_zone_threshold: float = 0.55  # share of not-Ready nodes that puts a zone in partial disruption
    large_cluster_size_threshold: int = 50  # a smaller zone in partial disruption is not tainted at all
    terminated_pod_gc_threshold: int = 12500
    pod_gc_period: float = 20.0
    hpa_sync_period: float = 15.0  # --horizontal-pod-autoscaler-sync-period
    hpa_tolerance: float = 0.1
    hpa_downscale_stabilization: float = 300.0  # the scale-down window when a behavior does not set one
    hpa_cpu_initialization_period: float = 300.0
    hpa_initial_readiness_delay: float = 30.0
    load_balancer_pool: str = ""  # --load-balancer-pool: LoadBalancer addresses; empty leaves them <pending>
    resource_quota_sync_period: float = 300.0  # --resource-quota-sync-period: every quota recounted this often
    namespace_sync_period: float = 1.0  # how soon a namespace that still holds objects is looked at again
    job_backoff_base: float = 10.0  # seconds before a Job replaces its first failed pod, doubling per failure
    # The CA the CSR signer issues certificates with (--cluster-signing-cert-file/--cluster-signing-key-file):
    # empty leaves approved requests unsigned, as kube-controller-manager without them.
    cluster_signing_cert_file: str = ""
    cluster_signing_key_file: str = ""
    cluster_signing_duration: float = 365 * 24 * 3600.0  # the longest certificate the signer issues
    # The CronJob controller's clock (tests advance a fake one instead of waiting for minutes); None: real time.
    cronjob_clock: Callable[[], datetime] | None = None
