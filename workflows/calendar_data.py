"""Holiday data for the working calendar: the official schedule from ``chinesecalendar`` (a
maintained package that follows the State Council's yearly notice), plus the city's overrides.

The package covers the years the State Council has published. For a later year we fall back to
the weekday rule and say so in ``CalendarData.source``; a city adds the new year's dates as
overrides (the admin) until the package is updated.
"""

from __future__ import annotations

from datetime import date
from typing import Iterable

from workflows.calendar import CalendarData


def official_schedule() -> tuple[frozenset[date], frozenset[date], frozenset[int]]:
    """(holidays, make-up workdays, years covered) from chinesecalendar."""
    from chinese_calendar import constants

    holidays = frozenset(constants.holidays)
    workdays = frozenset(constants.workdays)
    years = frozenset(d.year for d in holidays | workdays)
    return holidays, workdays, years


def build(overrides: Iterable[tuple[date, bool]] = (), zone: str = "Asia/Shanghai") -> CalendarData:
    """The official schedule with ``overrides`` applied: (date, is_workday) pairs, last wins."""
    holidays, workdays, years = official_schedule()
    holidays, workdays = set(holidays), set(workdays)
    n = 0
    for day, is_workday in overrides:
        n += 1
        (workdays if is_workday else holidays).add(day)
        (holidays if is_workday else workdays).discard(day)
    import chinese_calendar

    source = (f"chinesecalendar {chinese_calendar.__version__} ({min(years)}-{max(years)})"
              + (f" + {n} city overrides" if n else ""))
    return CalendarData(holidays=frozenset(holidays), workdays=frozenset(workdays), zone=zone,
                        source=source, covered_years=years)
