"""The fault suite in its smoke size: after each fault (an API server, the scheduler, the controller
manager, an agent, an etcd member or etcd's leader killed; etcd quorum lost; a host partitioned) nothing acknowledged is
lost, no pod is surplus, no container restarts, and the watch misses no event of etcd's history; a
killed leader restarted at once leads again without waiting out its lease.

Needs root and dockerd; runs a 3-host lab with 3 etcd members and 2 API servers (tests/perf/faults.py).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

from deploy.lab.down import leftovers
from deploy.lab.state import locked
from tests.fixtures.lab import LOCK, lab_marks

LEASE_DURATION_S = 15.0  # the components' default: a restarted leader taking this long waited the lease out
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

pytestmark = lab_marks()


def test_every_fault_loses_no_write_no_event_and_restarts_no_container(tmp_path):
    with locked(LOCK, timeout=600, what="another test run's lab"):
        assert not leftovers(), "a lab is already up on this machine; run `python -m deploy.lab down`"
        done = subprocess.run([sys.executable, "-m", "tests.perf.faults", "--smoke", "--timeout", "90"],
                              cwd=ROOT, capture_output=True, text=True, timeout=1200,
                              env=dict(os.environ, HOME=str(tmp_path)))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(result["faults"]) == 8
    for fault, figures in result["faults"].items():
        zeros = {k: figures[k] for k in ("lost_writes", "surplus_pods", "container_restarts", "missed_events")}
        assert zeros == dict.fromkeys(zeros, 0), f"{fault}: {figures}"
        assert figures["whole_s"] is not None, f"{fault}: the workload was not whole again: {figures}"
    for fault in ("scheduler_kill", "controller_manager_kill"):
        leader_s = result["faults"][fault]["leader_s"]
        assert leader_s is not None and leader_s < LEASE_DURATION_S, f"{fault}: {result['faults'][fault]}"
