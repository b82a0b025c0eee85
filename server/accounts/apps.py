from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.contrib.admin import apps as admin_apps


class GuardedAdminConfig(admin_apps.AdminConfig):
    """Django's admin with its sign-in page under the login backoff (``server.accounts.forms``),
    installed in place of ``django.contrib.admin``."""

    default = False  # AccountsConfig stays this module's default
    default_site = "server.accounts.forms.GuardedAdminSite"


class AccountsConfig(AppConfig):
    name = "server.accounts"
    label = "accounts"
    verbose_name = _("Users and departments")

    def ready(self):
        from server.accounts import audit  # noqa: F401  (connects the login signal receivers)
