"""Attendance (考勤), patrol tracks (巡查轨迹) and component updates (部件更新).

Every row a handset creates carries the client's idempotency key (unique) and a hash of what
was sent with it, as reports do: an honest retry finds the row, a reused key with another body
is refused (``server.idempotency``).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _


class Attendance(models.Model):
    """One clock-in or clock-out. ``at`` is the phone's time of the tap (a clock-in made
    offline arrives later); ``received_at`` the server's. ``cell_code`` is where the point
    falls on the map active at receipt, "" outside the managed area (recorded, not refused)."""

    DIRECTIONS = [("in", "上班签到 clock in"), ("out", "下班签退 clock out")]
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="attendance")
    direction = models.CharField(max_length=3, choices=DIRECTIONS)
    at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    location = models.PointField(srid=4326)
    accuracy_m = models.FloatField(default=0)
    cell_code = models.CharField(max_length=17, blank=True)
    idempotency_key = models.CharField(max_length=64, unique=True)
    request_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("attendance record")
        verbose_name_plural = _("attendance records")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["user", "at"], name="attendance_user_at")]


class TrackBatch(models.Model):
    """One upload of breadcrumbs (at most 500 points) under one idempotency key."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="track_batches")
    received_at = models.DateTimeField(auto_now_add=True)
    count = models.PositiveIntegerField()
    idempotency_key = models.CharField(max_length=64, unique=True)
    request_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("track upload")
        verbose_name_plural = _("track uploads")


class TrackPoint(models.Model):
    """A breadcrumb of a supervisor's patrol (巡查轨迹), at the phone's time."""

    batch = models.ForeignKey(TrackBatch, on_delete=models.CASCADE, related_name="points")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="+")
    at = models.DateTimeField()
    location = models.PointField(srid=4326)
    accuracy_m = models.FloatField(default=0)

    class Meta:
        verbose_name = _("track point")
        verbose_name_plural = _("track points")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["user", "at"], name="trackpoint_user_at")]


class ComponentUpdate(models.Model):
    """A change to the component census reported from the field (部件更新).

    States: ``pending`` (reported) → ``approved`` | ``rejected`` by the map keeper →
    ``published`` when ``server.field.publish`` has built the next map version with it. Each
    step keeps who and when; a rejection keeps its reason. ``component_code`` names the asset
    changed; for ``added`` it is empty until publishing gives the new component its code.
    """

    CHANGES = [("damaged", "破损 damaged"), ("missing", "丢失 missing"),
             ("removed", "移除 removed"), ("added", "新增 added")]
    STATES = [("pending", "待审核 pending"), ("approved", "已批准 approved"),
              ("rejected", "已驳回 rejected"), ("published", "已发布 published")]
    change = models.CharField(max_length=8, choices=CHANGES)
    state = models.CharField(max_length=10, choices=STATES, default="pending", db_index=True)
    component_code = models.CharField(max_length=17, blank=True, db_index=True)
    class_code = models.CharField(max_length=5)
    location = models.PointField(srid=4326)
    cell_code = models.CharField(max_length=17, blank=True)
    note = models.CharField(max_length=500, blank=True)
    photo = models.FileField(upload_to="component-updates/%Y/%m/%d/", blank=True)
    photo_sha256 = models.CharField(max_length=64, blank=True)
    #: The active map version when it was reported (what the supervisor saw).
    map_version = models.ForeignKey("maps.MapVersion", on_delete=models.PROTECT, related_name="+")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="component_updates")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    published_version = models.ForeignKey("maps.MapVersion", null=True, blank=True,
                                          on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(max_length=64, unique=True)
    request_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("component update")
        verbose_name_plural = _("component updates")
        ordering = ["id"]

    def __str__(self) -> str:
        what = self.component_code or self.class_code
        return f"{self.get_change_display()} {what} ({self.state})"
