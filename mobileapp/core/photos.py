"""Shrink a camera photo on the phone before it enters the outbox.

Contract of ``shrink``: the result is a baseline JPEG whose long side is at most ``max_side``
(1280) pixels, rotated upright by its EXIF orientation, carrying no EXIF, GPS, ICC or comment
metadata, and at most ``max_bytes`` (88 KB) long. Quality steps down from 85 by 10 to 35; if
that is still too big (a very busy scene), the image is scaled by 0.8 and the steps repeat.

Why 88 KB: a report should cost at most 100 KB on the air (a supervisor's data plan and a 3G
cell's upload are both small). Over the emulated 3G link
(``bench/handset_3g.py``: 384 kbit/s, 2 % loss) a report carried 1.13 times its photo: HTTP and
multipart headers, TCP/IP headers, ACKs and resent segments. 88 KB x 1.13 is 99.5 KB, and
about 1.9 s on the air.
"""

from __future__ import annotations

import io

from PIL import Image, ImageOps

MAX_SIDE = 1280
MAX_BYTES = 88 * 1024
QUALITIES = (85, 75, 65, 55, 45, 35)


class NotAnImage(ValueError):
    """The bytes are not an image Pillow can read."""


def shrink(data: bytes, max_side: int = MAX_SIDE, max_bytes: int = MAX_BYTES) -> bytes:
    try:
        img = Image.open(io.BytesIO(data))
        img.load()
    except Exception as exc:  # Pillow raises many types for damaged or foreign files
        raise NotAnImage(f"not a readable image: {exc}") from None
    img = ImageOps.exif_transpose(img)  # apply orientation before the tag is dropped
    if img.mode != "RGB":
        img = img.convert("RGB")  # drops alpha and palettes; JPEG has neither
    img.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    while True:
        for q in QUALITIES:
            out = _encode(img, q)
            if len(out) <= max_bytes:
                return out
        w, h = img.size
        if max(w, h) <= 64:
            return out  # pathological input: give the smallest we made
        img = img.resize((max(1, int(w * 0.8)), max(1, int(h * 0.8))),
                         Image.Resampling.LANCZOS)


def _encode(img: Image.Image, quality: int) -> bytes:
    # A fresh image with only pixels: no info dict, so no exif/icc/comment can ride along.
    bare = Image.frombytes("RGB", img.size, img.tobytes())
    out = io.BytesIO()
    bare.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


def shrink_file(path: str) -> bytes:
    with open(path, "rb") as f:
        return shrink(f.read())
