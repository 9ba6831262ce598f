"""A benchmark stopped by SIGTERM in the middle of its run stops and removes everything it started: no
process of its session is left (etcd, API server, controller manager, scheduler), no temporary file, and
it says so in one line, not a traceback."""
from __future__ import annotations

import os
import signal
import subprocess
import sys

from tests.fixtures.wait import eventually_sync

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def session(sid: int) -> list[str]:
    """The command lines of the processes in session `sid`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.getsid(int(entry)) != sid:
                continue
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                found.append(f.read().replace(b"\0", b" ").decode(errors="replace").strip())
        except (OSError, ProcessLookupError):
            continue  # gone meanwhile
    return [cmd for cmd in found if cmd]  # zombies have none


def test_sigterm_mid_run_leaves_no_process_and_no_temporary_file_and_no_traceback(tmp_path):
    # Its own session, so every process it starts can be found (and, if the test fails, killed); its own
    # TMPDIR, so every temporary file it makes can be seen.
    bench = subprocess.Popen([sys.executable, "-m", "tests.perf.controller_churn", "--smoke"], cwd=ROOT,
                             env=dict(os.environ, TMPDIR=str(tmp_path)), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        # The controller manager starts once the API server answers: the run is well under way.
        eventually_sync(lambda: any("controlplane.controllers.main" in cmd for cmd in session(bench.pid)),
                        timeout=90, what="the benchmark's controller manager running")
        assert any("etcd" in cmd for cmd in session(bench.pid))
        bench.send_signal(signal.SIGTERM)
        _, stderr = bench.communicate(timeout=90)
        assert bench.returncode != 0, "an interrupted benchmark does not claim success"
        assert "interrupted" in stderr and "Traceback" not in stderr, stderr[-2000:]
        eventually_sync(lambda: session(bench.pid) == [], timeout=30, what="every process of the benchmark gone")
        assert sorted(p.name for p in tmp_path.iterdir()) == [], stderr[-2000:]
    finally:
        if bench.poll() is None:
            bench.kill()
        try:
            os.killpg(bench.pid, signal.SIGKILL)  # whatever a failed run left behind
        except ProcessLookupError:
            pass
