"""The app's side of the background service (``mobileapp/service.py``, its own process on
Android): start, stop, wake, and read what it last said.

The two processes share the app's data dir and nothing else:

* ``outbox.sqlite3`` — the UI adds items, the service sends them. SQLite's own file locks
  (WAL) make that safe across processes; ``Outbox.claim`` takes an item in one IMMEDIATE
  transaction. Only the service runs a sender (its start resets interrupted ``sending``
  items, which must never happen under another live sender).
* ``session.json`` — written by the UI at sign-in/out (atomic rename); the service re-reads it
  and takes a new token or server from there.
* ``tracking`` — a flag file: present while the patrol track is on. The service records the
  track (one ``TrackRecorder`` only: two would each keep their own last point).
* ``service_state.json`` — written by the service every tick (atomic rename): a heartbeat,
  its wake port, the link state, a 401 seen, the track's waiting points.
* A datagram ``wake`` on 127.0.0.1:<port> — "something was queued: look now".

On the desktop there is no service: ``NoService`` says so and the app runs the sender
thread itself, as before.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
from pathlib import Path

#: buildozer.spec: ``services = Handset:android_service.py:...`` → class ServiceHandset.
SERVICE_NAME = "Handset"
STATE_FILE = "service_state.json"
TRACKING_FLAG = "tracking"
#: A heartbeat older than this: the service is gone (killed by the system or a battery
#: manager); the app starts it again.
STALE_S = 10.0


def read_state(data_dir: str | Path) -> dict:
    try:
        return json.loads((Path(data_dir) / STATE_FILE).read_text())
    except (OSError, ValueError):
        return {}


def write_state(data_dir: str | Path, state: dict) -> None:
    path = Path(data_dir) / STATE_FILE
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(state))
    tmp.replace(path)


class ServiceLink:
    """Reading the service's state and waking it: plain files and a loopback datagram, the
    same on the desktop (tests run the service loop there) and on the phone."""

    available = False

    def __init__(self, data_dir: str | Path):
        self.data_dir = Path(data_dir)

    def state(self) -> dict:
        return read_state(self.data_dir)

    def alive(self, now: float | None = None) -> bool:
        at = self.state().get("at")
        return at is not None and (time.time() if now is None else now) - at < STALE_S

    def wake(self) -> bool:
        """Tell the service to look at the outbox and the flags now; False when it has no
        port (not running)."""
        port = self.state().get("port")
        if not port:
            return False
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                s.sendto(b"wake", ("127.0.0.1", int(port)))
            except OSError:
                return False
        return True

    def start(self, title: str, text: str) -> bool:
        return False

    def stop(self) -> None: ...


class NoService(ServiceLink):
    """The desktop: no service process; the app sends and records the track itself."""


class AndroidService(ServiceLink):
    """python-for-android's generated ``<package>.ServiceHandset``."""

    available = True

    def _class(self):
        from mobileapp.platform.android import autoclass, package_name

        return autoclass(f"{package_name()}.Service{SERVICE_NAME}")

    def start(self, title: str, text: str) -> bool:
        """Start it (a no-op if it runs: p4a's onStartCommand keeps the running one). The
        argument names the data dir; a sticky restart by the system has none, and the
        service then uses ANDROID_PRIVATE, the same files dir. False when Android refused."""
        from mobileapp.platform.android import activity

        argument = json.dumps({"data_dir": str(self.data_dir)})
        try:
            self._class().start(activity(), "", title, text, argument)
        except Exception:  # IllegalStateException: started from the background
            return False
        return True

    def stop(self) -> None:
        from mobileapp.platform.android import activity

        self._class().stop(activity())


def service_link(data_dir: str | Path) -> ServiceLink:
    from mobileapp.platform.android import on_android

    if on_android() and not os.environ.get("DCM_NO_SERVICE"):
        return AndroidService(data_dir)
    return NoService(data_dir)


def token_id(token: str) -> str:
    """A short fingerprint of a token: the service says which token met a 401 without
    writing the token itself anywhere new."""
    return hashlib.sha256(token.encode()).hexdigest()[:12]
