"""Report photos cleaned later (PHOTOS_CLEAN_LATER): sniffed in the request, stored raw with the
case, re-encoded by the photo cleaner; never served before that. Also: case numbers past 9999
and the health endpoint."""

from __future__ import annotations

import hashlib
import io
import os
from datetime import date

import pytest
from django.utils import timezone
from PIL import Image

from server.cases.models import Case, CaseEvent, CaseNumberCounter, Photo
from server.intake import uploads
from server.intake.models import PhotoUpload
from tests.server.conftest import jpeg, report_form


@pytest.fixture
def later(settings):
    settings.PHOTOS_CLEAN_LATER = True


def send(cast, data: bytes, **over):
    form = report_form(photo=io.BytesIO(data), **over)
    form["photo"].name = "p.jpg"
    return cast["supervisor"].post("/api/reports/", form, format="multipart")


def no_scan_jpeg() -> bytes:
    """A JPEG whose header is sound but whose image data is missing: only decoding finds it."""
    data = jpeg()
    return data[:data.index(b"\xff\xda")] + b"\xff\xd9"


def test_photo_is_stored_raw_then_cleaned_without_metadata(cast, later,
                                                          django_capture_on_commit_callbacks):
    sent = jpeg(size=(80, 60), exif=True)
    r = send(cast, sent)
    assert r.status_code == 201, r.content
    photo = Photo.objects.get()
    upload = PhotoUpload.objects.get(photo=photo)
    assert not photo.image and upload.state == "pending"
    with upload.raw.open("rb") as f:  # the bytes as sent wait in a file, not in the database
        assert f.read() == sent
    raw_path = upload.raw.path
    assert upload.source_sha256 == hashlib.sha256(sent).hexdigest()
    number = r.json()["number"]
    assert cast["acceptor"].get(f"/api/photos/{photo.pk}/").json()["error"]["code"] == \
        "photo_pending"
    assert cast["acceptor"].get(f"/api/cases/{number}/").json()["photos"][0]["state"] == "pending"

    events_before = list(CaseEvent.objects.values_list("action", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        assert uploads.clean_all() == 1
    photo.refresh_from_db()
    assert not PhotoUpload.objects.exists()
    assert not os.path.exists(raw_path)
    # The readiness is a step of the case's log, so the consoles learn of it like any other.
    ready = CaseEvent.objects.exclude(action__in=events_before).get()
    assert ready.action == "photo_cleaned" and ready.from_state == ready.to_state == "reported"
    assert ready.data["photo_id"] == photo.pk and ready.data["result"] == "clean"
    r = cast["acceptor"].get(f"/api/photos/{photo.pk}/")
    assert r.status_code == 200
    stored = b"".join(r.streaming_content)
    assert hashlib.sha256(stored).hexdigest() == photo.sha256 and len(stored) == photo.size
    assert b"SecretCam" not in stored and b"SecretCam" in sent
    img = Image.open(io.BytesIO(stored))
    assert not img.getexif() and (img.width, img.height) == (photo.width, photo.height) == (80, 60)
    assert cast["acceptor"].get(f"/api/cases/{number}/").json()["photos"][0]["state"] == "clean"
    assert uploads.clean_all() == 0


def test_the_cleaner_turns_the_photo_upright_as_the_camera_meant(cast, later):
    img, exif = Image.new("RGB", (80, 60), (10, 200, 10)), Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to view
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    assert send(cast, out.getvalue()).status_code == 201
    uploads.clean_all()
    photo = Photo.objects.get()
    stored = Image.open(photo.image.open("rb"))
    assert (stored.width, stored.height) == (photo.width, photo.height) == (60, 80)
    assert 0x0112 not in stored.getexif()


def test_a_photo_found_bad_later_is_refused_never_served_and_the_case_stands(cast, later):
    r = send(cast, no_scan_jpeg())
    assert r.status_code == 201, r.content
    assert uploads.clean_all() == 1
    photo = Photo.objects.get()
    upload = PhotoUpload.objects.get(photo=photo)
    assert upload.state == "refused" and not upload.raw and "damaged" in upload.reason
    assert not photo.image
    refused = CaseEvent.objects.get(action="photo_cleaned")
    assert refused.data["result"] == "refused" and "damaged" in refused.data["reason"]
    r = cast["acceptor"].get(f"/api/photos/{photo.pk}/")
    assert r.status_code == 410 and r.json()["error"]["code"] == "photo_refused"
    assert "damaged" in r.json()["error"]["message"]
    detail = cast["acceptor"].get(f"/api/cases/{Case.objects.get().number}/").json()
    assert detail["photos"][0]["state"] == "refused" and "damaged" in detail["photos"][0]["reason"]
    assert uploads.clean_all() == 0  # a refused photo is not taken again


def test_an_unexpected_cleaner_error_is_retried_then_refused(cast, later, monkeypatch):
    assert send(cast, jpeg()).status_code == 201

    def broken(data):
        raise RuntimeError("pillow bug")

    monkeypatch.setattr(uploads, "clean_photo", broken)
    for attempt in range(1, uploads.MAX_ATTEMPTS):
        assert uploads.clean_next()
        assert PhotoUpload.objects.get().attempts == attempt
        assert PhotoUpload.objects.get().state == "pending"
    assert uploads.clean_next()
    upload = PhotoUpload.objects.get()
    assert upload.state == "refused" and "pillow bug" in upload.reason and not upload.raw


@pytest.mark.parametrize("data, words", [
    (b"this is not an image at all", "not an image"),
    (jpeg(size=(400, 300))[:-200], "cut short"),
    (b"GIF89a" + b"\0" * 40, "not an image"),
    (b"", "empty"),
])
def test_the_request_still_refuses_what_the_header_shows(cast, later, data, words):
    r = send(cast, data)
    assert r.status_code == 400, r.content
    error = r.json()["error"]
    assert error["field"] == "photo" and words in error["message"]
    assert not Case.objects.exists() and not Photo.objects.exists()
    assert not PhotoUpload.objects.exists()


def test_a_retry_stores_nothing_twice(cast, later):
    answers = [send(cast, jpeg(), idempotency_key="retry-key-0001") for _ in range(2)]
    assert [r.status_code for r in answers] == [201, 200]
    assert len({r.json()["number"] for r in answers}) == 1
    assert Photo.objects.count() == PhotoUpload.objects.count() == 1


def test_a_pending_photo_is_not_public(cast, later):
    from server.accounts.access import is_public_photo

    send(cast, jpeg())
    photo = Photo.objects.select_related("case").get()
    photo.case.state = "closed"  # only the photo's readiness is under test here
    assert not is_public_photo(photo)
    uploads.clean_all()
    photo = Photo.objects.select_related("case").get()
    photo.case.state = "closed"
    assert is_public_photo(photo)


def test_the_sequence_grows_past_four_digits(cast, report):
    CaseNumberCounter.objects.create(day=timezone.localdate(), last=9998)
    first, second = report(), report()
    assert (first[-4:], second[-5:]) == ("9999", "10000")
    assert Case.objects.filter(number__startswith="~").count() == 0


def test_numbers_restart_each_day(cast, report):
    CaseNumberCounter.objects.create(day=date(2020, 1, 1), last=57)
    assert report().endswith("0001")


def test_health_answers_without_database_or_login(db, client, django_assert_num_queries):
    with django_assert_num_queries(0):
        r = client.get("/api/health/")
    assert r.status_code == 200 and r.json() == {"ok": True}
    assert client.post("/api/health/").status_code == 405


@pytest.mark.django_db(transaction=True, available_apps=[
    "django.contrib.contenttypes", "django.contrib.auth",
    "server.accounts"])  # only these tables are emptied afterwards: a fast teardown
def test_a_request_gives_its_connection_back_in_its_own_thread(client, monkeypatch):
    """The test client, unlike a server, does not close connections after a request: only
    ReleaseConnectionsMiddleware can have done it (server/connections.py). As on PostgreSQL
    with its pool (CONN_MAX_AGE 0); SpatiaLite keeps its connections on purpose (settings)."""
    from django.db import connection

    connection.close()
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    connection.ensure_connection()
    assert connection.connection is not None
    r = client.get("/api/me/", HTTP_AUTHORIZATION="Token not-a-real-token")
    assert r.status_code == 401
    assert connection.connection is None
