"""manage.py clean_photos: the photo cleaner, re-encoding the photos intake stored raw
(``server.intake.uploads``). Several may run side by side (PostgreSQL: SKIP LOCKED)."""

import signal

from django.core.management.base import BaseCommand

from server.intake import uploads


class Command(BaseCommand):
    help = "Re-encode report photos stored raw (PHOTOS_CLEAN_LATER), until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="clean what is pending, then exit")

    def handle(self, *args, once, **opts):
        if once:
            self.stdout.write(f"clean_photos: {uploads.clean_all()} photo(s) handled")
            return
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
        uploads.run(stop=lambda: bool(stopping))
