"""The rollups kept current by the actions agree exactly with the computation straight from the
event log, for days, weeks, months and a custom run of days; and a rebuild from the log gives
the same rows as the hook wrote."""

from __future__ import annotations

import time
from datetime import date

from server.evaluation import selectors
from server.evaluation.models import DailyRollup, MonthlyStock
from server.evaluation.rollups import rebuild_rollups
from tests.server.walkplay import play
from workflows.scoring import ALL_COUNTERS, STOCKS, Period


def _cases() -> int:
    from django.db import connection

    return 80 if connection.vendor == "sqlite" else 60


PERIODS = [Period.month(2026, 11), Period.month(2026, 12), Period.month(2027, 1),
           Period.week(date(2026, 11, 30)), Period.week(date(2026, 12, 14)),
           Period.day(date(2026, 12, 1)), Period.day(date(2026, 12, 9)),
           Period(date(2026, 11, 25), date(2026, 12, 20))]


def _table():
    cols = ["day", "entity_type", "entity", *ALL_COUNTERS]
    daily = {tuple(r[:3]): tuple(r[3:]) for r in DailyRollup.objects.values_list(*cols)
             if any(r[3:])}
    cols = ["month", "entity_type", "entity", *sorted(STOCKS)]
    return daily, {tuple(r[:3]): tuple(r[3:]) for r in MonthlyStock.objects.values_list(*cols)
                   if any(r[3:])}


def test_rollups_agree_with_the_log(cast, hooked):
    started = time.monotonic()
    play(cast, _cases())
    print(f"played in {time.monotonic() - started:.1f}s")
    seen = set()
    for period in PERIODS:
        straight = selectors.straight_counters(period)
        assert selectors.rollup_counters(period) == straight, period
        assert selectors.scores(period) == selectors.scores(period, source="straight"), period
        seen |= {entity_type for entity_type, _ in straight}
    assert seen == {"supervisor", "acceptor", "duty_chief", "dispatcher", "department", "cell"}
    month = selectors.straight_counters(PERIODS[1])
    assert month[("department", "roads")]["dispatched"] > 0
    assert any(row.get("unhandled") for row in month.values())  # the stock is exercised
    assert any(row.get("misdispatched") for row in month.values())
    assert any(row.get("overdue") for row in month.values())
    before = _table()
    assert before[1]  # the monthly stock rows are exercised
    for period in (Period(date(2026, 11, 1), date(2027, 3, 1)),):
        rebuild_rollups(period)
    assert _table() == before
    # And the comparison is not vacuous: a lost row shows.
    DailyRollup.objects.filter(entity_type="department", dispatched__gt=0).first().delete()
    assert selectors.rollup_counters(Period(date(2026, 11, 1), date(2027, 3, 1))) != \
        selectors.straight_counters(Period(date(2026, 11, 1), date(2027, 3, 1)))


def test_rebuild_command_fills_rollups_for_events_from_before_the_hook(cast):
    from django.core.management import call_command

    play(cast, 6)
    DailyRollup.objects.all().delete()  # as on a database whose events predate the hook
    call_command("rebuild_rollups", "--from", "2026-11-01", "--to", "2027-02-28")
    for period in PERIODS[:3]:
        assert selectors.rollup_counters(period) == selectors.straight_counters(period)


def test_rollups_emptied_by_a_migration_are_rebuilt_after_migrate(cast, report):
    """An upgrade whose migration empties the rollups needs no manual step: after ``migrate``
    the evaluation app recomputes them from the event log."""
    from django.core.management import call_command

    report()
    report()
    before = sorted(DailyRollup.objects.values_list("day", "entity_type", "entity", "reported"))
    assert before
    DailyRollup.objects.all().delete()
    call_command("migrate", verbosity=0)  # nothing to apply; post_migrate still runs
    after = sorted(DailyRollup.objects.values_list("day", "entity_type", "entity", "reported"))
    assert after == before
