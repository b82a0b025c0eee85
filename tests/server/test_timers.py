"""The timer worker: every yellow and red change becomes an event, once; only one worker runs."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection

from server.cases import timers
from server.cases.models import Case, CaseEvent


def test_light_changes_are_recorded_once(cast, report):
    number = report()
    case = Case.objects.get(number=number)
    assert (case.node, case.light) == ("accept", "green")
    assert case.yellow_at < case.deadline
    assert timers.sweep(case.yellow_at - timedelta(seconds=1)) == 0
    assert timers.sweep(case.yellow_at + timedelta(seconds=1)) == 1
    assert timers.sweep(case.yellow_at + timedelta(seconds=2)) == 0
    assert Case.objects.get(number=number).light == "yellow"
    assert timers.sweep(case.deadline + timedelta(seconds=1)) == 1
    events = CaseEvent.objects.filter(case__number=number, action="timer")
    assert [(e.data["light"], e.actor.username, e.from_state, e.to_state) for e in events] == [
        ("yellow", "system", "reported", "reported"), ("red", "system", "reported", "reported")]
    assert Case.objects.get(number=number).light == "red"
    assert timers.sweep(case.deadline + timedelta(days=3)) == 0


def test_a_case_that_moved_on_gets_no_stale_light(cast):
    from server.cases.actions import ReportInput, do_case_action, do_report
    from server.maps.index import place
    from tests.server.conftest import cell_centre
    from workflows import Action

    lon, lat = cell_centre(2)
    loaded, placement = place(lon, lat)
    monday_9 = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    case, _ = do_report(cast["supervisor"].user, ReportInput(
        kind="event", class_code="0102", lon=lon, lat=lat, accuracy_m=0, description="",
        photo=None, idempotency_key="timer-moved-on", request_hash="x"),
        loaded.version_id, placement, now=monday_9)
    number = case.number
    assert case.yellow_at == monday_9 + timedelta(minutes=48)
    # accepted half an hour later: a new node (file), green again, its own later deadline
    do_case_action(cast["acceptor"].user, number, Action.ACCEPT,
                   now=case.created_at + timedelta(minutes=30))
    assert timers.sweep(case.yellow_at + timedelta(seconds=1)) == 0
    assert Case.objects.get(number=number).node == "file"


def test_jumping_past_the_deadline_goes_straight_to_red(cast, report):
    number = report()
    case = Case.objects.get(number=number)
    assert timers.sweep(case.deadline + timedelta(minutes=5)) == 1
    assert CaseEvent.objects.get(case__number=number, action="timer").data["light"] == "red"


def test_only_one_timer_worker_holds_the_lock(db):
    with timers.single_runner(wait=False) as first:
        assert first is True
        if connection.vendor == "postgresql":
            import psycopg

            s = connection.settings_dict
            with psycopg.connect(host=s["HOST"], port=s["PORT"] or 5432, user=s["USER"],
                                 password=s["PASSWORD"], dbname=s["NAME"]) as other:
                got = other.execute("SELECT pg_try_advisory_lock(%s)",
                                    [timers.ADVISORY_KEY]).fetchone()[0]
                assert got is False
        else:
            import multiprocessing

            ctx = multiprocessing.get_context("fork")
            q = ctx.Queue()
            p = ctx.Process(target=_try_lock, args=(q,))
            p.start()
            p.join(20)
            assert q.get(timeout=5) is False


def _try_lock(q):
    import fcntl
    from pathlib import Path

    from django.conf import settings

    path = Path(settings.DATABASES["default"]["NAME"]).with_suffix(".timers.lock")
    with path.open("w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            q.put(True)
        except BlockingIOError:
            q.put(False)


def test_the_worker_knows_whether_its_session_still_holds_the_lock(db):
    """A session lost in a failover loses its lock: ``run`` checks before each pass."""
    if connection.vendor == "postgresql":
        assert timers.lock_held() is False
    with timers.single_runner(wait=False) as held:
        assert held is True and timers.lock_held() is True
