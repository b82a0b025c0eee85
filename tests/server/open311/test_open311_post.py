"""GeoReport v2 POST requests (form-encoded, api_key per client) and tokens: every documented
parameter, each location form, and each documented error — which stores nothing."""

from __future__ import annotations

import pytest

from server.cases.models import Case
from server.open311.models import Open311Client, ServiceRequest
from tests.server.conftest import cell_centre
from tests.server.open311.o311 import parse_xml, validate

BASE = "/open311/v2"
KEY = "demo-open311-key"


def form(**over):
    lon, lat = cell_centre(2)
    data = {"api_key": KEY, "service_code": "E0101", "lat": f"{lat:.7f}", "long": f"{lon:.7f}",
            "description": "路边私搭乱建 a shed on the pavement"}
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def post(cast, fmt="json", **over):
    return cast["anonymous"].post(f"{BASE}/requests.{fmt}", form(**over))


def errors_of(r, fmt="json"):
    errors = r.json() if fmt == "json" else parse_xml(r.content)
    assert isinstance(errors, list) and errors
    for e in errors:
        assert set(e) == {"code", "description"} and e["description"]
    return errors


def test_post_with_every_documented_parameter(cast):
    lon, lat = cell_centre(1)
    r = post(cast, jurisdiction_id="dcm.local", service_code="C0103", lat=f"{lat:.7f}",
             long=f"{lon:.7f}", address_string="王府井大街1号", email="li@example.org",
             device_id="tt222111", account_id="acct-7", first_name="李", last_name="雷",
             phone="+86 139 1234 5678",
             description="井盖松动 call 13912345678 李雷\n第二行 second line",
             media_url="http://example.org/p/1.jpg",
             **{"attribute[urgency]": "urgent", "attribute[component_code]": "1101010103000001"})
    assert r.status_code == 200, r.content
    (answer,) = r.json()
    assert set(answer) == {"service_request_id", "service_notice", "account_id"}
    assert answer["account_id"] == "acct-7" and "核实" in answer["service_notice"]
    case = Case.objects.get(number=answer["service_request_id"])
    assert (case.channel, case.kind, case.class_code, case.state) == ("open311", "component",
                                                                      "0103", "reported")
    assert case.reporter.username == "open311" and case.component_code == "1101010103000001"
    assert case.cell_code.endswith("001") and "第二行" in case.description
    sr = ServiceRequest.objects.get(case=case)
    assert (sr.email, sr.device_id, sr.first_name, sr.last_name, sr.phone) == (
        "li@example.org", "tt222111", "李", "雷", "+86 139 1234 5678")
    assert sr.media_urls == ["http://example.org/p/1.jpg"] and sr.client.name == "demo"
    assert sr.attributes == {"urgency": "urgent", "component_code": "1101010103000001"}
    # Read back: public, schema-valid, personal data masked, location and media as sent.
    got = cast["anonymous"].get(f"{BASE}/requests/{case.number}.json").json()
    validate("requests.json", got)
    (one,) = got
    assert one["status"] == "open" and one["status_notes"].startswith("已上报 Reported")
    assert one["address"] == "王府井大街1号" and one["media_url"] == "http://example.org/p/1.jpg"
    assert "13912345678" not in one["description"] and "李雷" not in one["description"]
    assert abs(one["lat"] - lat) < 1e-6 and one["service_code"] == "C0103"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_location_by_address_string_or_address_id(cast, fmt):
    r = post(cast, fmt, lat=None, long=None, address_string="北京市东城区王府井大街2号")
    assert r.status_code == 200, r.content
    by_string = (r.json() if fmt == "json" else parse_xml(r.content))[0]["service_request_id"]
    r = post(cast, fmt, lat=None, long=None, address_id="P-POI-1")
    by_id = (r.json() if fmt == "json" else parse_xml(r.content))[0]["service_request_id"]
    assert Case.objects.get(number=by_string).cell_code.endswith("002")
    assert Case.objects.get(number=by_id).cell_code.endswith("003")
    assert ServiceRequest.objects.get(case__number=by_id).address_id == "P-POI-1"


def test_batch_type_answers_a_token_and_tokens_resolve_it(cast, settings):
    settings.OPEN311_SERVICE_TYPE = "batch"
    (answer,) = post(cast).json()
    assert "token" in answer and "service_request_id" not in answer
    for fmt in ("json", "xml"):
        r = cast["anonymous"].get(f"{BASE}/tokens/{answer['token']}.{fmt}")
        (one,) = r.json() if fmt == "json" else parse_xml(r.content)
        assert one["token"] == answer["token"]
        assert Case.objects.get(number=one["service_request_id"]).channel == "open311"


ERRORS = [
    ("missing api_key", {"api_key": None}, 403, "api_key is required"),
    ("invalid api_key", {"api_key": "nope"}, 403, "api_key is not valid"),
    ("missing service_code", {"service_code": None}, 400, "service_code is required"),
    ("bad service_code", {"service_code": "Z9999"}, 404, "was not found"),
    ("missing location", {"lat": None, "long": None}, 400, "a location is required"),
    ("lat without long", {"long": None}, 400, "sent together"),
    ("lat not a number", {"lat": "north"}, 400, "must be numbers"),
    ("outside the area", {"lat": "31.2", "long": "121.5"}, 400, "outside the managed area"),
    ("unknown address", {"lat": None, "long": None, "address_string": "火星路99号"}, 400,
     "not found in the gazetteer"),
    ("unknown address_id", {"lat": None, "long": None, "address_id": "P-NONE"}, 400,
     "not a place of the gazetteer"),
    ("malformed attribute", {"attribute[urgency": "urgent"}, 400, "not of the form"),
    ("bad list value", {"attribute[urgency]": "asap"}, 400, "must be one of normal, urgent"),
    ("bad media_url", {"media_url": "ftp://x/y"}, 400, "not an http(s) URL"),
    ("bad email", {"email": "not-an-email"}, 400, "not an e-mail address"),
    ("long description", {"description": "x" * 4001}, 400, "longer than 4000"),
    ("other jurisdiction", {"jurisdiction_id": "sfgov.org"}, 404, "jurisdiction_id"),
]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("name, over, status, words", ERRORS, ids=[e[0] for e in ERRORS])
def test_each_documented_error_stores_nothing(cast, fmt, name, over, status, words):
    r = post(cast, fmt, **over)
    assert r.status_code == status, r.content
    errors = errors_of(r, fmt)
    assert str(errors[0]["code"]) == str(status)
    assert any(words in e["description"] for e in errors), errors
    assert not Case.objects.exists() and not ServiceRequest.objects.exists()


def test_several_problems_are_answered_together(cast):
    r = post(cast, email="x", media_url="nope", **{"attribute[urgency]": "asap"})
    assert r.status_code == 400 and len(errors_of(r)) == 3


def test_unknown_request_and_token_are_404(cast):
    for path in ("requests/E0101209901010001", "tokens/nope"):
        for fmt in ("json", "xml"):
            r = cast["anonymous"].get(f"{BASE}/{path}.{fmt}")
            assert r.status_code == 404 and errors_of(r, fmt)[0]["code"] in (404, "404")


def test_a_json_body_is_refused_clearly(cast):
    r = cast["anonymous"].post(f"{BASE}/requests.json", form(), content_type="application/json")
    assert r.status_code == 400 and "form-encoded" in errors_of(r)[0]["description"]


def test_demo_key_only_in_the_embedded_demo_and_inactive_clients_refused(cast, settings):
    settings.DEMO_API_KEYS_ALLOWED = False
    assert post(cast).status_code == 403
    settings.DEMO_API_KEYS_ALLOWED = True
    Open311Client.objects.filter(name="demo").update(active=False)
    assert post(cast).status_code == 403
    assert not Case.objects.exists()


def test_a_client_made_with_the_command_can_post(cast):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("api_key", "open311", "city-app", stdout=out)
    key = out.getvalue().strip().rsplit(" ", 1)[1]
    assert post(cast, api_key=key).status_code == 200
    assert ServiceRequest.objects.get().client.name == "city-app"
    assert key not in Open311Client.objects.get(name="city-app").key_hash
