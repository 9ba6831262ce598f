"""Argument types shared by the programs' command lines, so a bad flag reads the same everywhere."""
from __future__ import annotations

import argparse
import re


def positive_seconds(text: str) -> float:
    """A duration in seconds, more than zero ("2", "0.5")."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, not {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds, not {text}")
    return value


_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")


def duration(text: str) -> float:
    """Seconds from a Go duration as kubectl takes them ("5s", "2m", "1h30m", "500ms"), or a bare
    number of seconds ("30"); zero or more."""
    text = text.strip()
    try:
        value = float(text)
    except ValueError:
        parts = _DURATION.findall(text)
        if not parts or "".join(n + u for n, u in parts) != text:
            raise argparse.ArgumentTypeError(
                f'invalid duration "{text}": use a number and a unit, e.g. 30s, 5m, 1h') from None
        value = sum(float(n) * _UNITS[u] for n, u in parts)
    if value < 0:
        raise argparse.ArgumentTypeError(f'invalid duration "{text}": must not be negative')
    return value


def duration_text(seconds: float) -> str:
    """`30s`, `2m0s`, `1h0m0s`: a duration printed as Go prints it, for kubectl-worded messages."""
    if seconds < 60:
        return f"{seconds:g}s"
    whole = int(seconds)
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    return (f"{h}h" if h else "") + f"{m}m{s + (seconds - whole):g}s"
