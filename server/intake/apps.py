from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "server.intake"
    label = "intake"
    verbose_name = "上报受理 Intake"
