from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "server.realtime"
    label = "realtime"
    verbose_name = "实时推送 Realtime"
