"""The named cast and the toy grid every server test shares (one small memorable set).

Toy grid: one street (110101001), one community (110101001001) of four hand-drawn 100 m squares
in a 2×2 block near Dongcheng, numbered west→east, north→south; one storm-water manhole cover
(0103) in the north-west cell. Users: supervisor, acceptor, dutychief, dispatcher, calltaker,
leader, and one user per department (dept_roads, dept_water).
"""

from __future__ import annotations

import io
import secrets
import uuid
from contextlib import contextmanager

import pytest
from django.db import transaction
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient
from shapely.geometry import Point, Polygon

from gis.frames import from_metres, to_metres
from gridmaps.model import City, Cell, Community, Component, Department, District, Street
from server.accounts.tokens import digest
from server.maps import index
from server.maps.demo_loader import load_city

ORIGIN_LON, ORIGIN_LAT = 116.4100, 39.9300
STREET, COMMUNITY = "110101001", "110101001001"


def _square(x0: float, y0: float, size: float = 100.0):
    """A square in metres (EPSG:4548) turned into a WGS84 polygon."""
    corners = [(x0, y0), (x0 + size, y0), (x0 + size, y0 + size), (x0, y0 + size)]
    return Polygon([from_metres(x, y) for x, y in corners])


def toy_city() -> City:
    ox, oy = to_metres(ORIGIN_LON, ORIGIN_LAT)
    ox, oy = round(ox), round(oy)
    cells = []
    seq = 0
    for row in range(2):  # north row first
        for col in range(2):
            seq += 1
            geom = _square(ox + col * 100, oy - row * 100)
            cells.append(Cell(code=f"{COMMUNITY}{seq:03d}", community_code=COMMUNITY,
                              street_code=STREET, area_m2=10000.0, geometry=geom))
    outline = _square(ox, oy - 100, 200)
    nw_centre = from_metres(ox + 50, oy + 50)
    return City(
        district=District("110101", "东城区", outline),
        streets=(Street(STREET, "东华门街道", "110101", outline),),
        communities=(Community(COMMUNITY, "东华门第1社区", STREET, outline),),
        cells=tuple(cells),
        duty_grids=(),
        departments=(Department("roads", "市政管理委员会", "maintainer"),
                     Department("water", "排水集团", "owner")),
        components=(Component("1101010103000001", "0103", "雨水井盖", "water", "water",
                              cells[0].code, "intact", Point(*nw_centre)),),
        sequence_digits=3,
    )


def cell_centre(n: int) -> tuple[float, float]:
    """(lon, lat) of the centre of toy cell n (1..4)."""
    ox, oy = to_metres(ORIGIN_LON, ORIGIN_LAT)
    ox, oy = round(ox), round(oy)
    row, col = divmod(n - 1, 2)
    return from_metres(ox + col * 100 + 50, oy - row * 100 + 50)


#: A tiny WAV voice note (RIFF....WAVE header, then silence).
WAV = b"RIFF" + (36 + 800).to_bytes(4, "little") + b"WAVEfmt " + bytes(24) + b"data" + bytes(804)


def jpeg(color=(200, 30, 30), size=(64, 48), exif: bool = False) -> bytes:
    img = Image.new("RGB", size, color)
    out = io.BytesIO()
    if exif:
        ex = Image.Exif()
        ex[0x010F] = "SecretCam"  # Make
        ex[0x8825] = {2: (39.0, 55.0, 0.0)}  # GPS IFD latitude: must not survive
        img.save(out, "JPEG", exif=ex)
    else:
        img.save(out, "JPEG")
    return out.getvalue()


def cast_clients(usernames) -> dict:
    """{username: APIClient authenticated with a token of its own} for ``usernames``, plus
    ``"anonymous"``; each client's ``token`` is its key and ``user`` its user.

    The tokens are written in one statement: ``issue()`` (a login's path, with its pruning of
    old tokens, tested on its own) costs five statements a user, which every test paid for the
    whole cast."""
    from server.accounts.models import ApiToken, User

    now = timezone.now()
    users = {u.username: u for u in User.objects.filter(username__in=list(usernames))}
    keys = {name: secrets.token_hex(20) for name in users}
    ApiToken.objects.bulk_create([ApiToken(digest=digest(keys[name]), user=user, created=now,
                                           last_used=now) for name, user in users.items()])
    clients = {}
    for name in usernames:
        client = APIClient()
        client.token, client.user = keys[name], users[name]
        client.credentials(HTTP_AUTHORIZATION=f"Token {client.token}", HTTP_ACCEPT_LANGUAGE="en")
        clients[name] = client
    clients["anonymous"] = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    return clients


def toy_cast() -> dict:
    """The toy city loaded and its cast's clients (``cast_clients``)."""
    index.forget()
    result = load_city(toy_city(), label="toy")
    return cast_clients([username for username, _, _ in result.users])


@pytest.fixture
def cast(db):
    """Load the toy city and return {username: APIClient authenticated with a token}; each
    client's ``token`` is its key."""
    yield toy_cast()
    index.forget()


@contextmanager
def module_transaction(django_db_blocker):
    """A transaction around a whole module, rolled back when it ends: what a module-scoped
    fixture writes in it (a played month, a world of cases) is written once and read by every
    test, and each test's own ``db`` transaction nests inside it as a savepoint, so a test's
    writes still vanish after it (Django's ``TestCase.setUpTestData``, for pytest). Use::

        @pytest.fixture(scope="module")
        def world(django_db_setup, django_db_blocker):
            with module_transaction(django_db_blocker):
                with django_db_blocker.unblock():
                    data = ...
                yield data

    and let the tests ask for ``db`` (or a function fixture that does) beside it."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            index.forget()


def report_form(**over):
    lon, lat = cell_centre(1)
    form = {"idempotency_key": str(uuid.uuid4()), "kind": "component", "class_code": "0103",
            "lat": f"{lat:.7f}", "lon": f"{lon:.7f}", "accuracy_m": "5",
            "description": "井盖破损 broken cover", "photo": io.BytesIO(jpeg())}
    form["photo"].name = "p.jpg"
    form.update(over)
    return form


@pytest.fixture
def report(cast):
    """Report one case as the supervisor; returns its number."""
    def make(**over):
        r = cast["supervisor"].post("/api/reports/", report_form(**over), format="multipart")
        assert r.status_code == 201, r.content
        return r.json()["number"]
    return make
