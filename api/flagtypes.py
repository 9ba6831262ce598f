"""Argument types shared by the programs' command lines, so a bad flag reads the same everywhere."""
from __future__ import annotations

import argparse


def positive_seconds(text: str) -> float:
    """A duration in seconds, more than zero ("2", "0.5")."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, not {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds, not {text}")
    return value
