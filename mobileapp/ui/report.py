"""The report screen (问题上报): class from the picker or a quick button, position from the GPS
(with its accuracy) or a tap on the map, the exact asset from the components near that point
(the server's placement online, the cached map offline), photo, optional voice note. Everything
goes to the outbox first; the sender does the network."""

from __future__ import annotations

import json
from collections import Counter

from kivy.app import App
from kivy.properties import ListProperty, ObjectProperty, StringProperty
from kivy.uix.button import Button
from kivy.uix.screenmanager import Screen

from mobileapp.core.api import ApiClient
from mobileapp.core.outbox import REPORT
from mobileapp.core.photos import NotAnImage, shrink_file
from mobileapp.core.voicenote import BadVoice, read_voice
from mobileapp.ui.app import background
from mobileapp.ui.voice import pick_voice_file

#: Quick report before the phone has a history: two manhole covers, piled garbage (积存垃圾渣土).
DEFAULT_QUICK = [("component", "0101"), ("component", "0103"), ("event", "0103")]
NEARBY_RADIUS_M = 50


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


class PhotoMixin:
    """A screen's photo: a file path typed (desktop) or the camera; shrunk before it is kept.
    Needs ``photo_bytes``, ``photo_path`` and ``status`` properties."""

    def set_photo(self, path: str | None) -> None:
        app = App.get_running_app()
        if not path:
            return
        try:
            self.photo_bytes = shrink_file(path)
        except (OSError, NotAnImage):
            self.status = app.t("report.bad_photo")
            return
        self.photo_path = path
        self.status = app.t("report.photo_ok", kb=len(self.photo_bytes) // 1024)

    def take_photo(self) -> None:
        App.get_running_app().camera.take(self.set_photo)


class ReportScreen(PhotoMixin, Screen):
    kind = StringProperty("event")
    class_code = StringProperty("")
    class_name = StringProperty("")
    component_code = StringProperty("")
    position = StringProperty("")      # "lat,lon" typed, from the GPS or from the map
    accuracy = StringProperty("0")
    where = StringProperty("")         # how the position was found, for the user
    photo_path = StringProperty("")
    photo_bytes = ObjectProperty(None, allownone=True)
    voice_bytes = ObjectProperty(None, allownone=True)
    status = StringProperty("")
    classes = ListProperty([])
    nearby = ListProperty([])
    _component_class = ""

    def on_enter(self, *args):
        self.load_classes()

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

    # -- quick report ----------------------------------------------------------------------

    def show_quick(self) -> None:
        """The three classes this phone reported most, else the defaults."""
        app = App.get_running_app()
        seen = Counter((i.fields.get("kind"), i.fields.get("class_code"))
                       for i in app.outbox.items() if i.kind == REPORT)
        quick = [k for k, _ in seen.most_common(3)] or DEFAULT_QUICK
        names = {(c["kind"], c["code"]): c["minor_zh"] for c in self.classes}
        box = self.ids.quick
        box.clear_widgets()
        for kind, code in quick[:3]:
            b = Button(text=names.get((kind, code), f"{kind} {code}"))
            b.bind(on_release=lambda _b, k=kind, c=code: self.quick(k, c, names))
            box.add_widget(b)

    def quick(self, kind: str, code: str, names: dict) -> None:
        """One tap: pick the class; if a position and a photo are there, send at once."""
        self.kind, self.class_code = kind, code
        self.class_name = names.get((kind, code), code)
        if self.photo_bytes and self.position:
            self.send()

    # -- position and the asset ------------------------------------------------------------

    def locate(self) -> None:
        app = App.get_running_app()
        fix = app.current_fix()
        if fix is None:
            self.status = app.t("report.gps_none")
            app.bind(fix=self._fix_arrived)
            return
        self._use_fix(fix)

    def _fix_arrived(self, app, fix) -> None:
        app.unbind(fix=self._fix_arrived)
        if fix is not None:
            self._use_fix(fix)

    def _use_fix(self, fix) -> None:
        app = App.get_running_app()
        self.set_point(fix.lat, fix.lon, fix.accuracy_m,
                       app.t("report.gps_fix", lat=fix.lat, lon=fix.lon, acc=fix.accuracy_m))

    def on_map(self) -> None:
        app = App.get_running_app()
        app.root.get_screen("map").return_to = "report"
        app.root.current = "map"

    def set_point(self, lat: float, lon: float, accuracy_m: float, where: str = "") -> None:
        """A position from the GPS or the map; looks for the assets near it."""
        self.position = f"{lat:.6f},{lon:.6f}"
        self.accuracy = f"{accuracy_m:.0f}"
        self.where = where
        self.status = ""
        self.find_nearby()

    def find_nearby(self) -> None:
        app = App.get_running_app()
        point = parse_position(self.position)
        if point is None:
            return
        args, dmap = (app.base_url, app.token), app.duty_map
        background(lambda: nearby_components(args, dmap, *point),
                   lambda rows, err: setattr(self, "nearby", rows or []))

    def on_nearby(self, *args) -> None:
        box = self.ids.nearby_list
        box.clear_widgets()
        for c in self.nearby[:6]:
            b = Button(text=f'{c["class_name"] or c["class_code"]} {c["code"][-6:]} '
                            f'{c["distance_m"]:.0f}m', size_hint_y=None, height="36dp")
            b.bind(on_release=lambda _b, c=c: self.pick_component(c))
            box.add_widget(b)

    def pick_component(self, c: dict) -> None:
        """The exact asset: its code, its class, and its position from the map."""
        self.kind, self.component_code = "component", c["code"]
        self._component_class = c["class_code"]
        self.class_code, self.class_name = c["class_code"], c["class_name"] or c["class_code"]
        if c.get("lat") is not None:
            self.position = f'{c["lat"]:.6f},{c["lon"]:.6f}'

    # -- voice ---------------------------------------------------------------------------

    def toggle_voice(self) -> None:
        """Phone: record / stop. Desktop without a recorder: choose a recording file."""
        rec = App.get_running_app().recorder
        if rec.recording:
            self.set_voice(rec.stop())
        elif rec.available:
            rec.start()
            self.status = App.get_running_app().t("report.voice_stop")
        else:
            pick_voice_file(self.set_voice)

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

    # -- sending ---------------------------------------------------------------------------

    def fields(self) -> dict | None:
        app = App.get_running_app()
        if not self.class_code:
            self.status = app.t("report.no_class")
            return None
        point = parse_position(self.position)
        if point is None:
            self.status = app.t("report.bad_position")
            return None
        if not self.photo_bytes:
            self.status = app.t("report.no_photo")
            return None
        fields = {"kind": self.kind, "class_code": self.class_code, "lat": point[0],
                  "lon": point[1], "accuracy_m": self.accuracy or "0",
                  "description": self.ids.description.text}
        if self.kind == "component" and self.component_code:
            fields["component_code"] = self.component_code
        return fields

    def send(self) -> None:
        """Into the outbox first; the sender does the network."""
        app = App.get_running_app()
        fields = self.fields()
        if fields is None:
            return
        app.outbox.add_report(fields, self.photo_bytes, self.voice_bytes)
        app.queued()
        self.ids.description.text = ""
        self.photo_bytes, self.photo_path, self.voice_bytes = None, "", None
        self.component_code, self.nearby = "", []
        self.status = app.t("report.queued")
        self.show_quick()

    def save_draft(self) -> None:
        app = App.get_running_app()
        app.drafts.save({"kind": self.kind, "class_code": self.class_code,
                         "position": self.position, "description": self.ids.description.text},
                        self.photo_bytes)
