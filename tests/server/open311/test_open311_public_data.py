"""What Open311 reads publish: addresses and descriptions redacted in every answer (JSON and
XML, list and single), whatever channel wrote them; and always well-formed XML, even when a
stored text holds a control character."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest

from server.cases.models import Case
from server.open311.models import ServiceRequest
from tests.server.open311.o311 import parse_xml, validate
from tests.server.open311.test_open311_post import errors_of, post
from tests.server.portal.test_portal import hotline_case

BASE = "/open311/v2"
#: Written into addresses and descriptions by callers: a landline with a space, a mobile in
#: Chinese numerals, an ID card number, an e-mail address.
SECRETS = ("6512 3456", "一三八一二三四五六七八", "11010119900307123X", "zsf@example.org")


def reads(cast, number):
    """Every public read of one request: (where, the request as a dict)."""
    out = []
    for fmt in ("json", "xml"):
        for path, params in ((f"requests/{number}", {}), ("requests", {})):
            r = cast["anonymous"].get(f"{BASE}/{path}.{fmt}", params)
            assert r.status_code == 200, r.content
            rows = r.json() if fmt == "json" else parse_xml(r.content)
            if fmt == "json":
                validate("requests.json", rows)
            (row,) = [x for x in rows if x["service_request_id"] == number]
            out.append((f"{path}.{fmt}", row))
    return out


def test_an_open311_address_string_is_redacted(cast):
    r = post(cast, address_string="王府井大街1号 联系 6512 3456 或 wxm@example.cn",
             description="门口堆物 一三八一二三四五六七八", first_name="明", last_name="王")
    number = r.json()[0]["service_request_id"]
    for where, row in reads(cast, number):
        assert row["address"] == "王府井大街1号 联系 *** 或 ***", where
        assert row["description"] == "门口堆物 ***", where


def test_a_hotline_address_and_description_are_redacted(cast):
    number = hotline_case(cast, address="东华门小学 门卫 010-6512 3456 张三丰",
                          description=f"张三丰 报告 {SECRETS[0]}、{SECRETS[1]}、身份证 "
                                      f"{SECRETS[2]}、{SECRETS[3]} 门口搭棚")
    for where, row in reads(cast, number):
        assert row["address"] == "东华门小学 门卫 *** ***", where
        text = row["description"]
        assert not any(s in text for s in SECRETS + ("张三丰", "13512345678")), (where, text)
        assert "门口搭棚（地址 address: 东华门小学 门卫 *** ***）" in text, (where, text)
    status = cast["anonymous"].get(f"/api/portal/cases/{number}/").json()
    assert not any(s in status["description"] for s in SECRETS + ("张三丰", "010-6512 3456"))
    assert "address" not in status  # the portal shows the street and community only


def test_a_control_character_stored_by_another_channel_keeps_the_xml_well_formed(cast):
    number = hotline_case(cast, description="井盖\x07丢失\x1b[0m 第二行\n",
                          address="王府井\x0b大街")
    for path in (f"requests/{number}.xml", "requests.xml"):
        body = cast["anonymous"].get(f"{BASE}/{path}").content
        ET.fromstring(body)  # raises on a character XML 1.0 does not allow
        (row,) = [x for x in parse_xml(body) if x["service_request_id"] == number]
        assert row["address"] == "王府井大街" and "井盖丢失[0m 第二行" in row["description"]
    (row,) = cast["anonymous"].get(f"{BASE}/requests/{number}.json").json()
    assert row["address"] == "王府井大街" and "\x07" not in row["description"]


@pytest.mark.parametrize("field", ["description", "address_string", "first_name"])
def test_an_open311_post_with_a_control_character_is_refused(cast, field):
    r = post(cast, **{field: "王府井大街1号\x01"})
    assert r.status_code == 400
    (error,) = errors_of(r)
    assert error["description"] == (f"{field} holds the character U+0001, which XML 1.0 cannot "
                                     f"carry (a control character): remove it")
    assert not Case.objects.exists() and not ServiceRequest.objects.exists()
