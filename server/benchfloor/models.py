from django.db import models
from django.utils.translation import gettext_lazy as _


class FloorUpload(models.Model):
    """One upload's bytes as sent: one INSERT, nothing derived."""

    data = models.BinaryField()

    class Meta:
        verbose_name = _("bench upload")
        verbose_name_plural = _("bench uploads")
