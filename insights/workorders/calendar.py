"""Business time: working days and hours in one timezone, with holidays and make-up workdays (调休).

Hand-written rather than pandas' `CustomBusinessHour`, which has a fixed weekmask and so cannot say that a Saturday
is worked in place of a holiday, as Chinese calendars do every year. All arithmetic is in UTC between the local
opening and closing instants of each day, so a day that changes its clocks (DST) has its true length.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.errors import ConfigError
from core.settings import WorkOrderSettings
from core.tables import as_utc

MAX_DAYS = 3660  # a deadline this far out means the calendar has (almost) no working days


@dataclass(frozen=True)
class BusinessCalendar:
    timezone: str = "Asia/Shanghai"
    day_start: time = time(9, 0)
    day_end: time = time(18, 0)
    workdays: frozenset[int] = frozenset(range(5))
    holidays: frozenset[date] = field(default_factory=frozenset)
    extra_workdays: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def from_settings(cls, config: WorkOrderSettings) -> BusinessCalendar:
        return cls(
            timezone=config.timezone,
            day_start=config.day_start,
            day_end=config.day_end,
            workdays=frozenset(config.workdays),
            holidays=frozenset(config.holidays),
            extra_workdays=frozenset(config.extra_workdays),
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_workday(self, day: date) -> bool:
        return day in self.extra_workdays or (day.weekday() in self.workdays and day not in self.holidays)

    def hours_of(self, day: date) -> tuple[datetime, datetime] | None:
        """The opening and closing instants (UTC) of `day`, or None on a day off."""
        if not self.is_workday(day):
            return None
        zone = self.zone
        return (
            datetime.combine(day, self.day_start, tzinfo=zone).astimezone(UTC),
            datetime.combine(day, self.day_end, tzinfo=zone).astimezone(UTC),
        )

    def _days(self, start: datetime) -> Iterable[tuple[datetime, datetime]]:
        day = as_utc(start).astimezone(self.zone).date()
        for _ in range(MAX_DAYS):
            hours = self.hours_of(day)
            if hours is not None:
                yield hours
            day += timedelta(days=1)
        raise ConfigError(f"the business calendar has no working hours within {MAX_DAYS} days of {start:%Y-%m-%d}")

    def add(self, start: datetime, hours: float) -> datetime:
        """The instant `hours` of business time after `start` (UTC). Zero hours from outside business hours is the
        next opening."""
        cursor = as_utc(start).astimezone(UTC)
        left = timedelta(hours=hours)
        for opens, closes in self._days(cursor):
            if closes <= cursor:
                continue
            cursor = max(cursor, opens)
            if cursor + left <= closes:
                return cursor + left
            left -= closes - cursor
        raise AssertionError("unreachable")  # _days raises first

    def between(self, start: datetime, end: datetime) -> float:
        """Business hours from `start` to `end` (0 when `end` is not after `start`)."""
        start, end = as_utc(start).astimezone(UTC), as_utc(end).astimezone(UTC)
        total = timedelta()
        for opens, closes in self._days(start):
            if opens >= end:
                break
            lo, hi = max(opens, start), min(closes, end)
            if hi > lo:
                total += hi - lo
        return total.total_seconds() / 3600
