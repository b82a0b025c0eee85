"""The sign-in, outbox, drafts and tasks screens (the report screen is in report.py, the map in
map_screen.py, duty and component update in field_screens.py). Each holds no state the core
does not hold already: the outbox and drafts are in SQLite, the classes cache in a JSON file,
so a killed app loses at most a half-typed description.

Lists are rebuilt only when what they show changed (not on every timer tick), so a row never
moves or flickers under a finger."""

from __future__ import annotations

import time

from kivy.app import App
from kivy.properties import DictProperty, ListProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.image import Image
from kivy.uix.label import Label
from kivy.uix.screenmanager import Screen

from mobileapp.core.api import ApiClient, Refused, Transient
from mobileapp.core.messages import item_state, refusal
from mobileapp.core.outbox import ATTENDANCE, COMPONENT_UPDATE, FIELD_KINDS, REFUSED, REPORT
from mobileapp.core.tasks import RESULTS, TaskInbox
from mobileapp.ui.app import background
from mobileapp.ui.report import shrunk, texture_of


def stamp(t: float) -> str:
    """Today: 14:05; another day: 11-23 14:05."""
    same_day = time.localtime(t)[:3] == time.localtime()[:3]
    return time.strftime("%H:%M" if same_day else "%m-%d %H:%M", time.localtime(t))


def text_label(text: str, height: str = "48dp", color=(1, 1, 1, 1), size: str = "14sp"):
    """A wrapped label of a fixed height (a card's line)."""
    lab = Label(text=text, size_hint_y=None, height=height, halign="left", valign="middle",
                font_size=size, color=color, shorten=True, shorten_from="right")
    lab.bind(size=lambda w, s: setattr(w, "text_size", s))
    return lab


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


class OutboxScreen(Screen):
    """Every item with its time, what it is, its state and (refused) the reason in the user's
    language; a refused report is edited and sent again, any refused item resent, a waiting
    or refused one deleted."""

    rows = ListProperty([])   # (id, state, reason) of what is shown: rebuilt when it changes
    status = StringProperty("")

    def refresh(self) -> None:
        app = App.get_running_app()
        items = app.outbox.items()[:50]
        sig = [(i.id, i.state, i.reason_code, i.case_number) for i in items]
        n = len(app.drafts.list())
        self.ids.drafts_button.text = f'{app.t("nav.drafts")} {n}' if n else app.t("nav.drafts")
        if sig == self.rows and "item_list" in self.ids and self.ids.item_list.children:
            return
        self.rows = sig
        box = self.ids.item_list
        box.clear_widgets()
        if not items:
            box.add_widget(text_label(app.t("outbox.empty")))
        for item in items:
            box.add_widget(self.card(item))

    def card(self, item) -> BoxLayout:
        app = App.get_running_app()
        card = BoxLayout(orientation="vertical", size_hint_y=None, spacing="2dp")
        line = app.t("outbox.row", time=stamp(item.created_at), what=self.label(item))
        card.add_widget(text_label(line, "28dp"))
        colour = (1, .55, .45, 1) if item.state == REFUSED else (.75, .9, .75, 1)
        card.add_widget(text_label(item_state(item, app.lang), "28dp", colour))
        buttons = []
        if item.state == REFUSED and item.kind == REPORT:
            buttons.append((app.t("common.edit"), lambda: self.edit(item)))
        elif item.state == REFUSED:
            buttons.append((app.t("common.resend"), lambda: self.resend(item)))
        if item.state in ("waiting", REFUSED):
            buttons.append((app.t("common.delete"), lambda: self.delete(item)))
        if buttons:
            row = BoxLayout(size_hint_y=None, height="48dp", spacing="4dp")
            for text, action in buttons:
                b = Button(text=text)
                b.bind(on_release=lambda _b, a=action: a())
                row.add_widget(b)
            card.add_widget(row)
        card.height = sum(c.height for c in card.children) + 4
        return card

    @staticmethod
    def label(item) -> str:
        """Field kinds by name (签到, 轨迹 …), with their note if any; reports by class and
        description; task answers by the case."""
        app = App.get_running_app()
        if item.kind in RESULTS:
            return app.t(f"task.{item.kind}", number=item.case_number or "") + " · " + app.t(
                "result." + item.fields.get("result", ""))
        if item.kind not in FIELD_KINDS:
            code = item.fields.get("class_code", "")
            what = {(c["kind"], c["code"]): c["minor_zh"] for c in app.root.get_screen(
                "report").classes}.get((item.fields.get("kind"), code), code)
            desc = item.fields.get("description", "")
            return f"{app.t('nav.report')} {what} {desc}".strip()
        name = app.t(f"kind.{item.kind}")
        if item.kind == ATTENDANCE:
            name = app.t(f"duty.{item.fields.get('kind', 'in')}")
        elif item.kind == COMPONENT_UPDATE:
            name += " " + app.t(f"update.kind.{item.fields.get('kind', '')}")
        return name

    def edit(self, item) -> None:
        app = App.get_running_app()
        report = app.root.get_screen("report")
        app.root.current = "report"
        report.edit_item(item)

    def resend(self, item) -> None:
        app = App.get_running_app()
        app.outbox.revise(item.id)
        app.queued()
        self.status = app.t("report.requeued")

    def delete(self, item) -> None:
        app = App.get_running_app()
        app.confirm(app.t("outbox.delete_warn"), app.t("common.delete"),
                    lambda: self._delete(item))

    def _delete(self, item) -> None:
        app = App.get_running_app()
        self.status = app.t("outbox.deleted" if app.outbox.delete(item.id) else "outbox.busy")
        self.refresh()

    def retry(self) -> None:
        app = App.get_running_app()
        app.outbox.retry_now()
        app.queued()


class DraftsScreen(Screen):
    """Drafts (存草稿): each with its time and what it is; open one to finish it, or delete."""

    status = StringProperty("")

    def on_enter(self, *args):
        self.refresh()

    def refresh(self) -> None:
        app = App.get_running_app()
        box = self.ids.draft_list
        box.clear_widgets()
        drafts = app.drafts.list()
        if not drafts:
            box.add_widget(text_label(app.t("drafts.empty")))
        for d in drafts:
            card = BoxLayout(orientation="vertical", size_hint_y=None, height="84dp",
                             spacing="4dp")
            what = " ".join(x for x in (d.fields.get("_class_name") or d.fields.get(
                "class_code", ""), d.fields.get("description", "")) if x) or "—"
            card.add_widget(text_label(app.t("drafts.row", time=stamp(d.updated_at),
                                              what=what), "32dp"))
            row = BoxLayout(size_hint_y=None, height="48dp", spacing="4dp")
            for text, action in ((app.t("common.open"), self.open),
                                 (app.t("common.delete"), self.delete)):
                b = Button(text=text)
                b.bind(on_release=lambda _b, a=action, d=d: a(d))
                row.add_widget(b)
            card.add_widget(row)
            box.add_widget(card)

    def open(self, draft) -> None:
        app = App.get_running_app()
        app.root.current = "report"
        app.root.get_screen("report").open_draft(draft)

    def delete(self, draft) -> None:
        App.get_running_app().drafts.delete(draft.id)
        self.refresh()


class TasksScreen(Screen):
    """The open tasks (核实/核查) as cards: the case's class, description, the department's
    feedback and the photos (reported and after), a photo button on the card, and the answers.
    No answer without the card's own site photo; a refused answer shows why, in the user's
    language, and the card stays to answer again."""

    status = StringProperty("")
    photos = DictProperty({})    # case number -> shrunk site photo taken on its card
    details = DictProperty({})   # case number -> GET /api/cases/<n>/ body
    images = DictProperty({})    # photo id -> JPEG bytes

    def on_enter(self, *args):
        App.get_running_app().bind(tasks=self.show)
        self.show()
        self.poll()

    def on_leave(self, *args):
        # Out of sight (or replaced by a language switch): no more card rebuilds and photo
        # downloads for it; the next on_enter shows the tasks as they are then.
        App.get_running_app().unbind(tasks=self.show)

    def poll(self) -> None:
        app = App.get_running_app()

        def done(err):
            self.status = app.t("tasks.offline") if err else (
                "" if app.tasks else app.t("tasks.empty"))
        app.poll_tasks(done)

    def load_details(self, number: str) -> None:
        """The case and up to three of its photos, once per case, on a worker thread."""
        app = App.get_running_app()
        args = (app.base_url, app.token)

        def work():
            with ApiClient(*args, timeout=15) as api:
                body = api.case(number)
                got = {}
                for p in [p for p in body.get("photos", []) if p.get("state", "clean") ==
                          "clean"][-3:]:
                    try:
                        got[p["id"]] = api.photo(p["url"])
                    except (Transient, Refused):  # a thumbnail is a nicety: the card works
                        pass
                return body, got

        def done(result, err):
            if err is None:
                body, got = result
                self.images.update(got)
                self.details[number] = body
                self.show()
        self.details[number] = {}
        background(work, done)

    def show(self, *args) -> None:
        app = App.get_running_app()
        box = self.ids.task_list
        box.clear_widgets()
        refused = {i.case_number: i for i in reversed(app.outbox.items(REFUSED))
                   if i.kind in RESULTS}
        for task in app.tasks:
            if task.number not in self.details:
                self.load_details(task.number)
            box.add_widget(self.card(task, self.details.get(task.number) or {},
                                     refused.get(task.number)))

    def card(self, task, detail: dict, refused) -> BoxLayout:
        app = App.get_running_app()
        card = BoxLayout(orientation="vertical", size_hint_y=None, spacing="4dp",
                         padding=(0, "4dp"))
        title = app.t(f"task.{task.action}", number=task.number)
        names = {c["code"]: c["minor_zh"] for c in app.root.get_screen("report").classes
                 if c["kind"] == detail.get("kind", "event")}
        card.add_widget(text_label(f"{title} · {names.get(task.class_code, task.class_code)}",
                                   "32dp", size="16sp"))
        card.add_widget(text_label(detail.get("description") or task.description or "—",
                                   "28dp"))
        if not detail:
            card.add_widget(text_label(app.t("task.loading"), "28dp", (.8, .8, .8, 1)))
        else:
            notes = [e.get("data", {}).get("note") for e in detail.get("events", [])
                     if e.get("action") == "feedback"]
            kinds = [p.get("kind") for p in detail.get("photos", [])]
            card.add_widget(text_label((app.t("task.feedback", note=notes[-1]) if notes and
                                        notes[-1] else app.t("task.no_feedback")) + "  " +
                                       app.t("task.photos", before=kinds.count("before"),
                                             after=kinds.count("after")), "28dp"))
        thumbs = BoxLayout(size_hint_y=None, height="64dp", spacing="4dp")
        shown = [p for p in detail.get("photos", []) if p["id"] in self.images][-3:]
        for p in shown:
            thumbs.add_widget(Image(texture=texture_of(self.images[p["id"]])))
        own = self.photos.get(task.number)
        thumbs.add_widget(Image(texture=texture_of(own), opacity=1 if own else .2))
        card.add_widget(thumbs)
        if refused is not None:
            card.add_widget(text_label(app.t("task.refused", reason=refusal(
                refused.reason_code, refused.reason_field, refused.reason, app.lang)), "28dp",
                (1, .55, .45, 1)))
        row = BoxLayout(size_hint_y=None, height="56dp", spacing="4dp")
        shoot = Button(text=app.t("report.reshoot") if own else app.t("task.photo"))
        shoot.bind(on_release=lambda _b, tk=task: self.take_photo(tk))
        row.add_widget(shoot)
        for result in RESULTS[task.action]:
            b = Button(text=app.t("result." + result))
            b.bind(on_release=lambda _b, tk=task, r=result: self.answer(tk, r))
            row.add_widget(b)
        m = Button(text=app.t("tasks.on_map"), size_hint_x=.6)
        m.bind(on_release=lambda _b, tk=task: self.on_map(tk))
        row.add_widget(m)
        card.add_widget(row)
        card.height = sum(c.height for c in card.children) + 4 * len(card.children) + 8
        return card

    def take_photo(self, task) -> None:
        """The card's own camera: this photo belongs to this task only."""
        from mobileapp.ui.voice import pick_photo_file

        app = App.get_running_app()

        def taken(path):
            data = shrunk(path)
            if data is None:
                self.status = app.t("report.bad_photo") if path else ""
                return
            self.photos[task.number] = data
            self.status = app.t("task.photo_ok", kb=len(data) // 1024)
            self.show()
        if getattr(app.camera, "path", "unset") is None:
            pick_photo_file(taken)
        else:
            app.take_photo(taken)  # Android: camera permission first

    def on_map(self, task) -> None:
        app = App.get_running_app()
        app.root.current = "map"
        app.root.get_screen("map").show_task(task)

    def answer(self, task, result: str) -> bool:
        """Queue the answer with the card's photo; without one, say so and send nothing.
        A refused earlier answer to the same case is replaced by this one."""
        app = App.get_running_app()
        photo = self.photos.get(task.number)
        if not photo:
            self.status = app.t("task.need_photo")
            return False
        for old in app.outbox.items(REFUSED):
            if old.case_number == task.number and old.kind == task.action:
                app.outbox.delete(old.id)
        TaskInbox(app.api, app.outbox).answer(task, result, photo)
        self.photos.pop(task.number, None)
        self.status = app.t("task.queued")
        app.queued()
        app.refresh_tasks()
        return True
