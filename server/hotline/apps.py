from django.apps import AppConfig


class HotlineConfig(AppConfig):
    name = "server.hotline"
    label = "hotline"
    verbose_name = "热线 Hotline"
