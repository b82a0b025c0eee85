from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "server.portal"
    label = "portal"
    verbose_name = "门户网站 Public portal"
