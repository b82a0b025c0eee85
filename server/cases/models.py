"""Case, CaseEvent (append-only), Photo and the daily case-number counter."""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models

from workflows import Action, State

STATE_CHOICES = [(s.value, f"{s.zh} {s.en}") for s in State]
ACTION_CHOICES = [(a.value, f"{a.zh} {a.en}") for a in Action]


class Case(models.Model):
    """A case (案件). ``state``, ``deadline``, ``department`` and ``rework_count`` are a cache of
    the event log; only ``server.cases.actions`` writes them."""

    KINDS = [("component", "部件 component"), ("event", "事件 event")]
    CHANNELS = [("handset", "监督员上报 handset"), ("hotline", "热线 hotline"),
                ("web", "网站 web"), ("open311", "Open311"), ("video", "视频 video")]

    number = models.CharField(max_length=32, unique=True)
    kind = models.CharField(max_length=10, choices=KINDS)
    class_code = models.CharField(max_length=5)
    channel = models.CharField(max_length=10, choices=CHANNELS, default="handset")
    state = models.CharField(max_length=16, choices=STATE_CHOICES, db_index=True)
    description = models.TextField(blank=True)
    location = models.PointField(srid=4326)
    accuracy_m = models.FloatField(default=0)
    map_version = models.ForeignKey("maps.MapVersion", on_delete=models.PROTECT)
    cell_code = models.CharField(max_length=15, db_index=True)
    community_code = models.CharField(max_length=12)
    street_code = models.CharField(max_length=9)
    component_code = models.CharField(max_length=17, blank=True)
    department = models.ForeignKey("accounts.Department", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="cases")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="reported_cases")
    rework_count = models.PositiveIntegerField(default=0)
    deadline = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # Idempotency (幂等): the client's key and a hash of what it sent with it.
    idempotency_key = models.CharField(max_length=64, unique=True)
    request_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.number


class CaseEvent(models.Model):
    """One step in a case's life. Append-only: never updated or deleted (the model refuses it;
    the log can rebuild every case)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="case_events")
    actor_role = models.CharField(max_length=16)
    action = models.CharField(max_length=16, choices=ACTION_CHOICES)
    from_state = models.CharField(max_length=16, choices=STATE_CHOICES, blank=True)
    to_state = models.CharField(max_length=16, choices=STATE_CHOICES)
    at = models.DateTimeField()
    deadline = models.DateTimeField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["id"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("CaseEvent is append-only: it cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("CaseEvent is append-only: it cannot be deleted")


class Photo(models.Model):
    """A photo stored re-encoded as JPEG without metadata. ``sha256`` is of the stored bytes."""

    KINDS = [("before", "上报照片 before"), ("after", "处置后照片 after"),
             ("check", "核查照片 check")]
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="photos")
    event = models.ForeignKey(CaseEvent, null=True, on_delete=models.PROTECT, related_name="photos")
    kind = models.CharField(max_length=8, choices=KINDS)
    image = models.FileField(upload_to="photos/%Y/%m/%d/")
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]


class CaseNumberCounter(models.Model):
    """The last sequence number used on a day; case numbers restart at 0001 each day."""

    day = models.DateField(unique=True)
    last = models.PositiveIntegerField(default=0)
