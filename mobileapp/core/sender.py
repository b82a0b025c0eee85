"""The background sender: uploads outbox items one at a time, oldest first.

Contract per item:

* success (201/200) → ``sent`` with the case number. A report's 200 is the server recognising
  the idempotency key of an earlier, answered-but-lost attempt: the same case, no duplicate.
* ``Transient`` (no network, timeout, cut mid-request, 5xx, 429) → back to ``waiting`` with an
  exponential backoff plus jitter (``backoff``).
* HTTP 401 (token revoked or expired, whatever its code) → back to ``waiting`` with the code
  ``unauthorized``: a login problem never drops a report. ``on_unauthorized()`` tells the app
  (which asks the user to sign in again); the sender then naps until ``set_token``.
* ``Refused`` (other 4xx) → ``refused`` with the server's message. A 409 ``idempotency_conflict`` on
  a report means the phone reused a key for another body: a bug, refused with that reason.
  Task answers carry the item's key as ``Idempotency-Key``, so a retry of an answer that
  landed is answered 200 like the first time. A 409 other than ``idempotency_conflict`` on a
  task answer that had an earlier attempt means that attempt did land and the case moved on
  (or a server without action keys): ``sent``.
* Attendance, track batches and component updates are sent with their key like reports; what
  ``sent`` records in ``case_number`` is the server's record id ("" for a track batch).

Run in the app as a daemon thread (``Sender.start``), or as its own process:
``python -m mobileapp.core.sender --db outbox.sqlite3 --base-url URL --token TOKEN``.
"""

from __future__ import annotations

import argparse
import json
import random
import threading
import time
from pathlib import Path
from typing import Callable

from mobileapp.core.api import ApiClient, Refused, Transient
from mobileapp.core.outbox import (ATTENDANCE, COMPONENT_UPDATE, FIELD_KINDS, REPORT, TRACK,
                                   Item, Outbox)


def backoff(attempt: int, base: float = 1.0, cap: float = 60.0,
            rnd: Callable[[], float] = random.random) -> float:
    """Delay before retry number ``attempt`` (1-based): base·2^(attempt-1) capped at ``cap``,
    then 'equal jitter' (half fixed, half random) so a hundred phones coming back online
    after a cut do not retry in lockstep."""
    d = min(cap, base * (2 ** max(0, attempt - 1)))
    return d / 2 + rnd() * d / 2


class Sender:
    """Owns its own Outbox connection and ApiClient (both single-thread objects)."""

    def __init__(self, db_path: str | Path, base_url: str, token: str, *,
                 base_delay: float = 1.0, max_delay: float = 60.0, idle_poll: float = 5.0,
                 timeout: float = 30.0, on_change: Callable[[Item], None] | None = None,
                 on_unauthorized: Callable[[], None] | None = None,
                 on_link: Callable[[bool], None] | None = None):
        """``on_link(up)`` after each attempt: False when the server could not be reached
        (the status bar's network state), True when it answered."""
        self.db_path, self.base_url, self.token = db_path, base_url, token
        self.base_delay, self.max_delay, self.idle_poll = base_delay, max_delay, idle_poll
        self.timeout = timeout
        self.on_change = on_change
        self.on_unauthorized, self.on_link = on_unauthorized, on_link
        self._signed_out = False  # a 401 seen: wait for set_token rather than retry
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    # -- thread control --------------------------------------------------------------------

    def start(self) -> "Sender":
        self._thread = threading.Thread(target=self.run, name="outbox-sender", daemon=True)
        self._thread.start()
        return self

    def set_token(self, token: str) -> None:
        """A new sign-in: used from the next item on. (Restarting the sender instead could run
        two threads on one in-flight item.)"""
        self.token = token
        self._signed_out = False
        self.wake()

    def wake(self) -> None:
        """Something was added or the network came back: look now instead of after a nap."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)

    def run(self) -> None:
        outbox = Outbox(self.db_path, recover=True)  # resets items a killed run left in 'sending'
        api = ApiClient(self.base_url, self.token, timeout=self.timeout)
        try:
            while not self._stop.is_set():
                api.token = self.token
                if self._signed_out or not self.step(outbox, api):
                    due = outbox.next_due()
                    nap = self.idle_poll if due is None else max(0.0, min(self.idle_poll,
                                                                         due - time.time()))
                    self._wake.wait(nap)
                    self._wake.clear()
        finally:
            api.close()
            outbox.close()

    # -- one item --------------------------------------------------------------------------

    def step(self, outbox: Outbox, api: ApiClient) -> bool:
        """Send the next due item, if any; returns whether one was tried."""
        item = outbox.claim()
        if item is None:
            return False
        try:
            number = self._send(api, item)
        except Transient as exc:
            outbox.mark_retry(item.id, backoff(item.attempts, self.base_delay, self.max_delay),
                              str(exc))
            self._link(False)
        except Refused as exc:
            self._link(True)
            if exc.status == 401:
                # The token was revoked or expired: the report is fine, the session is not.
                # Keep it waiting (never drop a report over a login) until the user signs in.
                outbox.mark_retry(item.id, 0, f"HTTP 401: {exc.message}", "unauthorized")
                self._signed_out = True
                if self.on_unauthorized:
                    self.on_unauthorized()
            elif (item.kind != REPORT and item.kind not in FIELD_KINDS and exc.status == 409
                  and exc.code != "idempotency_conflict" and item.attempts > 1):
                outbox.mark_sent(item.id, item.case_number or "")
            else:
                outbox.mark_refused(item.id, exc.message or str(exc), exc.code, exc.field)
        else:
            outbox.mark_sent(item.id, number)
            self._link(True)
        if self.on_change:
            self.on_change(outbox.get(item.id))
        return True

    def _link(self, up: bool) -> None:
        if self.on_link:
            self.on_link(up)

    def _send(self, api: ApiClient, item: Item) -> str:
        f = item.fields
        if item.kind == REPORT:
            fields = dict(f, idempotency_key=item.key)
            _, body = api.report(fields, item.photo, voice=item.voice)
            return body["number"]
        if item.kind == ATTENDANCE:
            _, body = api.attendance(f["kind"], float(f["lat"]), float(f["lon"]),
                                     float(f.get("accuracy_m", 0)), f["device_at"], item.key,
                                     frame=f.get("frame", "wgs84"))
            return str(body["id"])
        if item.kind == TRACK:
            api.track(json.loads(f["points"]), item.key)
            return ""
        if item.kind == COMPONENT_UPDATE:
            _, body = api.component_update(f, item.photo, item.key)
            return str(body["id"])
        _, body = api.case_action(item.case_number or "", item.kind, f, item.photo,
                                  key=item.key)
        return body.get("number", item.case_number or "")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Send an outbox until stopped (or drained).")
    ap.add_argument("--db", required=True)
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--base-delay", type=float, default=1.0)
    ap.add_argument("--max-delay", type=float, default=60.0)
    ap.add_argument("--until-drained", action="store_true",
                    help="exit 0 once nothing is waiting or sending")
    args = ap.parse_args(argv)
    sender = Sender(args.db, args.base_url, args.token, base_delay=args.base_delay,
                    max_delay=args.max_delay, idle_poll=0.2)
    sender.start()
    watch = Outbox(args.db)
    try:
        while True:
            time.sleep(0.2)
            c = watch.counts()
            if args.until_drained and c["waiting"] == 0 and c["sending"] == 0:
                break
    except KeyboardInterrupt:
        pass
    sender.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
