"""The probe benchmark runs in its smoke mode and ends with one JSON object carrying its figures."""
from __future__ import annotations

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_probe_load_smoke_run_prints_json():
    done = subprocess.run([sys.executable, "-m", "tests.perf.probe_load", "--smoke"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["ready_after_warmup"] == result["containers"] == 50
    assert result["probe_runs_per_s"] > 0 and result["cpu_us_per_probe"] > 0
    assert result["flips_seen"] == result["agent_flips_seen"] == result["flips"]
