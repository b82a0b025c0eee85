"""The working calendar: periods, weekends, official holidays, make-up workdays, overrides."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from workflows.calendar import CalendarData, Unit, WorkingCalendar
from workflows.calendar_data import build

BJ = ZoneInfo("Asia/Shanghai")
CAL = WorkingCalendar(build())


def at(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=BJ)


@pytest.mark.parametrize("start, amount, unit, expected", [
    (at(2026, 11, 23, 9), 2, Unit.WORK_HOURS, at(2026, 11, 23, 11)),    # Monday morning
    (at(2026, 11, 23, 11), 2, Unit.WORK_HOURS, at(2026, 11, 23, 15)),   # across lunch
    (at(2026, 11, 23, 12, 30), 1, Unit.WORK_HOURS, at(2026, 11, 23, 15)),  # starts at 14:00
    (at(2026, 11, 23, 11), 1, Unit.WORK_HOURS, at(2026, 11, 23, 12)),   # ends at period end
    (at(2026, 11, 20, 17), 2, Unit.WORK_HOURS, at(2026, 11, 23, 9)),    # Friday → Monday
    (at(2026, 11, 21, 10), 1, Unit.WORK_HOURS, at(2026, 11, 23, 9)),    # Saturday start
    (at(2026, 11, 23, 9), 1, Unit.WORK_DAYS, at(2026, 11, 24, 9)),
    (at(2026, 11, 23, 20), 4, Unit.WORK_HOURS, at(2026, 11, 24, 12)),   # evening start
    (at(2026, 9, 30, 17), 2, Unit.WORK_HOURS, at(2026, 10, 8, 9)),      # National Day off
    (at(2026, 9, 18, 17), 2, Unit.WORK_HOURS, at(2026, 9, 20, 9)),      # Sunday 9/20 is 调休
    (at(2026, 11, 21, 10), 4, Unit.NATURAL_HOURS, at(2026, 11, 21, 14)),  # urgent: runs on
    (at(2026, 11, 23, 9), 30, Unit.NATURAL_MINUTES, at(2026, 11, 23, 9, 30)),
    (at(2026, 11, 23, 9), 0, Unit.WORK_HOURS, at(2026, 11, 23, 9)),
])
def test_add(start, amount, unit, expected):
    assert CAL.add(start, amount, unit) == expected


def test_utc_input_is_reckoned_in_beijing_time():
    start = datetime(2026, 11, 23, 1, 0, tzinfo=ZoneInfo("UTC"))  # 09:00 in Beijing
    assert CAL.add(start, 1, Unit.WORK_HOURS) == at(2026, 11, 23, 10)


def test_elapsed_inverts_add():
    start = at(2026, 9, 28, 10, 17)
    for hours in (0.5, 3, 7.25, 19, 40):
        end = CAL.add(start, hours, Unit.WORK_HOURS)
        assert CAL.elapsed(start, end, Unit.WORK_HOURS) == pytest.approx(hours)
    assert CAL.elapsed(at(2026, 11, 23, 9), at(2026, 11, 24, 9), Unit.WORK_DAYS) == 1
    assert CAL.elapsed(at(2026, 11, 24), at(2026, 11, 23)) == 0


def test_city_override_beats_the_official_schedule():
    cal = WorkingCalendar(build([(date(2026, 11, 23), False), (date(2026, 11, 22), True)]))
    assert not cal.is_workday(date(2026, 11, 23)) and cal.is_workday(date(2026, 11, 22))
    assert cal.add(at(2026, 11, 20, 17), 2, Unit.WORK_HOURS) == at(2026, 11, 22, 9)


def test_weekday_rule_without_data():
    cal = WorkingCalendar(CalendarData())
    assert cal.is_workday(date(2026, 10, 1))  # a holiday, but no data says so
    assert not cal.is_workday(date(2026, 11, 22))


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.add(datetime(2026, 11, 23, 9), 1, Unit.WORK_HOURS)
    with pytest.raises(ValueError, match="negative"):
        CAL.add(at(2026, 11, 23, 9), -1, Unit.WORK_HOURS)
    with pytest.raises(ValueError):
        CAL.add(at(2026, 11, 23, 9), 1, "fortnights")
    with pytest.raises(ValueError, match="periods"):
        WorkingCalendar(CalendarData(periods=()))


def test_source_names_the_package_and_years():
    assert "chinesecalendar" in CAL.data.source and 2026 in CAL.data.covered_years
    assert timedelta(hours=8).total_seconds() == CAL.seconds_per_day


# ---- a city in another country and time zone ----

def test_a_work_hour_ends_an_hour_later_on_the_citys_own_clock():
    for zone, country in (("Asia/Urumqi", "CN"), ("Europe/Berlin", "DE"),
                          ("America/Sao_Paulo", "BR")):
        cal = WorkingCalendar(build(zone=zone, country=country))
        start = datetime(2026, 11, 24, 9, 0, tzinfo=ZoneInfo(zone))  # a Tuesday, 09:00 local
        end = cal.add(start, 1, Unit.WORK_HOURS)
        assert (end.hour, end.minute, str(end.tzinfo)) == (10, 0, zone)
        assert end - start == timedelta(hours=1)


def test_another_countrys_holidays_and_overrides():
    berlin = WorkingCalendar(build([(date(2026, 12, 24), False)], zone="Europe/Berlin",
                                   country="DE", subdivision="BE"))
    assert not berlin.is_workday(date(2026, 12, 25))      # Christmas Day, a Friday
    assert not berlin.is_workday(date(2027, 3, 8))        # Women's Day (a Monday): Berlin's own
    assert not berlin.is_workday(date(2026, 12, 24))      # the city's override
    assert berlin.is_workday(date(2026, 10, 1))           # China's National Day is a workday there
    source = berlin.data.source
    assert "holidays" in source and "DE-BE" in source and "1 city overrides" in source
    beijing = WorkingCalendar(build())
    assert not beijing.is_workday(date(2026, 10, 1)) and beijing.is_workday(date(2026, 12, 25))


def test_an_unknown_country_is_refused():
    with pytest.raises(ValueError, match="no public holidays known for country 'XQ'"):
        build(country="XQ")
