"""Evaluation periods (考核周期): a day, a week (Monday first), a month or any run of days, in
local days of the city's time zone (the server passes the active city's; ``ZONE``,
Asia/Shanghai, is the default), so that per-day rollups add up to a period exactly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Period:
    """Local days ``start`` ≤ day < ``end`` (in the zone ``bounds`` is given): a day, week,
    month or custom."""

    start: date
    end: date
    label: str = "custom"

    def __post_init__(self):
        if self.end <= self.start:
            raise ValueError("a period must end after it starts")

    @classmethod
    def day(cls, d: date) -> "Period":
        return cls(d, d + timedelta(days=1), "day")

    @classmethod
    def week(cls, d: date) -> "Period":
        monday = d - timedelta(days=d.weekday())
        return cls(monday, monday + timedelta(days=7), "week")

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        nxt = date(year + month // 12, month % 12 + 1, 1)
        return cls(date(year, month, 1), nxt, "month")

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def bounds(self, zone=ZONE) -> tuple[datetime, datetime]:
        return (datetime.combine(self.start, time(), zone),
                datetime.combine(self.end, time(), zone))

    def previous(self) -> "Period":
        if self.label == "month":
            d = self.start - timedelta(days=1)
            return Period.month(d.year, d.month)
        return Period(self.start - timedelta(days=self.days), self.start, self.label)

    def __str__(self) -> str:
        if self.label == "month":
            return f"{self.start:%Y-%m}"
        if self.label == "day":
            return f"{self.start}"
        return f"{self.start}..{self.end - timedelta(days=1)}"
