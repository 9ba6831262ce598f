"""Running the machine's own tools (ip, nft, docker) for the lab, with failures as one readable error.

The lab is set-up tooling, so it may call `ip`; the agent's product network code uses pyroute2.
"""
from __future__ import annotations

import subprocess


class LabError(RuntimeError):
    """An expected failure of a lab step; printed as one line, without a traceback."""


def run(argv: list[str], check: bool = True, input: str | None = None, timeout: float = 60) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, input=input, timeout=timeout)
    except FileNotFoundError:
        raise LabError(f"`{argv[0]}` is not installed (run `make setup`)") from None
    except subprocess.TimeoutExpired:
        raise LabError(f"`{' '.join(argv)}` did not finish within {timeout:g}s") from None
    if check and done.returncode != 0:
        raise LabError(f"`{' '.join(argv)}` failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


def ok(argv: list[str], input: str | None = None) -> bool:
    """Run, and say whether it succeeded (for probes and for best-effort clean-up)."""
    try:
        run(argv, input=input)
        return True
    except LabError:
        return False
