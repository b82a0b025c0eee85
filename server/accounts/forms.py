"""The sign-in forms of the pages and the admin under the login backoff
(``server.accounts.lockout``): a blocked username and address is told so, and how long to
wait, before any password is checked. ``GuardedAdminSite`` is the project's admin site
(``GuardedAdminConfig`` in ``apps.py`` makes it the default one) with that form."""

from __future__ import annotations

from django import forms
from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm

from server.accounts import lockout

BLOCKED = "login_blocked"


class _Guarded:
    def clean(self):
        username = self.cleaned_data.get("username")
        if username is not None and self.request is not None:
            wait = lockout.wait_seconds(username, self.request)
            if wait:
                self.retry_after = wait
                raise forms.ValidationError(lockout.refusal(wait), code=BLOCKED)
        return super().clean()


class GuardedAuthenticationForm(_Guarded, AuthenticationForm):
    """``/accounts/login/``."""


class GuardedAdminAuthenticationForm(_Guarded, AdminAuthenticationForm):
    """``/admin/login/``."""


class GuardedAdminSite(AdminSite):
    login_form = GuardedAdminAuthenticationForm
