"""Every benchmark runs in a tiny smoke mode and ends with one JSON object (figures are not judged here)."""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

BENCHMARKS = {
    "api_vs_etcd": ("etcd_puts_per_s", "api_creates_per_s", "ratio", "api_create_p99_ms"),
    "scheduler_throughput": ("nodes", "pods", "pods_per_s", "p99_schedule_ms"),
    "controller_churn": ("pods_per_s",),
}


@pytest.mark.parametrize("name", sorted(BENCHMARKS))
def test_benchmark_smoke_run_prints_json(name):
    if importlib.util.find_spec(f"tests.perf.{name}") is None:
        pytest.skip(f"tests/perf/{name}.py is not written yet")
    done = subprocess.run([sys.executable, "-m", f"tests.perf.{name}", "--smoke"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    for key in BENCHMARKS[name]:
        assert key in result, f"{name}: {key} missing from {result}"
