"""Field work screens: duty (考勤: clock in and out with the GPS position; the patrol track
巡查轨迹 on or off) and component update (部件更新: an asset damaged, missing or removed, or a
new one with its position, class and photo). Both write to the outbox; the sender posts
``/api/attendance/``, ``/api/tracks/`` and ``/api/component-updates/``."""

from __future__ import annotations

from datetime import datetime

from kivy.app import App
from kivy.properties import NumericProperty, ObjectProperty, StringProperty
from kivy.uix.screenmanager import Screen

from mobileapp.core.messages import item_state
from mobileapp.core.outbox import ATTENDANCE
from mobileapp.ui.report import PhotoMixin, parse_position

#: A fix older than this is not where the user is now (seconds).
FRESH_FIX_S = 120
UPDATE_KINDS = ("damaged", "missing", "removed", "added")


class DutyScreen(Screen):
    status = StringProperty("")
    last = StringProperty("")
    pending = NumericProperty(0)

    def on_enter(self, *args):
        self.refresh()

    def refresh(self) -> None:
        app = App.get_running_app()
        clocks = [i for i in app.outbox.items() if i.kind == ATTENDANCE]
        if clocks:
            i = clocks[0]  # newest first
            when = datetime.fromisoformat(i.fields["device_at"]).strftime("%H:%M")
            self.last = app.t("duty.last", what=app.t(f"duty.{i.fields['kind']}"), time=when,
                              state=item_state(i, app.lang))
        else:
            self.last = app.t("duty.never")
        self.pending = app.track_pending()

    def clock(self, direction: str) -> None:
        """Clock in or out where the phone is now; clock-in starts the patrol track,
        clock-out ends it (and sends its points)."""
        app = App.get_running_app()
        fix = app.current_fix(FRESH_FIX_S)
        if fix is None:
            self.status = app.t("duty.no_fix")
            return
        now = datetime.now().astimezone()
        app.outbox.add_attendance(direction, fix.lat, fix.lon, fix.accuracy_m,
                                  now.isoformat(timespec="seconds"))
        app.set_tracking(direction == "in")
        app.queued()
        self.status = app.t("duty.clocked", what=app.t(f"duty.{direction}"),
                            time=now.strftime("%H:%M"))
        self.refresh()

    def toggle_track(self) -> None:
        app = App.get_running_app()
        app.set_tracking(not app.tracking)
        self.refresh()


class UpdateScreen(PhotoMixin, Screen):
    kind = StringProperty("damaged")
    component = ObjectProperty(None, allownone=True)   # mapcache.ComponentPoint
    class_code = StringProperty("")
    class_name = StringProperty("")
    position = StringProperty("")
    photo_path = StringProperty("")
    photo_bytes = ObjectProperty(None, allownone=True)
    status = StringProperty("")

    def on_enter(self, *args):
        report = App.get_running_app().root.get_screen("report")
        if not self.ids.picker.classes:
            self.ids.picker.classes = report.classes

    def set_point(self, lat: float, lon: float, component=None) -> None:
        """From the map: the tapped place, and the asset under the finger if any."""
        self.position = f"{lat:.6f},{lon:.6f}"
        self.component = component
        if component is not None:
            self.class_code, self.class_name = component.class_code, component.class_name

    def on_map(self) -> None:
        app = App.get_running_app()
        app.root.get_screen("map").return_to = "update"
        app.root.current = "map"

    def locate(self) -> None:
        app = App.get_running_app()
        fix = app.current_fix(FRESH_FIX_S)
        if fix is None:
            self.status = app.t("duty.no_fix")
            return
        self.position = f"{fix.lat:.6f},{fix.lon:.6f}"

    def pick(self, c: dict) -> None:
        self.class_code, self.class_name = c["code"], c["minor_zh"]

    def fields(self) -> dict | None:
        """The form as POST /api/component-updates/ takes it, or None with ``status`` saying
        what is missing (the server's rules: a code unless added, a class and a position for
        an added one, a photo for added and damaged)."""
        app = App.get_running_app()
        added = self.kind == "added"
        point = parse_position(self.position)
        if not added and self.component is None:
            self.status = app.t("update.no_component")
        elif added and not self.class_code:
            self.status = app.t("update.no_class")
        elif added and point is None:
            self.status = app.t("update.no_position")
        elif self.kind in ("added", "damaged") and not self.photo_bytes:
            self.status = app.t("report.no_photo")
        else:
            fields = {"kind": self.kind, "note": self.ids.note.text, "frame": "wgs84"}
            if added:
                fields["class_code"] = self.class_code
            else:
                fields["component_code"] = self.component.code
            if point is not None:
                fields["lat"], fields["lon"] = point
            return fields
        return None

    def send(self) -> None:
        app = App.get_running_app()
        fields = self.fields()
        if fields is None:
            return
        app.outbox.add_component_update(fields, self.photo_bytes)
        app.queued()
        self.component, self.photo_bytes, self.photo_path, self.position = None, None, "", ""
        self.ids.note.text = ""
        self.status = app.t("update.queued")
