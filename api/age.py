"""Ages as kubectl prints them (`45s`, `3m12s`, `5h`, `2d`), from a timestamp and an injectable "now".

The rules are apimachinery's duration.HumanDuration, so columns read the same as kubectl's.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from api import meta


def human_duration(d: timedelta) -> str:
    seconds = int(d.total_seconds())
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 120:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        s = seconds % 60
        return f"{minutes}m" if s == 0 else f"{minutes}m{s}s"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        years, days = hours // 24 // 365, (hours // 24) % 365
        return f"{years}y" if days == 0 else f"{years}y{days}d"
    return f"{hours // 24 // 365}y"


def age(timestamp: str, now: datetime) -> str:
    """The age of an RFC 3339 timestamp at `now`; `<unknown>` when there is none."""
    moment = meta.parse_time(timestamp) if timestamp else None
    if moment is None:
        return "<unknown>"
    return human_duration(now - moment)
