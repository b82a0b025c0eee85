"""POST /api/reports/: placement, numbering, idempotency, and every kind of bad report."""

from __future__ import annotations

import io
import json
import re

import pytest
from PIL import Image

from server.cases.models import Case, CaseEvent, Photo
from tests.server.conftest import cell_centre, jpeg, report_form

NUMBER = re.compile(r"^C0103\d{8}\d{4}$")


def nothing_stored():
    return Case.objects.count() == 0 and CaseEvent.objects.count() == 0 \
        and Photo.objects.count() == 0


def test_report_is_placed_numbered_and_logged(cast):
    r = cast["supervisor"].post("/api/reports/", report_form(), format="multipart")
    assert r.status_code == 201, r.content
    body = r.json()
    assert NUMBER.match(body["number"]) and body["number"].endswith("0001")
    assert body["created"] is True and body["state"] == "reported"
    p = body["placement"]
    assert p["cell_code"] == "110101001001001"
    assert p["community_name"] == "东华门第1社区" and p["street_name"] == "东华门街道"
    assert [c["code"] for c in p["components"]] == ["1101010103000001"]
    case = Case.objects.get(number=body["number"])
    [event] = case.events.all()
    assert (event.action, event.from_state, event.to_state, event.actor.username) == (
        "report", "", "reported", "supervisor")
    assert case.deadline == event.deadline and case.deadline > case.created_at


def test_second_case_same_day_gets_next_number(cast, report):
    first, second = report(), report()
    assert int(second[-4:]) == int(first[-4:]) + 1


def test_stored_photo_is_reencoded_without_metadata(cast):
    form = report_form(photo=io.BytesIO(jpeg(exif=True)))
    form["photo"].name = "x.jpg"
    r = cast["supervisor"].post("/api/reports/", form, format="multipart")
    assert r.status_code == 201
    photo = Photo.objects.get()
    data = photo.image.read()
    assert b"SecretCam" not in data
    assert Image.open(io.BytesIO(data)).getexif() == {}
    assert (photo.width, photo.height, photo.stage) == (64, 48, "before")


def test_json_body_with_base64_photo(cast):
    import base64

    form = report_form()
    form["photo"] = base64.b64encode(jpeg()).decode()
    r = cast["supervisor"].post("/api/reports/", json.dumps(form), content_type="application/json")
    assert r.status_code == 201, r.content


def test_same_request_twice_returns_the_same_case(cast):
    form = report_form()
    photo = form["photo"].getvalue()
    first = cast["supervisor"].post("/api/reports/", form, format="multipart")
    form["photo"] = io.BytesIO(photo)
    form["photo"].name = "p.jpg"
    again = cast["supervisor"].post("/api/reports/", form, format="multipart")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["number"] == first.json()["number"]
    assert again.json()["created"] is False
    assert Case.objects.count() == 1 and CaseEvent.objects.count() == 1


def test_replayed_key_with_another_body_is_refused(cast):
    form = report_form()
    assert cast["supervisor"].post("/api/reports/", form, format="multipart").status_code == 201
    other = report_form(idempotency_key=form["idempotency_key"], description="something else")
    r = cast["supervisor"].post("/api/reports/", other, format="multipart")
    assert r.status_code == 409
    assert r.json()["error"]["field"] == "idempotency_key"
    assert Case.objects.count() == 1


def _bad(**over):
    return over


OUTSIDE = {"lat": "39.5", "lon": "116.0"}


@pytest.mark.parametrize("change, status, field, words", [
    ({"photo": None}, 400, "photo", "needs a photo"),
    ({"photo": "text"}, 400, "photo", "not an image"),
    ({"photo": "gif"}, 400, "photo", "jpeg"),
    (OUTSIDE, 400, "lat", "outside the managed area"),
    ({"lat": "91"}, 400, "lat", "less than or equal"),
    ({"lon": "east"}, 400, "lon", "number"),
    ({"class_code": "9999"}, 400, "class_code", "unknown component class"),
    ({"class_code": "01a1"}, 400, "class_code", "digits"),
    ({"kind": "thing"}, 400, "kind", "valid choice"),
    ({"idempotency_key": None}, 400, "idempotency_key", "required"),
    ({"idempotency_key": "short"}, 400, "idempotency_key", "8-64"),
    ({"description": "x" * 2001}, 400, "description", "2000"),
    ({"accuracy_m": "-1"}, 400, "accuracy_m", "greater than or equal"),
])
def test_bad_report_names_the_field_and_stores_nothing(cast, change, status, field, words):
    form = report_form()
    for key, value in change.items():
        if value is None:
            form.pop(key)
        elif key == "photo":
            if value == "text":
                form["photo"] = io.BytesIO(b"this is not an image at all")
            else:
                buf = io.BytesIO()
                Image.new("RGB", (8, 8)).save(buf, "GIF")
                form["photo"] = io.BytesIO(buf.getvalue())
            form["photo"].name = "p.jpg"  # the name lies: the bytes decide
        else:
            form[key] = value
    r = cast["supervisor"].post("/api/reports/", form, format="multipart")
    assert r.status_code == status, r.content
    err = r.json()["error"]
    assert err["field"] == field
    assert words in err["message"].lower(), err
    assert nothing_stored()


def test_malformed_json_is_refused(cast):
    r = cast["supervisor"].post("/api/reports/", '{"kind": "component", "lat": ',
                                content_type="application/json")
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "parse_error"
    assert "json" in r.json()["error"]["message"].lower()
    assert nothing_stored()


def test_body_over_the_limit_is_refused_unread(cast, settings):
    settings.MAX_REQUEST_BYTES = 50_000
    form = report_form(photo=io.BytesIO(jpeg(size=(1200, 900)) + b"\0" * 60_000))
    form["photo"].name = "big.jpg"
    r = cast["supervisor"].post("/api/reports/", form, format="multipart")
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "too_large"
    assert nothing_stored()


def test_bad_base64_photo_in_json(cast):
    form = report_form()
    form["photo"] = "@@not-base64@@"
    r = cast["supervisor"].post("/api/reports/", json.dumps(form), content_type="application/json")
    assert r.status_code == 400 and r.json()["error"]["field"] == "photo"
    assert nothing_stored()


@pytest.mark.parametrize("who, status", [("anonymous", 401), ("dispatcher", 403),
                                         ("dept_roads", 403), ("leader", 403)])
def test_only_reporting_roles_may_report(cast, who, status):
    r = cast[who].post("/api/reports/", report_form(), format="multipart")
    assert r.status_code == status, r.content
    assert nothing_stored()


def test_accuracy_snaps_a_point_just_outside(cast):
    lon, lat = cell_centre(1)
    from gis.frames import from_metres, to_metres

    x, y = to_metres(lon, lat)
    lon2, lat2 = from_metres(x - 60, y)  # 10 m west of the grid's edge
    form = report_form(lon=f"{lon2:.7f}", lat=f"{lat2:.7f}", accuracy_m="30")
    r = cast["supervisor"].post("/api/reports/", form, format="multipart")
    assert r.status_code == 201, r.content
    assert r.json()["placement"]["cell_code"] == "110101001001001"


def test_a_handset_reports_hash_is_the_one_earlier_servers_stored():
    """A retry sent across an upgrade must still be recognised: the door's hash of a handset
    report (no voice note, no extras) is the canonical JSON list earlier servers hashed."""
    import hashlib
    import json

    from server.intake.submit import Report, hash_of

    photo = b"\xff\xd8 not really a jpeg \xff\xd9"
    report = Report(kind="event", class_code="0101", lon=116.41, lat=39.93,
                    idempotency_key="hash-key-0001", accuracy_m=5.0, description="井盖破损",
                    photo=photo)
    earlier = json.dumps(["event", "0101", 39.93, 116.41, 5.0, "井盖破损", "",
                          hashlib.sha256(photo).hexdigest()], ensure_ascii=False)
    assert hash_of(report) == hashlib.sha256(earlier.encode()).hexdigest()
    assert hash_of(report, hashlib.sha256(photo).hexdigest()) == hash_of(report)
    assert hash_of(Report(**{**report.__dict__, "extra": ("caller",)})) != hash_of(report)


@pytest.mark.parametrize("change, field", [
    ({"lat": float("nan")}, "lat"), ({"lon": float("inf")}, "lon"), ({"lat": 1e200}, "lat"),
    ({"accuracy_m": -1.0}, "accuracy_m"), ({"accuracy_m": float("nan")}, "accuracy_m"),
    ({"class_code": "9999"}, "class_code"), ({"kind": "thing"}, "kind"),
    ({"idempotency_key": "short"}, "idempotency_key"),
    ({"description": "长" * 4001}, "description"), ({"component_code": "12ab"}, "component_code"),
])
def test_the_door_refuses_what_no_adapter_should_pass_and_stores_nothing(cast, change, field):
    """The door checks every number finite and in range itself (before GEOS, PROJ or SQL),
    whatever an adapter parsed; a machine channel's own parsing is not trusted."""
    from server.intake.submit import Report, SubmitError, submit

    lon, lat = cell_centre(2)
    report = Report(**{"kind": "event", "class_code": "0101", "lon": lon, "lat": lat,
                       "idempotency_key": "door-key-0001", **change})
    with pytest.raises(SubmitError) as refused:
        submit(cast["calltaker"].user, "hotline", report)
    assert refused.value.status == 400 and refused.value.field == field
    assert refused.value.message  # worded for a person, in the active language (below)
    assert not Case.objects.exists() and not CaseEvent.objects.exists()


def test_the_door_words_its_refusals_in_the_request_s_language(cast):
    from django.utils import translation

    from server.intake.submit import Report, SubmitError, submit

    lon, lat = cell_centre(2)
    said = {}
    for language in ("zh-hans", "en"):
        for change in ({"lat": 1e200}, {"class_code": "9999"}):
            report = Report(**{"kind": "event", "class_code": "0101", "lon": lon, "lat": lat,
                               "idempotency_key": "door-key-0002", **change})
            with translation.override(language), pytest.raises(SubmitError) as refused:
                submit(cast["calltaker"].user, "hotline", report)
            said[language, next(iter(change))] = refused.value.message
    assert said["zh-hans", "lat"].startswith("纬度")
    assert "事件类别代码" in said["zh-hans", "class_code"]
    assert said["en", "lat"].startswith("Latitude: must be a number from -90 to 90")
    assert said["en", "class_code"] == "unknown event class code '9999'"
