from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "server.accounts"
    label = "accounts"
    verbose_name = "用户与部门 Accounts"

    def ready(self):
        from server.accounts import audit  # noqa: F401  (connects the login signal receivers)
