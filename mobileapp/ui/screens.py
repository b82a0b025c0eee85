"""The four screens. Each holds no state the core does not hold already: the outbox and drafts
are in SQLite, the classes cache in a JSON file, so a killed app loses at most a half-typed
description."""

from __future__ import annotations

import json
from collections import Counter

from kivy.app import App
from kivy.properties import ListProperty, ObjectProperty, StringProperty
from kivy.uix.button import Button
from kivy.uix.screenmanager import Screen

from mobileapp.core.api import ApiClient, Refused
from mobileapp.core.messages import item_state
from mobileapp.core.outbox import REPORT, Outbox
from mobileapp.core.photos import NotAnImage, shrink_file
from mobileapp.core.tasks import RESULTS, TaskInbox
from mobileapp.ui.app import background

#: Quick report before the phone has a history: two manhole covers, piled garbage (积存垃圾渣土).
DEFAULT_QUICK = [("component", "0101"), ("component", "0103"), ("event", "0103")]


class LoginScreen(Screen):
    status = StringProperty("")

    def sign_in(self, base_url: str, username: str, password: str) -> None:
        app = App.get_running_app()
        self.status = "…"
        api = ApiClient(base_url.strip())

        def done(body, err):
            api.close()
            if err is None:
                self.status = ""
                app.signed_in(base_url.strip(), body)
            elif isinstance(err, Refused):
                self.status = app.t("login.failed", reason=err.message)
            else:
                self.status = app.t("login.offline")
        background(lambda: api.login(username.strip(), password), done)


class ReportScreen(Screen):
    kind = StringProperty("event")
    class_code = StringProperty("")
    class_name = StringProperty("")
    position = StringProperty("")      # "lat,lon" typed or from the GPS
    accuracy = StringProperty("0")
    photo_path = StringProperty("")
    photo_bytes = ObjectProperty(None, allownone=True)
    status = StringProperty("")
    classes = ListProperty([])

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
            self.search(self.ids.search.text)
            self.show_quick()
        background(app.api.classes, done)
        self.show_quick()
        self.search("")

    def search(self, text: str, limit: int = 30) -> None:
        text = text.strip().lower()
        box = self.ids.class_list
        box.clear_widgets()
        hits = [c for c in self.classes if c["kind"] == self.kind and (
            not text or text in c["minor_zh"] or text in c["minor_en"].lower()
            or text in c["major_zh"] or c["code"].startswith(text))]
        for c in hits[:limit]:
            b = Button(text=f'{c["code"]} {c["minor_zh"]}', size_hint_y=None, height="40dp")
            b.bind(on_release=lambda _b, c=c: self.pick(c))
            box.add_widget(b)

    def pick(self, c: dict) -> None:
        self.kind, self.class_code, self.class_name = c["kind"], c["code"], c["minor_zh"]

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

    def locate(self) -> None:
        app = App.get_running_app()
        app.gps.on_fix = lambda fix: setattr(self, "position", f"{fix.lat:.6f},{fix.lon:.6f}") \
            or setattr(self, "accuracy", f"{fix.accuracy_m:.0f}")
        app.gps.start()
        fix = app.gps.last_fix()
        self.status = "" if fix else app.t("report.gps_none")

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

    def fields(self) -> dict | None:
        app = App.get_running_app()
        if not self.class_code:
            self.status = app.t("report.no_class")
            return None
        try:
            lat, lon = (float(p) for p in self.position.replace("，", ",").split(","))
        except ValueError:
            self.status = app.t("report.bad_position")
            return None
        if not self.photo_bytes:
            self.status = app.t("report.no_photo")
            return None
        return {"kind": self.kind, "class_code": self.class_code, "lat": lat, "lon": lon,
                "accuracy_m": self.accuracy or "0", "description": self.ids.description.text}

    def send(self) -> None:
        """Into the outbox first; the sender does the network."""
        app = App.get_running_app()
        fields = self.fields()
        if fields is None:
            return
        app.outbox.add_report(fields, self.photo_bytes)
        app.queued()
        self.ids.description.text = ""
        self.photo_bytes, self.photo_path = None, ""
        self.status = app.t("report.queued")
        self.show_quick()

    def save_draft(self) -> None:
        app = App.get_running_app()
        app.drafts.save({"kind": self.kind, "class_code": self.class_code,
                         "position": self.position, "description": self.ids.description.text},
                        self.photo_bytes)


class OutboxScreen(Screen):
    rows = ListProperty([])

    def refresh(self) -> None:
        app = App.get_running_app()
        self.rows = [{"text": f"{i.label[:24]} — {item_state(i, app.lang)}"}
                     for i in app.outbox.items()[:50]]

    def retry(self) -> None:
        app = App.get_running_app()
        app.outbox.retry_now()
        app.queued()


class TasksScreen(Screen):
    status = StringProperty("")

    def on_enter(self, *args):
        self.poll()

    def poll(self) -> None:
        app = App.get_running_app()
        path, base_url, token = app.outbox.path, app.base_url, app.token

        def work():
            # The worker thread gets its own HTTP client and SQLite connection.
            api, outbox = ApiClient(base_url, token), Outbox(path)
            try:
                return TaskInbox(api, outbox).poll()
            finally:
                api.close()
                outbox.close()

        def done(tasks, err):
            if err is not None:
                self.status = app.t("tasks.offline")
                return
            self.status = "" if tasks else app.t("tasks.empty")
            self.show(tasks)
        background(work, done)

    def show(self, tasks) -> None:
        app = App.get_running_app()
        box = self.ids.task_list
        box.clear_widgets()
        for task in tasks:
            title = app.t(f"task.{task.action}", number=task.number)
            for result in RESULTS[task.action]:
                b = Button(text=f"{title}: {app.t('result.' + result)}", size_hint_y=None,
                           height="44dp")
                b.bind(on_release=lambda _b, tk=task, r=result: self.answer(tk, r))
                box.add_widget(b)

    def answer(self, task, result: str) -> None:
        """Answer with the photo currently picked on the report screen (the camera's)."""
        app = App.get_running_app()
        photo = app.root.get_screen("report").photo_bytes
        TaskInbox(app.api, app.outbox).answer(task, result, photo)
        app.queued()
        self.poll()
