"""GeoReport v2 reads: discovery, services, service definitions, in JSON and XML, checked
against the published schemas; a PyPI client library reading both formats; rate limits and
the request log."""

from __future__ import annotations

import logging
import types

import georeport.georeport
import pytest
from georeport import GeoReport

from server.open311.services import service_list
from tests.server.open311.o311 import parse_xml, session, validate

BASE = "/open311/v2"


def get(client, path, fmt="json", **params):
    r = client.get(f"{BASE}/{path}.{fmt}", params)
    body = r.json() if fmt == "json" else parse_xml(r.content)
    return r, body


def test_discovery_in_both_formats(cast):
    c = cast["anonymous"]
    r, body = get(c, "discovery")
    assert r.status_code == 200 and r["Content-Type"] == "application/json; charset=utf-8"
    assert set(body) == {"changeset", "contact", "key_service", "endpoints"}
    (ep,) = body["endpoints"]
    assert ep["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert ep["url"] == "http://testserver/open311/v2" and ep["type"] == "production"
    assert ep["formats"] == ["text/xml", "application/json"]
    r, xml = get(c, "discovery", "xml")
    assert r["Content-Type"] == "text/xml; charset=utf-8"
    assert xml == body


def test_services_from_the_classification_with_groups(cast):
    r, services = get(cast["anonymous"], "services")
    assert r.status_code == 200
    validate("services.json", services)
    by_code = {s["service_code"]: s for s in services}
    assert len(by_code) == len(services) > 100  # component and event codes never collide
    assert by_code["C0101"]["service_name"] == "上水井盖 Water supply manhole cover"
    assert by_code["E0101"]["service_name"] != by_code["C0101"]["service_name"]
    assert by_code["C0101"]["group"] == "部件·公用设施 Public facilities"
    assert by_code["E0101"]["group"].startswith("事件·市容环境")
    assert all(s["type"] == "realtime" and s["metadata"] is True for s in services)
    _, xml = get(cast["anonymous"], "services", "xml")
    assert [s["service_code"] for s in xml] == [s["service_code"] for s in services]
    assert xml[0]["metadata"] == "true" and xml[0]["group"] == services[0]["group"]


def test_service_definitions(cast):
    for code in ("C0103", "E0101"):
        r, d = get(cast["anonymous"], f"services/{code}")
        assert r.status_code == 200
        validate("service-definition.json", d)
        assert d["service_code"] == code
    _, comp = get(cast["anonymous"], "services/C0103")
    assert [a["code"] for a in comp["attributes"]] == ["urgency", "component_code"]
    assert [v["key"] for v in comp["attributes"][0]["values"]] == ["normal", "urgent"]
    _, xml = get(cast["anonymous"], "services/C0103", "xml")
    assert xml["attributes"][0]["values"][1] == {"key": "urgent", "name": "紧急 urgent"}
    assert xml["attributes"][0]["required"] == "false"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_definition_is_404_in_the_spec_shape(cast, fmt):
    r, errors = get(cast["anonymous"], "services/X0101", fmt)
    assert r.status_code == 404
    assert len(errors) == 1 and str(errors[0]["code"]) == "404"
    assert "X0101" in errors[0]["description"]


def test_an_unknown_format_answers_in_xml(cast):
    r = cast["anonymous"].get(f"{BASE}/services.html")
    assert r.status_code == 404 and r["Content-Type"].startswith("text/xml")
    assert ".xml or .json" in parse_xml(r.content)[0]["description"]


def test_another_jurisdiction_is_404(cast):
    r, errors = get(cast["anonymous"], "services", jurisdiction_id="sfgov.org")
    assert r.status_code == 404 and "jurisdiction_id" in errors[0]["description"]
    assert get(cast["anonymous"], "services", jurisdiction_id="dcm.local")[0].status_code == 200


@pytest.fixture
def library(monkeypatch):
    """georeport (PyPI) with its HTTP calls handed to Django in-process (o311.DjangoAdapter)."""
    monkeypatch.setattr(georeport.georeport, "requests", types.SimpleNamespace(get=session().get))

    def make(fmt):
        return GeoReport(f"http://testserver{BASE}", output_format=fmt)
    return make


def test_a_client_library_reads_services_and_requests_in_both_formats(cast, library):
    from tests.server.open311.test_open311_post import post

    number = post(cast).json()[0]["service_request_id"]
    j, x = library("json"), library("xml")
    codes = [s["service_code"] for s in service_list()]
    assert [s["service_code"] for s in j.get_service_list()] == codes
    assert [s["service_code"] for s in x.get_service_list()] == codes
    assert j.get_service_definition("E0101")["service_code"] == "E0101"
    assert x.get_service_definition("E0101")["attributes"]["attribute"]["code"] == "urgency"
    for client in (j, x):
        one = client.get_service_request(number)
        assert one["service_request_id"] == number and one["status"] == "open"
        listed = client.get_service_requests(service_code="E0101", status="open")
        listed = listed if isinstance(listed, list) else [listed]  # xmltodict: one is a dict
        assert [r["service_request_id"] for r in listed] == [number]


def test_reads_are_rate_limited(cast, settings):
    settings.EXTERNAL_RATES = {"public_read": "3/min"}
    for _ in range(3):
        assert get(cast["anonymous"], "services")[0].status_code == 200
    r, errors = get(cast["anonymous"], "services", "xml")
    assert r.status_code == 429 and int(r["Retry-After"]) > 0
    assert errors[0]["code"] == "429" and "too many requests" in errors[0]["description"]


def test_every_request_is_logged_without_the_key(cast, caplog):
    with caplog.at_level(logging.INFO, logger="dcm.external"):
        get(cast["anonymous"], "services")
        cast["anonymous"].post(f"{BASE}/requests.json",
                               {"api_key": "wrong", "service_code": "E0101"})
        cast["anonymous"].get(f"{BASE}/servicerequestupdates.json", {"api_key": "demo-open311-key"})
    lines = [r.getMessage() for r in caplog.records if r.name == "dcm.external"]
    assert lines[0].startswith("external GET /open311/v2/services.json 200 client=-")
    assert lines[1].startswith("external POST /open311/v2/requests.json 403")
    assert "client=demo" in lines[2] and "demo-open311-key" not in " ".join(lines)
