"""Photo intake: sniff the bytes (never the name), bound the size, re-encode as JPEG.

Re-encoding drops every metadata block (EXIF GPS, maker notes, thumbnails) and any payload
hidden after the image data; what we store is only what we decoded. Pillow is the standard,
well-kept imaging library for Python, which is why it does this rather than our own parsing.

Two steps, so that a request can afford the first and leave the second to a background worker
(``server.intake.uploads``): ``sniff_photo`` reads only the header (format, size, a cut-off
JPEG: well under a millisecond); ``clean_photo`` sniffs, then decodes and re-encodes (tens of
milliseconds for a handset photo).
"""

from __future__ import annotations

import hashlib
import io
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from workflows.reasons import Reason

#: Formats a handset or a console may send; everything is stored as JPEG.
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
#: Long side of the stored image; the handset already shrinks to 1280 px.
MAX_STORED_SIDE = 1600
#: A PNG or WebP (a flat image compresses to almost nothing: 116 KB decoded to 40 Mpx, 0.6 s
#: and 100 MB) larger than ``DENSE_FROM_PIXELS`` must bring at least one byte per
#: ``MAX_PIXELS_PER_BYTE`` pixels; a real photo brings hundreds of times more.
DENSE_FROM_PIXELS = 2_000_000
MAX_PIXELS_PER_BYTE = 100


def photo_state(photo) -> tuple[str, str]:
    """("clean", "") | ("pending", "") | ("refused", reason) for a stored ``Photo``: a report's
    photo waits for the photo cleaner (``server.intake.uploads``) until it has an image."""
    if photo.image:
        return "clean", ""
    try:
        upload = photo.upload  # select_related("upload") spares the query
    except ObjectDoesNotExist:  # no upload waits: say so rather than serve nothing
        return "refused", "the photo has no stored image"
    return upload.state, upload.reason


class PhotoInvalid(ValueError):
    """The upload is not a usable photo; the message (``reason``, a ``Reason``: English, and
    in the request's language through ``server.reasons.worded``) says why."""

    @property
    def reason(self) -> str:
        return self.args[0]


class StorablePhoto(Protocol):
    """What an action stores with an event: a clean photo, or one to be cleaned later."""

    def save_for(self, case, event, stage: str):
        """Create and return the ``Photo`` row of ``case``/``event``, inside the action's
        transaction (its file is written first)."""


@dataclass(frozen=True)
class PhotoHeader:
    format: str
    width: int
    height: int


@dataclass(frozen=True)
class CleanPhoto:
    jpeg: bytes
    sha256: str
    width: int
    height: int
    source_sha256: str  # hash of the bytes as sent (idempotency compares this)

    def save_for(self, case, event, stage: str):
        from server.cases.models import Photo

        obj = Photo(case=case, event=event, stage=stage, sha256=self.sha256,
                    width=self.width, height=self.height, size=len(self.jpeg))
        obj.image.save(f"{case.number}-{stage}-{self.sha256[:12]}.jpg", ContentFile(self.jpeg),
                       save=False)
        obj.save()
        return obj


@contextmanager
def _decoding():
    """Pillow's errors while reading an upload, as PhotoInvalid with the reason a user can act
    on (a decompression bomb's warning counts as an error)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    except PhotoInvalid:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoInvalid(Reason("the photo is too large: %(detail)s", detail=exc)) from None
    except UnidentifiedImageError:
        raise PhotoInvalid(Reason("the file is not an image (JPEG, PNG or WebP expected)")) \
            from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise PhotoInvalid(Reason("the image is damaged: %(detail)s", detail=exc)) from None


def sniff_photo(data: bytes) -> PhotoHeader:
    """The checks of the header alone; raises PhotoInvalid with a reason. An accepted format,
    at most ``MAX_PHOTO_PIXELS``, and a JPEG must end with its end-of-image marker (an upload
    cut short is the commonest damage), and a PNG or WebP over ``DENSE_FROM_PIXELS`` pixels
    must not claim more than ``MAX_PIXELS_PER_BYTE`` pixels per byte of its file. Pixels are
    not decoded: a photo can still fail in ``clean_photo``."""
    if not data:
        raise PhotoInvalid(Reason("the photo is empty"))
    with _decoding():
        with Image.open(io.BytesIO(data)) as probe:
            fmt, width, height = probe.format, probe.width, probe.height
            if fmt not in ACCEPTED_FORMATS:
                raise PhotoInvalid(Reason("the photo must be JPEG, PNG or WebP, not %(format)s",
                                          format=fmt or "unknown"))
            if width * height > settings.MAX_PHOTO_PIXELS:
                raise PhotoInvalid(Reason(
                    "the photo is too large: %(width)sx%(height)s pixels (at most %(million)s "
                    "million)", width=width, height=height,
                    million=f"{settings.MAX_PHOTO_PIXELS / 1e6:g}"))
            if (fmt != "JPEG" and width * height > DENSE_FROM_PIXELS
                    and width * height > len(data) * MAX_PIXELS_PER_BYTE):
                raise PhotoInvalid(Reason(
                    "the photo is too large for its file: %(width)sx%(height)s pixels in "
                    "%(size)s bytes (a decompression bomb?)", width=width, height=height,
                    size=len(data)))
            if fmt != "JPEG":
                probe.verify()  # PNG: chunk CRCs, cheap
    if fmt == "JPEG" and b"\xff\xd9" not in data[-4096:]:
        raise PhotoInvalid(Reason("the image is damaged: the JPEG data is cut short (no end "
                                  "marker)"))
    return PhotoHeader(fmt, width, height)


def clean_photo(data: bytes) -> CleanPhoto:
    """Sniff, decode, check and re-encode ``data``; raises PhotoInvalid with a reason."""
    sniff_photo(data)
    source_sha = hashlib.sha256(data).hexdigest()
    with _decoding():
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            # Keep the orientation the camera meant. In place: a copy of a handset photo
            # costs more CPU than the rest of the decode.
            ImageOps.exif_transpose(img, in_place=True)
            if img.mode not in ("RGB", "L"):
                img = img.convert("RGB")
            img.thumbnail((MAX_STORED_SIDE, MAX_STORED_SIDE))
            out = io.BytesIO()
            # Pillow writes some metadata kept in ``info`` on save (a JPEG comment, since
            # 9.4): drop it all, only the pixels go out.
            img.info.clear()
            # No Huffman optimisation: it costs about 40 % of the encode's CPU (a second pass)
            # for files about 15 % smaller, and re-encoding is most of what a report costs.
            img.save(out, format="JPEG", quality=85)
    jpeg = out.getvalue()
    return CleanPhoto(jpeg=jpeg, sha256=hashlib.sha256(jpeg).hexdigest(), width=img.width,
                      height=img.height, source_sha256=source_sha)
