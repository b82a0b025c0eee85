"""Component updates (部件更新): reported from the field, decided by the map keeper, published
into the next map version through the map-version machinery."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from server.field.models import ComponentUpdate
from server.maps.models import Component, MapVersion
from tests.server.conftest import cell_centre, jpeg
from tests.server.field.conftest import key

COVER = "1101010103000001"


def update_form(**over):
    form = {"kind": "damaged", "component_code": COVER, "note": "井盖破损",
            "idempotency_key": key(), "photo": io.BytesIO(jpeg())}
    form["photo"].name = "u.jpg"
    form.update(over)
    return {k: v for k, v in form.items() if v is not None}


def send(cast, **over):
    return cast["supervisor"].post("/api/component-updates/", update_form(**over),
                                   format="multipart")


def added(n=4, **over):
    lon, lat = cell_centre(n)
    return {"kind": "added", "component_code": None, "class_code": "0103",
            "lat": f"{lat:.7f}", "lon": f"{lon:.7f}", **over}


def test_report_decide_publish_activate(cast):
    sup, keeper = cast["supervisor"], cast["mapkeeper"]
    damaged = send(cast)
    assert damaged.status_code == 201, damaged.content
    body = damaged.json()
    assert body["state"] == "pending" and body["class_code"] == "0103" and body["kind"] == "damaged"
    assert body["cell_code"] == "110101001001001" and body["photo_url"]
    new = send(cast, **added())
    assert new.status_code == 201, new.content
    removed = send(cast, kind="removed", photo=None)
    assert removed.status_code == 201, removed.content
    pending = keeper.get("/api/component-updates/?state=pending").json()
    assert pending["count"] == 3
    ids = [damaged.json()["id"], new.json()["id"], removed.json()["id"]]
    assert keeper.post(f"/api/component-updates/{ids[0]}/approve", {}).json()["state"] == \
        "approved"
    assert keeper.post(f"/api/component-updates/{ids[1]}/approve/", {}).status_code == 200
    r = keeper.post(f"/api/component-updates/{ids[2]}/reject", {"reason": " "}, format="json")
    assert r.status_code == 400 and r.json()["error"]["field"] == "reason"
    r = keeper.post(f"/api/component-updates/{ids[2]}/reject", {"reason": "井盖还在"},
                    format="json")
    assert r.json()["state"] == "rejected" and r.json()["decided_by"] == "mapkeeper"
    again = keeper.post(f"/api/component-updates/{ids[2]}/approve", {})
    assert again.status_code == 409 and "rejected" in again.json()["error"]["message"]
    assert sup.get(f"/api/component-updates/{ids[0]}/photo/").status_code == 200
    assert cast["leader"].get(f"/api/component-updates/{ids[0]}/photo/").status_code == 404

    active = MapVersion.objects.get(active=True)
    r = keeper.post("/api/component-updates/publish", {}, format="json")
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["active"] is False and sorted(out["published"]) == ids[:2] and out["skipped"] == []
    assert MapVersion.objects.get(active=True) == active  # activation is a separate step
    comps = dict(Component.objects.filter(version_id=out["map_version"])
                 .values_list("code", "state"))
    assert comps == {COVER: "damaged", "1101010103000002": "intact"}
    first = keeper.get("/api/component-updates/?state=published").json()["results"]
    assert {u["published_by"] for u in first} == {"mapkeeper"}
    assert {u["component_code"] for u in first} == {COVER, "1101010103000002"}
    assert {u["published_version"] for u in first} == {out["map_version"]}
    # nothing approved is left
    r = keeper.post("/api/component-updates/publish/", {"activate": True}, format="json")
    assert r.status_code == 409 and r.json()["error"]["code"] == "nothing_to_publish"
    new_added = send(cast, **added(n=3))
    keeper.post(f"/api/component-updates/{new_added.json()['id']}/approve", {})
    r = keeper.post("/api/component-updates/publish", {"activate": True, "label": "第二版"},
                    format="json").json()
    assert r["active"] is True and r["label"] == "第二版"
    # built from the active version (the toy), not from the first, inactive, publication
    assert sorted(Component.objects.filter(version_id=r["map_version"])
                  .values_list("code", flat=True)) == [COVER, "1101010103000003"]


def test_field_update_refusals(cast):
    cases = [
        (dict(kind="burnt"), "kind"),
        (dict(component_code=None), "component_code"),
        (dict(component_code="1101010103999999"), "component_code"),  # not on the map
        (dict(photo=None), "photo"),  # damaged needs a photo
        (added(class_code="9999"), "class_code"),
        (added(class_code=None), "class_code"),
        (added(lat=None, lon=None), "lat"),
        (added(lat="30.0", lon="120.0"), "lat"),  # outside the managed area
        (added(component_code=COVER), "component_code"),
        (dict(lat="39.93"), "lat"),  # lat without lon
        (dict(photo=io.BytesIO(b"not an image")), "photo"),
        (dict(idempotency_key="?"), "idempotency_key"),
    ]
    for over, field in cases:
        r = send(cast, **over)
        assert r.status_code == 400 and r.json()["error"]["field"] == field, (over, r.content)
    assert ComponentUpdate.objects.count() == 0
    r = cast["acceptor"].post("/api/component-updates/", update_form(), format="multipart")
    assert r.status_code == 403
    assert cast["supervisor"].get("/api/component-updates/").status_code == 403
    assert cast["mapkeeper"].get("/api/component-updates/?state=lost").status_code == 400


def test_a_field_update_is_idempotent(cast):
    form_key = key()
    first = send(cast, idempotency_key=form_key)
    again = send(cast, idempotency_key=form_key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    other = send(cast, idempotency_key=form_key, note="另一个")
    assert other.status_code == 409
    assert ComponentUpdate.objects.count() == 1


def test_publish_skips_changes_whose_component_is_gone_and_the_command(cast, capsys):
    keeper = cast["mapkeeper"]
    ids = [send(cast, kind="removed", photo=None).json()["id"],
           send(cast, kind="missing", photo=None).json()["id"]]
    for i in ids:
        keeper.post(f"/api/component-updates/{i}/approve", {})
    call_command("publish_component_updates", "--keeper", "mapkeeper", "--activate")
    out = capsys.readouterr().out
    assert "skipped update" in out and "active" in out
    assert ComponentUpdate.objects.get(pk=ids[0]).state == "published"
    assert ComponentUpdate.objects.get(pk=ids[1]).state == "approved"  # its cover was removed
    assert not Component.objects.filter(version__active=True).exists()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not in map version"):
        call_command("publish_component_updates", "--keeper", "mapkeeper")
    with pytest.raises(CommandError, match="no map keeper"):
        call_command("publish_component_updates", "--keeper", "supervisor")
