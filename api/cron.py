"""Cron schedules as Kubernetes reads them (robfig/cron v3's ParseStandard): five fields with names,
ranges and steps, the @hourly/@daily/... macros and @every; `next_after` is robfig's Schedule.Next."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = timezone.utc
STAR = 1 << 63  # robfig's starBit: the field was `*` or `?` (day-of-month/day-of-week matching depends on it)


class CronError(ValueError):
    """A schedule robfig/cron would refuse; the text is robfig's own message."""


@dataclass(frozen=True)
class _Bounds:
    low: int
    high: int
    names: dict[str, int] | None = None


_MINUTES = _Bounds(0, 59)
_HOURS = _Bounds(0, 23)
_DOM = _Bounds(1, 31)
_MONTHS = _Bounds(1, 12, {m: i + 1 for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))})
_DOW = _Bounds(0, 6, {d: i for i, d in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))})

MACROS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
          "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"}


@dataclass(frozen=True)
class Schedule:
    """Bit sets per field (robfig's SpecSchedule), or a constant delay (@every), in a time zone."""

    minute: int = 0
    hour: int = 0
    dom: int = 0
    month: int = 0
    dow: int = 0
    every: timedelta | None = None
    zone: object = UTC

    def next_after(self, t: datetime) -> datetime | None:
        return next_after(self, t)


def parse(spec: str) -> Schedule:
    """robfig's ParseStandard: a `TZ=`/`CRON_TZ=` prefix, a macro or @every, or five fields."""
    if not spec:
        raise CronError("empty spec string")
    zone: object = UTC
    if spec.startswith(("TZ=", "CRON_TZ=")):
        first, _, spec = spec.partition(" ")
        name = first.partition("=")[2]
        zone = load_zone(name, f"provided bad location {name}")
        spec = spec.strip()
    if spec.startswith("@"):
        return _descriptor(spec, zone)
    fields = spec.split()
    if len(fields) != 5:
        raise CronError(f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]")
    bits = [_field(text, bounds) for text, bounds in zip(fields, (_MINUTES, _HOURS, _DOM, _MONTHS, _DOW))]
    return Schedule(*bits, zone=zone)


def load_zone(name: str, context: str = "") -> object:
    """A zone by its IANA name ("" and "UTC" are UTC, as Go's time.LoadLocation)."""
    if name in ("", "UTC"):
        return UTC
    if name == "Local":
        return datetime.now().astimezone().tzinfo
    try:
        if name.startswith("/") or ".." in name.split("/"):
            raise ValueError
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise CronError(f"{context}: unknown time zone {name}" if context else f"unknown time zone {name}") from None


def _descriptor(spec: str, zone: object) -> Schedule:
    if spec in MACROS:
        return replace(parse(MACROS[spec]), zone=zone)
    if spec.startswith("@every "):
        text = spec[len("@every "):]
        delay = parse_duration(text)
        if delay is None:
            raise CronError(f"failed to parse duration {spec}: time: invalid duration \"{text}\"")
        return Schedule(every=max(delay, timedelta(seconds=1)), zone=zone)
    raise CronError(f"unrecognized descriptor: {spec}")


_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}


def parse_duration(text: str) -> timedelta | None:
    """Go's time.ParseDuration for the positive durations @every takes ("1h30m", "90s")."""
    if not text or _DURATION_PART.sub("", text):
        return None if text != "0" else timedelta(0)
    return timedelta(seconds=sum(float(n) * _UNITS[u] for n, u in _DURATION_PART.findall(text)))


def _field(text: str, bounds: _Bounds) -> int:
    bits = 0
    for expr in text.split(","):
        bits |= _range(expr, bounds)
    return bits


def _range(expr: str, b: _Bounds) -> int:
    range_and_step = expr.split("/")
    low_high = range_and_step[0].split("-")
    extra = 0
    if low_high[0] in ("*", "?"):
        start, end, extra = b.low, b.high, STAR
    else:
        start = _int_or_name(low_high[0], b.names)
        if len(low_high) == 1:
            end = start
        elif len(low_high) == 2:
            end = _int_or_name(low_high[1], b.names)
        else:
            raise CronError(f"too many hyphens: {expr}")
    if len(range_and_step) == 1:
        step = 1
    elif len(range_and_step) == 2:
        step = _int(range_and_step[1])
        if len(low_high) == 1:  # "N/step" means "N-max/step"
            end = b.high
        if step > 1:
            extra = 0
    else:
        raise CronError(f"too many slashes: {expr}")
    if start < b.low:
        raise CronError(f"beginning of range ({start}) below minimum ({b.low}): {expr}")
    if end > b.high:
        raise CronError(f"end of range ({end}) above maximum ({b.high}): {expr}")
    if start > end:
        raise CronError(f"beginning of range ({start}) beyond end of range ({end}): {expr}")
    if step == 0:
        raise CronError(f"step of range should be a positive number: {expr}")
    return sum(1 << i for i in range(start, end + 1, step)) | extra


def _int_or_name(text: str, names: dict[str, int] | None) -> int:
    if names is not None and text.lower() in names:
        return names[text.lower()]
    return _int(text)


def _int(text: str) -> int:
    if not re.fullmatch(r"[+-]?\d+", text):
        raise CronError(f'failed to parse int from {text}: strconv.Atoi: parsing "{text}": invalid syntax')
    number = int(text)
    if number < 0:
        raise CronError(f"negative number ({number}) not allowed: {text}")
    return number


# ---------------------------------------------------------------- next time (robfig's Schedule.Next)

def _add(t: datetime, delta: timedelta) -> datetime:
    """Absolute-time addition (Go's Time.Add), also across a daylight-saving change."""
    return (t.astimezone(UTC) + delta).astimezone(t.tzinfo)


def _month_start(zone, year: int, month: int) -> datetime:
    """Go's time.Date(year, month, 1, 0, 0, ...): months past 12 roll into the next year."""
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return datetime(year, month, 1, tzinfo=zone)


def _day_matches(s: Schedule, t: datetime) -> bool:
    dom = (1 << t.day) & s.dom > 0
    dow = (1 << ((t.weekday() + 1) % 7)) & s.dow > 0
    if s.dom & STAR or s.dow & STAR:
        return dom and dow
    return dom or dow


def next_after(s: Schedule, t: datetime) -> datetime | None:
    """The first activation strictly after `t` (within five years, else None), in `t`'s zone."""
    origin = t.tzinfo or UTC
    if s.every is not None:
        return t.replace(microsecond=0) + s.every
    t = t.astimezone(s.zone).replace(microsecond=0) + timedelta(seconds=1)
    added = False
    year_limit = t.year + 5
    while True:  # robfig's WRAP label
        if t.year > year_limit:
            return None
        wrapped = False
        while not (1 << t.month) & s.month:
            if not added:
                added = True
                t = datetime(t.year, t.month, 1, tzinfo=s.zone)
            t = _month_start(s.zone, t.year, t.month + 1)
            if t.month == 1:
                wrapped = True
                break
        if wrapped:
            continue
        while not _day_matches(s, t):
            if not added:
                added = True
                t = datetime(t.year, t.month, t.day, tzinfo=s.zone)
            t = datetime.combine((t + timedelta(days=1)).date(), datetime.min.time(), tzinfo=s.zone)
            if t.day == 1:
                wrapped = True
                break
        if wrapped:
            continue
        while not (1 << t.hour) & s.hour:
            if not added:
                added = True
                t = t.replace(minute=0, second=0)
            t = _add(t, timedelta(hours=1))
            if t.hour == 0:
                wrapped = True
                break
        if wrapped:
            continue
        while not (1 << t.minute) & s.minute:
            if not added:
                added = True
                t = t.replace(second=0)
            t = _add(t, timedelta(minutes=1))
            if t.minute == 0:
                wrapped = True
                break
        if wrapped:
            continue
        if t.second != 0:  # the standard parser's seconds field is 0 only: on to the next minute
            added = True
            t = _add(t.replace(second=0), timedelta(minutes=1))
            continue
        return t.astimezone(origin)
