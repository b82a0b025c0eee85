"""The field kinds (attendance, tracks, component updates) through the real sender and
ApiClient against the real server (SpatiaLite, demo city, daphne)."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from mobileapp.core.api import ApiClient, Refused
from mobileapp.core.outbox import REFUSED, SENT, Outbox
from mobileapp.core.sender import Sender
from mobileapp.core.track import TrackRecorder
from tests.mobileapp.test_mobile_sender_live import FAST


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def test_clock_in_and_a_track_go_through_the_outbox(tmp_path, live, sup_token, cells):
    ob = Outbox(tmp_path / "phone.db")
    cell = cells[0]
    clock_in = ob.add_attendance("in", cell["lat"], cell["lon"], 6, now_iso())
    rec = TrackRecorder(ob, min_distance_m=0, min_interval_s=1)
    t = time.time() - 600
    for i in range(5):
        rec.add(cell["lat"] + i * 2e-4, cell["lon"], 5, t + i * 30)
    [track] = rec.flush()
    bad = ob.add_attendance("out", 95.0, cell["lon"], 6, now_iso())  # lat out of range
    sender = Sender(ob.path, live.base_url, sup_token, **FAST)
    with ApiClient(live.base_url, sup_token) as api:
        while sender.step(ob, api):
            pass
        got = {i.id: i for i in ob.items()}
        assert got[clock_in.id].state == SENT and got[clock_in.id].case_number.isdigit()
        assert got[track.id].state == SENT
        assert got[bad.id].state == REFUSED and "lat" in got[bad.id].reason
        day = api.request("GET", "/api/attendance/")[1]
        assert day["on_duty"] is True
        # the same item again (an answer lost on the way): the same record, not a second one
        f = got[clock_in.id].fields
        status, body = api.attendance("in", float(f["lat"]), float(f["lon"]), 6,
                                      f["device_at"], got[clock_in.id].key)
        assert status == 200 and str(body["id"]) == got[clock_in.id].case_number
        with pytest.raises(Refused) as err:
            api.track([{"lat": cell["lat"], "lon": cell["lon"], "at": now_iso()}], track.key)
        assert err.value.status == 409 and err.value.code == "idempotency_conflict"


def test_nearby_and_the_duty_map_with_its_etag(live, sup_token, cells):
    with ApiClient(live.base_url, sup_token) as api:
        status, data, etag = api.duty_map()
        assert status == 200 and etag and data["cells"]["features"]
        assert data["duty_grids"] and len(data["bbox"]) == 4
        assert api.duty_map(etag) == (304, None, etag)
        comp = data["components"]["features"][0]
        lon, lat = comp["geometry"]["coordinates"][:2]
        near = api.nearby(lat, lon, radius_m=30)
        assert near["components"][0]["code"] == comp["properties"]["code"]
        assert near["map_version"] == data["map_version"]
        with pytest.raises(Refused) as err:
            api.nearby(lat, lon, radius_m=10_000)
        assert err.value.status == 400 and err.value.field == "radius_m"


def test_a_duty_map_is_for_supervisors_only(live):
    from tests.mobileapp.conftest import token

    with ApiClient(live.base_url, token(live.base_url, "leader")) as api:
        with pytest.raises(Refused) as err:
            api.duty_map()
        assert err.value.status == 403


def test_component_update_and_a_voice_note_through_the_outbox(tmp_path, live, sup_token,
                                                              cells):
    from bench.simulate import make_photo
    from mobileapp.core.photos import shrink

    with ApiClient(live.base_url, sup_token) as api:
        _, duty, _ = api.duty_map()
        comp = duty["components"]["features"][0]["properties"]["code"]
        ob = Outbox(tmp_path / "phone.db")
        update = ob.add_component_update({"kind": "damaged", "component_code": comp,
                                          "note": "井盖破损"}, shrink(make_photo(5)))
        no_photo = ob.add_component_update({"kind": "added", "class_code": "0103",
                                            "lat": cells[0]["lat"], "lon": cells[0]["lon"]}, None)
        wav = b"RIFF" + (836).to_bytes(4, "little") + b"WAVEfmt " + bytes(24) + b"data" + bytes(804)
        report = ob.add_report({"kind": "event", "class_code": "0101", "lat": cells[2]["lat"],
                                "lon": cells[2]["lon"], "accuracy_m": 5,
                                "description": "带语音"}, shrink(make_photo(6)), voice=wav)
        sender = Sender(ob.path, live.base_url, sup_token, **FAST)
        while sender.step(ob, api):
            pass
        got = {i.id: i for i in ob.items()}
        assert got[update.id].state == SENT and got[update.id].case_number.isdigit()
        assert got[no_photo.id].state == REFUSED and "photo" in got[no_photo.id].reason
        assert got[report.id].state == SENT
        case = api.request("GET", f"/api/cases/{got[report.id].case_number}/")[1]
        [note] = case["voice_notes"]
        assert note["content_type"] == "audio/wav" and note["size"] == len(wav)
        # the same update again: the same row
        status, body = api.component_update(got[update.id].fields, got[update.id].photo,
                                            got[update.id].key)
        assert status == 200 and str(body["id"]) == got[update.id].case_number
