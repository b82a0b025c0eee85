"""Report photos stored raw by intake and cleaned by a background worker (the photo cleaner).

Why: re-encoding a handset photo costs 20-30 ms of CPU, several times everything else a report
costs, so at a burst of reports the request would wait on Pillow. With
``settings.PHOTOS_CLEAN_LATER`` on (``scripts/serve.py`` turns it on and runs the cleaner),
intake only sniffs the header (``sniff_photo``) and stores the bytes in a ``PhotoUpload`` row
in the report's transaction; the 201 comes after the commit, so the report and its bytes are
durable when acknowledged. Until the cleaner has run, the Photo has no image and is never
served (``photo_state`` says why); nobody can download the bytes as sent.

``clean_next`` takes the oldest pending upload, decodes and re-encodes it with
``clean_photo``, then in one short transaction fills the Photo (image, hash, size) and deletes
the upload. Several cleaners may run: on PostgreSQL each takes its upload with SKIP LOCKED. A
photo that fails to decode is marked refused with the reason and its bytes are dropped; an
unexpected error leaves it pending for ``MAX_ATTEMPTS`` tries, then refuses it.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import connection, transaction

from server.cases import rowwrite
from server.cases.models import Photo
from server.cases.photos import PhotoHeader, PhotoInvalid, clean_photo
from server.intake.models import PhotoUpload

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
IDLE_SLEEP_S = 0.25


@dataclass(frozen=True)
class RawPhoto:
    """A photo whose header passed ``sniff_photo``, stored as sent until the cleaner runs."""

    data: bytes
    header: PhotoHeader
    #: SHA-256 (hex) of ``data`` when the caller has it already (intake hashed the request).
    sha256: str = ""

    def rows_for(self, case, event, kind: str, photo_id: int | None = None) -> list:
        """The unsaved rows of this photo of ``case``/``event``: the Photo, with no image yet
        (width/height are the header's until the cleaner stores the upright, bounded image),
        and the pending PhotoUpload holding the bytes."""
        photo = Photo(id=photo_id, case=case, event=event, kind=kind, image="", sha256="",
                      width=self.header.width, height=self.header.height, size=len(self.data))
        digest = self.sha256 or hashlib.sha256(self.data).hexdigest()
        return [photo, PhotoUpload(photo=photo, data=self.data, source_sha256=digest)]

    def save_for(self, case, event, kind: str) -> Photo:
        photo, upload = self.rows_for(case, event, kind)
        photo.save()
        # Through rowwrite: on PostgreSQL the bytes travel as a binary parameter. Bound into
        # the SQL text by Django's cursor, 60 KB of JPEG became a 120 KB escaped literal, about
        # 1.3 ms of Python to build and as much of PostgreSQL's lexer to read, per report.
        rowwrite.write([rowwrite.insert(upload)])
        return photo


def photo_state(photo: Photo) -> tuple[str, str]:
    """("clean", "") | ("pending", "") | ("refused", reason) for a stored photo."""
    if photo.image:
        return "clean", ""
    try:
        upload = photo.upload  # select_related("upload") spares the query
    except PhotoUpload.DoesNotExist:  # not made by intake; say so rather than serve nothing
        return "refused", "the photo has no stored image"
    return upload.state, upload.reason


def _take() -> PhotoUpload | None:
    queue = PhotoUpload.objects.filter(state=PhotoUpload.PENDING).order_by("id")
    if connection.features.has_select_for_update_skip_locked:
        queue = queue.select_for_update(skip_locked=True, of=("self",))
    return queue.select_related("photo").first()


def clean_next() -> bool:
    """Clean the oldest pending upload; False when there is none."""
    with transaction.atomic():
        upload = _take()
        if upload is None:
            return False
        photo = upload.photo
        try:
            clean = clean_photo(bytes(upload.data))
        except PhotoInvalid as exc:
            _refuse(upload, str(exc))
            return True
        except Exception as exc:  # a Pillow bug must not stop the queue forever
            log.exception("photo cleaner: upload %s failed", upload.pk)
            upload.attempts += 1
            if upload.attempts >= MAX_ATTEMPTS:
                _refuse(upload, f"the photo could not be processed: {exc!r}"[:300])
            else:
                upload.save(update_fields=["attempts"])
            return True
        photo.image.save(f"case{photo.case_id}-{photo.kind}-{clean.sha256[:12]}.jpg",
                         ContentFile(clean.jpeg), save=False)
        photo.sha256, photo.width, photo.height, photo.size = (
            clean.sha256, clean.width, clean.height, len(clean.jpeg))
        photo.save(update_fields=["image", "sha256", "width", "height", "size"])
        upload.delete()
    return True


def _refuse(upload: PhotoUpload, reason: str) -> None:
    log.warning("photo cleaner: photo %s of case id %s refused: %s", upload.photo_id,
                upload.photo.case_id, reason)
    upload.state, upload.reason, upload.data = PhotoUpload.REFUSED, reason[:300], None
    upload.save(update_fields=["state", "reason", "data", "attempts"])


def clean_all() -> int:
    """Clean until nothing is pending; returns how many uploads were handled."""
    n = 0
    while clean_next():
        n += 1
    return n


def run(stop=lambda: False) -> None:  # pragma: no cover - the loop of manage.py clean_photos
    while not stop():
        try:
            if not clean_next():
                time.sleep(IDLE_SLEEP_S)
        except Exception:
            log.exception("photo cleaner: database error; retrying")
            connection.close()
            time.sleep(1.0)
