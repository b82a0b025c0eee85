"""Every upload path: photos are sniffed (never trusted by name), size-limited,
re-encoded and stripped of metadata, and a refused upload leaves nothing half-stored (no case,
no event, no photo row, no file).

The paths that take a photo: a report (multipart and base64 JSON), a case action with a photo
(a department's feedback; the check takes the same field), a camera alert's snapshot. The
hotline takes no file; Open311 takes media as URLs only (``test_open311_post``); the admin's map
upload is a map, not a photo (``tests/server/maps``).
"""

from __future__ import annotations

import base64
import io
import struct
import uuid
import zlib

import pytest
from PIL import Image

from server.cases.models import Case, CaseEvent, Photo
from server.open311.models import CameraAlert
from tests.server.conftest import cell_centre, jpeg, report_form
from tests.server.test_loop import LOOP, act


def _image(fmt: str, **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(out, fmt, **save)
    return out.getvalue()


def _png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG that claims ``width`` x ``height`` pixels (a decompression bomb's header)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\0" * 1024)) + chunk(b"IEND", b""))


def _hostile_jpeg() -> bytes:
    """A real JPEG carrying EXIF GPS, a comment with a script, and HTML after its end."""
    out = io.BytesIO()
    ex = Image.Exif()
    ex[0x010F] = "SecretCam"
    ex[0x8825] = {2: (39.0, 55.0, 0.0)}
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "JPEG", exif=ex,
                                                    comment=b"<script>alert(1)</script>")
    return out.getvalue() + b"<html><script>alert(2)</script></html>"


#: name -> (file name as sent, bytes): what must be refused with 400, whatever its name says.
REFUSED = {
    "gif named .jpg": ("p.jpg", _image("GIF")),
    "html named .jpg": ("p.jpg", b"<html><body><script>alert(1)</script></body></html>"),
    "svg named .jpg": ("p.jpg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
    "gif/js polyglot named .jpg": ("p.jpg", b"GIF89a/*\x00\x00*/=alert(1);//" + b"\0" * 40),
    "truncated jpeg": ("p.jpg", jpeg(size=(640, 480))[:1500]),
    "bomb over our limit": ("p.png", _png_header_only(8000, 8000)),
    "bomb over pillow's limit": ("p.png", _png_header_only(60000, 60000)),
    "empty": ("p.jpg", b""),
}
#: name -> (file name as sent, bytes): accepted, stored as a clean re-encoded JPEG.
ACCEPTED = {
    "png named .jpg": ("p.jpg", _image("PNG")),
    "jpeg named .png": ("p.png", jpeg()),
    "jpeg with exif gps, a script comment and html after it": ("p.jpg", _hostile_jpeg()),
}


def _file(name: str, data: bytes) -> io.BytesIO:
    f = io.BytesIO(data)
    f.name = name
    return f


def _dispatched_case(cast) -> str:
    """A case the roads department is handling: the next step, feedback, takes a photo."""
    r = cast["supervisor"].post("/api/reports/", report_form(), format="multipart")
    number = r.json()["number"]
    for who, action, data, _ in LOOP[:4]:
        assert act(cast[who], number, action, **dict(data)).status_code == 200
    return number


def _report_multipart(cast, name, data):
    return cast["supervisor"].post("/api/reports/", report_form(photo=_file(name, data)),
                                   format="multipart"), "photo"


def _report_base64(cast, name, data):
    form = report_form(photo=base64.b64encode(data).decode())
    return cast["supervisor"].post("/api/reports/", form, format="json"), "photo"


def _feedback(cast, name, data, number=None):
    number = number or _dispatched_case(cast)
    return cast["dept_roads"].post(f"/api/cases/{number}/actions/feedback/",
                                   {"note": "done", "photo": _file(name, data)},
                                   format="multipart"), "photo"


def _camera(cast, name, data):
    lon, lat = cell_centre(3)
    body = {"camera_id": "CAM-7", "alert_id": uuid.uuid4().hex, "lat": f"{lat:.7f}",
            "lon": f"{lon:.7f}", "kind": "event", "class_code": "0101", "confidence": "0.9",
            "snapshot": _file(name, data)}
    return cast["anonymous"].post("/api/video/alerts/", body, format="multipart",
                                  HTTP_X_API_KEY="demo-camera-key"), "snapshot"


PATHS = {"report": _report_multipart, "report-base64": _report_base64,
         "case-feedback": _feedback, "camera-alert": _camera}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _stored(media) -> tuple:
    files = sorted(p.name for p in media.rglob("*") if p.is_file()) if media.exists() else []
    return (Case.objects.count(), CaseEvent.objects.count(), Photo.objects.count(),
            CameraAlert.objects.count(), len(files))


@pytest.mark.parametrize("path", PATHS)
def test_refused_files_store_nothing_on_every_path(cast, media, path):
    number = _dispatched_case(cast) if path == "case-feedback" else None
    send = PATHS[path]
    before = _stored(media)
    wrong = []
    for what, (name, data) in REFUSED.items():
        r, field = send(cast, name, data, number) if number else send(cast, name, data)
        err = r.json().get("error", {}) if r.status_code == 400 else {}
        if r.status_code != 400 or err.get("field") != field or not err.get("message"):
            wrong.append(f"{what}: {r.status_code} {r.content[:200]!r}")
        if _stored(media) != before:
            wrong.append(f"{what}: something was stored")
    assert wrong == []
    if number:
        assert Case.objects.get(number=number).state == "handling"


def test_the_refusals_say_why(cast, media):
    def message(what):
        r, _ = _report_multipart(cast, *REFUSED[what])
        return r.json()["error"]["message"]

    assert "GIF" in message("gif named .jpg")
    assert "not an image" in message("html named .jpg")
    assert "damaged" in message("truncated jpeg") or "truncated" in message("truncated jpeg")
    assert "too large" in message("bomb over our limit")
    assert "too large" in message("bomb over pillow's limit")
    assert "empty" in message("empty")


@pytest.mark.parametrize("path", PATHS)
def test_an_oversize_body_is_refused_before_it_is_read(cast, media, settings, path):
    number = _dispatched_case(cast) if path == "case-feedback" else None
    settings.MAX_REQUEST_BYTES = 64 * 1024
    before = _stored(media)
    big = jpeg() + b"\0" * (100 * 1024)
    r, _ = PATHS[path](cast, "p.jpg", big, number) if number else PATHS[path](cast, "p.jpg", big)
    assert r.status_code == 413 and "over the limit" in r.json()["error"]["message"]
    assert _stored(media) == before


@pytest.mark.parametrize("path", PATHS)
def test_accepted_photos_are_stored_as_clean_jpegs(cast, media, path):
    for what, (name, data) in ACCEPTED.items():
        before = set(Photo.objects.values_list("pk", flat=True))
        r, _ = PATHS[path](cast, name, data)
        assert r.status_code in (200, 201), (what, r.content)
        photo = Photo.objects.exclude(pk__in=before).latest("pk")  # feedback: the "after"
        stored = photo.image.read()
        photo.image.close()
        with Image.open(io.BytesIO(stored)) as img:
            assert img.format == "JPEG" and not img.getexif(), what
            assert "comment" not in img.info, what
        assert stored.startswith(b"\xff\xd8") and stored.endswith(b"\xff\xd9"), what
        for secret in (b"Exif", b"SecretCam", b"<script", b"<html"):
            assert secret not in stored, (what, secret)
        # What the API serves is what was stored.
        served = cast["leader"].get(f"/api/photos/{photo.pk}/")
        assert served["Content-Type"] == "image/jpeg"
        assert b"".join(served.streaming_content) == stored
