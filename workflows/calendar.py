"""The working calendar (工作日历): when a time limit (时限) runs out.

One class, ``WorkingCalendar``, with ``add(start, amount, unit)`` and ``elapsed(start, end, unit)``.
Convention (the usual one of Chinese cities): work periods 08:00-12:00 and 14:00-18:00, so 1
working day = 8 working hours; weekends and statutory holidays are off, make-up workdays (调休)
are on. Holidays are data (``CalendarData``): ``workflows.calendar_data`` builds it from the
maintained ``chinesecalendar`` package plus the city's overrides. Urgent cases count natural
hours.

All datetimes must be timezone-aware; working time is reckoned in the calendar's zone
(Asia/Shanghai by default) and results come back in that zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

DEFAULT_PERIODS = ((time(8, 0), time(12, 0)), (time(14, 0), time(18, 0)))


class Unit(str, Enum):
    """Units of a time limit."""

    WORK_HOURS = "work_hours"  # 工作时
    WORK_DAYS = "work_days"  # 工作日 (8 working hours each)
    NATURAL_HOURS = "natural_hours"  # 自然时 (urgent cases run continuously)
    NATURAL_MINUTES = "natural_minutes"

    def __str__(self) -> str:
        return self.value

    @property
    def is_working_time(self) -> bool:
        return self in (Unit.WORK_HOURS, Unit.WORK_DAYS)


@dataclass(frozen=True)
class CalendarData:
    """Which dates are off and on. ``holidays`` are days off that would be workdays by the
    weekday rule; ``workdays`` are weekend days worked (调休). Overrides win over both."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    periods: tuple[tuple[time, time], ...] = DEFAULT_PERIODS
    zone: str = "Asia/Shanghai"
    source: str = ""
    covered_years: frozenset[int] = field(default_factory=frozenset)


class WorkingCalendar:
    def __init__(self, data: CalendarData | None = None):
        self.data = data or CalendarData()
        self.zone = ZoneInfo(self.data.zone)
        periods = self.data.periods
        if not periods or any(a >= b for a, b in periods) or any(
                periods[i][1] > periods[i + 1][0] for i in range(len(periods) - 1)):
            raise ValueError("work periods must be non-empty, ordered and not overlapping")
        self._periods = periods
        self.seconds_per_day = sum(
            (datetime.combine(date.min, b) - datetime.combine(date.min, a)).total_seconds()
            for a, b in periods)

    def is_workday(self, d: date) -> bool:
        if d in self.data.workdays:
            return True
        if d in self.data.holidays:
            return False
        return d.weekday() < 5

    def _local(self, dt: datetime) -> datetime:
        if dt.tzinfo is None:
            raise ValueError("the working calendar needs timezone-aware datetimes")
        return dt.astimezone(self.zone)

    def _day_periods(self, d: date):
        for a, b in self._periods:
            yield (datetime.combine(d, a, tzinfo=self.zone),
                   datetime.combine(d, b, tzinfo=self.zone))

    def _seconds(self, amount: float, unit: Unit) -> float:
        hours = {Unit.WORK_HOURS: 1, Unit.WORK_DAYS: self.seconds_per_day / 3600,
                 Unit.NATURAL_HOURS: 1, Unit.NATURAL_MINUTES: 1 / 60}[unit]
        return amount * hours * 3600

    def add(self, start: datetime, amount: float, unit: Unit | str) -> datetime:
        """The moment ``amount`` of ``unit`` after ``start``. Working time that starts outside
        a work period starts counting at the next one; a limit that runs out exactly at the end
        of a period ends there (not at the next period's start)."""
        unit = Unit(unit)
        if amount < 0:
            raise ValueError("a time limit cannot be negative")
        start = self._local(start)
        remaining = self._seconds(amount, unit)
        if not unit.is_working_time:
            return start + timedelta(seconds=remaining)
        day = start.date()
        for _ in range(3660):  # ten years of days: a limit never runs that long
            if self.is_workday(day):
                for a, b in self._day_periods(day):
                    if b <= start:
                        continue
                    begin = max(a, start)
                    available = (b - begin).total_seconds()
                    if remaining <= available:
                        return begin + timedelta(seconds=remaining)
                    remaining -= available
            day += timedelta(days=1)
        raise ValueError("time limit too long for the working calendar")

    def elapsed(self, start: datetime, end: datetime, unit: Unit | str = Unit.WORK_HOURS) -> float:
        """How much of ``unit`` lies between ``start`` and ``end`` (0 if end <= start)."""
        unit = Unit(unit)
        start, end = self._local(start), self._local(end)
        if end <= start:
            return 0.0
        if not unit.is_working_time:
            seconds = (end - start).total_seconds()
        else:
            seconds = 0.0
            day = start.date()
            while day <= end.date():
                if self.is_workday(day):
                    for a, b in self._day_periods(day):
                        lo, hi = max(a, start), min(b, end)
                        if hi > lo:
                            seconds += (hi - lo).total_seconds()
                day += timedelta(days=1)
        return seconds / self._seconds(1, unit)
