"""Console pages by role, the language (Chinese by default, English on request), and the
front-end files served locally (nothing from a CDN)."""

from __future__ import annotations

import json
import re

import pytest


@pytest.mark.parametrize("who, path, status", [
    ("acceptor", "/console/supervision/", 200),
    ("dutychief", "/console/supervision/", 200),
    ("dispatcher", "/console/command/", 200),
    ("leader", "/console/dashboard/", 200),
    ("dept_roads", "/console/department/", 200),
    ("dept_roads", "/console/dashboard/", 403),
    ("dept_roads", "/console/supervision/", 403),
    ("supervisor", "/console/dashboard/", 403),
    ("leader", "/console/department/", 403),
])
def test_pages_by_role(cast, client, who, path, status):
    client.force_login(cast[who].user)
    assert client.get(path).status_code == status


@pytest.mark.parametrize("who, page", [("acceptor", "/console/supervision/"),
                                       ("dispatcher", "/console/command/"),
                                       ("calltaker", "/hotline/"),
                                       ("leader", "/console/dashboard/"),
                                       ("dept_water", "/console/department/")])
def test_home_sends_each_role_to_its_page(cast, client, who, page):
    client.force_login(cast[who].user)
    r = client.get("/")
    assert r.status_code == 302 and r["Location"] == page


def test_chinese_by_default_english_on_request(cast, client):
    client.force_login(cast["acceptor"].user)
    zh = client.get("/console/supervision/").content.decode()
    assert '<html lang="zh-hans">' in zh and "监督中心" in zh and "待办" in zh
    assert "Supervision center" not in zh  # one language at a time
    en = client.get("/console/supervision/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in en and "To do" in en and "监督中心" not in en
    # The switch in the header: a cookie that wins over the browser's languages.
    r = client.post("/i18n/setlang/", {"language": "en", "next": "/console/supervision/"})
    assert r.status_code == 302
    assert "To do" in client.get("/console/supervision/",
                                 HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    js = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert js.status_code == 200


def test_javascript_catalog_is_chinese_by_default(cast, client):
    body = client.get("/jsi18n/").content.decode()  # JSON inside: non-ASCII as \uXXXX
    assert all(json.dumps(word)[1:-1] in body for word in ("正在补收…", "新案件"))


def test_pages_load_nothing_from_outside(cast, client):
    for who, path in [("acceptor", "/console/supervision/"), ("leader", "/console/dashboard/"),
                      ("dept_roads", "/console/department/")]:
        client.force_login(cast[who].user)
        html = client.get(path).content.decode()
        urls = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert urls and all(u.startswith("/") or u.startswith("#") for u in urls), urls


def test_department_terminal_is_light(cast, client):
    client.force_login(cast["dept_roads"].user)
    html = client.get("/console/department/").content.decode()
    assert "leaflet" not in html and "echarts" not in html
    assert 'data-department="roads"' in html or 'dataset.department = "roads"' in html


@pytest.mark.parametrize("who, pages", [
    ("calltaker", ["/hotline/", "/console/supervision/"]),
    ("leader", ["/console/dashboard/", "/evaluation/", "/console/supervision/",
                "/console/command/"]),
    ("dept_water", ["/console/department/", "/evaluation/"]),
])
def test_each_role_has_a_menu_of_the_pages_it_uses(cast, client, who, pages):
    import re

    client.force_login(cast[who].user)
    html = client.get("/accounts/login/").content.decode()  # a page on base.html
    menu = re.search(r'<nav class="menu">(.*?)</nav>', html, re.S).group(1)
    assert re.findall(r'href="([^"]+)"', menu) == pages
    for page in pages:  # every page in the menu opens for that role
        assert client.get(page).status_code == 200, page


def test_logout_lands_on_the_login_page(cast, client):
    client.force_login(cast["acceptor"].user)
    r = client.post("/accounts/logout/")
    assert r.status_code == 302 and r["Location"] == "/accounts/login/"


def test_a_refusal_page_has_the_menu_and_the_reason(cast, client):
    client.force_login(cast["leader"].user)
    r = client.get("/console/department/")
    html = r.content.decode()
    assert r.status_code == 403 and '<nav class="menu">' in html
    assert "专业部门" in html or "department users" in html
