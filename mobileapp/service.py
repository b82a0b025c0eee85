"""The handset's background service: the outbox sender and the patrol track recorder, in a
process of their own that goes on with the screen off (an Android foreground service, with
its persistent notification). No Kivy here.

On Android python-for-android starts ``android_service.py`` (buildozer.spec ``services``),
which runs ``main()``; on the desktop ``python -m mobileapp.service --data-dir DIR`` runs the
same loop (the app itself does not use it there: it keeps its sender thread).

How it shares the data dir with the app is told in ``mobileapp.platform.service``. Each tick
(1 s, or at once on a ``wake`` datagram or a GPS fix) it:

1. re-reads ``session.json``: a new token goes to the sender (``Sender.set_token``), a new
   server restarts it, no token stops it (signed out);
2. follows the ``tracking`` flag: on → GPS on and a ``TrackRecorder`` on this process's
   outbox connection; off → the last points flushed into the outbox, GPS off;
3. feeds the fixes that came (GPS callbacks arrive on Android's main thread: they are queued
   here, since an sqlite3 connection belongs to one thread);
4. holds a partial wake lock while items wait (retry timers must not sleep with the CPU);
5. updates the notification when its text or type changes, and writes ``service_state.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import queue
import socket
import threading
import time
from pathlib import Path

from mobileapp.core.messages import t
from mobileapp.core.outbox import Outbox
from mobileapp.core.redact import install as install_redaction
from mobileapp.core.sender import Sender
from mobileapp.core.track import TrackRecorder
from mobileapp.platform.service import TRACKING_FLAG, token_id, write_state

log = logging.getLogger("dcm.service")


class HandsetService:
    def __init__(self, data_dir: str | Path, *, gps=None, foreground=None, wake_lock=None,
                 location_granted=lambda: True, tick: float = 1.0, sender_kw: dict | None = None):
        """``gps``: a ``mobileapp.platform.gps.Gps`` (its ``on_fix`` is set here);
        ``foreground``: a ``platform.foreground.Foreground`` or None (desktop);
        ``wake_lock``: a ``platform.foreground.WakeLock`` or None;
        ``location_granted()``: whether the location type may be asked for."""
        self.data_dir = Path(data_dir)
        self.gps, self.foreground, self.wake_lock = gps, foreground, wake_lock
        self.location_granted = location_granted
        self.tick = tick
        self.sender_kw = sender_kw or {}
        self.events: queue.Queue = queue.Queue()
        self.stopping = threading.Event()
        self.sender: Sender | None = None
        self.track: TrackRecorder | None = None
        self.session: dict = {}
        self.link: bool | None = None
        self.unauthorized = False
        self.port = 0
        self._shown: tuple | None = None

    # -- callbacks from other threads: only queue ----------------------------------------

    def _fix(self, fix) -> None:
        self.events.put(("fix", fix))

    def _on_link(self, up: bool) -> None:
        self.events.put(("link", up))

    def _on_unauthorized(self) -> None:
        self.events.put(("unauthorized", None))

    # -- the loop ----------------------------------------------------------------------------

    def run(self) -> None:
        self.outbox = Outbox(self.data_dir / "outbox.sqlite3")
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(0.5)
        self.port = sock.getsockname()[1]
        listener = threading.Thread(target=self._listen, args=(sock,), daemon=True,
                                    name="service-wake")
        listener.start()
        if self.gps is not None:
            self.gps.on_fix = self._fix
        try:
            while not self.stopping.is_set():
                self.step()
                self._wait()
        finally:
            self._shutdown()
            sock.close()
            listener.join(2)
            self.outbox.close()

    def stop(self) -> None:
        self.stopping.set()
        self.events.put(("wake", None))

    def _listen(self, sock: socket.socket) -> None:
        while not self.stopping.is_set():
            try:
                data, _ = sock.recvfrom(64)
            except socket.timeout:
                continue
            except OSError:
                return
            if data == b"wake":
                self.events.put(("wake", None))

    def _wait(self) -> None:
        """Until the next tick, handling what comes meanwhile."""
        deadline = time.monotonic() + self.tick
        while not self.stopping.is_set():
            try:
                kind, value = self.events.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return
            self._handle(kind, value)
            if kind == "wake":
                return

    def _handle(self, kind: str, value) -> None:
        if kind == "fix" and self.track is not None:
            if self.track.add(value.lat, value.lon, value.accuracy_m, value.at):
                self._wake_sender()
        elif kind == "link":
            self.link = value
        elif kind == "unauthorized":
            self.unauthorized = True

    def _wake_sender(self) -> None:
        if self.sender:
            self.sender.wake()

    def step(self) -> None:
        self._follow_session()
        self._follow_tracking()
        self._wake_sender()
        pending = self.outbox.pending()
        if self.wake_lock is not None:
            self.wake_lock.hold(pending > 0)
        self._notify(pending)
        write_state(self.data_dir, {
            "at": time.time(), "pid": os.getpid(), "port": self.port, "link": self.link,
            "unauthorized": self.unauthorized,
            "token_id": token_id(self.session["token"]) if self.session.get("token") else None,
            "tracking": self.track is not None,
            "track_pending": self.track.pending() if self.track else 0, "pending": pending,
            "foreground_error": getattr(self.foreground, "error", None)})

    def _follow_session(self) -> None:
        try:
            session = json.loads((self.data_dir / "session.json").read_text())
        except (OSError, ValueError):
            session = {}
        token, base_url = session.get("token"), session.get("base_url")
        old = self.session
        self.session = session
        if not token or not base_url:
            if self.sender:
                self.sender.stop(timeout=30)  # signed out: an upload in flight may finish
                self.sender = None
            return
        if self.sender and base_url != old.get("base_url"):
            self.sender.stop(timeout=30)
            self.sender = None
        if self.sender is None:
            self.unauthorized = False
            self.sender = Sender(self.outbox.path, base_url, token,
                                 on_link=self._on_link, on_unauthorized=self._on_unauthorized,
                                 **self.sender_kw).start()
        elif token != old.get("token"):
            self.unauthorized = False
            self.sender.set_token(token)

    def _follow_tracking(self) -> None:
        on = (self.data_dir / TRACKING_FLAG).exists()
        if on and self.track is None:
            self.track = TrackRecorder(self.outbox)
            if self.gps is not None:
                self.gps.start()
            self._shown = None  # the notification's type changes
        elif not on and self.track is not None:
            self.track.flush()
            self.track = None
            if self.gps is not None:
                self.gps.stop()
            self._shown = None

    def _notify(self, pending: int) -> None:
        if self.foreground is None:
            return
        lang = self.session.get("lang", "zh")
        parts = []
        if self.track is not None:
            parts.append(t("service.tracking", lang))
        if self.unauthorized:
            parts.append(t("service.relogin", lang))
        elif pending:
            parts.append(t("service.pending", lang, n=pending))
            if self.link is False:
                parts.append(t("service.offline", lang))
        else:
            parts.append(t("service.idle", lang))
        location = self.track is not None and self.location_granted()
        shown = (" · ".join(parts), location, lang)
        if shown != self._shown:
            self.foreground.show(t("app.title", lang), shown[0], location=location)
            self._shown = shown

    def _shutdown(self) -> None:
        if self.track is not None:
            self.track.flush()  # points go into the outbox, sent at the next start
            self.track = None
        if self.gps is not None:
            self.gps.stop()
        if self.sender:
            self.sender.stop(timeout=5)
            self.sender = None
        if self.wake_lock is not None:
            self.wake_lock.hold(False)
        write_state(self.data_dir, {"at": None, "port": None, "stopped_at": time.time()})


def data_dir_of(argument: str) -> str:
    """The data dir from the service argument (JSON ``{"data_dir": ...}``); a sticky restart
    by the system gives an empty argument: then the app's files dir (ANDROID_PRIVATE), which
    is Kivy's user_data_dir on Android."""
    try:
        d = json.loads(argument).get("data_dir") if argument else None
    except ValueError:
        d = None
    return d or os.environ.get("ANDROID_PRIVATE") or os.getcwd()


def android_service(argument: str) -> HandsetService:
    """The service as the phone runs it: plyer's GPS (on the main looper), the foreground
    notification and the wake lock."""
    from mobileapp.platform.foreground import Foreground, WakeLock
    from mobileapp.platform.gps import gps
    from mobileapp.platform.permissions import permissions

    data_dir = data_dir_of(argument)
    lang = "zh"
    try:
        lang = json.loads((Path(data_dir) / "session.json").read_text()).get("lang", "zh")
    except (OSError, ValueError):
        pass
    perms = permissions()
    return HandsetService(data_dir, gps=gps(), foreground=Foreground(t("service.channel", lang)),
                          wake_lock=WakeLock(), location_granted=lambda: perms.granted("location"))


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO)
    install_redaction()  # the token must not reach logcat from here either
    from mobileapp.platform.android import on_android

    if on_android() and argv is None:
        service = android_service(os.environ.get("PYTHON_SERVICE_ARGUMENT", ""))
    else:
        ap = argparse.ArgumentParser(description="The handset's sender and track recorder.")
        ap.add_argument("--data-dir", required=True)
        args = ap.parse_args(argv)
        service = HandsetService(args.data_dir)
    log.info("handset service on %s", service.data_dir)
    try:
        service.run()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
