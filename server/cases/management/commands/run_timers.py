"""manage.py run_timers: the one timer worker (traffic lights). Safe to start on every server:
only one holds the lock at a time; the others wait to take over."""

from django.core.management.base import BaseCommand

from server.cases import timers


class Command(BaseCommand):
    help = "Record traffic-light changes of case deadlines (one worker per database)."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=timers.INTERVAL_S)
        parser.add_argument("--once", action="store_true", help="one pass, then exit")

    def handle(self, *args, interval, once, **opts):
        if once:
            with timers.single_runner(wait=False) as held:
                if not held:
                    self.stderr.write("another timer worker holds the lock")
                    return
                self.stdout.write(f"timer: {timers.sweep()} light changes recorded")
            return
        timers.run(interval)
