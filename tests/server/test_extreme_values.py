"""Extreme values in every parameter of every endpoint: no answer is a 5xx, and the server
process lives (GEOS 3.11 aborted the whole process on a bbox of ±1e308, so a death here ends the
test run itself).

The table is generated, not written: the routes come from the URL configuration (the same walk
as ``test_access_matrix``, whose ``REQUESTS`` gives each route a sample path and which fails
when a route has none), and the parameters of each GET route are

- the ones it declares in the OpenAPI schema,
- every name in ``KNOWN`` (the names this project and its clients use), and
- the ones it was seen to read: each request runs with ``QueryDict`` reads recorded, so a
  parameter a new view reads is fuzzed without anyone listing it, including the ones it reads
  only under another value of a choice (``CHOICES``: period=custom reads start and end).

Each parameter gets each of ``EXTREMES`` alone, on top of a valid value for every other
(``BENIGN``), as up to two roles the route lets in; every role in ``ROLES`` also gets every
extreme in every known name at once (what runs before access control). Path parameters get
numbers past 2**63, a NUL and a long string; JSON bodies get each extreme in each field the
schema declares and a few known ones, and nesting 10,000 deep. A 10 MB string goes to a few
endpoints only (``test_a_ten_megabyte_parameter``), to keep the run short.

That is the whole table (``DCM_EXTREME=1``, many times longer). ``make test`` runs the
short one (``FULL`` off: ``QUICK`` and ``BODY_QUICK``, one role a route lets in, anonymous
before access control; about 3,000 requests, ten seconds): the same routes and names, one value
of each kind.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from contextlib import contextmanager

import pytest
from django.core.cache import caches
from django.http import QueryDict
from django.urls import resolve
from django.utils.datastructures import MultiValueDict
from drf_spectacular.generators import SchemaGenerator

from tests.server.test_access_matrix import REQUESTS, routes, setup_world

#: ``DCM_EXTREME=1``: the whole table (every extreme, two roles each route lets in, every role
#: it refuses, every known name). Otherwise, as ``make test`` runs it, the
#: short table: the first role a route lets in, ``QUICK`` in each name the route declares or
#: reads, anonymous for what runs before access control (a minute or two a backend).
FULL = bool(os.environ.get("DCM_EXTREME"))

#: Who asks: anonymous and a few roles (the centre, the field, a department, the map keeper).
ROLES = ("anonymous", "supervisor", "leader", "dept_roads", "mapkeeper")
#: A valid value for every parameter name the project knows; the extremes replace one at a time.
BENIGN = {
    "bbox": "116.40,39.92,116.43,39.94", "lon": "116.41", "lat": "39.93", "long": "116.41",
    "x": "116.41", "y": "39.93", "zoom": "12", "radius": "50", "radius_m": "50",
    "accuracy_m": "5", "frame": "wgs84", "date": "2026-11-30", "day": "2026-11-30",
    "start": "2026-11-01", "end": "2026-11-30", "start_date": "2026-11-01T00:00:00+08:00",
    "end_date": "2026-11-30T00:00:00+08:00", "since": "2026-11-01T00:00:00+08:00",
    "until": "2026-11-30T00:00:00+08:00", "after": "0", "before": "0", "offset": "0",
    "limit": "10", "page": "1", "page_size": "10", "days": "30", "period": "month",
    "version": "1", "id": "1", "q": "王府井", "kind": "event", "class_code": "0102",
    "state": "filed", "user": "supervisor", "fmt": "csv", "format": "json",
    "service_code": "C0103", "status": "open", "service_request_id": "C0000000000000",
    "entity": "110101001", "counter": "filed", "source": "rollups", "component_code": "",
    "lang": "en", "cursor": "", "number": "C0000000000000",
}
KNOWN = tuple(BENIGN)
#: Values of choice parameters under which a view reads other parameters.
CHOICES = {"period": ("day", "week", "custom"), "frame": ("gcj02", "bd09", "cgcs2000_gk39"),
           "fmt": ("xlsx",), "source": ("straight",), "kind": ("component", "street")}
BIG = 2**63
EXTREMES = ("1e308", "-1e308", "nan", "inf", "0001-01-01", "9999-12-31", "0001-01",
            "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", str(BIG), "-1", "",
            "9" * 10_000, "-1e308,-1e308,1e308,1e308", "nan,nan,nan,nan", "a\x00b")
#: The extremes tried again under each other value of a choice parameter, by a second role,
#: and (all names at once) by the roles a route refuses.
SHORT = ("1e308", "nan", "9999-12-31", "0001-01", str(BIG), "a\x00b")
#: The short table's extremes: one of each kind (overflow, not a number, calendar ends, an
#: integer past 64 bits, empty, a bbox of overflows, a NUL).
QUICK = ("1e308", "nan", "-inf", "9999-12-31", "0001-01-01T00:00:00+14:00", str(BIG), "-1",
         "", "-1e308,-1e308,1e308,1e308", "a\x00b")
#: JSON values for body fields (JSON has no NaN or infinity: they go as text).
BODY_EXTREMES = (1e308, -1e308, BIG, -1, "nan", "inf", "0001-01-01T00:00:00+14:00",
                 "9999-12-31T23:59:59-12:00", "", "9" * 10_000, None, [], {"a": [[1e308]]},
                 "a\x00b")
BODY_QUICK = (1e308, BIG, "nan", "0001-01-01T00:00:00+14:00", "", None, {"a": [[1e308]]},
              "a\x00b")
#: Body fields tried where the schema declares none (Open311's form, the token view).
BODY_KNOWN = ("lat", "lon", "long", "username", "password", "service_code", "description",
              "address_string", "device_at", "captured_at", "api_key")
#: Path parameters of the sample paths (``test_access_matrix.REQUESTS``) and their extremes.
PATH_INTS = (str(BIG), str(2**64), "9" * 400)
PATH_STRS = ("9" * 2000, "%00", "nan")
FAILED = (500, 501, 502, 503, 504)
#: Routes that read no client number and cost a second or more a request (the whole OpenAPI
#: schema and the page that loads it): their plain request only.
STATIC = {"api-schema", "api-docs", "jsi18n"}
ALLOWED_NOT = (401, 403, 404, 405)


@contextmanager
def reads_recorded():
    """The query parameter names views read (``get``, ``[]``, ``in``, ``getlist``) while the
    block runs."""
    seen: set[str] = set()
    originals = {name: getattr(MultiValueDict, name)
                 for name in ("get", "__getitem__", "getlist")}

    def wrap(name):
        original = originals[name]

        def recorded(self, key, *args, **kwargs):
            seen.add(key)
            return original(self, key, *args, **kwargs)
        return recorded

    def contains(self, key):
        seen.add(key)
        return dict.__contains__(self, key)

    for name in originals:
        setattr(QueryDict, name, wrap(name))
    QueryDict.__contains__ = contains
    try:
        yield seen
    finally:
        for name in (*originals, "__contains__"):
            delattr(QueryDict, name)


def _template(route: str) -> str:
    """The schema's path for a route: ``api/cases/<str:number>/`` -> ``/api/cases/{number}/``."""
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def _declared(schema, route: str, method: str) -> tuple[list[str], list[str]]:
    """(query parameter names, JSON body field names) the schema declares for a route."""
    op = schema["paths"].get(_template(route), {}).get(method, {})
    query = [p["name"] for p in op.get("parameters", []) if p.get("in") == "query"]
    body = []
    for content in op.get("requestBody", {}).get("content", {}).values():
        ref = content.get("schema", {}).get("$ref", "")
        component = schema["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {})
        body += [f for f in component.get("properties", {}) if f not in body]
    return query, body


def _view(path: str):
    """The view class behind ``path`` (None for a function view)."""
    func = resolve(path.split("?")[0]).func
    return getattr(func, "cls", None) or getattr(func, "view_class", None)


def _methods(surface: str, method: str, path: str) -> list[str]:
    """The methods to fuzz: the sample's, and GET and POST where the view class has them (a
    page's forms are not JSON: only its sample method)."""
    cls = _view(path)
    if surface == "page" or cls is None:
        return [method]
    return [m for m in ("get", "post") if hasattr(cls, m)]


def _takes_json(path: str) -> bool:
    cls = _view(path)
    return any("JSON" in p.__name__ for p in getattr(cls, "parser_classes", ()))


class Bench:
    """Sends the requests, counts them and keeps every 5xx."""

    def __init__(self, world):
        self.world = world
        self.sent = 0
        self.failures: list[str] = []

    def client(self, surface: str, role: str):
        return self.world["pages" if surface == "page" else "clients"][role]

    def get(self, surface, role, path, query) -> int:
        self.sent += 1
        r = self.client(surface, role).get(path, query)
        if r.status_code in FAILED:
            self.failures.append(f"GET {path} {_short(query)} as {role}: {r.status_code}")
        return r.status_code

    def post(self, surface, role, path, body: bytes, **extra) -> int:
        self.sent += 1
        r = self.client(surface, role).generic("POST", path, body,
                                               content_type="application/json", **extra)
        if r.status_code in FAILED:
            self.failures.append(f"POST {path} {body[:120]!r} as {role}: {r.status_code}")
        return r.status_code


    def form(self, surface, role, path, data: dict, **extra) -> int:
        self.sent += 1
        r = self.client(surface, role).post(path, data, **extra)
        if r.status_code in FAILED:
            self.failures.append(f"POST form {path} {_short(data)} as {role}: {r.status_code}")
        return r.status_code


def _short(query: dict) -> str:
    return "&".join(f"{k}={str(v)[:40]!r}" for k, v in query.items() if BENIGN.get(k) != v)


def _path(world, template: str) -> str:
    return (template.replace("{number}", world["number"]).replace("{photo}", str(world["photo"]))
            .replace("{voice}", str(world["voice"])).replace("{update}", str(world["update"])))


def _bad_paths(world, template: str) -> list[str]:
    """The sample path with each of its parameters replaced by an extreme."""
    out = []
    for placeholder, extremes in (("{number}", PATH_STRS), ("{photo}", PATH_INTS),
                                  ("{voice}", PATH_INTS), ("{update}", PATH_INTS)):
        if placeholder in template:
            out += [_path(world, template.replace(placeholder, e)) for e in extremes]
    return out


def _fuzz_get(bench, surface, path, declared, roles):
    base = dict(BENIGN)
    # every extreme in every name at once: what runs before access control
    for role in (ROLES if FULL else ("anonymous",)):
        if role not in roles:
            for value in SHORT:
                bench.get(surface, role, path, {k: value for k in KNOWN})
    for rank, role in enumerate(roles):
        # The names a view reads, asked with no query: with one, a view that copies or
        # iterates the whole query (``.dict()``, ``.items()``) would seem to read every name.
        with reads_recorded() as read:
            bench.get(surface, role, path, {})
        bench.get(surface, role, path, base)
        names = sorted((read | set(declared)) - {"format"})
        for name in names:
            for value in (EXTREMES if rank == 0 else SHORT) if FULL else QUICK:
                bench.get(surface, role, path, {**base, name: value})
        if rank:
            continue
        for choice in sorted(set(CHOICES) & set(names)):
            for option in CHOICES[choice]:
                with reads_recorded() as more:
                    bench.get(surface, role, path, {choice: option})
                for name in sorted(more - {choice, "format"}):
                    for value in SHORT:
                        bench.get(surface, role, path, {**base, choice: option, name: value})


def _fuzz_post(bench, surface, path, fields, roles, extra):
    path = path.split("?")[0]
    json_body = _takes_json(path)
    for role in ROLES if FULL else ("anonymous", *roles[:1]):
        bench.post(surface, role, path, b"[" * 10_000 + b"]" * 10_000, **extra)
    for role in roles[:1]:
        bench.post(surface, role, path, b'{"a":' * 10_000 + b"1" + b"}" * 10_000, **extra)
        for field in fields:
            for value in BODY_EXTREMES if FULL else BODY_QUICK:
                body = {f: BENIGN.get(f, "x") for f in fields[:12]}
                body["idempotency_key"] = str(uuid.uuid4())
                body[field] = value
                if json_body:
                    bench.post(surface, role, path, json.dumps(body).encode(), **extra)
                elif isinstance(value, (str, int, float)):  # a form: text fields only
                    bench.form(surface, role, path, {k: str(v) for k, v in body.items()
                                                     if isinstance(v, (str, int, float))},
                               **extra)


def _clear_caches():
    # Throttles and the login lock live in the cache: leave none behind for other tests.
    for alias in caches:
        caches[alias].clear()


@pytest.fixture
def world(cast, settings):
    settings.EXTERNAL_RATES = {s: "100000/min" for s in ("public_read", "open311_write",
                                                         "camera", "portal")}
    _clear_caches()
    world = setup_world(cast)
    for kind in ("clients", "pages"):
        for client in world[kind].values():
            client.raise_request_exception = False  # a 500 is counted, not raised
    yield world
    _clear_caches()


def test_no_extreme_value_gives_a_5xx(world, schema):
    bench = Bench(world)
    started = time.monotonic()
    covered = []
    took = []
    for name, route in routes():
        route_started, sent_before = time.monotonic(), bench.sent
        surface, sample_method, template, _ = REQUESTS[name]
        path = _path(world, template)
        if name in STATIC:
            bench.get(surface, "anonymous", path, {})
            covered.append(name)
            continue
        for method in _methods(surface, sample_method, path):
            allowed = []
            for role in ROLES:  # the roles this route lets in, by a plain request
                code = (bench.get(surface, role, path, {}) if method == "get"
                        else bench.post(surface, role, path.split("?")[0], b"{}",
                                        **_extra(name)))
                if code not in ALLOWED_NOT and code != 302:
                    allowed.append(role)
            roles = _two(allowed) if FULL else _two(allowed)[:1]
            query, body = _declared(schema, route, method)
            if method == "get":
                _fuzz_get(bench, surface, path, query, roles)
                for bad in _bad_paths(world, template):
                    for role in {*roles[:1], "anonymous"}:
                        bench.get(surface, role, bad, {})
            elif surface == "api":
                fields = body or list(BODY_KNOWN)
                _fuzz_post(bench, surface, path, fields, roles, _extra(name))
        covered.append(name)
        took.append((time.monotonic() - route_started, bench.sent - sent_before, name))
    for seconds, sent, name in sorted(took, reverse=True)[:8]:
        print(f"  {name}: {sent} requests, {seconds:.1f} s")
    elapsed = time.monotonic() - started
    print(f"extreme values: {bench.sent} requests to {len(covered)} routes in {elapsed:.1f} s")
    assert bench.failures == [], "\n".join(bench.failures[:40])
    assert world["clients"]["anonymous"].get("/api/health/").status_code == 200
    assert len(covered) == len(routes())


def _extra(name: str) -> dict:
    # Camera platforms sign with a key: without it the body is never read.
    return {"HTTP_X_API_KEY": "demo-camera-key"} if name == "api-video-alert" else {}


def _two(allowed: list[str]) -> list[str]:
    """At most two of the roles let in, the centre first: the same view reads its parameters
    the same way for every role, but scopes (a department, a supervisor) take other paths."""
    order = ("leader", "dept_roads", "supervisor", "mapkeeper", "anonymous")
    return [r for r in order if r in allowed][:2]


@pytest.mark.parametrize("path,name", [
    ("/api/cases/", "state"), ("/api/console/map/components/", "bbox"),
    ("/api/evaluation/rankings/", "date"), ("/api/hotline/places/suggest/", "q"),
    ("/open311/v2/requests.json", "service_code"), ("/api/portal/closed/", "days"),
    ("/api/map/nearby/", "lat")])
def test_a_ten_megabyte_parameter(world, path, name):
    r = world["clients"]["leader"].get(path, {name: "9" * (10 * 1024 * 1024)})
    assert r.status_code not in FAILED, (path, r.status_code)
