from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "server.realtime"
    label = "realtime"
    verbose_name = "实时推送 Realtime"

    def ready(self) -> None:
        # Open sockets close when their user's credentials end (revoke.py).
        from server.realtime import revoke

        revoke.connect()
