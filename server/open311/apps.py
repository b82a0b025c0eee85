from django.apps import AppConfig


class Open311Config(AppConfig):
    name = "server.open311"
    label = "open311"
    verbose_name = "Open311 与视频接入 Open311 and camera intake"
