"""A report photo waiting for the photo cleaner (待清洗照片 photo upload).

Intake stores a handset photo raw, in the report's own transaction, and answers: the bytes
are then as durable as the case (PostgreSQL's commit covers them; no separate file to sync).
The ``cases.Photo`` row exists at once, with no image yet; ``server.intake.uploads`` decodes
and re-encodes the bytes (dropping all metadata), fills in the Photo's image and deletes this
row. A photo that cannot be decoded keeps its row as ``refused`` with the reason and without
its bytes: the case stands, its photo is never served.
"""

from django.db import models


class PhotoUpload(models.Model):
    PENDING, REFUSED = "pending", "refused"
    STATES = [(PENDING, "待清洗 pending"), (REFUSED, "已拒绝 refused")]

    photo = models.OneToOneField("cases.Photo", on_delete=models.CASCADE, related_name="upload")
    state = models.CharField(max_length=8, choices=STATES, default=PENDING)
    #: The bytes as the client sent them; emptied when the photo is refused.
    data = models.BinaryField(null=True)
    source_sha256 = models.CharField(max_length=64)
    reason = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["state", "id"], name="photo_upload_queue")]

    def __str__(self) -> str:
        return f"photo {self.photo_id} {self.state}"
