from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BenchFloorConfig(AppConfig):
    name = "server.benchfloor"
    label = "benchfloor"
    verbose_name = _("Bench floor (DCM_BENCH_FLOOR only)")
