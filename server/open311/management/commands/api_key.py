"""manage.py api_key open311|camera NAME [--key KEY] [--contact TEXT]: make (or replace) the
key of an Open311 client or a camera platform and print it once; only its hash is stored."""

from django.core.management.base import BaseCommand

from server.open311.keys import hash_key, new_key
from server.open311.models import CameraPlatform, Open311Client

MODELS = {"open311": Open311Client, "camera": CameraPlatform}


class Command(BaseCommand):
    help = "Make or replace the API key of an Open311 client or a camera platform."

    def add_arguments(self, parser):
        parser.add_argument("holder_type", choices=sorted(MODELS))
        parser.add_argument("name")
        parser.add_argument("--key", help="use this key instead of a random one")
        parser.add_argument("--contact", default="")

    def handle(self, holder_type, name, key=None, contact="", **options):
        key = key or new_key()
        holder, created = MODELS[holder_type].objects.update_or_create(
            name=name, defaults={"key_hash": hash_key(key), "active": True, "is_demo": False,
                                 **({"contact": contact} if contact else {})})
        self.stdout.write(f"{'created' if created else 'new key for'} {holder_type} "
                          f"{holder.name}: {key}")
