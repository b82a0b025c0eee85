"""Camera alerts (视频监控): a platform key, a snapshot, a class and a confidence make a case of
channel video that needs verification; idempotent per (camera, alert id); duplicates listed."""

from __future__ import annotations

import base64
import io

import pytest

from server.cases.models import Case, Photo
from server.open311.models import CameraAlert, CameraPlatform
from tests.server.conftest import cell_centre, jpeg

URL = "/api/video/alerts/"


def alert(**over):
    lon, lat = cell_centre(3)
    snap = io.BytesIO(jpeg((120, 120, 0)))
    snap.name = "snap.jpg"
    data = {"camera_id": "CAM-0042", "alert_id": "A-1", "lat": f"{lat:.7f}", "lon": f"{lon:.7f}",
            "kind": "event", "class_code": "0101", "confidence": "0.91", "snapshot": snap,
            "captured_at": "2026-07-01T09:30:00+08:00"}
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def send(cast, key="demo-camera-key", **over):
    return cast["anonymous"].post(URL, alert(**over), format="multipart", HTTP_X_API_KEY=key)


def test_an_alert_becomes_a_video_case_with_its_snapshot(cast):
    r = send(cast)
    assert r.status_code == 201, r.content
    body = r.json()
    case = Case.objects.get(number=body["number"])
    assert (case.channel, case.state, case.reporter.username) == ("video", "reported", "video")
    assert case.cell_code.endswith("003") and "CAM-0042" in case.description
    assert Photo.objects.get(case=case).stage == "before"
    a = CameraAlert.objects.get(case=case)
    assert (a.camera_id, a.alert_id, a.confidence, a.platform.name) == ("CAM-0042", "A-1", 0.91,
                                                                        "demo-camera")
    assert a.captured_at is not None
    # The filing guard wants a verification first, as for every public channel.
    cast["acceptor"].post(f"/api/cases/{case.number}/actions/accept/", {}, format="json")
    assert cast["dutychief"].post(f"/api/cases/{case.number}/actions/file/", {},
                                  format="json").status_code in (400, 409)


def test_idempotent_per_camera_and_alert(cast):
    first = send(cast).json()["number"]
    again = send(cast)
    assert again.status_code == 200 and again.json()["number"] == first
    assert again.json()["created"] is False
    other = send(cast, confidence="0.95")  # same ids, another body
    assert other.status_code == 409
    assert send(cast, camera_id="CAM-0043").status_code == 201  # another camera, same alert id
    assert Case.objects.count() == 2 and CameraAlert.objects.count() == 2


def test_duplicates_from_any_channel_are_listed(cast):
    lon, lat = cell_centre(3)
    hotline = cast["calltaker"].post("/api/hotline/calls/", {
        "idempotency_key": "call-0001-abcdef", "line": "12319", "caller_phone": "13800000000",
        "kind": "event", "class_code": "0101", "lat": lat, "lon": lon}, format="json").json()
    body = send(cast).json()
    assert [(d["number"], d["channel"]) for d in body["duplicates"]] == [(hotline["number"],
                                                                          "hotline")]


def test_base64_snapshot_in_json(cast):
    data = alert(snapshot=base64.b64encode(jpeg()).decode())
    r = cast["anonymous"].post(URL, data, format="json", HTTP_X_API_KEY="demo-camera-key")
    assert r.status_code == 201, r.content


def test_low_confidence_is_answered_but_not_stored(cast):
    r = send(cast, confidence="0.2")
    assert r.status_code == 200
    assert r.json()["created"] is False and "threshold" in r.json()["ignored"]
    assert not Case.objects.exists()


@pytest.mark.parametrize("key, over, status, field", [
    ("", {}, 403, None),
    ("wrong", {}, 403, None),
    ("demo-camera-key", {"snapshot": None}, 400, "snapshot"),
    ("demo-camera-key", {"class_code": "9999"}, 400, "class_code"),
    ("demo-camera-key", {"confidence": "1.5"}, 400, "confidence"),
    ("demo-camera-key", {"camera_id": "bad id!"}, 400, "camera_id"),
    ("demo-camera-key", {"lat": "31.2", "lon": "121.5"}, 400, "lat"),
])
def test_bad_alerts_store_nothing(cast, key, over, status, field):
    r = send(cast, key=key, **over)
    assert r.status_code == status, r.content
    if field:
        assert r.json()["error"]["field"] == field
    assert not Case.objects.exists() and not CameraAlert.objects.exists()


def test_a_not_an_image_snapshot(cast):
    bad = io.BytesIO(b"GIF89a not really")
    bad.name = "x.gif"
    r = send(cast, snapshot=bad)
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_photo"


def test_inactive_platform_refused(cast):
    CameraPlatform.objects.update(active=False)
    assert send(cast).status_code == 403
