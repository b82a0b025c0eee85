"""The Android 7+ camera path on a fake phone: ACTION_IMAGE_CAPTURE with a FileProvider content
URI (never file://), the result through android.activity, and the packaging that declares the
provider (file_paths.xml, the p4a hook) agreeing with the code."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mobileapp.platform.camera import (AUTHORITY_SUFFIX, PHOTO_DIR, REQUEST_CODE, AndroidCamera,
                                       camera)
from tests.mobileapp.android_fakes import PACKAGE, Phone

PACKAGING = Path(__file__).resolve().parents[2] / "mobileapp" / "packaging"


@pytest.fixture
def phone(tmp_path, monkeypatch):
    return Phone(tmp_path).install(monkeypatch)


def test_photo_goes_through_a_fileprovider_content_uri(phone):
    cam = camera()
    assert isinstance(cam, AndroidCamera)
    got = []
    cam.take(got.append)
    (authority, path), = [a for n, a in phone.calls if n == "FileProvider.getUriForFile"]
    assert authority == PACKAGE + ".fileprovider"
    assert Path(path).parent == phone.cache / PHOTO_DIR
    (_, (intent, code)), = [c for c in phone.calls if c[0] == "activity.startActivityForResult"]
    assert intent.args == ("android.media.action.IMAGE_CAPTURE",) and code == REQUEST_CODE
    uri = intent.extras["output"]
    assert uri.text.startswith(f"content://{PACKAGE}.fileprovider/photos/")
    assert not uri.text.startswith("file:")
    assert ("cast", ("android.os.Parcelable", uri)) in phone.calls
    assert intent.flags & 0x2 and intent.flags & 0x1   # the camera app may write (and read)
    assert phone.names("activity.bind") == ["activity.bind"] and got == []
    # Another activity's result is not ours.
    for cb in list(phone.result_listeners):
        cb(0x123, -1, None)
    assert got == []
    phone.camera_app_returns(-1, b"\xff\xd8jpeg")
    assert got == [path] and Path(path).read_bytes() == b"\xff\xd8jpeg"
    assert phone.result_listeners == [] and cam.error is None


def test_cancelled_shot_leaves_no_file(phone):
    cam = camera()
    got = []
    cam.take(got.append)
    phone.camera_app_returns(0, None)     # RESULT_CANCELED
    assert got == [None] and cam.error is None
    assert list((phone.cache / PHOTO_DIR).iterdir()) == []
    cam.take(got.append)
    phone.camera_app_returns(-1, None)    # "OK" but nothing written: a broken camera app
    assert got[-1] is None and cam.error == "camera_failed"


def test_no_camera_app_says_so(phone):
    phone.start_activity_error = RuntimeError("ActivityNotFoundException")
    delivered = []
    cam = AndroidCamera(deliver=lambda fn, arg: delivered.append(arg) or fn(arg))
    got = []
    cam.take(got.append)
    assert got == [None] and delivered == [None] and cam.error == "no_camera_app"
    assert phone.result_listeners == []


def test_results_are_delivered_where_the_app_says(phone):
    hops = []
    cam = AndroidCamera(deliver=lambda fn, arg: hops.append((fn, arg)))
    got = []
    cam.take(got.append)
    phone.camera_app_returns(-1, b"x")
    assert got == [] and len(hops) == 1   # not on Android's thread: the app's loop runs it
    fn, arg = hops[0]
    fn(arg)
    assert got and got[0].endswith(".jpg")


def test_file_paths_share_only_the_photo_folder():
    paths = ET.parse(PACKAGING / "file_paths.xml").getroot()
    (entry,) = list(paths)
    assert entry.tag == "cache-path" and entry.get("path") == PHOTO_DIR + "/"


def test_hook_puts_the_provider_inside_application(monkeypatch, tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("p4a_hook", PACKAGING / "p4a_hook.py")
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    manifest = tmp_path / "src" / "main" / "AndroidManifest.xml"
    manifest.parent.mkdir(parents=True)
    manifest.write_text('<manifest xmlns:android="http://schemas.android.com/apk/res/android">'
                        '<application android:label="x"><activity android:name="A"/>'
                        "</application></manifest>")
    monkeypatch.chdir(tmp_path)
    hook.after_apk_build(None)
    hook.after_apk_build(None)  # twice: still one provider
    text = manifest.read_text()
    assert text.count("androidx.core.content.FileProvider") == 1
    ns = "{http://schemas.android.com/apk/res/android}"
    app = ET.fromstring(text).find("application")
    provider = app.find("provider")
    assert provider.get(ns + "authorities") == "${applicationId}" + AUTHORITY_SUFFIX
    assert provider.get(ns + "grantUriPermissions") == "true"
    assert provider.get(ns + "exported") == "false"
    assert provider.find("meta-data").get(ns + "resource") == "@xml/file_paths"
