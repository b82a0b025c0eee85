"""API-key clients and what they sent: Open311 clients and their service requests and updates,
camera platforms and their alerts. Keys are kept as SHA-256 only (``keys``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class _KeyHolder(models.Model):
    name = models.CharField(max_length=100, unique=True)
    #: SHA-256 of the key (hex); the key itself is shown once, when it is made.
    key_hash = models.CharField(max_length=64, unique=True)
    #: A demo key (published in the README) works only in the embedded demo (``keys``).
    is_demo = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    contact = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Open311Client(_KeyHolder):
    """An application that posts service requests with an ``api_key`` (a city app, a
    third-party reporting site)."""

    class Meta(_KeyHolder.Meta):  # keeps its ordering
        verbose_name = _("Open311 client")
        verbose_name_plural = _("Open311 clients")


class ServiceRequest(models.Model):
    """An Open311 service request: the case it became and what the client sent beside it.
    The contact fields (email … phone) are personal data (``server.accounts.access.contact_of``)."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT,
                                related_name="open311_request")
    client = models.ForeignKey(Open311Client, on_delete=models.PROTECT, related_name="requests")
    #: The GET tokens/<token> answer (type batch); always made, so either type can be served.
    token = models.CharField(max_length=40, unique=True)
    service_code = models.CharField(max_length=8)
    address_string = models.CharField(max_length=300, blank=True)
    address_id = models.CharField(max_length=40, blank=True)
    media_urls = models.JSONField(default=list, blank=True)  # stored as URLs, never fetched
    attributes = models.JSONField(default=dict, blank=True)
    email = models.CharField(max_length=254, blank=True)
    device_id = models.CharField(max_length=100, blank=True)
    account_id = models.CharField(max_length=100, blank=True)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 service request")
        verbose_name_plural = _("Open311 service requests")
        ordering = ["-created_at"]


class RequestUpdate(models.Model):
    """An update a client posted on a request (servicerequestupdates POST): a comment for the
    centre to read. It never moves the case: only the centre's actions do."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="open311_updates")
    client = models.ForeignKey(Open311Client, on_delete=models.PROTECT, related_name="updates")
    client_update_id = models.CharField(max_length=100)
    status = models.CharField(max_length=32)
    description = models.TextField()
    updated_datetime = models.DateTimeField()
    media_urls = models.JSONField(default=list, blank=True)
    #: title, first_name, last_name, email, phone, account_id, ... as sent (personal data).
    contact = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 request update")
        verbose_name_plural = _("Open311 request updates")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["client", "client_update_id"],
                                               name="open311_update_once")]


class CameraPlatform(_KeyHolder):
    """A video platform or image-analysis system (视频监控平台) that sends alerts."""

    #: Alerts below this confidence are answered but not stored (the platform's false alarms).
    min_confidence = models.FloatField(default=0.5)

    class Meta(_KeyHolder.Meta):  # keeps its ordering
        verbose_name = _("camera platform")
        verbose_name_plural = _("camera platforms")


class CameraAlert(models.Model):
    """One alert that became a case; (platform, camera, alert id) is sent once only."""

    platform = models.ForeignKey(CameraPlatform, on_delete=models.PROTECT, related_name="alerts")
    camera_id = models.CharField(max_length=64)
    alert_id = models.CharField(max_length=64)
    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="camera_alert")
    confidence = models.FloatField()
    captured_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("camera alert")
        verbose_name_plural = _("camera alerts")
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["platform", "camera_id", "alert_id"],
                                               name="camera_alert_once")]
