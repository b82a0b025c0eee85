"""manage.py publish_component_updates --keeper NAME [--activate] [--label TEXT]: build the next
map version from the active one plus the approved component updates (部件更新)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from server.accounts.models import User
from server.field.updates import NothingToPublish, publish
from server.maps.index import NoActiveMap
from workflows import Role


class Command(BaseCommand):
    help = ("Publish the approved component updates as a new map version (inactive unless "
            "--activate; activate it later with activate_map).")

    def add_arguments(self, parser):
        parser.add_argument("--keeper", required=True,
                            help="username of the map keeper (地图维护员) publishing")
        parser.add_argument("--activate", action="store_true", help="activate the new version")
        parser.add_argument("--label", default="")

    def handle(self, *args, keeper, activate, label, **opts):
        user = User.objects.filter(username=keeper, role=Role.MAPKEEPER.value).first()
        if user is None:
            raise CommandError(f"no map keeper (role mapkeeper) named {keeper!r}")
        try:
            result = publish(user, activate=activate, label=label)
        except (NothingToPublish, NoActiveMap) as e:
            raise CommandError(str(e)) from None
        for update_id, why in result.skipped:
            self.stdout.write(self.style.WARNING(f"skipped update {update_id}: {why}"))
        state = "active" if result.version.active else "inactive: activate it with activate_map"
        self.stdout.write(self.style.SUCCESS(
            f"map version {result.version.pk} ({result.version.label}) with "
            f"{len(result.published)} component updates, {state}"))
