from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RealtimeConfig(AppConfig):
    name = "server.realtime"
    label = "realtime"
    verbose_name = _("Realtime")

    def ready(self) -> None:
        # Open sockets close when their user's credentials end (revoke.py).
        from server.realtime import revoke

        revoke.connect()
