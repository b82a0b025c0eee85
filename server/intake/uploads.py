"""Report photos stored as sent by the intake door and cleaned by a background worker (the
photo cleaner).

Why: re-encoding a handset photo costs 10-30 ms of CPU, several times everything else a report
costs, so at a burst of reports the request would wait on Pillow. With
``settings.PHOTOS_CLEAN_LATER`` on (``scripts/serve.py`` turns it on and runs the cleaner),
intake only sniffs the header (``sniff_photo``) and stores the bytes in a file, flushed to the
disk, with a ``PhotoUpload`` row in the report's transaction; the 201 comes after the commit,
so the report and its bytes are durable when acknowledged. Until the cleaner has run, the
Photo has no image and is never served (``server.cases.photos.photo_state`` says why); nobody
can download the bytes as sent.

``clean_next`` takes the oldest pending upload, decodes and re-encodes it with ``clean_photo``,
then hands the result to ``server.cases.actions.do_photo_cleaned`` (the Photo gets its image
and the case a ``photo_cleaned`` event, pushed to the consoles) and deletes the upload; the
raw file goes after the commit. Several cleaners may run: on PostgreSQL each takes its upload
with SKIP LOCKED. A photo that fails to decode is refused with the reason (an event too) and
its bytes are dropped; an unexpected error leaves it pending for ``MAX_ATTEMPTS`` tries, then
refuses it.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import F

from server.cases.actions import do_photo_cleaned, system_user
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
    #: SHA-256 (hex) of ``data`` when the caller has it already.
    sha256: str = ""

    def save_for(self, case, event, stage: str) -> Photo:
        """The Photo of ``case``/``event``, with no image yet (width/height are the header's
        until the cleaner stores the upright, bounded image), and its pending upload holding
        the bytes in a file (written and flushed first). Inside the action's transaction."""
        photo = Photo.objects.create(case=case, event=event, stage=stage, image="", sha256="",
                                     width=self.header.width, height=self.header.height,
                                     size=len(self.data))
        digest = self.sha256 or hashlib.sha256(self.data).hexdigest()
        upload = PhotoUpload(photo=photo, source_sha256=digest)
        upload.raw.save(f"{case.number}-{stage}-{digest[:12]}.raw", ContentFile(self.data),
                        save=False)
        upload.save()
        return photo


def _take() -> PhotoUpload | None:
    queue = PhotoUpload.objects.filter(state=PhotoUpload.PENDING).order_by("id")
    if connection.features.has_select_for_update_skip_locked:
        queue = queue.select_for_update(skip_locked=True, of=("self",))
    # The case's number is all the cleaner needs of it here: the action loads and locks the
    # case itself.
    return queue.select_related("photo").annotate(case_number=F("photo__case__number")).first()


def _read(upload: PhotoUpload) -> bytes:
    with upload.raw.open("rb") as f:
        return f.read()


def _drop_file_after_commit(upload: PhotoUpload) -> None:
    if upload.raw:
        storage, name = upload.raw.storage, upload.raw.name
        transaction.on_commit(lambda: storage.delete(name))


def clean_next(actor=None) -> bool:
    """Clean the oldest pending upload; False when there is none. ``actor``: the system user
    the step is recorded as (looked up when None)."""
    with transaction.atomic():
        upload = _take()
        if upload is None:
            return False
        try:
            clean = clean_photo(_read(upload))
        except PhotoInvalid as exc:
            _refuse(upload, str(exc), actor)
            return True
        except Exception as exc:  # a Pillow bug (or a lost file) must not stop the queue
            log.exception("photo cleaner: upload %s failed", upload.pk)
            upload.attempts += 1
            if upload.attempts >= MAX_ATTEMPTS:
                _refuse(upload, f"the photo could not be processed: {exc!r}"[:300], actor)
            else:
                upload.save(update_fields=["attempts"])
            return True
        do_photo_cleaned(upload.photo, clean, case_number=upload.case_number, actor=actor)
        _drop_file_after_commit(upload)
        upload.delete()
    return True


def _refuse(upload: PhotoUpload, reason: str, actor=None) -> None:
    log.warning("photo cleaner: photo %s of case %s refused: %s", upload.photo_id,
                upload.case_number, reason)
    do_photo_cleaned(upload.photo, None, reason[:300], case_number=upload.case_number,
                     actor=actor)
    _drop_file_after_commit(upload)
    upload.state, upload.reason, upload.raw = PhotoUpload.REFUSED, reason[:300], ""
    upload.save(update_fields=["state", "reason", "raw", "attempts"])


def clean_all() -> int:
    """Clean until nothing is pending; returns how many uploads were handled."""
    n = 0
    while clean_next():
        n += 1
    return n


def run(stop=lambda: False) -> None:  # pragma: no cover - the loop of manage.py clean_photos
    actor = None
    while not stop():
        try:
            actor = actor or system_user()
            if not clean_next(actor):
                time.sleep(IDLE_SLEEP_S)
        except Exception:
            log.exception("photo cleaner: database error; retrying")
            actor = None
            connection.close()
            time.sleep(1.0)
