"""wrk, Debian's HTTP load generator, driven from a benchmark: a fixed number of concurrent connections
for a fixed time, kept alive or new per request, run inside a network namespace; results as a dict."""
from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess

REPORT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "wrk_report.lua")
ERRORS = ("connect", "read", "write", "status", "timeout")


def available() -> bool:
    return shutil.which("wrk") is not None


def command(url: str, mode: str, seconds: int, connections: int) -> list[str]:
    # One thread: wrk's event loop keeps many connections busy from one core, and the rest of this small
    # machine is left to the servers being measured.
    cmd = ["wrk", "--threads", "1", "--connections", str(connections), "--duration", f"{seconds}s",
           "--timeout", "5s", "--script", REPORT]
    if mode == "new":
        # A new connection per request: the server answers `Connection: close` and closes; wrk reconnects.
        cmd += ["--header", "Connection: close"]
    return [*cmd, url]


def parse(stdout: str) -> dict:
    """The JSON line of wrk_report.lua: requests that succeeded, seconds, errors, latency percentiles."""
    report = json.loads(stdout.strip().splitlines()[-1])
    errors = {k: report[k] for k in ERRORS if report[k]}
    return {"requests": report["requests"] - report["status"],  # a non-2xx/3xx answer is no success
            "seconds": report["duration_us"] / 1e6, "errors": errors,
            **{f"p{q}_ms": report[f"p{q}_us"] / 1000 for q in (50, 90, 99)}}


def run(netns: str | None, url: str, mode: str, seconds: int, connections: int) -> dict:
    """wrk inside network namespace `netns` (None: this one) against `url`."""
    inside = ["ip", "netns", "exec", netns] if netns else []
    before = _children_cpu()
    done = subprocess.run([*inside, *command(url, mode, seconds, connections)], capture_output=True, text=True,
                          timeout=seconds + 30)
    if done.returncode != 0:
        raise RuntimeError(f"wrk against {url} failed: {done.stderr.strip()[-500:]}")
    return {**parse(done.stdout), "cpu_s": _children_cpu() - before}  # `ip netns exec` becomes wrk


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def summary(runs: list[dict]) -> dict:
    """Requests/s over all runs; latency percentiles are each run's, averaged (wrk keeps no samples)."""
    requests, seconds = sum(r["requests"] for r in runs), sum(r["seconds"] for r in runs)
    errors: dict[str, int] = {}
    for r in runs:
        for k, n in r["errors"].items():
            errors[k] = errors.get(k, 0) + n
    out = {"rps": round(requests / seconds, 1), "requests": requests,
           "wrk_cpu_us_per_request": round(sum(r["cpu_s"] for r in runs) / max(requests, 1) * 1e6, 1)}
    out.update({f"p{q}_ms": round(sum(r[f"p{q}_ms"] for r in runs) / len(runs), 3) for q in (50, 90, 99)})
    if errors:
        out["errors"] = errors
    return out
