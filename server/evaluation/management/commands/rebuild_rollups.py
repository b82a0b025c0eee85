"""manage.py rebuild_rollups [--from YYYY-MM-DD] [--to YYYY-MM-DD]: recompute the daily rollups
of a run of days from the event log (after a bulk import, after installing the hook on a
database that already has events, or to check them), one month at a time."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from server.cases.models import Case, CaseEvent
from server.evaluation.rollups import FINISHED, rebuild_rollups
from server.maps.index import active_zone
from workflows.scoring import Period, local_day


class Command(BaseCommand):
    help = "Recompute the evaluation's daily rollups from the event log."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", help="first day (default: the first event)")
        parser.add_argument("--to", dest="end", help="last day, included (default: today, or the "
                            "latest handling deadline of an unfinished case if later)")

    def handle(self, *args, start=None, end=None, **options):
        try:
            first = date.fromisoformat(start) if start else None
            last = date.fromisoformat(end) if end else None
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        zone = active_zone()  # the city's local days
        if last is None:  # a case falls due at its deadline: facts may be dated ahead
            ahead = (Case.objects.exclude(state__in=FINISHED).exclude(handle_deadline=None)
                     .order_by("-handle_deadline").values_list("handle_deadline", flat=True)
                     .first())
            last = max(timezone.localdate(timezone=zone),
                       local_day(ahead, zone) if ahead else date.min)
        if first is None:
            oldest = CaseEvent.objects.order_by("at").values_list("at", flat=True).first()
            if oldest is None:
                self.stdout.write("no events: nothing to rebuild")
                return
            first = local_day(oldest, zone)
        day, rows = first, 0
        while day <= last:
            nxt = min(date(day.year + day.month // 12, day.month % 12 + 1, 1),
                      last + timedelta(days=1))
            rows += rebuild_rollups(Period(day, nxt))
            day = nxt
        self.stdout.write(f"rebuilt {first}..{last}: {rows} rows")
