"""manage.py rollback_map: activate the version the active one replaced."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from server.maps.versions import MapVersionError, rollback


class Command(BaseCommand):
    help = "Roll back to the map version that was active before the current one."

    def handle(self, *args, **opts):
        try:
            version = rollback()
        except MapVersionError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(self.style.SUCCESS(f"rolled back: map version {version.pk} ({version.label}) is active"))
