"""A report photo waiting for the photo cleaner (待清洗照片 photo upload).

The intake door stores a report's photo as sent, in a file (``raw``) written and flushed to
the disk before the report's transaction commits, and answers: the bytes are then as durable
as the case. The ``cases.Photo`` row exists at once, with no image yet; the photo cleaner
(``server.intake.uploads``) decodes and re-encodes the bytes (dropping all metadata) and, through
``server.cases.actions.do_photo_cleaned``, fills in the Photo's image, records the result as a
case event (pushed to the consoles) and deletes this row and its file. A photo that cannot be
decoded keeps its row as ``refused`` with the reason and without its file: the case stands,
its photo is never served.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PhotoUpload(models.Model):
    PENDING, REFUSED = "pending", "refused"
    STATES = [(PENDING, "待清洗 pending"), (REFUSED, "已拒绝 refused")]

    photo = models.OneToOneField("cases.Photo", on_delete=models.CASCADE, related_name="upload")
    state = models.CharField(max_length=8, choices=STATES, default=PENDING)
    #: The bytes as the client sent them; deleted when the photo is cleaned or refused.
    raw = models.FileField(upload_to="uploads/%Y/%m/%d/", blank=True)
    source_sha256 = models.CharField(max_length=64)
    reason = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("photo upload")
        verbose_name_plural = _("photo uploads")
        indexes = [models.Index(fields=["state", "id"], name="photo_upload_queue")]

    def __str__(self) -> str:
        return f"photo {self.photo_id} {self.state}"
