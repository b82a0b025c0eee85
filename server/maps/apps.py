from django.apps import AppConfig


class MapsConfig(AppConfig):
    name = "server.maps"
    label = "maps"
    verbose_name = "网格地图 Grid maps"
