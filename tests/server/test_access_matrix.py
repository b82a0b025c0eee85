"""The access matrix: every route of the URL configuration, asked by every role, is
allowed or refused exactly as designed. The routes are enumerated from the resolver, so a new
endpoint without a rule here fails ``test_every_route_has_a_rule``.

Allowed means the request got past access control (any answer but 401, 403, 404, or a redirect
to the login page); refused means one of those. A department must not learn that another
department's case exists, so those refusals are 404. The case in question was reported by
``supervisor``, accepted, filed and dispatched to ``roads``.
"""

from __future__ import annotations

import io
import uuid

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from tests.server.conftest import WAV, jpeg, report_form
from tests.server.maps.test_basemap import tiny_package
from tests.server.test_loop import LOOP, act

ROLES = ("anonymous", "supervisor", "acceptor", "dutychief", "dispatcher", "calltaker",
         "leader", "mapkeeper", "dept_roads", "dept_water", "revoked")
AUTHED = set(ROLES) - {"anonymous", "revoked"}
CENTRE = {"acceptor", "dutychief", "dispatcher", "calltaker", "leader"}
ALL = set(ROLES)
SEES_CASE = CENTRE | {"supervisor", "dept_roads"}
RANKED = CENTRE | {"dept_roads", "dept_water"}  # who may read the evaluation


def routes():
    """(name, route) for every URL pattern outside the admin."""
    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                if str(p.pattern).startswith("admin/"):
                    continue
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield p.name, prefix + str(p.pattern)
    return sorted(set(walk(get_resolver().url_patterns)))


def setup_world(cast):
    voice = io.BytesIO(WAV)
    voice.name = "note.wav"
    number = cast["supervisor"].post("/api/reports/", report_form(voice=voice),
                                     format="multipart").json()["number"]
    for who, action, data, _ in LOOP[:3]:
        assert act(cast[who], number, action, **dict(data)).status_code == 200
    from server.cases.models import Photo, VoiceNote

    form = {"kind": "damaged", "component_code": "1101010103000001", "note": "破损",
            "idempotency_key": str(uuid.uuid4()), "photo": io.BytesIO(jpeg())}
    form["photo"].name = "u.jpg"
    update = cast["supervisor"].post("/api/component-updates/", form, format="multipart").json()
    revoked = APIClient()
    revoked.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)  # a deleted handset token
    pages = {}
    for role in ROLES:
        c = Client()
        if role in AUTHED:
            c.force_login(cast[role].user)
        pages[role] = c
    clients = dict(cast, revoked=revoked)
    return {"number": number, "photo": Photo.objects.get(case__number=number).pk,
            "voice": VoiceNote.objects.get(case__number=number).pk, "update": update["id"],
            "clients": clients, "pages": pages}


N, P, V = "{number}", "{photo}", "{voice}"
#: name → (page or api, method, path, body). Paths name the dispatched case and its photo.
REQUESTS = {
    "api-token": ("api", "post", "/api/auth/token/", {"username": "x", "password": "y"}),
    "api-token-revoke": ("api", "get", "/api/auth/revoke/", None),
    "api-me": ("api", "get", "/api/me/", None),
    "api-departments": ("api", "get", "/api/departments/", None),
    "api-classes": ("api", "get", "/api/classes/", None),
    "api-report": ("api", "post", "/api/reports/", {}),
    "api-cases": ("api", "get", "/api/cases/", None),
    "api-case": ("api", "get", f"/api/cases/{N}/", None),
    "api-case-duplicates": ("api", "get", f"/api/cases/{N}/duplicates/", None),
    "api-case-action": ("api", "post", f"/api/cases/{N}/actions/dept_accept/", {}),
    "api-map-cells": ("api", "get", "/api/map/cells/", None),
    "api-map-basemap": ("api", "get", "/api/map/basemap/", None),
    "api-map-basemap-tile": ("api", "get", "/api/map/basemap/tiles/16/53959/24827.png", None),
    "api-attendance": ("api", "get", "/api/attendance/?user=supervisor", None),
    "api-tracks": ("api", "get", "/api/tracks/?user=supervisor", None),
    "api-map-nearby": ("api", "get", "/api/map/nearby/?lat=39.93&lon=116.41", None),
    "api-map-duty": ("api", "get", "/api/map/duty/", None),
    "api-component-updates": ("api", "get", "/api/component-updates/", None),
    "api-component-updates-publish": ("api", "post", "/api/component-updates/publish", {}),
    "api-component-update-decide": ("api", "post", "/api/component-updates/{update}/approve",
                                    {}),
    "api-component-update-photo": ("api", "get", "/api/component-updates/{update}/photo/",
                                   None),
    "api-photo": ("api", "get", f"/api/photos/{P}/", None),
    "api-voice": ("api", "get", f"/api/voice/{V}/", None),
    "api-schema": ("api", "get", "/api/schema/", None),
    "api-docs": ("api", "get", "/api/docs/", None),
    "login": ("page", "get", "/accounts/login/", None),
    "logout": ("page", "post", "/accounts/logout/", None),
    "open311-discovery": ("api", "get", "/open311/v2/discovery.json", None),
    "open311-services": ("api", "get", "/open311/v2/services.json", None),
    "open311-service": ("api", "get", "/open311/v2/services/C0103.json", None),
    "open311-requests": ("api", "get", "/open311/v2/requests.json", None),
    "open311-request": ("api", "get", f"/open311/v2/requests/{N}.json", None),
    "open311-token": ("api", "get", "/open311/v2/tokens/nope.json", None),
    "open311-updates": ("api", "get", "/open311/v2/servicerequestupdates.json", None),
    "api-video-alert": ("api", "post", "/api/video/alerts/", {}),
    "hotline": ("page", "get", "/hotline/", None),
    "api-hotline-suggest": ("api", "get", "/api/hotline/places/suggest/?q=王府井", None),
    "api-hotline-geocode": ("api", "get", "/api/hotline/places/geocode/?q=王府井", None),
    "api-hotline-reverse": ("api", "get", "/api/hotline/places/reverse/?lon=116.41&lat=39.93",
                            None),
    "api-hotline-duplicates": ("api", "get", "/api/hotline/duplicates/?kind=event&class_code=0102"
                               "&lon=116.41&lat=39.93", None),
    "api-hotline-calls": ("api", "post", "/api/hotline/calls/", {}),
    "api-hotline-contact": ("api", "get", f"/api/hotline/cases/{N}/contact/", None),
    "api-hotline-callbacks": ("api", "get", "/api/hotline/callbacks/", None),
    "api-hotline-callback": ("api", "post", f"/api/hotline/callbacks/{N}/", {"satisfaction": 4}),
    "portal": ("page", "get", "/portal/", None),
    "api-portal-closed": ("api", "get", "/api/portal/closed/", None),
    "api-portal-case": ("api", "get", f"/api/portal/cases/{N}/", None),
    "api-portal-photo": ("api", "get", f"/api/portal/photos/{P}/", None),
    "evaluation": ("page", "get", "/evaluation/", None),
    "evaluation-cases": ("page", "get", "/evaluation/cases/?kind=street&entity=110101001"
                         "&counter=filed", None),
    "evaluation-bulletin": ("page", "get", "/evaluation/bulletin/", None),
    "api-evaluation-rankings": ("api", "get", "/api/evaluation/rankings/", None),
    "api-evaluation-cases": ("api", "get", "/api/evaluation/cases/?kind=street"
                             "&entity=110101001&counter=filed", None),
    "api-evaluation-export": ("api", "get", "/api/evaluation/export/?fmt=csv", None),
    "api-evaluation-publish": ("api", "post", "/api/evaluation/publish/", {"date": "2020-01"}),
    "evaluation-publish": ("page", "post", "/evaluation/publish/", {"date": "2020-02"}),
    "home": ("page", "get", "/", None),
    "console-supervision": ("page", "get", "/console/supervision/", None),
    "console-command": ("page", "get", "/console/command/", None),
    "console-department": ("page", "get", "/console/department/", None),
    "console-dashboard": ("page", "get", "/console/dashboard/", None),
    "api-workflow": ("api", "get", "/api/workflow/", None),
    "api-health": ("api", "get", "/api/health/", None),
    "api-health-standby": ("api", "get", "/api/health/standby/", None),
    "api-console-stats": ("api", "get", "/api/console/stats/", None),
    "api-console-places": ("api", "get", "/api/console/places/", None),
    "console-case": ("page", "get", f"/console/case/{N}/", None),
    "api-console-supervisors": ("api", "get", "/api/console/supervisors/", None),
    "api-console-cells": ("api", "get", "/api/console/map/cells/", None),
    "api-console-components": ("api", "get", "/api/console/map/components/", None),
    "set_language": ("page", "post", "/i18n/setlang/", {"language": "en"}),
    "jsi18n": ("page", "get", "/jsi18n/", None),
}


def request_for(world, name, role):
    spec = REQUESTS.get(name)
    if spec is None:
        return None
    surface, method, path, body = spec  # surface: "page" or "api"
    path = (path.replace(N, world["number"]).replace(P, str(world["photo"]))
            .replace(V, str(world["voice"])).replace("{update}", str(world["update"])))
    if surface == "page":
        client = world["pages"][role]
        return getattr(client, method)(path, body or {})
    client = world["clients"][role]
    if method == "get":
        return client.get(path)
    return client.post(path, body or {}, format="json")


#: name → the roles that get past access control. A revoked handset token is refused even on
#: open endpoints (DRF rejects a bad token before the view), pages send it to the login.
NOBODY: set = set()
RULES = {
    "api-case": SEES_CASE,
    "api-case-action": {"dept_roads"},
    "api-case-duplicates": SEES_CASE,
    "api-cases": AUTHED,
    "api-classes": AUTHED,
    "api-console-cells": CENTRE | {"dept_roads", "dept_water"},  # the console map layers
    "api-console-components": CENTRE | {"dept_roads", "dept_water"},
    "api-console-stats": CENTRE,
    "api-console-places": AUTHED,
    "api-console-supervisors": CENTRE,
    "api-departments": AUTHED,
    "api-docs": ALL - {"revoked"},
    "api-evaluation-cases": CENTRE,
    "api-evaluation-export": RANKED,
    "api-evaluation-publish": {"leader"},
    "api-evaluation-rankings": RANKED,
    "api-health": ALL,  # no authentication at all: a revoked token is not even read
    # superusers (operators) only: the map keeper's staff status is not enough
    "api-health-standby": NOBODY,
    "api-hotline-callback": {"calltaker"},  # 409 here: the case is not closed
    "api-hotline-callbacks": {"acceptor", "dutychief", "calltaker", "leader"},
    "api-hotline-calls": {"acceptor", "calltaker"},
    "api-hotline-contact": {"acceptor", "dutychief", "calltaker", "leader"},
    "api-hotline-duplicates": CENTRE,
    "api-hotline-geocode": CENTRE,
    "api-hotline-reverse": CENTRE,
    "api-hotline-suggest": CENTRE,
    "api-map-cells": AUTHED,
    "api-map-basemap": AUTHED,
    "api-map-basemap-tile": AUTHED,  # the handset draws them too (tests/server/maps/test_basemap)
    "api-attendance": CENTRE | {"supervisor"},
    "api-tracks": CENTRE | {"supervisor"},
    "api-map-nearby": AUTHED,
    "api-map-duty": {"supervisor"},
    "api-component-updates": {"mapkeeper"},
    "api-component-updates-publish": {"mapkeeper"},  # publishes the update approved just before
    "api-component-update-decide": {"mapkeeper"},  # 409 after the first: no longer pending
    "api-component-update-photo": {"supervisor", "mapkeeper"},  # the reporter and the keeper
    "api-me": AUTHED,
    "api-photo": SEES_CASE,
    "api-voice": SEES_CASE,
    "api-portal-case": ALL,
    "api-portal-closed": ALL,
    "api-portal-photo": NOBODY,  # photos are public only once the case is closed
    "api-report": {"supervisor", "acceptor", "calltaker"},
    "api-schema": ALL - {"revoked"},
    # signing in ignores a stale Authorization header: a handset whose token expired or was
    # revoked must be able to sign in again while it still sends the old one
    "api-token": ALL,
    "api-token-revoke": AUTHED,
    "api-video-alert": NOBODY,  # camera platforms use X-Api-Key, not user accounts
    "api-workflow": ALL - {"revoked"},
    "console-case": SEES_CASE,
    "console-command": CENTRE,
    "console-dashboard": CENTRE,
    "console-department": {"dept_roads", "dept_water"},
    "console-supervision": CENTRE,
    "evaluation": RANKED,
    "evaluation-bulletin": CENTRE,
    "evaluation-cases": CENTRE,
    "evaluation-publish": {"leader"},
    "home": ALL,
    "hotline": {"acceptor", "dutychief", "calltaker", "leader"},
    "jsi18n": ALL,
    "login": ALL,
    "logout": ALL,
    "open311-discovery": ALL,
    "open311-request": ALL,
    "open311-requests": ALL,
    "open311-service": ALL,
    "open311-services": ALL,
    "open311-token": NOBODY,  # an unknown token: 404 for everyone alike
    "open311-updates": ALL,
    "portal": ALL,
    "set_language": ALL,
}


def test_every_route_has_a_rule():
    names = {name for name, _ in routes()}
    assert names - set(RULES) == set(), "a route without an access rule: add it to RULES"
    assert names - set(REQUESTS) == set(), "a route without a sample request in REQUESTS"
    assert set(RULES) - names == set(), "a rule for a route that no longer exists"


def _allowed(name: str, response) -> bool:
    if name == "logout":  # everyone is sent back to the login page
        return response.status_code == 302
    if response.status_code in (401, 403, 404):
        return False
    if response.status_code == 302 and "/accounts/login/" in response.get("Location", ""):
        return False
    return response.status_code < 500


def test_every_route_by_every_role(cast, settings, tmp_path):
    settings.BASEMAP_PATH = tiny_package(tmp_path / "basemap.mbtiles")  # one tile to fetch
    world = setup_world(cast)
    wrong = []
    for name, _ in routes():
        for role in ROLES:
            response = request_for(world, name, role)
            assert response.status_code < 500, (name, role, response.status_code)
            if _allowed(name, response) != (role in RULES[name]):
                wrong.append(f"{name} as {role}: {response.status_code}")
    assert wrong == []


def test_a_department_never_sees_another_departments_case(cast):
    world = setup_world(cast)
    for name in ("api-case", "api-case-duplicates", "api-case-action", "api-photo", "api-voice"):
        assert request_for(world, name, "dept_water").status_code == 404, name
