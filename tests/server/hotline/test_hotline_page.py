"""The hotline page: for the centre roles that handle callers, in Chinese and English."""

from __future__ import annotations


def test_page_for_call_takers_with_map_and_forms(cast, client):
    client.force_login(cast["calltaker"].user)
    r = client.get("/hotline/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "热线登记" in html and "Hotline calls" not in html  # Chinese only by default
    assert "公用设施·雨水井盖" in html and "Storm-water manhole cover" not in html
    assert 'id="call"' in html and 'name="caller_phone"' in html
    assert "hotline/hotline.js" in html and "vendor/leaflet/leaflet.js" in html
    assert "C0103" not in html and "0103" in html  # the class list, by kind


def test_page_in_english_only_on_request(cast, client):
    client.force_login(cast["calltaker"].user)
    html = client.get("/hotline/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Hotline calls" in html and "Public facilities: Storm-water manhole cover" in html
    assert not any(word in html for word in ("热线登记", "来电", "紧急", "雨水井盖"))


def test_page_refused_to_departments_and_login_required(cast, client):
    assert client.get("/hotline/").status_code == 302  # to the login page
    client.force_login(cast["dept_roads"].user)
    assert client.get("/hotline/").status_code == 403


def test_leader_sees_callbacks_but_no_call_form(cast, client):
    client.force_login(cast["leader"].user)
    html = client.get("/hotline/").content.decode()
    assert 'id="callbacks"' in html and 'id="call"' not in html
