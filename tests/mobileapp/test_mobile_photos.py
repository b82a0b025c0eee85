"""Photo shrinking: size, orientation, no metadata (pure, no server)."""

from __future__ import annotations

import io
import os

import pytest
from PIL import Image

from mobileapp.core.photos import MAX_BYTES, NotAnImage, shrink


def camera_jpeg(w=2400, h=1600, orientation=6) -> bytes:
    """A noisy (hard to compress) camera-sized JPEG with EXIF: orientation, GPS, maker."""
    img = Image.frombytes("RGB", (w, h), os.urandom(w * h * 3))
    exif = Image.Exif()
    exif[0x0112] = orientation           # Orientation: rotate 90° CW to view
    exif[0x010F] = "PhoneMaker"          # Make
    exif[0x8825] = {2: (31.0, 14.0, 0.0)}  # GPSInfo: latitude, leaks where the user lives
    out = io.BytesIO()
    img.save(out, "JPEG", quality=95, exif=exif, icc_profile=b"fake-icc" * 10)
    return out.getvalue()


def test_shrunk_photo_is_small_upright_and_bare():
    raw = camera_jpeg()
    assert len(raw) > 1_000_000
    out = shrink(raw)
    assert len(out) <= MAX_BYTES
    img = Image.open(io.BytesIO(out))
    assert img.format == "JPEG"
    assert max(img.size) <= 1280
    assert img.height > img.width  # orientation 6 applied: landscape sensor → portrait photo
    assert not img.getexif()
    assert "exif" not in img.info and "icc_profile" not in img.info
    assert b"Exif" not in out[:64 * 1024] and b"PhoneMaker" not in out


def test_small_plain_photo_keeps_its_size_and_png_alpha_is_flattened():
    img = Image.new("RGBA", (300, 200), (10, 200, 30, 128))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    out = Image.open(io.BytesIO(shrink(buf.getvalue())))
    assert out.size == (300, 200) and out.mode == "RGB"


def test_not_an_image():
    with pytest.raises(NotAnImage):
        shrink(b"not a photo at all")
