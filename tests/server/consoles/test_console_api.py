"""The consoles' read-only endpoints: workflow labels and forms, map layers, dashboard figures."""

from __future__ import annotations

from rest_framework.test import APIClient

from tests.server.conftest import cell_centre  # noqa: F401 (the toy grid the cast loads)

import workflows


def test_workflow_lists_every_state_and_action_with_both_languages(cast):
    body = cast["acceptor"].get("/api/workflow/").json()
    assert {s["code"] for s in body["states"]} == {s.value for s in workflows.State}
    assert {a["code"] for a in body["actions"]} == {a.value for a in workflows.Action}
    for item in body["states"] + body["actions"]:
        assert item["zh"] and item["en"]
    assert {s["code"] for s in body["states"] if s["final"]} >= {"closed", "rejected"}


def test_shortcut_letters_never_move_the_selection(cast):
    """The consoles move with j/k and the arrows, show help on ?, run the nth action on 1–9:
    a letter printed on a button is none of those, and one letter is one action per role."""
    body = cast["anonymous"].get("/api/workflow/").json()
    keys = {a["code"]: a["shortcut"] for a in body["actions"] if a["shortcut"]}
    assert keys["request_check"] and not set(keys.values()) & set("jk?123456789")
    for role, states in body["allowed"].items():
        for state, actions in states.items():
            letters = [keys[a] for a in actions if a in keys]
            assert len(letters) == len(set(letters)), (role, state, actions)


def test_action_forms_come_from_the_guards(cast):
    actions = {a["code"]: a for a in cast["anonymous"].get("/api/workflow/").json()["actions"]}

    def fields(code):
        return {f["name"]: f["required"] for f in actions[code]["fields"]}

    assert fields("reject") == {"reason": True, "note": False}
    assert fields("dispatch") == {"department_code": True, "note": False}
    assert fields("feedback") == {"photo": True, "note": False}
    # the notes on the story: the words are the point (once, required), and they are flagged
    # so a console offers them with the story rather than among the steps of a row
    assert fields("urge") == {"note": True, "level": False}
    assert fields("comment") == {"note": True}
    assert [c["zh"] for c in actions["urge"]["fields"][1]["choices"]] == ["一般督办", "重点督办"]
    assert {a for a in actions if actions[a]["note"]} == {"urge", "acknowledge", "comment"}
    assert fields("acknowledge") == {"note": False}  # one tap: read
    check = {f["name"]: f for f in actions["check"]["fields"]}
    assert check["photo"]["required"] and check["result"]["required"]
    assert [c["code"] for c in check["result"]["choices"]] == ["fixed", "not_fixed"]
    assert check["result"]["choices"][0]["zh"] == "已解决"
    # Each field of each transition's requires_<param> guard is in its action's form.
    for row in workflows.TRANSITIONS:
        for guard in row.guards:
            name = guard.__name__
            if name.startswith("requires_") and name not in ("requires_assignee_id",
                                                             "requires_extension"):
                assert name[9:] in fields(row.action.value), (row.action, name)


def test_cells_and_components_as_geojson(cast):
    cells = cast["leader"].get("/api/console/map/cells/")
    assert cells.status_code == 200 and cells["Content-Type"] == "application/geo+json"
    fc = cells.json()
    assert len(fc["features"]) == 4
    assert fc["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    comp = cast["leader"].get("/api/console/map/components/?bbox=116.40,39.92,116.43,39.94").json()
    assert [f["properties"]["code"] for f in comp["features"]] == ["1101010103000001"]
    assert cast["leader"].get("/api/console/map/components/").status_code == 400


def test_components_only_for_the_centres_and_departments(cast):
    """The components layer is the console map's: the centres and the departments get it, the
    field supervisor (the handset has its own nearby and duty map), the map keeper and anyone
    without an account do not, with or without a bbox."""
    bbox = "/api/console/map/components/?bbox=116.40,39.92,116.43,39.94"
    for who in ("acceptor", "dutychief", "dispatcher", "calltaker", "leader", "dept_roads",
                "dept_water"):
        r = cast[who].get(bbox)
        assert r.status_code == 200 and len(r.json()["features"]) == 1, who
    for who in ("supervisor", "mapkeeper"):
        for path in (bbox, "/api/console/map/components/"):
            r = cast[who].get(path)
            assert r.status_code == 403, (who, path)
            assert "leaders" in r.json()["error"]["message"], r.json()
    assert cast["anonymous"].get(bbox).status_code in (401, 403)


def test_cells_layer_only_for_the_centres_and_departments(cast):
    for who in ("leader", "dispatcher", "dept_water"):
        assert cast[who].get("/api/console/map/cells/").status_code == 200, who
    for who in ("supervisor", "mapkeeper"):
        assert cast[who].get("/api/console/map/cells/").status_code == 403, who
    assert cast["anonymous"].get("/api/console/map/cells/").status_code in (401, 403)


def test_a_bbox_is_checked_before_geos_sees_it(cast):
    """A huge coordinate aborted the process (GEOS 3.11's WKT writer, on SpatiaLite); NaN gave
    500. Each is a 400 naming bbox, in the user's language, for every role that may ask."""
    for bad in ("-1e308,-1e308,1e308,1e308", "nan,39.92,116.43,39.94",
                "116.40,39.92,inf,39.94", "-181,39.92,116.43,39.94", "116.40,39.92,116.43",
                "116.43,39.92,116.40,39.94", "116.40,39.94,116.43,39.92", "", "a,b,c,d",
                "1" * 10_000 + ",1,2,3"):
        for who in ("leader", "dept_roads"):
            r = cast[who].get("/api/console/map/components/", {"bbox": bad})
            assert r.status_code == 400, (bad, who, r.status_code)
            assert r.json()["error"]["field"] == "bbox", r.json()
            assert "bbox" in r.json()["error"]["message"]
    zh = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    zh.force_authenticate(cast["leader"].user)
    r = zh.get("/api/console/map/components/", {"bbox": "nan,1,2,3"})
    assert r.status_code == 400 and "必须" in r.json()["error"]["message"], r.json()
    whole = cast["leader"].get("/api/console/map/components/", {"bbox": "-180,-90,180,90"})
    assert whole.status_code == 200 and len(whole.json()["features"]) == 1


def test_dashboard_figures(cast, report):
    numbers = [report(), report()]
    r = cast["acceptor"].post(f"/api/cases/{numbers[0]}/actions/reject/",
                              {"reason": "重复 duplicate"}, format="json")
    assert r.status_code == 200
    stats = cast["leader"].get("/api/console/stats/").json()
    assert stats["total"] == 2 and stats["open"] == 1
    assert stats["by_state"] == {"rejected": 1, "reported": 1}
    assert sum(stats["by_cell"].values()) == 2
    assert stats["streets"][0]["total"] == 2
    assert cast["dept_roads"].get("/api/console/stats/").status_code == 403


def test_supervisors_for_task_forms(cast):
    names = [s["username"] for s in cast["acceptor"].get("/api/console/supervisors/").json()]
    assert names == ["supervisor"]
    assert cast["dept_roads"].get("/api/console/supervisors/").status_code == 403
