"""The APK's packaging agrees with the code: buildozer.spec (services, permissions, files), the
service entry, and the CJK font builder (run here on Debian's WenQuanYi, a font this machine
has; the build uses Noto Sans CJK SC the same way)."""

from __future__ import annotations

import configparser
from pathlib import Path

import pytest

from mobileapp.core.messages import MESSAGES
from mobileapp.platform.permissions import NEEDS
from mobileapp.platform.service import SERVICE_NAME

APP = Path(__file__).resolve().parents[2] / "mobileapp"
WQY = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


@pytest.fixture(scope="module")
def spec():
    c = configparser.ConfigParser()
    c.read(APP / "buildozer.spec", encoding="utf-8")
    return c["app"]


def test_spec_declares_every_permission_the_code_asks(spec):
    declared = {p.strip() for p in spec["android.permissions"].split(",")}
    for need in NEEDS.values():
        for p in need.permissions:
            assert p.removeprefix("android.permission.") in declared, p
    assert {"FOREGROUND_SERVICE", "FOREGROUND_SERVICE_LOCATION", "FOREGROUND_SERVICE_DATA_SYNC",
            "WAKE_LOCK", "INTERNET"} <= declared


def test_spec_service_is_the_one_the_app_starts(spec):
    name, entry, *options = spec["services"].split(":")
    assert name == SERVICE_NAME and (APP / entry).exists()
    assert "foregroundServiceType=location|dataSync" in options
    assert "foreground" not in options  # the service goes foreground itself (its types)
    assert "apkboot" in (APP / entry).read_text() and "mobileapp.service" in (
        APP / entry).read_text()


def test_spec_files_exist_and_are_shipped(spec):
    for key in ("android.res_xml", "android.extra_manifest_xml", "p4a.hook"):
        assert (APP / spec[key]).exists(), key
    assert (APP / spec["icon.filename"].replace("%(source.dir)s/", "")).exists()
    exts = {e.strip() for e in spec["source.include_exts"].split(",")}
    assert {"py", "kv", "otf"} <= exts
    assert "packaging" in spec["source.exclude_dirs"]
    assert int(spec["android.api"]) >= 34 and int(spec["android.minapi"]) == 24
    for req in spec["requirements"].split(","):
        name = req.split("==")[0]
        assert "==" in req or name in ("python3", "android", "sniffio"), req


@pytest.mark.skipif(not WQY.exists(), reason="fonts-wqy-microhei is not installed")
def test_font_subset_keeps_every_message_character(tmp_path):
    pytest.importorskip("fontTools")
    from fontTools.ttLib import TTFont

    from mobileapp.packaging.cjk_font import build, face_index, message_chars

    chars = message_chars() | set("城管通")
    out = build(WQY, tmp_path / "sub.ttf", chars, family="WenQuanYi Micro Hei")
    cmap = TTFont(str(out))["cmap"].getBestCmap()
    source = TTFont(str(WQY), fontNumber=face_index(WQY, "WenQuanYi Micro Hei"))
    have = source["cmap"].getBestCmap()
    missing = {c for c in chars if ord(c) in have and ord(c) not in cmap}
    assert not missing
    assert out.stat().st_size < WQY.stat().st_size / 5
    # Every Chinese character of the app's messages is in the cut font.
    zh = {c for e in MESSAGES.values() for c in e.get("zh", "") if "\u4e00" <= c <= "\u9fff"}
    assert zh and all(ord(c) in cmap for c in zh if ord(c) in have)
