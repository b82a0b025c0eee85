"""Shared by the hotline, Open311 and portal tests: the toy city with a gazetteer and a
duty grid, the cast on it, and a public case taken through the whole loop by the API.

Gazetteer (all in the toy community): 王府井大街 (a road along the north cells), its door
plates 1号 (in cell 1) and 2号 (in cell 2), and 东华门小学 (a school, in cell 3). Duty grid
DG01 holds the four cells; its supervisor is ``supervisor``.
"""

from __future__ import annotations

import dataclasses
import io

import pytest
from django.core.cache import cache
from shapely.geometry import LineString, Point

from gridmaps.model import DutyGrid, Place
from server.hotline import places
from server.maps import index
from server.maps.demo_loader import load_city
from tests.server.conftest import cast_clients, cell_centre, jpeg, toy_city


def places_city():
    city = toy_city()
    (w, n1), (e, _) = cell_centre(1), cell_centre(2)
    street = city.streets[0].code
    plates = (
        Place("P-ROAD-1", "王府井大街", "road", LineString([(w, n1), (e, n1)]), street),
        Place("P-DOOR-1", "王府井大街1号", "door_plate", Point(*cell_centre(1)), street),
        Place("P-DOOR-2", "王府井大街2号", "door_plate", Point(*cell_centre(2)), street),
        Place("P-POI-1", "东华门小学", "poi", Point(*cell_centre(3)), street),
    )
    grid = DutyGrid("DG01", "东华门1号责任网格", tuple(c.code for c in city.cells), ("supervisor",))
    return dataclasses.replace(city, places=plates, duty_grids=(grid,))


def places_cast() -> dict:
    """The shared cast (tests/server/conftest.py) on the city with places and a duty grid;
    rate-limit counters and the gazetteer cache start empty."""
    index.forget()
    places.forget()
    cache.clear()
    result = load_city(places_city(), label="toy-places")
    return cast_clients([username for username, _, _ in result.users])


def forget_places() -> None:
    """Empties what ``places_cast`` filled outside the database."""
    index.forget()
    places.forget()
    cache.clear()


@pytest.fixture
def cast(db):
    """``places_cast()`` for one test."""
    yield places_cast()
    forget_places()


def act(client, number, action, **data):
    photo = data.pop("photo", None)
    if photo is not None:
        data["photo"] = io.BytesIO(photo)
        data["photo"].name = "p.jpg"
        r = client.post(f"/api/cases/{number}/actions/{action}/", data, format="multipart")
    else:
        r = client.post(f"/api/cases/{number}/actions/{action}/", data, format="json")
    assert r.status_code == 200, (action, r.content)
    return r.json()


#: A public report's way to closing: verified on site (核实) before it is filed.
PUBLIC_LOOP = [
    ("acceptor", "accept", {}),
    ("acceptor", "send_verify", {}),
    ("supervisor", "verify", {"result": "confirmed", "photo": jpeg((9, 9, 9))}),
    ("dutychief", "file", {}),
    ("dispatcher", "dispatch", {"department_code": "roads"}),
    ("dept_roads", "dept_accept", {}),
    ("dept_roads", "feedback", {"photo": jpeg((0, 200, 0))}),
    ("acceptor", "request_check", {}),
    ("supervisor", "check", {"photo": jpeg((0, 0, 200)), "result": "fixed"}),
    ("dutychief", "close", {}),
]


def close_public(cast, number: str) -> dict:
    body = {}
    for who, action, data in PUBLIC_LOOP:
        body = act(cast[who], number, action, **dict(data))
    assert body["state"] == "closed"
    return body
