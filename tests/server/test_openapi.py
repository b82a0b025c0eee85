"""The OpenAPI schema names every door: each route of the URL configuration (the admin aside)
is an operation of ``/api/schema/``, found by resolving the schema's paths back to route
names, so a new route nobody described fails here. The fuzzers (``bench.attack``,
``tests/e2e/test_attack.py``) read only the schema: a route missing from it is never tried."""

from __future__ import annotations

import re

from django.urls import Resolver404, resolve
from drf_spectacular.generators import SchemaGenerator

from tests.server.test_access_matrix import routes

SAMPLE = {"fmt": "json", "decision": "approve"}  # any other path parameter: "1"


def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def route_of(path: str) -> str | None:
    concrete = re.sub(r"\{(\w+)\}", lambda m: SAMPLE.get(m.group(1), "1"), path)
    try:
        return resolve(concrete).url_name
    except Resolver404:
        return None


def test_every_route_is_in_the_schema():
    described = {route_of(p) for p in schema()["paths"]}
    missing = {name for name, _ in routes()} - described
    assert missing == set(), f"routes missing from /api/schema/: {sorted(missing)}"


def test_every_schema_path_is_a_route():
    stray = [p for p in schema()["paths"] if route_of(p) is None]
    assert stray == []


def test_query_parameters_the_fuzzers_need_are_described():
    paths = schema()["paths"]

    def params(path, method="get"):
        return {p["name"] for p in paths[path][method].get("parameters", [])}

    assert "bbox" in params("/api/console/map/components/")
    assert {"lat", "lon", "kind", "class_code"} <= params("/api/hotline/duplicates/")
    assert {"start_date", "end_date", "status", "service_code"} <= params(
        "/open311/v2/requests.{fmt}")
    assert {"fmt", "start_date", "end_date"} <= params("/open311/v2/servicerequestupdates.{fmt}")
    assert {"period", "date"} <= params("/evaluation/")
    assert "requestBody" in paths["/open311/v2/requests.{fmt}"]["post"]


def test_every_case_action_is_a_named_door():
    """The fuzzers try each step by name, the urge, its acknowledgement and the comment among
    them, with the parameters they take."""
    s = schema()
    post = s["paths"]["/api/cases/{number}/actions/{action}/"]["post"]
    action = next(p for p in post["parameters"] if p["name"] == "action")
    assert {"urge", "acknowledge", "comment", "dispatch", "feedback"} <= set(
        action["schema"]["enum"])
    assert not {"report", "timer", "photo_cleaned"} & set(action["schema"]["enum"])
    body = s["components"]["schemas"]["ActionRequest"]["properties"]
    assert {"note", "level"} <= set(body)
