"""manage.py activate_map VERSION_ID: make a map version the active one (all workers follow)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from server.maps.versions import MapVersionError, activate


class Command(BaseCommand):
    help = "Activate a map version; new reports are placed on it from the next request on."

    def add_arguments(self, parser):
        parser.add_argument("version_id", type=int)

    def handle(self, *args, version_id, **opts):
        try:
            version = activate(version_id)
        except MapVersionError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(self.style.SUCCESS(f"map version {version.pk} ({version.label}) is active"))
