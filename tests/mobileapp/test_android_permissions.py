"""Runtime permissions on a fake phone: asked at first use after our explanation, in Android's
order (fine location, then background location alone), and the refusal path."""

from __future__ import annotations

import pytest

from mobileapp.platform.android import open_app_settings
from mobileapp.platform.permissions import P, Permissions, permissions
from tests.mobileapp.android_fakes import PACKAGE, Intent, Phone

FINE, COARSE, BACKGROUND = (P + "ACCESS_FINE_LOCATION", P + "ACCESS_COARSE_LOCATION",
                            P + "ACCESS_BACKGROUND_LOCATION")


class Ui:
    """The app's side: explanations shown, refusals shown, and what ran."""

    def __init__(self, proceed=True):
        self.explained, self.refused, self.ran, self.soon = [], [], [], 0
        self.proceed = proceed

    def explain(self, need, go, cancel):
        self.explained.append(need.name)
        (go if self.proceed else cancel)()

    def refuse(self, need, permanent):
        self.refused.append((need.name, permanent))

    def call_soon(self, fn):
        self.soon += 1
        fn()

    def perms(self, tmp_path) -> Permissions:
        return permissions(explain=self.explain, refused=self.refuse, call_soon=self.call_soon,
                           state_path=tmp_path / "permissions.json")


@pytest.fixture
def phone(tmp_path, monkeypatch):
    return Phone(tmp_path).install(monkeypatch)


def test_patrol_track_asks_fine_location_then_background_alone(phone, tmp_path):
    ui = Ui()
    perms = ui.perms(tmp_path)
    perms.ensure("background_location", lambda: ui.ran.append("track"))
    assert phone.requests == [[FINE, COARSE]] and ui.explained == ["location"]
    assert ui.ran == []                      # nothing before the user answered
    phone.answer(grant=True)
    # Only now, and alone, as Android 10+ requires.
    assert phone.requests == [[FINE, COARSE], [BACKGROUND]]
    assert ui.explained == ["location", "background_location"]
    phone.answer(grant=True)
    assert ui.ran == ["track"] and ui.refused == [] and ui.soon == 2
    # Held: no more questions.
    perms.ensure("background_location", lambda: ui.ran.append("again"))
    assert len(phone.requests) == 2 and ui.ran[-1] == "again"


def test_levels_where_android_does_not_ask(tmp_path, monkeypatch):
    Phone(tmp_path, sdk=28).install(monkeypatch)   # Android 9: no background permission yet
    ui = Ui()
    perms = ui.perms(tmp_path)
    assert perms.granted("background_location") and perms.granted("notifications")
    assert not perms.granted("location") and not perms.granted("camera")


def test_notifications_asked_from_android_13(tmp_path, monkeypatch):
    phone = Phone(tmp_path, sdk=33).install(monkeypatch)
    ui = Ui()
    ui.perms(tmp_path).ensure("notifications", lambda: ui.ran.append("service"))
    assert phone.requests == [[P + "POST_NOTIFICATIONS"]]


def test_refusal_then_dont_ask_again_then_settings(phone, tmp_path):
    ui = Ui()
    perms = ui.perms(tmp_path)
    perms.ensure("camera", lambda: ui.ran.append("shutter"),
                 otherwise=lambda: ui.ran.append("no camera"))
    phone.answer(grant=False)                   # first refusal: Android would ask again
    assert ui.refused == [("camera", False)] and ui.ran == ["no camera"]
    perms.ensure("camera", lambda: ui.ran.append("shutter"))
    phone.answer(grant=False, ask_again=False)  # "don't ask again"
    assert ui.refused[-1] == ("camera", True)
    # From now on Android shows no dialog: straight to the refusal with the settings way.
    n = len(phone.requests)
    perms.ensure("camera", lambda: ui.ran.append("shutter"))
    assert len(phone.requests) == n and ui.refused[-1] == ("camera", True)
    assert "shutter" not in ui.ran
    # The way out: the app's page in the system settings.
    assert open_app_settings()
    (_, (intent,)), = [c for c in phone.calls if c[0] == "activity.startActivity"]
    assert isinstance(intent, Intent)
    assert intent.args[0] == "android.settings.APPLICATION_DETAILS_SETTINGS"
    assert intent.args[1].text == f"package:{PACKAGE}"
    # Turned on there: the shutter works without a question.
    phone.granted.add(P + "CAMERA")
    perms.ensure("camera", lambda: ui.ran.append("shutter"))
    assert ui.ran[-1] == "shutter" and len(phone.requests) == n


def test_cancel_on_our_explanation_asks_android_nothing(phone, tmp_path):
    ui = Ui(proceed=False)
    ui.perms(tmp_path).ensure("microphone", lambda: ui.ran.append("record"))
    assert phone.requests == [] and ui.refused == [("microphone", False)] and ui.ran == []


def test_optional_background_location_is_asked_once(phone, tmp_path):
    phone.granted |= {FINE, COARSE}
    ui = Ui()
    go = lambda: ui.ran.append("track")  # noqa: E731
    ui.perms(tmp_path).ensure("background_location", go, otherwise=go)
    phone.answer(grant=False)
    assert ui.ran == ["track"] and ui.refused == [("background_location", False)]
    # Next clock-in (a new app run: the memory is on disk): no dialog, no popup, track on.
    ui2 = Ui()
    ui2.perms(tmp_path).ensure("background_location", go, otherwise=go)
    assert len(phone.requests) == 1 and ui2.explained == [] and ui2.refused == []
    assert ui.ran == ["track", "track"]


def test_approximate_location_alone_is_a_refusal(phone, tmp_path):
    ui = Ui()
    ui.perms(tmp_path).ensure("location", lambda: ui.ran.append("fix"))
    phone.granted.add(COARSE)                # the user picked "approximate"
    perms, cb = phone._pending_cb
    cb(perms, [False, True])
    assert ui.ran == [] and [n for n, _ in ui.refused] == ["location"]


def test_desktop_grants_everything_at_once(monkeypatch):
    monkeypatch.delenv("ANDROID_ARGUMENT", raising=False)
    ran = []
    perms = permissions(explain=lambda *a: pytest.fail("no explanation on the desktop"))
    for name in ("camera", "location", "background_location", "microphone", "notifications"):
        perms.ensure(name, lambda n=name: ran.append(n))
    assert len(ran) == 5
