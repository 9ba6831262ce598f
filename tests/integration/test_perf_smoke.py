"""Every benchmark runs in a tiny smoke mode and ends with one JSON object (figures are not judged here)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

BENCHMARKS = {
    "api_vs_etcd": ("etcd_puts_per_s", "api_creates_per_s", "ratio", "api_create_p99_ms", "ratio_two_apiservers",
                    "scaling_two_vs_one", "ratio_tls_authz_vs_plaintext"),
    "authz_decision": ("p50_us", "p99_us", "scan_p99_us", "ratio"),
    "scheduler_throughput": ("nodes", "pods", "pods_per_s", "p99_schedule_ms"),
    "controller_churn": ("pods_per_s",),
    "pod_startup": ("raw_single", "api_single", "ratio_single_p99", "ratio_sidecar_vs_plain_p99"),
    "hollow_scale": ("nodes", "pods", "all_running_s", "create_latency", "rss_mb"),
    "service_proxy": ("data_path", "programming"),
    "replicaset_vs_swarm": ("skiff_s", "swarm_s", "docker_run_s", "skiff_vs_swarm", "lab_up_s"),
    "dns": ("qps", "p99_ms"),
    "cli_latency": ("get_pods", "version_client", "apply_one"),
    "config_propagation": ("p50_s", "p99_s", "watch_event_p99_s", "encryption_ratio"),
    "metrics": ("sampling", "top", "api_metrics_on_vs_off"),
    "autoscaling": ("first_scale_up_s", "steady_s", "overshoot", "scale_down_s", "replica_seconds_vs_ideal", "png"),
    "rest_vs_grpc": ("creates", "list", "cli", "ratio"),
    "abuse": ("update_loop", "watches", "never_reading", "list_without_limit"),
    "patch_vs_update": ("update", "patch", "ratio"),
    "ingress": ("render_reload",),
}
# These run containers or network namespaces: root and dockerd.
NEEDS_ROOT = {"ingress", "pod_startup", "service_proxy", "replicaset_vs_swarm", "dns", "config_propagation", "metrics"}
# probe_load has its own smoke test with stronger checks: tests/integration/test_probe_perf_smoke.py


# Benchmarks that draw their curve: the picture goes to the test's directory, and must be there.
PICTURES = {"autoscaling"}


@pytest.mark.parametrize("name", sorted(BENCHMARKS))
def test_benchmark_smoke_run_prints_json(name, tmp_path):
    if name in NEEDS_ROOT and os.geteuid() != 0:
        pytest.skip("needs root (containers and network namespaces)")
    picture = tmp_path / f"{name}.png"
    extra = ["--png", str(picture)] if name in PICTURES else []
    done = subprocess.run([sys.executable, "-m", f"tests.perf.{name}", "--smoke", *extra], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    for key in BENCHMARKS[name]:
        assert key in result, f"{name}: {key} missing from {result}"
    if name in PICTURES:
        assert picture.stat().st_size > 0, f"{name} drew no picture at {picture}"
