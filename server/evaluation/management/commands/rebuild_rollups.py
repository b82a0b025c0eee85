"""manage.py rebuild_rollups [--from YYYY-MM-DD] [--to YYYY-MM-DD]: recompute the daily rollups
of a run of days from the event log (after a bulk import, after installing the hook on a
database that already has events, or to check them), one month at a time."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from server.cases.models import CaseEvent
from server.evaluation.rollups import rebuild_rollups
from workflows.scoring import Period, local_day


class Command(BaseCommand):
    help = "Recompute the evaluation's daily rollups from the event log."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", help="first day (default: the first event)")
        parser.add_argument("--to", dest="end", help="last day, included (default: today)")

    def handle(self, *args, start=None, end=None, **options):
        try:
            first = date.fromisoformat(start) if start else None
            last = date.fromisoformat(end) if end else timezone.localdate()
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if first is None:
            oldest = CaseEvent.objects.order_by("at").values_list("at", flat=True).first()
            if oldest is None:
                self.stdout.write("no events: nothing to rebuild")
                return
            first = local_day(oldest)
        day, rows = first, 0
        while day <= last:
            nxt = min(date(day.year + day.month // 12, day.month % 12 + 1, 1),
                      last + timedelta(days=1))
            rows += rebuild_rollups(Period(day, nxt))
            day = nxt
        self.stdout.write(f"rebuilt {first}..{last}: {rows} rows")
