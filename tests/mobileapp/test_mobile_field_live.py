"""The field kinds (issue 6) through the real sender and ApiClient against the real server
(SpatiaLite, demo city, daphne)."""

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
