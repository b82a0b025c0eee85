"""The map keeper (地图维护员) works in the admin: signs in, sees the map models and component
updates, nothing else; and the admin speaks Chinese (model and app names included)."""

from __future__ import annotations

import re

from django.apps import apps
from django.test import Client
from django.utils import translation

from server.accounts.models import User
from server.accounts.staff import ADMIN_GROUPS
from server.maps.demo_loader import DEMO_PASSWORD
from workflows import Role

PROJECT_APPS = ("accounts", "benchfloor", "cases", "evaluation", "field", "hotline", "intake",
                "maps", "open311", "consoles", "portal", "realtime")


def test_the_map_keeper_signs_into_the_admin_and_works_on_the_map(cast):
    keeper = User.objects.get(username="mapkeeper")
    assert keeper.is_staff and not keeper.is_superuser
    assert keeper.groups.get().name == ADMIN_GROUPS[Role.MAPKEEPER][0]
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    r = client.post("/admin/login/?next=/admin/", {"username": "mapkeeper",
                                                   "password": DEMO_PASSWORD})
    assert r.status_code == 302 and r["Location"] == "/admin/", r.content.decode()[:500]
    index = client.get("/admin/").content.decode()
    for name in ("地图版本", "责任网格", "部件更新", "网格地图"):
        assert name in index, name
    assert "/admin/accounts/user/" not in index and "/admin/cases/case/" not in index
    for url in ("/admin/maps/mapversion/", "/admin/maps/mapversion/import/",
                "/admin/maps/component/", "/admin/maps/dutygrid/",
                "/admin/field/componentupdate/"):
        assert client.get(url).status_code == 200, url
    versions = client.get("/admin/maps/mapversion/").content.decode()
    for text in ("导入地图", "回退版本", "生效时间", "创建时间"):  # its buttons and columns
        assert text in versions, text
    for url in ("/admin/accounts/user/", "/admin/accounts/apitoken/", "/admin/cases/case/",
                "/admin/cases/filingcondition/", "/admin/auth/group/"):
        assert client.get(url).status_code == 403, url
    # the start page sends the map keeper to the admin
    assert client.get("/").headers["Location"] == "/admin/"


def test_other_roles_stay_out_of_the_admin(cast):
    for who in ("supervisor", "dispatcher", "leader"):
        assert not User.objects.get(username=who).is_staff, who


def test_every_model_and_app_has_a_chinese_name():
    ascii_word = re.compile(r"\b(?!Open311\b|API\b)[A-Za-z]{2,}\b")
    with translation.override("zh-hans"):
        for label in PROJECT_APPS:
            try:
                config = apps.get_app_config(label)
            except LookupError:  # benchfloor: installed only for its benchmark
                continue
            assert not ascii_word.search(str(config.verbose_name)), label
            for model in config.get_models():
                for name in (model._meta.verbose_name, model._meta.verbose_name_plural):
                    assert not ascii_word.search(str(name)), (model.__name__, str(name))
    with translation.override("en"):
        names = {str(m._meta.verbose_name_plural) for label in PROJECT_APPS
                 if label in {c.label for c in apps.get_app_configs()}
                 for m in apps.get_app_config(label).get_models()}
        assert "communities" in names and "track uploads" in names
        assert not {n for n in names if n.endswith(("ys", "chs")) and not n.endswith("keys")}
