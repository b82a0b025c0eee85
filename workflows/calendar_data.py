"""Holiday data for the working calendar, by the city's country, plus the city's overrides.

  * China (``country="CN"``, the default): the official schedule from ``chinesecalendar`` (a
    maintained package that follows the State Council's yearly notice), holidays and make-up
    workdays (调休). It covers the years the State Council has published; for a later year the
    weekday rule applies and ``CalendarData.source`` says which years are covered, and a city
    adds the new year's dates as overrides (the admin) until the package is updated.
  * Any other country: the public holidays of the ``holidays`` package (maintained, released
    monthly; with ``subdivision`` a state's or province's own), for ``HOLIDAY_YEARS``. Make-up
    workdays are the city's overrides. A country the package does not know raises ValueError.

The weekend is Saturday and Sunday everywhere (``WorkingCalendar.is_workday``); a city whose
weekend differs lists its days as overrides.
"""

from __future__ import annotations

from datetime import date
from typing import Iterable

from workflows.calendar import CalendarData

HOLIDAY_YEARS = range(2020, 2041)
"""Years of public holidays computed for a country other than China (the package computes any
year; these cover every deadline a case now open can have)."""


def official_schedule() -> tuple[frozenset[date], frozenset[date], frozenset[int]]:
    """(holidays, make-up workdays, years covered) from chinesecalendar."""
    from chinese_calendar import constants

    holidays = frozenset(constants.holidays)
    workdays = frozenset(constants.workdays)
    years = frozenset(d.year for d in holidays | workdays)
    return holidays, workdays, years


def country_schedule(country: str,
                     subdivision: str = "") -> tuple[frozenset[date], frozenset[int], str]:
    """(public holidays, years covered, source label) of a country other than China from the
    ``holidays`` package; raises ValueError naming an unknown country or subdivision."""
    import holidays as holidays_package

    try:
        days = holidays_package.country_holidays(country.upper(), subdiv=subdivision or None,
                                                 years=HOLIDAY_YEARS)
    except NotImplementedError:
        raise ValueError(f"no public holidays known for country {country!r} "
                         f"(holidays {holidays_package.__version__})") from None
    where = country.upper() + (f"-{subdivision}" if subdivision else "")
    label = f"holidays {holidays_package.__version__} {where}"
    return frozenset(days.keys()), frozenset(HOLIDAY_YEARS), label


def build(overrides: Iterable[tuple[date, bool]] = (), zone: str = "Asia/Shanghai",
          country: str = "CN", subdivision: str = "") -> CalendarData:
    """The country's schedule with ``overrides`` applied: (date, is_workday) pairs, last wins.
    ``zone`` is the city's IANA time zone: working hours are its local hours."""
    if country.upper() != "CN":
        days, years, label = country_schedule(country, subdivision)
        holidays, workdays = set(days), set()
    else:
        holidays, workdays, years = official_schedule()
        holidays, workdays = set(holidays), set(workdays)
        label = ""
    n = 0
    for day, is_workday in overrides:
        n += 1
        (workdays if is_workday else holidays).add(day)
        (holidays if is_workday else workdays).discard(day)
    if not label:
        import chinese_calendar

        label = f"chinesecalendar {chinese_calendar.__version__}"
    source = f"{label} ({min(years)}-{max(years)})" + (f" + {n} city overrides" if n else "")
    return CalendarData(holidays=frozenset(holidays), workdays=frozenset(workdays), zone=zone,
                        source=source, covered_years=years)
