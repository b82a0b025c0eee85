"""Departments (专业部门) and users. Role names come from ``workflows.Role``."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from workflows import Actor, Role

ROLE_CHOICES = [(r.value, f"{r.zh} {r.en}") for r in Role]


class Department(models.Model):
    """A department that receives dispatched cases: an owner (权属单位), maintainer (养护单位),
    territory (a street office, 街道办事处) or enforcement body.

    A map version lists its departments (``maps.MapDepartment``); activating it creates, renames
    and (for those it no longer lists) deactivates rows here (``server.maps.departments``).
    Departments no map lists are the admin's alone."""

    RESPONSIBILITIES = [("owner", "权属单位 owner"), ("maintainer", "养护单位 maintainer"),
             ("territory", "属地 territory"), ("enforcement", "执法 enforcement")]
    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=100)
    #: On what ground it answers for a case (先属主、后属地: owner first for components,
    #: territory first for events); the map files and the departments API call it ``kind``.
    responsibility = models.CharField(max_length=16, choices=RESPONSIBILITIES)
    #: For a territory department (街道办事处): the street it answers for (属地).
    street_code = models.CharField(max_length=9, blank=True, db_index=True)
    name_en = models.CharField(max_length=100, blank=True)
    #: Component classes it owns (4-digit codes, from the city's departments file): dispatch
    #: suggests it for a component case of such a class that no component record names an
    #: owner for (a city without a component census).
    class_codes = models.JSONField(default=list, blank=True)
    #: False once the active map version no longer lists it: it receives no new cases, but
    #: is never deleted (cases and its users point at it) and comes back if a version lists it.
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class User(AbstractUser):
    role = models.CharField(max_length=16, choices=ROLE_CHOICES, blank=True)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="users")

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                name="department_users_have_a_department",
                condition=~models.Q(role="department") | models.Q(department__isnull=False),
            )
        ]

    def as_actor(self) -> Actor:
        """The workflows' view of this user; raises ValueError for a user without a role."""
        if not self.role:
            raise ValueError(f"user {self.username!r} has no role")
        return Actor(id=self.pk, role=Role(self.role),
                     department_code=self.department.code if self.department_id else None)


class AuthAudit(models.Model):
    """One record per login, failed login, permission failure and token revocation: who, from
    where, what. Append-only by convention (except the ``count`` of a folded anonymous
    refusal); the admin only reads it. ``path`` has its secrets redacted."""

    AUTH_EVENTS = [("login", "登录 login"), ("login_failed", "登录失败 login failed"),
             ("denied", "无权限 permission denied"), ("revoked", "令牌吊销 token revoked")]
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    auth_event = models.CharField(max_length=16, choices=AUTH_EVENTS)
    username = models.CharField(max_length=150, blank=True)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    ip = models.GenericIPAddressField(null=True, blank=True)
    method = models.CharField(max_length=8, blank=True)
    path = models.CharField(max_length=300, blank=True)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    #: Anonymous refusals are folded: one row per address, path and answer a minute, counting
    #: them (``server.accounts.audit``); every other event is one row each.
    count = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("sign-in audit record")
        verbose_name_plural = _("sign-in audit records")
        ordering = ["-at"]


class LoginThrottle(models.Model):
    """Failed logins remembered across workers and restarts (``server.accounts.lockout``).

    One row per (username, address) pair and one per address; ``key`` is an HMAC of the pair or
    the address, so a row has a fixed size whatever a client sends as a username, and the
    table names nobody. Rows are forgotten ``lockout.MEMORY`` after their last failure."""

    key = models.CharField(max_length=64, unique=True)
    failures = models.PositiveIntegerField(default=0)
    last_failure = models.DateTimeField(db_index=True)
    #: Attempts before this instant are refused without checking the password.
    blocked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in throttle")
        verbose_name_plural = _("sign-in throttles")


class ApiToken(models.Model):
    """An API token (handsets, scripts): ``Authorization: Token <key>``. Only the SHA-256 of the
    key is stored; the key itself is shown once, in the login answer (``server.accounts.tokens``).
    One row per login, so every device has its own token and revoking one leaves the others."""

    digest = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    created = models.DateTimeField()
    #: When the token was last used, to the hour (it is written at most hourly).
    last_used = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created"]
