"""The caller of a hotline case. Personal data: read it only through ``access.caller_of``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class HotlineCall(models.Model):
    """A call that became a case (one case, one call; a repeated call about the same problem
    is a new case that the acceptor merges). ``caller_*`` are personal data: shown to the
    call-takers, acceptors, duty chiefs and leaders only (``server.accounts.access.contact_of``)."""

    LINES = [("12319", "12319 城建热线"), ("12345", "12345 政务服务热线")]
    URGENCIES = [("normal", "一般 normal"), ("urgent", "紧急 urgent")]

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="hotline_call")
    line = models.CharField(max_length=8, choices=LINES)
    caller_name = models.CharField(max_length=100, blank=True)
    caller_phone = models.CharField(max_length=32)
    #: The address as the caller said it (and the gazetteer place it was matched to, if any).
    address = models.CharField(max_length=300, blank=True)
    place_code = models.CharField(max_length=40, blank=True)
    urgency = models.CharField(max_length=8, choices=URGENCIES, default="normal")
    call_taker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="hotline_calls")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("hotline call")
        verbose_name_plural = _("hotline calls")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.line} → {self.case_id}"
