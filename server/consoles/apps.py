from django.apps import AppConfig


class ConsolesConfig(AppConfig):
    name = "server.consoles"
    label = "consoles"
    verbose_name = "工作台 Consoles"
