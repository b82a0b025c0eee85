"""Photo intake: sniff the bytes (never the name), bound the size, re-encode as JPEG.

Re-encoding drops every metadata block (EXIF GPS, maker notes, thumbnails) and any payload
hidden after the image data; what we store is only what we decoded. Pillow is the standard,
well-kept imaging library for Python, which is why it does this rather than our own parsing.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

#: Formats a handset or a console may send; everything is stored as JPEG.
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
#: Long side of the stored image; the handset already shrinks to 1280 px.
MAX_STORED_SIDE = 1600


class PhotoInvalid(ValueError):
    """The upload is not a usable photo; the message says why."""


@dataclass(frozen=True)
class CleanPhoto:
    jpeg: bytes
    sha256: str
    width: int
    height: int
    source_sha256: str  # hash of the bytes as sent (idempotency compares this)


def clean_photo(data: bytes) -> CleanPhoto:
    """Decode, check and re-encode ``data``; raises PhotoInvalid with a reason."""
    if not data:
        raise PhotoInvalid("the photo is empty")
    source_sha = hashlib.sha256(data).hexdigest()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format
                if fmt not in ACCEPTED_FORMATS:
                    raise PhotoInvalid(f"the photo must be JPEG, PNG or WebP, not {fmt or 'unknown'}")
                if probe.width * probe.height > settings.MAX_PHOTO_PIXELS:
                    raise PhotoInvalid(f"the photo is too large: {probe.width}x{probe.height} pixels")
                probe.verify()
            with Image.open(io.BytesIO(data)) as img:
                img.load()
                img = ImageOps.exif_transpose(img)  # keep the orientation the camera meant
                if img.mode not in ("RGB", "L"):
                    img = img.convert("RGB")
                img.thumbnail((MAX_STORED_SIDE, MAX_STORED_SIDE))
                out = io.BytesIO()
                # Pillow writes some metadata kept in ``info`` on save (a JPEG comment, since
                # 9.4): drop it all, only the pixels go out.
                img.info.clear()
                img.save(out, format="JPEG", quality=85, optimize=True)
    except PhotoInvalid:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoInvalid(f"the photo is too large: {exc}") from None
    except UnidentifiedImageError:
        raise PhotoInvalid("the file is not an image (JPEG, PNG or WebP expected)") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise PhotoInvalid(f"the image is damaged: {exc}") from None
    jpeg = out.getvalue()
    return CleanPhoto(jpeg=jpeg, sha256=hashlib.sha256(jpeg).hexdigest(), width=img.width,
                      height=img.height, source_sha256=source_sha)
