from django.apps import AppConfig


class BenchFloorConfig(AppConfig):
    name = "server.benchfloor"
    label = "benchfloor"
    verbose_name = "Bench floor (DCM_BENCH_FLOOR only)"
