"""The sign-in, outbox and tasks screens (the report screen is in report.py, the map in
map_screen.py, duty and component update in field_screens.py). Each holds no state the core
does not hold already: the outbox and drafts are in SQLite, the classes cache in a JSON file,
so a killed app loses at most a half-typed description."""

from __future__ import annotations

from kivy.app import App
from kivy.properties import ListProperty, StringProperty
from kivy.uix.button import Button
from kivy.uix.screenmanager import Screen

from mobileapp.core.api import ApiClient, Refused
from mobileapp.core.messages import item_state
from mobileapp.core.outbox import ATTENDANCE, COMPONENT_UPDATE, FIELD_KINDS
from mobileapp.core.tasks import RESULTS, TaskInbox
from mobileapp.ui.app import background


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
    rows = ListProperty([])

    def refresh(self) -> None:
        app = App.get_running_app()
        self.rows = [{"text": f"{self.label(i)[:24]} — {item_state(i, app.lang)}"}
                     for i in app.outbox.items()[:50]]

    @staticmethod
    def label(item) -> str:
        """Field kinds by name (签到, 轨迹 …), with their note if any; reports as before."""
        if item.kind not in FIELD_KINDS:
            return item.label
        app = App.get_running_app()
        name = app.t(f"kind.{item.kind}")
        if item.kind == ATTENDANCE:
            name = app.t(f"duty.{item.fields.get('kind', 'in')}")
        elif item.kind == COMPONENT_UPDATE:
            name += " " + app.t(f"update.kind.{item.fields.get('kind', '')}")
        return name

    def retry(self) -> None:
        app = App.get_running_app()
        app.outbox.retry_now()
        app.queued()


class TasksScreen(Screen):
    """The open tasks (核实/核查) as the live feed and the polls keep them (``app.tasks``)."""

    status = StringProperty("")

    def on_enter(self, *args):
        App.get_running_app().bind(tasks=self.show)
        self.show()
        self.poll()

    def poll(self) -> None:
        app = App.get_running_app()

        def done(err):
            self.status = app.t("tasks.offline") if err else (
                "" if app.tasks else app.t("tasks.empty"))
        app.poll_tasks(done)

    def show(self, *args) -> None:
        app = App.get_running_app()
        box = self.ids.task_list
        box.clear_widgets()
        for task in app.tasks:
            title = app.t(f"task.{task.action}", number=task.number)
            for result in RESULTS[task.action]:
                b = Button(text=f"{title}: {app.t('result.' + result)}", size_hint_y=None,
                           height="44dp")
                b.bind(on_release=lambda _b, tk=task, r=result: self.answer(tk, r))
                box.add_widget(b)
            m = Button(text=f"{title} · {app.t('tasks.on_map')}", size_hint_y=None,
                       height="36dp")
            m.bind(on_release=lambda _b, tk=task: self.on_map(tk))
            box.add_widget(m)

    def on_map(self, task) -> None:
        app = App.get_running_app()
        app.root.current = "map"
        app.root.get_screen("map").show_task(task)

    def answer(self, task, result: str) -> None:
        """Answer with the photo currently picked on the report screen (the camera's)."""
        app = App.get_running_app()
        photo = app.root.get_screen("report").photo_bytes
        TaskInbox(app.api, app.outbox).answer(task, result, photo)
        app.queued()
        app.refresh_tasks()
