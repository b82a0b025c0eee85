"""The handset app: owns the outbox (UI thread connection), the sender thread, the API client
and the platform services; the screens call it. Network calls from screens run on a worker
thread (``background``) and come back on Kivy's loop, so a 3G stall never freezes the UI.

Settings come from the environment or the command line: ``--base-url`` / ``DCM_BASE_URL``
(default http://127.0.0.1:8000), ``DCM_APP_DATA`` (default: Kivy's user_data_dir).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import threading
import time
from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.logger import Logger
from kivy.properties import (BooleanProperty, ListProperty, NumericProperty, ObjectProperty,
                             StringProperty)

from mobileapp.core.api import ApiClient, Refused, Transient
from mobileapp.core.basemap import TileCache
from mobileapp.core.drafts import Drafts
from mobileapp.core.live import LiveFeed, TaskBoard
from mobileapp.core.mapcache import MapCache
from mobileapp.core.messages import age, t
from mobileapp.core.outbox import Outbox
from mobileapp.core.redact import install as install_redaction
from mobileapp.core.sender import Sender
from mobileapp.core.tasks import RESULTS, TaskInbox
from mobileapp.core.track import TrackRecorder
from mobileapp.platform import camera, gps
from mobileapp.platform.android import open_app_settings
from mobileapp.platform.permissions import permissions
from mobileapp.platform.service import TRACKING_FLAG, service_link, token_id
from mobileapp.platform.voice import recorder
from mobileapp.ui.fonts import register_cjk_font
from mobileapp.ui.incamera import InAppCamera
from mobileapp.ui.tiles import BaseMapTiles

#: Not handset.kv: Kivy would load that one by itself (HandsetApp → handset.kv) and then the
#: explicit load below would apply every rule twice. The screens' rules first, the root last.
KV_RULES = [Path(__file__).with_name(n) for n in ("report.kv", "field.kv")]
KV = Path(__file__).with_name("screens.kv")


def _soon(owner, call) -> None:
    """``call()`` on Kivy's loop, unless ``owner`` (the app running when the work was asked
    for) has stopped by then: a worker thread's late answer must not reach a later app in the
    same process."""
    def run(dt):
        if owner is None or App.get_running_app() is owner:
            call()
    Clock.schedule_once(run)


def background(fn, on_done) -> None:
    """Run ``fn()`` on a worker thread; ``on_done(result, error)`` runs on Kivy's loop."""
    owner = App.get_running_app()

    def work():
        try:
            result, error = fn(), None
        except Exception as exc:  # shown to the user by on_done
            result, error = None, exc
        _soon(owner, lambda: on_done(result, error))
    threading.Thread(target=work, daemon=True).start()


def on_loop(fn):
    """``fn`` wrapped to run on Kivy's loop, whatever thread calls it."""
    owner = App.get_running_app()
    return lambda *args: _soon(owner, lambda: fn(*args))


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
    #: The status line every screen shows, and whether it warns (offline, sign in again).
    status_text = StringProperty("")
    status_warn = BooleanProperty(False)
    pending = NumericProperty(0)
    #: The server answered the last attempt (True), could not be reached (False), or not
    #: known yet (None).
    net_up = ObjectProperty(None, allownone=True)
    #: A 401 came back: the token is no longer good; the outbox waits for a sign-in.
    needs_login = BooleanProperty(False)

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
        # The Android camera answers on Android's UI thread: its result hops to Kivy's loop.
        self.camera = camera(deliver=lambda fn, arg: Clock.schedule_once(lambda dt: fn(arg)))
        self.recorder = recorder()
        # When no camera app answers the intent: Kivy's own camera (its folder set in build).
        self.in_app_camera = InAppCamera("")
        self.live: LiveFeed | None = None
        self.board = TaskBoard()
        self._outbox_counts: dict[str, int] | None = None
        self.track: TrackRecorder | None = None

    def t(self, key: str, **params) -> str:
        return t(key, self.lang, **params)

    @property
    def data_dir(self) -> Path:
        d = Path(self._data_dir or os.environ.get("DCM_APP_DATA") or self.user_data_dir)
        d.mkdir(parents=True, exist_ok=True)
        return d

    def build(self):
        # The websockets library logs the ws URL (?token=) at DEBUG and Kivy's log passes
        # every library's records: filter them all before any network use.
        install_redaction(logging.getLogger().handlers + Logger.handlers)
        self.title = self.t("app.title")
        register_cjk_font()
        self.outbox = Outbox(self.data_dir / "outbox.sqlite3")
        # Android asks at first use, with our explanation first; the desktop grants all.
        self.permissions = permissions(
            explain=self._explain_permission, refused=self._permission_refused,
            call_soon=lambda fn: Clock.schedule_once(lambda dt: fn()),
            state_path=self.data_dir / "permissions.json")
        # Android: the sender and the patrol track live in a foreground service (its own
        # process); the desktop runs them here.
        self.service = service_link(self.data_dir)
        self.drafts = Drafts(self.outbox)
        self.in_app_camera.directory = self.in_app_camera.directory or str(
            self.data_dir / "photos")
        saved = self._load_session()
        if saved.get("base_url") and not self._fixed_url:
            self.base_url = saved["base_url"]
        self.token = saved.get("token")
        self.lang = saved.get("lang", self.lang)
        self.api = ApiClient(self.base_url, self.token)
        self.map_cache = MapCache(self.data_dir / "map")
        self.duty_map = self.map_cache.load()        # offline: the last map, no network
        # The base map's last answer and tiles, from the disk too (a start in a dead zone).
        self.basemap = BaseMapTiles(TileCache(self.data_dir / "tiles"))
        info, from_url = self.basemap.cache.load_info()
        if info is not None and from_url == self.base_url:
            self.basemap.use(info, self.token)
        self.gps.on_fix = on_loop(self._got_fix)
        for kv in [*KV_RULES, KV]:  # once: a second app in the process would double the rules
            Builder.unload_file(str(kv))
        for kv in KV_RULES:
            Builder.load_file(str(kv))
        root = Builder.load_file(str(KV))
        if self.token:
            self._online()
            root.current = "report"
        if (self.data_dir / TRACKING_FLAG).exists():
            self.set_tracking(True)  # patrol was on when the app was killed
        # While this app runs (False ends the interval: a later app in the same process, as in
        # tests, must not be called by this one).
        Clock.schedule_interval(
            lambda dt: App.get_running_app() is self and (self.refresh_outbox() or True), 1.0)
        self.refresh_status()
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
        self.needs_login = False
        self.api.close()
        self.api = ApiClient(base_url, self.token)
        self._save_session(token=self.token, username=body.get("username"))
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

    def _save_session(self, **changes) -> None:
        """session.json: server, token, user, language (private to the app's data dir)."""
        data = dict(self._load_session(), base_url=self.base_url, lang=self.lang, **changes)
        path = self._session_file()
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps({k: v for k, v in data.items() if v is not None}))
        tmp.replace(path)

    def session_expired(self) -> None:
        """Any 401 (expired, revoked, bad token): back to sign-in; the outbox stays and goes
        after the next sign-in."""
        if self.needs_login:
            return
        self.needs_login = True
        if self.live:
            self.live.stop(timeout=0.5)
        self.root.get_screen("login").status = self.t("session.expired",
                                                      n=self.outbox.pending())
        self.root.current = "login"
        self.refresh_status()

    def ask_logout(self) -> None:
        """Sign out; with unsent items the user is told they stay on the phone first."""
        n = self.outbox.pending()
        if n:
            self.confirm(self.t("session.logout_warn", n=n), self.t("session.logout_ok"),
                         self.logout)
        else:
            self.logout()

    def logout(self) -> None:
        """Forget the token (not the outbox, not the drafts); the sender and the feed stop."""
        if self.live:
            self.live.stop(timeout=0.5)
            self.live_state = "stopped"   # its own late "stopped" is dropped (_same_sign_in)
        if self.sender:
            self.sender.stop(timeout=0.5)
            self.sender = None
        if self.service.available:
            self.service.stop()  # the outbox waits in the file for the next sign-in
        self.token = None
        self.api.token = None
        # Their tasks go with them (a late poll or push for them is dropped: _session_is).
        self.board = TaskBoard()
        self.tasks = []
        self._save_session(token=None)
        self.root.get_screen("login").status = self.t("session.signed_out",
                                                      n=self.outbox.pending())
        self.root.current = "login"
        self.refresh_status()

    def confirm(self, text: str, ok_text: str, on_ok, cancel_text: str | None = None,
                on_cancel=None):
        """A two-button question; ``on_ok()`` only on the second button, ``on_cancel()`` (if
        given) on the first."""
        from kivy.uix.boxlayout import BoxLayout
        from kivy.uix.button import Button
        from kivy.uix.label import Label
        from kivy.uix.popup import Popup

        body = BoxLayout(orientation="vertical", spacing="8dp", padding="8dp")
        msg = Label(text=text, font_size="16sp", halign="center", valign="middle")
        msg.bind(size=lambda w, size: setattr(w, "text_size", size))
        body.add_widget(msg)
        row = BoxLayout(size_hint_y=None, height="56dp", spacing="8dp")
        popup = Popup(title=self.t("app.title"), content=body, size_hint=(.92, None),
                      height="280dp", auto_dismiss=False, title_size="18sp")
        for label, then in ((cancel_text or self.t("common.cancel"), on_cancel),
                            (ok_text, on_ok)):
            b = Button(text=label)
            b.bind(on_release=lambda _b, then=then: (popup.dismiss(), then and then()))
            row.add_widget(b)
        body.add_widget(row)
        popup.open()
        self.open_popup = popup
        return popup

    def on_lang(self, _app, lang: str) -> None:
        ApiClient.language = "en" if lang == "en" else "zh-hans"

    def set_lang(self, lang: str) -> None:
        """Chinese or English: saved, and the screens are built again in it."""
        self.lang = lang
        self._save_session()
        self.title = self.t("app.title")
        current = self.root.current if self.root else "login"
        for kv in [*KV_RULES, KV]:
            Builder.unload_file(str(kv))
        for kv in KV_RULES:
            Builder.load_file(str(kv))
        from kivy.core.window import Window

        old = self.root
        new = Builder.load_file(str(KV))
        if old is not None and old.current_screen is not None:
            old.current_screen.dispatch("on_leave")   # it goes: its bindings with it
        Window.remove_widget(old)
        self.root = new
        Window.add_widget(new)
        new.current = current
        self.refresh_status()

    # -- Android: permissions, the camera, the service ----------------------------------------

    def _explain_permission(self, need, go, cancel) -> None:
        """Before Android's own dialog: why, in the user's language."""
        self.confirm(self.t(f"perm.{need.name}.why"), self.t("perm.continue"), go,
                     on_cancel=cancel)

    def _permission_refused(self, need, permanent: bool) -> None:
        """A refusal: what does not work now, and the way back (the app's settings page)."""
        text = self.t(f"perm.refused.{need.name}") + "\n" + self.t(
            "perm.how" if permanent else "perm.retry")
        screen = self.root.current_screen if self.root else None
        if screen is not None and hasattr(screen, "status"):
            screen.status = self.t(f"perm.refused.{need.name}")
        self.confirm(text, self.t("perm.settings"), open_app_settings,
                     cancel_text=self.t("perm.ok"))

    def take_photo(self, on_done) -> None:
        """The shutter: camera permission first (Android), then the camera (when no camera
        app answers, the in-app one); ``on_done(path)`` on Kivy's loop, None when cancelled
        (with the reason shown if it was not the user)."""
        def done(path):
            error = getattr(self.camera, "error", None)
            if path is None and error == "no_camera_app" and self.in_app_camera.take(on_done):
                return   # the in-app camera answers instead
            if path is None and error:
                self.confirm(self.t(f"camera.{'no_app' if error == 'no_camera_app' else 'failed'}"),
                             self.t("perm.ok"), None)
            on_done(path)
        self.permissions.ensure("camera", lambda: self.camera.take(done))

    def start_service(self) -> None:
        """Android: the foreground service sends and tracks; notifications asked first (the
        service runs without them, its notification hidden)."""
        def go():
            self.service.start(self.t("app.title"), self.t("service.idle"))
        self.permissions.ensure("notifications", go, otherwise=go)

    def _follow_service(self) -> None:
        """Each second: the service's link state and a 401 it met, and a restart when its
        heartbeat stopped (killed by the system or a battery manager)."""
        state = self.service.state()
        if state.get("link") is not None:
            self.net_up = state["link"]
        if (state.get("unauthorized") and self.token
                and state.get("token_id") == token_id(self.token)):
            self.session_expired()
        if self.token and not self.needs_login and not self.service.alive():
            self.start_service()

    def track_pending(self) -> int:
        """Patrol points waiting to be batched into the outbox."""
        if self.track is not None:
            return self.track.pending()
        return int(self.service.state().get("track_pending") or 0) if self.tracking else 0

    def start_sender(self) -> None:
        if self.service.available:
            self.start_service()
            return
        if self.sender:
            self.sender.stop(timeout=30)  # another server: let an in-flight upload finish
        self.sender = Sender(self.outbox.path, self.base_url, self.token or "",
                             # on_loop: not after this app stopped (its screens' bindings
                             # would look for a running app and find none)
                             on_change=on_loop(lambda item: self.refresh_outbox()),
                             on_unauthorized=on_loop(self.session_expired),
                             on_link=on_loop(self._link))
        self.sender.start()

    def _link(self, up: bool) -> None:
        self.net_up = up
        self.refresh_status()

    def refresh_status(self) -> None:
        """The status line: network, pending count, last successful sync, GPS."""
        if not hasattr(self, "outbox"):
            return
        self.pending = self.outbox.pending()
        if self.needs_login or not self.token:
            net = self.t("status.relogin")
        elif self.net_up is False and self.live_state != "live":
            net = self.t("status.offline")
        elif self.net_up or self.live_state == "live":
            net = self.t("status.online")
        else:
            net = self.t("status.unknown")
        last = self.outbox.last_sent_at()
        synced = (self.t("status.synced", time=time.strftime("%H:%M", time.localtime(last)))
                  if last else self.t("status.never"))
        fix = self.fix
        gps_text = (self.t("status.gps", acc=fix.accuracy_m) + " " + age(time.time() - fix.at,
                                                                          self.lang)
                    if fix else self.t("status.gps_none"))
        parts = [net, self.t("status.pending", n=self.pending), synced, gps_text]
        self.status_text = " · ".join(parts)
        self.status_warn = bool(self.needs_login or not self.token or self.net_up is False
                                or fix is None)

    def queued(self) -> None:
        """A report or answer was put in the outbox: send now rather than after a nap."""
        if self.sender:
            self.sender.wake()
        elif self.service.available and self.token and not self.service.wake():
            self.start_service()
        self.refresh_outbox()

    def refresh_outbox(self) -> None:
        if self.service.available:
            self._follow_service()
        self.refresh_status()
        # An answer refused by the server brings its task card back (with the reason) at
        # once, whichever process sent it; the counts change with every state change.
        counts = self.outbox.counts()
        if counts != self._outbox_counts:
            self._outbox_counts = counts
            self.refresh_tasks()
        if self.root and self.root.has_screen("outbox"):
            self.root.get_screen("outbox").refresh()
            if self.root.current == "duty":  # its last clock-in's state follows the sender
                self.root.get_screen("duty").refresh()

    # -- the map, tasks, GPS and patrol track ------------------------------------------------

    def refresh_map(self, on_done=None) -> None:
        """Ask for a newer duty map (ETag: a 304 costs a few hundred bytes on 3G) and where
        the base map is. A server without a base map (404 or type "none") leaves the grid
        drawn alone; an unreachable one leaves the last answer and the cached tiles."""
        base_url, token, directory = self.base_url, self.token, self.map_cache.dir
        tiles = self.basemap.cache

        def work():
            with ApiClient(base_url, token) as api:
                changed, dmap = MapCache(directory).refresh(api)
                try:
                    answer = api.basemap()
                except Transient:   # the duty map came: keep the base map we have
                    return changed, dmap, None
                except Refused as exc:
                    if exc.status != 404:
                        raise
                    answer = {"type": "none"}   # a server from before base maps
                try:
                    info = tiles.store_info(answer, base_url)
                except ValueError as exc:   # BadBasemap: the grid without streets
                    Logger.warning(f"Map: base map answer unusable: {exc}")
                    info = tiles.store_info({"type": "none"}, base_url)
                return changed, dmap, info

        def done(result, err):
            # The status line says what this call found (a cold start in a dead zone with an
            # empty outbox would otherwise say "unknown" until something is sent).
            if err is None or isinstance(err, Transient):
                self._link(err is None)
            if err is None and result[1] is not None and result[0]:
                self.duty_map = result[1]
            if err is None and result[2] is not None:
                self.basemap.use(result[2], self.token)
            if on_done:
                on_done(err)
        background(work, done)

    def start_live(self) -> None:
        if self.live:
            self.live.stop(timeout=2)
        # The feed's callbacks belong to the sign-in that started it: a feed stopped with a
        # timeout may still deliver after a sign-out or another sign-in (see _poll_tasks).
        board, token = self.board, self.token

        def pushed(case, message=None):
            if self._same_sign_in(board, token):
                self._pushed(case, message)

        def state(value):   # an old feed's "refused" must not sign the next user out
            if self._same_sign_in(board, token):
                self._live_state(value)
        self.live = LiveFeed(self.base_url, token or "", on_case=on_loop(pushed),
                             on_resync=self._poll_tasks, on_state=on_loop(state),
                             on_hello=lambda hello: board.learn_user(hello["groups"]),
                             cursor_path=self.data_dir / "live_cursor")
        self.live.start()

    def _same_sign_in(self, board: TaskBoard, token: str | None) -> bool:
        """Whether the sign-in that asked (its task board and token) is still this app's:
        not signed out, sent back to sign-in, or replaced by another sign-in since."""
        return self.board is board and self.token == token and not self.needs_login

    def _live_state(self, state: str) -> None:
        self.live_state = state
        if state == "refused" and self.token:
            self.session_expired()  # the feed's 401/403: the token is no longer good

    def _poll_tasks(self) -> None:
        """REST poll of the tasks (the feed's or a worker thread: its own client and outbox).

        The answer may come back late (a 3G stall): it is applied on Kivy's loop only while
        this app runs and the sign-in that asked is still the app's, as the sender's
        callbacks are (``on_loop``). A stale list must not land on the next user's board,
        nor on screens of an app that has stopped."""
        board, token = self.board, self.token
        api, outbox = ApiClient(self.base_url, token), Outbox(self.outbox.path)
        try:
            # All of them: the board leaves out the answered ones when it shows them, so an
            # answer refused later brings its task back without another poll.
            tasks = TaskInbox(api, outbox, board.my_user_id).fetch()
        finally:
            api.close()
            outbox.close()

        def apply():
            if self._same_sign_in(board, token):
                board.replace(tasks)
                self.refresh_tasks()
        _soon(self, apply)

    def poll_tasks(self, on_done=None) -> None:
        """The tasks screen's refresh button."""
        board, token = self.board, self.token

        def done(_r, err):
            # A 401 for a token already replaced or dropped says nothing of the current one.
            if (isinstance(err, Refused) and err.status == 401
                    and self._same_sign_in(board, token)):
                self.session_expired()
            if on_done:
                on_done(err)
        background(self._poll_tasks, done)

    def _pushed(self, case: dict, message: dict | None = None) -> None:
        if self.board.apply(case):
            self.refresh_tasks()

    def refresh_tasks(self) -> None:
        answered = {i.case_number for i in self.outbox.items()
                    if i.kind in RESULTS and i.state in ("waiting", "sending", "sent")}
        self.tasks = self.board.open(answered)

    def current_fix(self, max_age_s: float | None = None):
        """The newest GPS fix, switching the receiver on; None when there is none yet (or it
        is older than ``max_age_s``: not where the user is now). Android: location permission
        first (the receiver starts once it is granted)."""
        if self.permissions.granted("location"):
            self.gps.start()
        else:
            self.permissions.ensure("location", self.gps.start)
        fix = self.gps.last_fix() or self.fix
        if fix is None or (max_age_s is not None and time.time() - fix.at > max_age_s):
            return None
        return fix

    def _got_fix(self, fix) -> None:
        self.fix = fix
        if self.track is not None and self.track.add(fix.lat, fix.lon, fix.accuracy_m, fix.at):
            self.queued()

    def set_tracking(self, on: bool) -> None:
        """Patrol track (巡查轨迹) on or off; off sends what is waiting. Android: the service
        records it (the flag file tells it), after fine location and then, alone, background
        location (optional) were asked."""
        flag = self.data_dir / TRACKING_FLAG
        if self.service.available:
            def go():
                flag.touch()
                self.tracking = True
                self.queued()
            if not on:
                flag.unlink(missing_ok=True)
                self.tracking = False
                self.queued()
            elif not self.tracking:
                self.permissions.ensure("location", lambda: self.permissions.ensure(
                    "background_location", go, otherwise=go))
            return
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
        self.basemap.stop()
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
