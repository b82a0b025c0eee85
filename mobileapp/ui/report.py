"""The report screen (问题上报), camera first: the shutter and its thumbnail on top, then a
fresh GPS fix with its accuracy and age (never the previous report's: every report starts by
asking for a new one), the components near it in a space reserved before they load (so nothing
moves under the finger), the quick buttons, the class picker, voice (hold to talk) and text.
A quick button asks to confirm, then takes its own fresh photo and fix; it never uses what is
on the screen. Everything goes to the outbox first; the sender does the network.

Taps for a report of a component beside you: shutter, the component, 上报."""

from __future__ import annotations

import json
import time
from collections import Counter
from io import BytesIO

from kivy.app import App
from kivy.clock import Clock
from kivy.core.image import Image as CoreImage
from kivy.properties import (BooleanProperty, ListProperty, NumericProperty, ObjectProperty,
                             StringProperty)
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.label import Label
from kivy.uix.popup import Popup
from kivy.uix.screenmanager import Screen

from mobileapp.core.api import ApiClient
from mobileapp.core.messages import age
from mobileapp.core.outbox import REPORT
from mobileapp.core.photos import NotAnImage, shrink_file
from mobileapp.core.position import Position, distance_m, fresh
from mobileapp.core.voicenote import BadVoice, read_voice
from mobileapp.ui.app import background
from mobileapp.ui.voice import pick_photo_file, pick_voice_file

#: Quick report before the phone has a history: two manhole covers, piled garbage (积存垃圾渣土).
DEFAULT_QUICK = [("component", "0101"), ("component", "0103"), ("event", "0103")]
#: Their names before the class list is downloaded (a first start offline).
DEFAULT_NAMES = {("component", "0101"): "上水井盖", ("component", "0103"): "雨水井盖",
                 ("event", "0103"): "积存垃圾渣土"}
NEARBY_RADIUS_M = 50
#: Slots of the nearby list: always this many widgets, filled or blank, so it never grows.
NEARBY_SLOTS = 4


def parse_position(text: str) -> tuple[float, float] | None:
    """'lat,lon' (a Chinese comma too) -> (lat, lon), or None."""
    try:
        lat, lon = (float(p) for p in text.replace("，", ",").split(","))
    except ValueError:
        return None
    return (lat, lon) if -90 <= lat <= 90 and -180 <= lon <= 180 else None


def nearby_components(api_args: tuple, duty_map, lat: float, lon: float) -> list[dict]:
    """The server's components near the point; the cached map's when offline."""
    try:
        with ApiClient(*api_args, timeout=8) as api:
            return api.nearby(lat, lon, radius_m=NEARBY_RADIUS_M)["components"]
    except Exception:  # offline, or a server without the endpoint: the cache answers
        if duty_map is None:
            return []
        return [{"code": c.code, "class_code": c.class_code, "class_name": c.class_name,
                 "distance_m": round(d, 1), "lat": c.lat, "lon": c.lon}
                for c, d in duty_map.nearby(lon, lat, radius_m=NEARBY_RADIUS_M)]


def texture_of(jpeg: bytes | None):
    """A Kivy texture of JPEG bytes (a thumbnail), None when there are none."""
    if not jpeg:
        return None
    return CoreImage(BytesIO(jpeg), ext="jpg").texture


def shrunk(path: str | None) -> bytes | None:
    """The camera's file shrunk for the outbox; None when there is none or it is unreadable."""
    if not path:
        return None
    try:
        return shrink_file(path)
    except (OSError, NotAnImage):
        return None


class PhotoMixin:
    """A screen's photo: a file path typed (desktop) or the camera; shrunk before it is kept.
    Needs ``photo_bytes``, ``photo_path`` and ``status`` properties."""

    def set_photo(self, path: str | None) -> None:
        app = App.get_running_app()
        if not path:
            return
        data = shrunk(path)
        if data is None:
            self.status = app.t("report.bad_photo")
            return
        self.photo_bytes = data
        self.photo_path = path
        self.status = app.t("report.photo_ok", kb=len(self.photo_bytes) // 1024)

    def take_photo(self) -> None:
        """The camera (the shutter is the user's); a desktop without a fixed photo picks a
        file instead."""
        app = App.get_running_app()
        if getattr(app.camera, "path", "unset") is None:
            pick_photo_file(self.set_photo)
        else:
            app.take_photo(self.set_photo)  # Android: camera permission first


class QuickButton(Button):
    """A quick-report button: amber, bold, in a labelled strip (report.kv), unlike the grey
    class and component buttons around it."""


class ReportScreen(PhotoMixin, Screen):
    kind = StringProperty("event")
    class_code = StringProperty("")
    class_name = StringProperty("")
    component_code = StringProperty("")
    #: The report's position (core.position.Position), None until a fresh fix or a map pick.
    place = ObjectProperty(None, allownone=True)
    #: When this report was begun: a GPS fix from well before it is the previous place.
    started_at = NumericProperty(0)
    fix_text = StringProperty("")
    fix_warn = BooleanProperty(True)   # no position yet, or an old one: shown in amber
    recording = BooleanProperty(False)  # the voice button is held down
    photo_path = StringProperty("")
    photo_bytes = ObjectProperty(None, allownone=True)
    thumbnail = ObjectProperty(None, allownone=True)
    voice_bytes = ObjectProperty(None, allownone=True)
    status = StringProperty("")
    classes = ListProperty([])
    nearby = ListProperty([])
    nearby_state = StringProperty("wait")   # wait (no position), loading, done
    #: A refused outbox item being edited (its id), or a draft reopened (its id).
    editing_item = NumericProperty(0)
    draft_id = StringProperty("")
    _component_class = ""

    # Kept as strings for older callers and tests: "lat,lon" and the accuracy in metres.
    @property
    def position(self) -> str:
        return f"{self.place.lat:.6f},{self.place.lon:.6f}" if self.place else ""

    @property
    def accuracy(self) -> str:
        return f"{self.place.accuracy_m:.0f}" if self.place else ""

    def on_kv_post(self, *args):
        self._fill_nearby()
        App.get_running_app().bind(fix=self._follow)
        # The fix's age ticks on screen while this screen's app runs (returning False ends an
        # interval: a later app in the same process, as in tests, is not called by this one).
        owner = App.get_running_app()
        Clock.schedule_interval(
            lambda dt: App.get_running_app() is owner and (self.show_fix() or True), 1.0)

    def on_enter(self, *args):
        self.load_classes()
        if self.place is None and not self.started_at:
            self.begin()

    def begin(self) -> None:
        """A new report: nothing of the last one stays (position, photo, asset, voice, text),
        and a fresh fix is asked for."""
        self.started_at = time.time()
        self.place, self.component_code, self._component_class = None, "", ""
        self.photo_bytes, self.photo_path, self.thumbnail, self.voice_bytes = None, "", None, None
        self.editing_item, self.draft_id = 0, ""
        self.nearby, self.nearby_state = [], "wait"
        if "description" in self.ids:
            self.ids.description.text = ""
        self.locate()
        self.show_fix()

    def _cache(self):
        return App.get_running_app().data_dir / "classes.json"

    def load_classes(self) -> None:
        """Cached list first (offline works), then refresh from GET /api/classes/."""
        app = App.get_running_app()
        try:
            self.classes = json.loads(self._cache().read_text())
        except (OSError, ValueError):
            pass

        def done(rows, err):
            if err is None:
                self.classes = rows
                self._cache().write_text(json.dumps(rows, ensure_ascii=False))
            self.show_quick()
        background(app.api.classes, done)
        self.show_quick()

    def pick(self, c: dict) -> None:
        self.kind, self.class_code, self.class_name = c["kind"], c["code"], c["minor_zh"]
        if self.component_code and self._component_class != c["code"]:
            self.component_code = ""  # the asset picked is of another class

    # -- photo -------------------------------------------------------------------------------

    def on_photo_bytes(self, *args) -> None:
        self.thumbnail = texture_of(self.photo_bytes)

    # -- quick report ----------------------------------------------------------------------

    def show_quick(self) -> None:
        """The three classes this phone reported most, else the defaults."""
        app = App.get_running_app()
        seen = Counter((i.fields.get("kind"), i.fields.get("class_code"))
                       for i in app.outbox.items() if i.kind == REPORT)
        quick = [k for k, _ in seen.most_common(3)] or DEFAULT_QUICK
        names = dict(DEFAULT_NAMES)
        names.update({(c["kind"], c["code"]): c["minor_zh"] for c in self.classes})
        box = self.ids.quick
        box.clear_widgets()
        for kind, code in quick[:3]:
            b = QuickButton(text=names.get((kind, code), f"{kind} {code}"))
            b.bind(on_release=lambda _b, k=kind, c=code: self.quick(k, c, names))
            box.add_widget(b)

    def quick(self, kind: str, code: str, names: dict) -> Popup:
        """A quick button: ask first. Confirmed, it takes its own new photo and fresh fix
        (the screen's photo and position are for the report being written, not this one)."""
        app = App.get_running_app()
        name = names.get((kind, code), code)
        fix = app.current_fix(max_age_s=None)
        body = BoxLayout(orientation="vertical", spacing="8dp", padding="8dp")
        body.add_widget(Label(text=app.t("report.quick_body", fix=self.describe(
            Position.from_fix(fix)) if fix else app.t("report.locating")),
            text_size=(None, None), halign="center", font_size="16sp"))
        row = BoxLayout(size_hint_y=None, height="56dp", spacing="8dp")
        popup = Popup(title=app.t("report.quick_title", name=name), content=body,
                      size_hint=(.92, None), height="260dp", auto_dismiss=False,
                      title_size="18sp")
        cancel = Button(text=app.t("common.cancel"))
        cancel.bind(on_release=lambda _b: popup.dismiss())
        go = Button(text=app.t("report.quick_go"), bold=True)
        go.bind(on_release=lambda _b: (popup.dismiss(), self._quick_go(kind, code, name)))
        row.add_widget(cancel)
        row.add_widget(go)
        body.add_widget(row)
        popup.open()
        self.quick_popup = popup
        return popup

    def _quick_go(self, kind: str, code: str, name: str) -> None:
        app = App.get_running_app()
        since = time.time()

        def photo_taken(path):
            photo = shrunk(path)
            if photo is None:
                self.status = app.t("report.quick_cancelled")
                return
            self.with_fresh_fix(since, lambda fix: self._quick_send(kind, code, name, photo,
                                                                    fix))
        app.take_photo(photo_taken)

    def _quick_send(self, kind, code, name, photo, fix) -> None:
        app = App.get_running_app()
        app.outbox.add_report({"kind": kind, "class_code": code, "lat": fix.lat,
                               "lon": fix.lon, "accuracy_m": f"{fix.accuracy_m:.0f}",
                               "description": ""}, photo)
        app.queued()
        self.status = app.t("report.quick_sent", name=name)
        self.show_quick()

    # -- position and the asset ------------------------------------------------------------

    def with_fresh_fix(self, since: float, then) -> None:
        """``then(fix)`` with the first fix fresh for a report begun at ``since``: the one in
        hand if it is, else the next one the receiver gives."""
        app = App.get_running_app()
        fix = app.current_fix()
        if fresh(fix, since, time.time()):
            then(fix)
            return

        def arrived(_app, new):
            if fresh(new, since, time.time()):
                app.unbind(fix=arrived)
                then(new)
        app.bind(fix=arrived)

    def locate(self) -> None:
        """Ask for a fresh fix for this report; until it comes the screen says 正在定位."""
        since = self.started_at or time.time()
        self.with_fresh_fix(since, self._use_fix)
        if self.place is None:
            self.show_fix()

    def _follow(self, _app, fix) -> None:
        """A newer fix while the place is the GPS's: the supervisor walked on; the place (and,
        past 10 m, the nearby list) follows. A place chosen by hand stays."""
        if fix is None or self.place is None or self.place.source != "gps":
            return
        if not fresh(fix, self.started_at, time.time()):
            return
        moved = distance_m(self.place.lat, self.place.lon, fix.lat, fix.lon)
        self.place = Position.from_fix(fix)
        self.show_fix()
        if moved > 10:
            self.find_nearby()

    def _use_fix(self, fix) -> None:
        if self.place is not None and self.place.source in ("map", "component", "draft"):
            return  # the user chose the place by hand: a late fix must not move it
        self.set_position(Position.from_fix(fix))

    def on_map(self) -> None:
        app = App.get_running_app()
        app.root.get_screen("map").return_to = "report"
        app.root.current = "map"

    def set_point(self, lat: float, lon: float, accuracy_m: float, where: str = "",
                  source: str = "map") -> None:
        """A position from the map (or typed); looks for the assets near it."""
        self.set_position(Position(lat, lon, accuracy_m, time.time(), source))

    def set_position(self, pos: Position) -> None:
        self.place = pos
        self.status = ""
        self.show_fix()
        self.find_nearby()

    def describe(self, pos: Position) -> str:
        app = App.get_running_app()
        when = age(pos.age(time.time()), app.lang)
        if pos.stale(time.time()) and pos.source == "gps":
            return app.t("report.fix_stale", age=when)
        return app.t("report.fix", source=app.t("source." + pos.source), acc=pos.accuracy_m,
                     age=when)

    def show_fix(self) -> None:
        app = App.get_running_app()
        self.fix_text = self.describe(self.place) if self.place else app.t("report.locating")
        self.fix_warn = self.place is None or self.place.stale(time.time())

    def relocate(self) -> None:
        """The 定位 button: drop the position and wait for a new fix from now on."""
        self.started_at, self.place = time.time(), None
        self.nearby, self.nearby_state = [], "wait"
        self._fill_nearby()
        self.locate()

    def find_nearby(self) -> None:
        app = App.get_running_app()
        if self.place is None:
            return
        point = (self.place.lat, self.place.lon)
        args, dmap = (app.base_url, app.token), app.duty_map
        self.nearby_state = "loading"
        self._fill_nearby()

        def done(rows, err):
            if self.place is not None and (self.place.lat, self.place.lon) == point:
                self.nearby_state = "done"
                self.nearby = rows or []
                self._fill_nearby()
        background(lambda: nearby_components(args, dmap, *point), done)

    def _fill_nearby(self) -> None:
        """Exactly ``NEARBY_SLOTS`` buttons, filled or blank: the list never changes size."""
        app = App.get_running_app()
        box = self.ids.nearby_list
        box.clear_widgets()
        rows = self.nearby[:NEARBY_SLOTS] if self.nearby_state == "done" else []
        for n in range(NEARBY_SLOTS):
            if n < len(rows):
                c = rows[n]
                b = Button(text=f'{c["class_name"] or c["class_code"]} {c["distance_m"]:.0f}米'
                                f'\n{c["code"][-6:]}', halign="center")
                b.bind(on_release=lambda _b, c=c: self.pick_component(c))
            else:
                text = ""
                if n == 0:
                    text = app.t({"wait": "report.nearby_wait",
                                  "loading": "report.nearby_loading"}.get(
                        self.nearby_state, "report.nearby_none"))
                b = Button(text=text, disabled=True, background_disabled_normal="",
                           background_color=(0, 0, 0, 0))
            b.text_size = (None, None)
            box.add_widget(b)

    def pick_component(self, c: dict) -> None:
        """The exact asset: its code, its class, and its position from the map."""
        self.kind, self.component_code = "component", c["code"]
        self._component_class = c["class_code"]
        self.class_code, self.class_name = c["class_code"], c["class_name"] or c["class_code"]
        if c.get("lat") is not None and self.place is not None:
            self.place = self.place.moved(c["lat"], c["lon"], "component")
            self.show_fix()

    # -- voice: hold to talk -------------------------------------------------------------

    def voice_down(self) -> None:
        app = App.get_running_app()
        rec = app.recorder
        if rec.available and not app.permissions.granted("microphone"):
            # First use: explained, then asked; the next press records.
            app.permissions.ensure("microphone", lambda: None)
            return
        if rec.available and not rec.recording:
            rec.start()
            self.recording = True
            self.status = App.get_running_app().t("report.voice_release")

    def voice_up(self) -> None:
        """Released: the note is kept. Desktop without a recorder: choose a recording file."""
        rec = App.get_running_app().recorder
        self.recording = False
        if rec.recording:
            self.set_voice(rec.stop())
        elif not rec.available:
            pick_voice_file(self.set_voice)

    def toggle_voice(self) -> None:
        """Record / stop (for callers without a press-and-hold)."""
        if App.get_running_app().recorder.recording:
            self.voice_up()
        else:
            self.voice_down()
            if not App.get_running_app().recorder.available:
                self.voice_up()

    def set_voice(self, path: str | None) -> None:
        app = App.get_running_app()
        if not path:
            return
        try:
            self.voice_bytes = read_voice(path)
        except (OSError, BadVoice) as exc:
            self.status = app.t("report.bad_voice", reason=str(exc))
            return
        self.status = app.t("report.voice_ok", kb=max(1, len(self.voice_bytes) // 1024))

    # -- sending, drafts, editing ----------------------------------------------------------

    def fields(self, strict: bool = True) -> dict | None:
        """The report's fields; ``strict``: None (and the reason in ``status``) when the
        class, the position or the photo is missing."""
        app = App.get_running_app()
        if strict and not self.photo_bytes:
            self.status = app.t("report.no_photo")
            return None
        if strict and not self.class_code:
            self.status = app.t("report.no_class")
            return None
        if strict and self.place is None:
            self.status = app.t("report.no_fix_yet")
            return None
        fields = {"kind": self.kind, "class_code": self.class_code,
                  "description": self.ids.description.text}
        if self.place is not None:
            fields.update(lat=f"{self.place.lat:.7f}", lon=f"{self.place.lon:.7f}",
                          accuracy_m=f"{self.place.accuracy_m:.0f}")
        if self.kind == "component" and self.component_code:
            fields["component_code"] = self.component_code
        return fields

    def screen_fields(self) -> dict:
        """What only this screen needs to reopen a draft or an edit as it was."""
        out = {"_class_name": self.class_name, "_component_class": self._component_class}
        if self.place is not None:
            out.update(_source=self.place.source, _at=self.place.at)
        return out

    def send(self) -> None:
        """Into the outbox first (an edited refused item goes back under a new key; a draft
        moves atomically); the sender does the network. Then a new report begins."""
        app = App.get_running_app()
        fields = self.fields()
        if fields is None:
            return
        if self.editing_item:
            app.outbox.revise(self.editing_item, fields, self.photo_bytes, self.voice_bytes,
                              keep_media=False)
            status = app.t("report.requeued")
        elif self.draft_id:
            app.drafts.save(fields, self.photo_bytes, self.draft_id, self.voice_bytes)
            app.drafts.submit(self.draft_id)
            status = app.t("report.queued")
        else:
            app.outbox.add_report(fields, self.photo_bytes, self.voice_bytes)
            status = app.t("report.queued")
        app.queued()
        self.begin()
        self.status = status
        self.show_quick()

    def save_draft(self) -> None:
        app = App.get_running_app()
        fields = dict(self.fields(strict=False), **self.screen_fields())
        d = app.drafts.save(fields, self.photo_bytes, self.draft_id or None, self.voice_bytes)
        self.begin()
        self.status = app.t("report.draft_saved", time=time.strftime("%H:%M",
                                                                     time.localtime(d.updated_at)))

    def load(self, fields: dict, photo: bytes | None, voice: bytes | None) -> None:
        """Fill the form from a draft or a refused item (the position as it was saved)."""
        self.started_at = time.time()
        self.kind = fields.get("kind", "event")
        self.class_code = fields.get("class_code", "")
        self.class_name = fields.get("_class_name", self.class_code)
        self.component_code = fields.get("component_code", "")
        self._component_class = fields.get("_component_class", "")
        self.photo_bytes, self.voice_bytes = photo, voice
        self.ids.description.text = fields.get("description", "")
        self.place = None
        if fields.get("lat") and fields.get("lon"):
            self.set_position(Position(float(fields["lat"]), float(fields["lon"]),
                                       float(fields.get("accuracy_m") or 0),
                                       float(fields.get("_at") or time.time()), "draft"))
        self.show_fix()

    def open_draft(self, draft) -> None:
        self.load(draft.fields, draft.photo, draft.voice)
        self.editing_item, self.draft_id = 0, draft.id

    def edit_item(self, item) -> None:
        """A refused report back in the form, to fix and send again."""
        app = App.get_running_app()
        self.load(item.fields, item.photo, item.voice)
        self.editing_item, self.draft_id = item.id, ""
        self.status = app.t("report.editing")
