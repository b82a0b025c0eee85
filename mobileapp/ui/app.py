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
from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import StringProperty

from mobileapp.core.api import ApiClient
from mobileapp.core.drafts import Drafts
from mobileapp.core.messages import t
from mobileapp.core.outbox import Outbox
from mobileapp.core.sender import Sender
from mobileapp.platform import camera, gps
from mobileapp.ui.fonts import register_cjk_font

#: Not handset.kv: Kivy would load that one by itself (HandsetApp → handset.kv) and then the
#: explicit load below would apply every rule twice.
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


class HandsetApp(App):
    base_url = StringProperty("http://127.0.0.1:8000")
    lang = StringProperty("zh")

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
        root = Builder.load_file(str(KV))
        if self.token:
            self.start_sender()
            root.current = "report"
        Clock.schedule_interval(lambda dt: self.refresh_outbox(), 1.0)
        return root

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
        if self.sender and self.sender.base_url == base_url:
            self.sender.set_token(self.token)
        else:
            self.start_sender()
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

    def on_stop(self):
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
