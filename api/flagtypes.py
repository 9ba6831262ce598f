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


_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def duration(text: str) -> float:
    """A duration as Kubernetes flags spell it ("5m", "1m30s", "500ms") or plain seconds ("90"); 0 allowed."""
    try:
        value = float(text)
    except ValueError:
        pass
    else:
        if value < 0:
            raise argparse.ArgumentTypeError(f"must be 0 or more seconds, not {text}")
        return value
    parts = re.findall(r"(\d+(?:\.\d+)?)(h|ms|m|s)", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise argparse.ArgumentTypeError(f'must be a duration such as "5m", "90s" or "1m30s", not {text!r}')
    return sum(float(n) * _UNITS[u] for n, u in parts)
