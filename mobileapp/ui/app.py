"""The handset app: owns the outbox (UI thread connection), the sender thread, the API client
and the platform services; the screens call it. Network calls from screens run on a worker
thread (``background``) and come back on Kivy's loop, so a 3G stall never freezes the UI.

Settings come from the environment or the command line: ``--base-url`` / ``DCM_BASE_URL``
(default http://127.0.0.1:8000), ``DCM_APP_DATA`` (default: Kivy's user_data_dir).
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ListProperty, ObjectProperty, StringProperty

from mobileapp.core.api import ApiClient
from mobileapp.core.drafts import Drafts
from mobileapp.core.live import LiveFeed, TaskBoard
from mobileapp.core.mapcache import MapCache
from mobileapp.core.messages import t
from mobileapp.core.outbox import Outbox
from mobileapp.core.sender import Sender
from mobileapp.core.tasks import RESULTS, TaskInbox
from mobileapp.core.track import TrackRecorder
from mobileapp.platform import camera, gps
from mobileapp.platform.voice import recorder
from mobileapp.ui.fonts import register_cjk_font

#: Not handset.kv: Kivy would load that one by itself (HandsetApp → handset.kv) and then the
#: explicit load below would apply every rule twice. The screens' rules first, the root last.
KV_RULES = [Path(__file__).with_name(n) for n in ("report.kv", "field.kv")]
KV = Path(__file__).with_name("screens.kv")


def background(fn, on_done) -> None:
    """Run ``fn()`` on a worker thread; ``on_done(result, error)`` runs on Kivy's loop."""
    def work():
        try:
            result, error = fn(), None
        except Exception as exc:  # shown to the user by on_done
            result, error = None, exc
        Clock.schedule_once(lambda dt: on_done(result, error))
    threading.Thread(target=work, daemon=True).start()


def on_loop(fn):
    """``fn`` wrapped to run on Kivy's loop, whatever thread calls it."""
    return lambda *args: Clock.schedule_once(lambda dt: fn(*args))


class HandsetApp(App):
    base_url = StringProperty("http://127.0.0.1:8000")
    lang = StringProperty("zh")
    #: The newest GPS fix (platform.gps.Fix), shown on the map and used by every form.
    fix = ObjectProperty(None, allownone=True)
    #: The cached duty map (core.mapcache.DutyMap), None before the first download.
    duty_map = ObjectProperty(None, allownone=True)
    #: Open tasks (core.tasks.Task), pushed or polled, minus those answered from this phone.
    tasks = ListProperty([])
    #: The live feed's state: connecting, live, polling, refused, stopped.
    live_state = StringProperty("stopped")
    tracking = BooleanProperty(False)

    def __init__(self, base_url: str | None = None, data_dir: str | None = None, **kw):
        """``base_url`` given: it wins over the one saved at the last sign-in."""
        super().__init__(**kw)
        self._fixed_url = bool(base_url)
        if base_url:
            self.base_url = base_url
        self._data_dir = data_dir
        self.token: str | None = None
        self.sender: Sender | None = None
        self.gps = gps()
        self.camera = camera()
        self.recorder = recorder()
        self.live: LiveFeed | None = None
        self.board = TaskBoard()
        self.track: TrackRecorder | None = None

    def t(self, key: str, **params) -> str:
        return t(key, self.lang, **params)

    @property
    def data_dir(self) -> Path:
        d = Path(self._data_dir or os.environ.get("DCM_APP_DATA") or self.user_data_dir)
        d.mkdir(parents=True, exist_ok=True)
        return d

    def build(self):
        self.title = self.t("app.title")
        register_cjk_font()
        self.outbox = Outbox(self.data_dir / "outbox.sqlite3")
        self.drafts = Drafts(self.outbox)
        saved = self._load_session()
        if saved.get("base_url") and not self._fixed_url:
            self.base_url = saved["base_url"]
        self.token = saved.get("token")
        self.api = ApiClient(self.base_url, self.token)
        self.map_cache = MapCache(self.data_dir / "map")
        self.duty_map = self.map_cache.load()        # offline: the last map, no network
        self.gps.on_fix = on_loop(self._got_fix)
        for kv in KV_RULES:
            Builder.load_file(str(kv))
        root = Builder.load_file(str(KV))
        if self.token:
            self._online()
            root.current = "report"
        if (self.data_dir / "tracking").exists():
            self.set_tracking(True)  # patrol was on when the app was killed
        Clock.schedule_interval(lambda dt: self.refresh_outbox(), 1.0)
        return root

    def _online(self) -> None:
        """With a token: the sender, the live task feed and a map refresh."""
        self.start_sender()
        self.start_live()
        self.refresh_map()

    # -- session ---------------------------------------------------------------------------

    def _session_file(self) -> Path:
        return self.data_dir / "session.json"

    def _load_session(self) -> dict:
        try:
            return json.loads(self._session_file().read_text())
        except (OSError, ValueError):
            return {}

    def signed_in(self, base_url: str, body: dict) -> None:
        """Called by the login screen with the token endpoint's answer."""
        self.base_url, self.token = base_url, body["token"]
        self.api.close()
        self.api = ApiClient(base_url, self.token)
        self._session_file().write_text(json.dumps({"base_url": base_url, "token": self.token,
                                                    "username": body.get("username")}))
        self.outbox.retry_now()  # items held back by a 401 go now
        # Another user's cursor and tasks are not this one's: the feed starts afresh.
        (self.data_dir / "live_cursor").unlink(missing_ok=True)
        self.board = TaskBoard()
        self.tasks = []
        if self.sender and self.sender.base_url == base_url:
            self.sender.set_token(self.token)
        else:
            self.start_sender()
        self.start_live()
        self.refresh_map()
        self.root.current = "report"

    def start_sender(self) -> None:
        if self.sender:
            self.sender.stop(timeout=30)  # another server: let an in-flight upload finish
        self.sender = Sender(self.outbox.path, self.base_url, self.token or "",
                             on_change=lambda item: Clock.schedule_once(
                                 lambda dt: self.refresh_outbox()))
        self.sender.start()

    def queued(self) -> None:
        """A report or answer was put in the outbox: send now rather than after a nap."""
        if self.sender:
            self.sender.wake()
        self.refresh_outbox()

    def refresh_outbox(self) -> None:
        if self.root and self.root.has_screen("outbox"):
            self.root.get_screen("outbox").refresh()
            if self.root.current == "duty":  # its last clock-in's state follows the sender
                self.root.get_screen("duty").refresh()

    # -- the map, tasks, GPS and patrol track ------------------------------------------------

    def refresh_map(self, on_done=None) -> None:
        """Ask for a newer duty map (ETag: a 304 costs a few hundred bytes on 3G)."""
        base_url, token, directory = self.base_url, self.token, self.map_cache.dir

        def work():
            with ApiClient(base_url, token) as api:
                return MapCache(directory).refresh(api)

        def done(result, err):
            if err is None and result[1] is not None and result[0]:
                self.duty_map = result[1]
            if on_done:
                on_done(err)
        background(work, done)

    def start_live(self) -> None:
        if self.live:
            self.live.stop(timeout=2)
        self.live = LiveFeed(self.base_url, self.token or "", on_case=on_loop(self._pushed),
                             on_resync=self._poll_tasks, on_state=on_loop(self._live_state),
                             on_hello=lambda hello: self.board.learn_user(hello["groups"]),
                             cursor_path=self.data_dir / "live_cursor")
        self.live.start()

    def _live_state(self, state: str) -> None:
        self.live_state = state

    def _poll_tasks(self) -> None:
        """REST poll of the tasks (the feed's thread: its own client and outbox)."""
        api, outbox = ApiClient(self.base_url, self.token), Outbox(self.outbox.path)
        try:
            tasks = TaskInbox(api, outbox, self.board.my_user_id).poll()
        finally:
            api.close()
            outbox.close()
        Clock.schedule_once(lambda dt: (self.board.replace(tasks), self.refresh_tasks()))

    def poll_tasks(self, on_done=None) -> None:
        """The tasks screen's refresh button."""
        background(self._poll_tasks, lambda _r, err: on_done and on_done(err))

    def _pushed(self, case: dict, message: dict | None = None) -> None:
        if self.board.apply(case):
            self.refresh_tasks()

    def refresh_tasks(self) -> None:
        answered = {i.case_number for i in self.outbox.items()
                    if i.kind in RESULTS and i.state in ("waiting", "sending", "sent")}
        self.tasks = self.board.open(answered)

    def current_fix(self, max_age_s: float | None = None):
        """The newest GPS fix, switching the receiver on; None when there is none yet (or it
        is older than ``max_age_s``: not where the user is now)."""
        self.gps.start()
        fix = self.gps.last_fix() or self.fix
        if fix is None or (max_age_s is not None and time.time() - fix.at > max_age_s):
            return None
        return fix

    def _got_fix(self, fix) -> None:
        self.fix = fix
        if self.track is not None and self.track.add(fix.lat, fix.lon, fix.accuracy_m, fix.at):
            self.queued()

    def set_tracking(self, on: bool) -> None:
        """Patrol track (巡查轨迹) on or off; off sends what is waiting."""
        flag = self.data_dir / "tracking"
        if on and self.track is None:
            self.track = TrackRecorder(self.outbox)
            flag.touch()
            self.gps.start()
        elif not on and self.track is not None:
            self.track.flush()
            self.track = None
            flag.unlink(missing_ok=True)
            self.queued()
        self.tracking = self.track is not None

    def on_pause(self):
        if self.track is not None:
            self.track.flush()  # Android may kill a paused app: points go to the outbox now
        return True

    def on_stop(self):
        if self.track is not None:
            self.track.flush()
        if self.live:
            self.live.stop(timeout=2)
        if self.sender:
            self.sender.stop(timeout=2)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="城管通: the field handset")
    ap.add_argument("--base-url", default=os.environ.get("DCM_BASE_URL"))
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--lang", default=os.environ.get("DCM_LANG", "zh"))
    args = ap.parse_args(argv)
    app = HandsetApp(base_url=args.base_url, data_dir=args.data_dir)
    app.lang = args.lang
    app.run()
    return 0
