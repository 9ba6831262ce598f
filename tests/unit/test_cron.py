"""Cron schedules as Kubernetes reads them (robfig/cron v3 ParseStandard): parsing, robfig's messages,
and the next activation, with the day-of-month/day-of-week rule and time zones."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from api import cron

UTC = timezone.utc
T = datetime(2026, 11, 30, 22, 14, 30, tzinfo=UTC)  # a Monday


@pytest.mark.parametrize("spec, after, expected", [
    ("*/1 * * * *", T, datetime(2026, 11, 30, 22, 15, tzinfo=UTC)),
    ("* * * * *", datetime(2026, 11, 30, 22, 15, tzinfo=UTC), datetime(2026, 11, 30, 22, 16, tzinfo=UTC)),
    ("0 * * * *", T, datetime(2026, 11, 30, 23, 0, tzinfo=UTC)),
    ("@hourly", T, datetime(2026, 11, 30, 23, 0, tzinfo=UTC)),
    ("@daily", T, datetime(2026, 12, 1, tzinfo=UTC)),
    ("@midnight", T, datetime(2026, 12, 1, tzinfo=UTC)),
    ("@weekly", T, datetime(2026, 12, 6, tzinfo=UTC)),  # Sunday
    ("@monthly", T, datetime(2026, 12, 1, tzinfo=UTC)),
    ("@yearly", T, datetime(2027, 1, 1, tzinfo=UTC)),
    ("@annually", T, datetime(2027, 1, 1, tzinfo=UTC)),
    ("5/15 * * * *", T, datetime(2026, 11, 30, 22, 20, tzinfo=UTC)),  # N/step is N-59/step
    ("30 6-16/4 * * 1-5", T, datetime(2026, 12, 1, 6, 30, tzinfo=UTC)),
    ("0 9 * * MON-fri", T, datetime(2026, 12, 1, 9, 0, tzinfo=UTC)),
    ("0 0 1 JAN,jul *", T, datetime(2027, 1, 1, tzinfo=UTC)),
    ("0 0 29 2 *", T, datetime(2028, 2, 29, tzinfo=UTC)),  # the next leap year
    # both day fields restricted: either matches (Dec 1 is the 1st, though a Tuesday, not a Sunday)
    ("0 0 1 * 0", T, datetime(2026, 12, 1, tzinfo=UTC)),
    ("0 0 1-7 * 0", T, datetime(2026, 12, 1, tzinfo=UTC)),
    # one of them a star: both must match
    ("0 0 * * 0", T, datetime(2026, 12, 6, tzinfo=UTC)),
    # ... but a stepped star (*/2) is no star to robfig: either matches again (1 is odd)
    ("0 0 */2 * 0", T, datetime(2026, 12, 1, tzinfo=UTC)),
    ("0 0 ? * 0", T, datetime(2026, 12, 6, tzinfo=UTC)),
    ("@every 90s", T, datetime(2026, 11, 30, 22, 16, tzinfo=UTC)),
])
def test_next_activation_is_robfigs(spec, after, expected):
    assert cron.parse(spec).next_after(after) == expected


def test_a_time_zone_moves_the_wall_clock_and_daylight_saving():
    paris = cron.parse("0 9 * * *")
    from dataclasses import replace
    in_paris = replace(paris, zone=ZoneInfo("Europe/Paris"))
    assert in_paris.next_after(T) == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # CET, UTC+1
    summer = datetime(2026, 7, 1, tzinfo=UTC)
    assert in_paris.next_after(summer) == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)  # CEST, UTC+2
    # 02:30 does not exist on the spring-forward day in New York: robfig skips to the next day's
    ny = replace(cron.parse("30 2 * * *"), zone=ZoneInfo("America/New_York"))
    spring = datetime(2026, 3, 8, 5, 0, tzinfo=UTC)  # 00:00 EST
    got = ny.next_after(spring)
    assert got.astimezone(ZoneInfo("America/New_York")).hour in (2, 3)


def test_a_schedule_that_never_comes_has_no_next():
    assert cron.parse("0 0 31 2 *").next_after(T) is None


@pytest.mark.parametrize("spec, message", [
    ("", "empty spec string"),
    ("* * *", "expected exactly 5 fields, found 3: [* * *]"),
    ("* * * * * *", "expected exactly 5 fields, found 6: [* * * * * *]"),
    ("60 * * * *", "end of range (60) above maximum (59): 60"),
    ("* 24 * * *", "end of range (24) above maximum (23): 24"),
    ("* * 0 * *", "beginning of range (0) below minimum (1): 0"),
    ("* * * 13 *", "end of range (13) above maximum (12): 13"),
    ("* * * * 7", "end of range (7) above maximum (6): 7"),
    ("x * * * *", 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'),
    ("* * * foo *", 'failed to parse int from foo: strconv.Atoi: parsing "foo": invalid syntax'),
    ("1-2-3 * * * *", "too many hyphens: 1-2-3"),
    ("*/2/3 * * * *", "too many slashes: */2/3"),
    ("*/0 * * * *", "step of range should be a positive number: */0"),
    ("5-1 * * * *", "beginning of range (5) beyond end of range (1): 5-1"),
    ("@fortnightly", "unrecognized descriptor: @fortnightly"),
    ("TZ=Mars/Olympus * * * * *", "provided bad location Mars/Olympus: unknown time zone Mars/Olympus"),
])
def test_bad_schedules_give_robfigs_message(spec, message):
    with pytest.raises(cron.CronError) as e:
        cron.parse(spec)
    assert str(e.value) == message
