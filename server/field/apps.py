from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldConfig(AppConfig):
    name = "server.field"
    label = "field"
    verbose_name = _("Field work")

    def ready(self):
        # The automatic choice of a verify or check task's supervisor ranks them here, where
        # attendance and tracks live; the cases app, below this one, is told at start-up.
        from server.cases import assign
        from server.field.candidates import nearest_on_duty

        assign.use_nearest(nearest_on_duty)
