"""AGE reads as kubectl's: seconds up to two minutes, then minutes, hours, days, years."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from api.age import age, human_duration


@pytest.mark.parametrize("seconds, text", [
    (0, "0s"), (-1, "0s"), (-5, "<invalid>"), (45, "45s"), (119, "119s"), (120, "2m"), (192, "3m12s"),
    (600, "10m"), (3 * 3600 - 1, "179m"), (3 * 3600, "3h"), (5 * 3600 + 60, "5h1m"), (8 * 3600, "8h"),
    (47 * 3600, "47h"), (2 * 86400, "2d"), (2 * 86400 + 3600, "2d1h"), (30 * 86400, "30d"),
    (800 * 86400, "2y70d"), (9 * 365 * 86400, "9y"),
])
def test_human_duration_matches_kubectl(seconds, text):
    assert human_duration(timedelta(seconds=seconds)) == text


def test_age_of_a_timestamp_at_an_injected_now():
    now = datetime(2026, 1, 2, 0, 0, 0, tzinfo=timezone.utc)
    assert age("2026-01-01T23:59:15Z", now) == "45s"
    assert age("", now) == "<unknown>"
