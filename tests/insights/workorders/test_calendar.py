"""Business time against an independent count: a minute-by-minute walk over local wall-clock time, across
weekends, holidays, make-up workdays (调休) and a daylight-saving change."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.errors import ConfigError
from core.settings import WorkOrderSettings
from insights.workorders.calendar import BusinessCalendar

SHANGHAI = BusinessCalendar(
    timezone="Asia/Shanghai",
    holidays=frozenset({date(2026, 10, d) for d in range(1, 9)}),  # National Day week
    extra_workdays=frozenset({date(2026, 9, 27), date(2026, 10, 10)}),  # the Sundays/Saturdays worked for it
)
BERLIN = BusinessCalendar(
    timezone="Europe/Berlin", day_start=time(8, 30), day_end=time(17, 0), holidays=frozenset({date(2026, 10, 26)})
)  # a Monday, the day after the clocks change


def open_minute(cal: BusinessCalendar, at: datetime) -> bool:
    """Independent of the calendar's own arithmetic: is the minute starting at `at` (UTC) in business hours?"""
    local = at.astimezone(ZoneInfo(cal.timezone))
    day = local.date()
    working = day in cal.extra_workdays or (day.weekday() in cal.workdays and day not in cal.holidays)
    return working and cal.day_start <= local.time() < cal.day_end


def walk_add(cal: BusinessCalendar, start: datetime, minutes: int) -> datetime:
    at = start
    while minutes > 0 or not open_minute(cal, at):
        if open_minute(cal, at):
            minutes -= 1
            if minutes == 0:
                return at + timedelta(minutes=1)
        at += timedelta(minutes=1)
    return at


def walk_between(cal: BusinessCalendar, start: datetime, end: datetime) -> float:
    at, total = start, 0
    while at < end:
        total += open_minute(cal, at)
        at += timedelta(minutes=1)
    return total / 60


@pytest.mark.parametrize("cal", [SHANGHAI, BERLIN], ids=["shanghai", "berlin-dst"])
def test_adding_business_hours_matches_the_minute_walk(cal: BusinessCalendar) -> None:
    rng = random.Random(7)
    base = datetime(2026, 9, 24, tzinfo=UTC)  # spans the Chinese holiday week and the end of European summer time
    for _ in range(60):
        start = base + timedelta(minutes=rng.randrange(0, 40 * 24 * 60))
        minutes = rng.choice([1, 30, 60, 240, 480, 540, 1440, 2000, 4320])
        assert cal.add(start, minutes / 60) == walk_add(cal, start, minutes), (start, minutes)


@pytest.mark.parametrize("cal", [SHANGHAI, BERLIN], ids=["shanghai", "berlin-dst"])
def test_hours_between_matches_the_minute_walk(cal: BusinessCalendar) -> None:
    rng = random.Random(11)
    base = datetime(2026, 9, 24, tzinfo=UTC)
    for _ in range(25):
        start = base + timedelta(minutes=rng.randrange(0, 30 * 24 * 60))
        end = start + timedelta(minutes=rng.randrange(0, 9 * 24 * 60))
        assert cal.between(start, end) == pytest.approx(walk_between(cal, start, end)), (start, end)


def test_the_known_cases() -> None:
    friday_5pm = datetime(2026, 9, 25, 9, 0, tzinfo=UTC)  # 17:00 in Shanghai
    # an hour left on Friday, the make-up Sunday 27 Sep is worked: two hours land on Sunday 10:00
    assert SHANGHAI.add(friday_5pm, 2) == datetime(2026, 9, 27, 2, 0, tzinfo=UTC)
    # from the last working day before National Day to the first after it
    sept_30_6pm = datetime(2026, 9, 30, 10, 0, tzinfo=UTC)
    assert SHANGHAI.add(sept_30_6pm, 1) == datetime(2026, 10, 9, 2, 0, tzinfo=UTC)
    # zero hours from a closed moment is the next opening
    assert SHANGHAI.add(sept_30_6pm, 0) == datetime(2026, 10, 9, 1, 0, tzinfo=UTC)
    # Berlin: Friday 23 Oct 16:00 CEST + 2 h: one on Friday, one on Tuesday 27 (Monday is a holiday), now CET
    assert BERLIN.add(datetime(2026, 10, 23, 14, 0, tzinfo=UTC), 2) == datetime(2026, 10, 27, 8, 30, tzinfo=UTC)


def test_a_calendar_without_working_days_is_a_config_error() -> None:
    every_day = frozenset(date(2026, 1, 1) + timedelta(days=i) for i in range(4000))
    with pytest.raises(ConfigError, match="no working hours"):
        BusinessCalendar(holidays=every_day).add(datetime(2026, 1, 1, tzinfo=UTC), 1)


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="day_end"):
        WorkOrderSettings(day_start=time(18, 0), day_end=time(9, 0))
    with pytest.raises(ValueError, match="workdays"):
        WorkOrderSettings(workdays=[7])
    cal = BusinessCalendar.from_settings(WorkOrderSettings(holidays=[date(2027, 1, 1)], timezone="Asia/Shanghai"))
    assert not cal.is_workday(date(2027, 1, 1)) and cal.is_workday(date(2026, 12, 31))
