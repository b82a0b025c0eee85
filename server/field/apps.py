from django.apps import AppConfig


class FieldConfig(AppConfig):
    name = "server.field"
    label = "field"
    verbose_name = "外业 Field work"
