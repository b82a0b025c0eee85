"""Pages, the schema and the small reference endpoints."""

import pytest


def test_schema_and_docs_are_served(cast, client):
    r = client.get("/api/schema/")
    assert r.status_code == 200 and b"/api/reports/" in r.content
    assert client.get("/api/docs/").status_code == 200


@pytest.mark.parametrize("who, path, status", [
    ("dispatcher", "/console/command/", 200),
    ("acceptor", "/console/command/", 200),
    ("dept_roads", "/console/department/", 200),
    ("dept_roads", "/console/command/", 403),
    ("supervisor", "/console/command/", 403),
    ("dispatcher", "/console/department/", 403),
])
def test_console_pages_by_role(cast, client, who, path, status):
    client.force_login(cast[who].user)
    assert client.get(path).status_code == status


def test_anonymous_console_redirects_to_login(cast, client):
    r = client.get("/console/command/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_token_login_and_reference_data(cast, client):
    from server.maps.demo_loader import DEMO_PASSWORD

    r = client.post("/api/auth/token/", {"username": "dept_roads", "password": DEMO_PASSWORD},
                    content_type="application/json")
    assert r.status_code == 200 and r.json()["department_code"] == "roads"
    bad = client.post("/api/auth/token/", {"username": "dept_roads", "password": "x"},
                      content_type="application/json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid"
    classes = cast["supervisor"].get("/api/classes/").json()
    assert {"component", "event"} == {c["kind"] for c in classes}
    cells = cast["supervisor"].get("/api/map/cells/").json()["cells"]
    assert len(cells) == 4 and cells[0]["code"] == "110101001001001"
