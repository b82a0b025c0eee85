"""The offline outbox: every report, task answer, clock-in/out, track batch and component
update is written to the phone's SQLite, with its idempotency key, its (already shrunk) photo
and its voice note, before any network use.

States (``WAITING`` → ``SENDING`` → ``SENT`` | ``REFUSED``; ``SENDING`` → ``WAITING`` on a
transient failure). An item in ``SENDING`` when the sender starts was interrupted (app killed,
phone rebooted): it goes back to ``WAITING``; its key makes the resend safe.

One ``Outbox`` object per thread (sqlite3 connections are not shared across threads); several
may open the same file. WAL mode lets the UI read while the sender writes.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

WAITING, SENDING, SENT, REFUSED = "waiting", "sending", "sent", "refused"
MAX_TRACK_BATCH = 500  # points in one POST /api/tracks/
# Item kinds: a report, a case action (verify / check: the action's name) answering a task,
# and the field kinds (attendance, track batches, component updates).
REPORT = "report"
ATTENDANCE = "attendance"        # fields: kind, lat, lon, accuracy_m, frame, device_at
TRACK = "track"                  # fields: points (JSON text of at most 500 breadcrumbs)
COMPONENT_UPDATE = "component_update"  # fields as POST /api/component-updates/ takes them
FIELD_KINDS = frozenset({ATTENDANCE, TRACK, COMPONENT_UPDATE})

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,          -- idempotency key (uuid4), made before the first send
    kind TEXT NOT NULL,                -- 'report' or an action name ('verify', 'check')
    case_number TEXT,                  -- the action's case; for a report, set when sent
    fields TEXT NOT NULL,              -- JSON of the form fields
    photo BLOB,                        -- the shrunk JPEG, exactly the bytes sent every time
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try REAL NOT NULL DEFAULT 0,  -- time.time() before which the sender leaves it alone
    reason TEXT,                       -- refused: the server's message; waiting: last error
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    voice BLOB                         -- a report's voice note, sent as it is
);
CREATE INDEX IF NOT EXISTS outbox_state ON outbox(state, next_try);
"""
#: Columns added after the first release, for outboxes made before them.
ADDED_COLUMNS = {"voice": "BLOB", "reason_code": "TEXT", "reason_field": "TEXT"}
#: States a person may still change: an item being sent is the sender's until it settles.
EDITABLE = (WAITING, REFUSED)


@dataclass(frozen=True)
class Item:
    id: int
    key: str
    kind: str
    case_number: str | None
    fields: dict
    photo: bytes | None
    state: str
    attempts: int
    next_try: float
    reason: str | None
    created_at: float
    updated_at: float
    voice: bytes | None = None
    reason_code: str | None = None   # the server's error code (refused) or "unauthorized"
    reason_field: str | None = None  # the form field the refusal is about, when it says

    @property
    def label(self) -> str:
        return self.fields.get("description") or self.fields.get("class_code") or self.kind


def connect(path: str | Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    # Switching a new file to WAL answers "locked" at once (SQLite does not wait on it) while
    # the other process (the app or its service) is switching it too: try again briefly.
    for attempt in range(100):
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == 99:
                raise
            time.sleep(0.05)
    conn.execute("PRAGMA synchronous=FULL")  # a report acknowledged to the user is on disk
    return conn


class Outbox:
    def __init__(self, path: str | Path, *, recover: bool = False):
        """Open (creating) the outbox. ``recover=True`` only for the one process that sends
        (at its start): it resets interrupted SENDING items, which must not happen under a
        sender that is alive."""
        self.path = Path(path)
        self.db = connect(self.path)
        self.db.executescript(SCHEMA)
        # The app and its sending service may open the file at the same moment: the columns
        # are looked at and added under one write lock, so only one of them adds each.
        self.db.execute("BEGIN IMMEDIATE")
        try:
            have = {row[1] for row in self.db.execute("PRAGMA table_info(outbox)")}
            for name, sql_type in ADDED_COLUMNS.items():
                if name not in have:
                    self.db.execute(f"ALTER TABLE outbox ADD COLUMN {name} {sql_type}")
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        if recover:
            self.recover()

    def close(self) -> None:
        self.db.close()

    def recover(self) -> int:
        """Items left in SENDING by a previous run go back to WAITING; returns how many."""
        cur = self.db.execute("UPDATE outbox SET state=?, next_try=0 WHERE state=?",
                              (WAITING, SENDING))
        return cur.rowcount

    # -- adding ----------------------------------------------------------------------------

    def add_report(self, fields: dict, photo: bytes | None, voice: bytes | None = None) -> Item:
        """Store a report (fields as POST /api/reports/ takes them, minus the key) now."""
        return self._add(REPORT, None, fields, photo, voice)

    def add_attendance(self, direction: str, lat: float, lon: float, accuracy_m: float,
                       device_at: str, frame: str = "wgs84") -> Item:
        """Store a clock-in (``direction="in"``) or clock-out, as the field ``kind`` (the wire
        name); ``device_at``: ISO time of the tap."""
        if direction not in ("in", "out"):
            raise ValueError(f"attendance direction must be 'in' or 'out', not {direction!r}")
        return self._add(ATTENDANCE, None, {"kind": direction, "lat": lat, "lon": lon,
                                            "accuracy_m": accuracy_m, "frame": frame,
                                            "device_at": device_at}, None)

    def add_track(self, points: list[dict]) -> Item:
        """Store one batch of 1-500 breadcrumbs (``{"lat","lon","accuracy_m","at"}``)."""
        if not 1 <= len(points) <= MAX_TRACK_BATCH:
            raise ValueError(f"a track batch holds 1 to {MAX_TRACK_BATCH} points, "
                             f"not {len(points)}")
        return self._add(TRACK, None, {"points": json.dumps(points)}, None)

    def add_component_update(self, fields: dict, photo: bytes | None) -> Item:
        """Store a component update (部件更新): kind, component_code or class_code, lat, lon,
        note, as POST /api/component-updates/ takes them minus the key."""
        return self._add(COMPONENT_UPDATE, None, fields, photo)

    def add_action(self, case_number: str, action: str, fields: dict,
                   photo: bytes | None) -> Item:
        """Store a case action (``verify`` / ``check``) answering a task."""
        return self._add(action, case_number, fields, photo)

    def _add(self, kind: str, number: str | None, fields: dict, photo: bytes | None,
             voice: bytes | None = None) -> Item:
        now = time.time()
        key = str(uuid.uuid4())
        clean = {k: str(v) for k, v in fields.items() if v is not None}
        cur = self.db.execute(
            "INSERT INTO outbox (key, kind, case_number, fields, photo, state, created_at,"
            " updated_at, voice) VALUES (?,?,?,?,?,?,?,?,?)",
            (key, kind, number, json.dumps(clean, ensure_ascii=False), photo, WAITING, now, now,
             voice))
        return self.get(cur.lastrowid)

    # -- reading ---------------------------------------------------------------------------

    def get(self, item_id: int) -> Item:
        row = self.db.execute(f"SELECT {COLUMNS} FROM outbox WHERE id=?",
                              (item_id,)).fetchone()
        if row is None:
            raise KeyError(item_id)
        return _item(row)

    def items(self, state: str | None = None) -> list[Item]:
        """Newest first."""
        if state:
            rows = self.db.execute(f"SELECT {COLUMNS} FROM outbox WHERE state=? ORDER BY id DESC",
                                   (state,))
        else:
            rows = self.db.execute(f"SELECT {COLUMNS} FROM outbox ORDER BY id DESC")
        return [_item(r) for r in rows]

    def counts(self) -> dict[str, int]:
        out = {WAITING: 0, SENDING: 0, SENT: 0, REFUSED: 0}
        for state, n in self.db.execute("SELECT state, count(*) FROM outbox GROUP BY state"):
            out[state] = n
        return out

    def pending(self) -> int:
        """Items not yet settled (waiting or sending): what a logout leaves on the phone."""
        row = self.db.execute("SELECT count(*) FROM outbox WHERE state IN (?,?)",
                              (WAITING, SENDING)).fetchone()
        return row[0]

    def last_sent_at(self) -> float | None:
        """When an item last reached the server (time.time()), None if never: the status
        bar's 'last successful sync', kept across restarts because it is read from the file."""
        return self.db.execute("SELECT max(updated_at) FROM outbox WHERE state=?",
                               (SENT,)).fetchone()[0]

    # -- a person's changes ----------------------------------------------------------------

    def delete(self, item_id: int) -> bool:
        """Remove a waiting or refused item; False (nothing done) when it is being sent or
        already sent, so a delete never races the sender."""
        cur = self.db.execute(f"DELETE FROM outbox WHERE id=? AND state IN ({_marks(EDITABLE)})",
                              (item_id, *EDITABLE))
        return cur.rowcount == 1

    def revise(self, item_id: int, fields: dict | None = None, photo: bytes | None = None,
               voice: bytes | None = None, *, keep_media: bool = True) -> Item:
        """Send a refused item again, edited (``fields`` given) or as it is: a fresh
        idempotency key (the refused body left nothing on the server, and an edited body under
        the old key would be an idempotency conflict), back to waiting, the reason cleared.
        ``keep_media``: a photo or voice left as None keeps the stored one. Raises ValueError
        when the item is not refused."""
        item = self.get(item_id)
        if item.state != REFUSED:
            raise ValueError(f"only a refused item can be revised, this one is {item.state}")
        clean = item.fields if fields is None else {k: str(v) for k, v in fields.items()
                                                   if v is not None}
        if keep_media:
            photo = item.photo if photo is None else photo
            voice = item.voice if voice is None else voice
        cur = self.db.execute(
            "UPDATE outbox SET key=?, fields=?, photo=?, voice=?, state=?, attempts=0,"
            " next_try=0, reason=NULL, reason_code=NULL, reason_field=NULL, updated_at=?"
            " WHERE id=? AND state=?",
            (str(uuid.uuid4()), json.dumps(clean, ensure_ascii=False), photo, voice, WAITING,
             time.time(), item_id, REFUSED))
        if cur.rowcount != 1:
            raise ValueError("the item changed while it was being revised")
        return self.get(item_id)

    def next_due(self, now: float | None = None) -> float | None:
        """When the next waiting item may be tried (time.time()), or None if nothing waits."""
        row = self.db.execute("SELECT min(next_try) FROM outbox WHERE state=?",
                              (WAITING,)).fetchone()
        return row[0]

    # -- the sender's transitions ----------------------------------------------------------

    def claim(self, now: float | None = None) -> Item | None:
        """Take the oldest due WAITING item and mark it SENDING (atomically, so two senders on
        one file never send the same item at once)."""
        now = time.time() if now is None else now
        self.db.execute("BEGIN IMMEDIATE")
        try:
            row = self.db.execute(
                "SELECT id FROM outbox WHERE state=? AND next_try<=? ORDER BY id LIMIT 1",
                (WAITING, now)).fetchone()
            if row is None:
                self.db.execute("COMMIT")
                return None
            self.db.execute("UPDATE outbox SET state=?, attempts=attempts+1, updated_at=?"
                            " WHERE id=?", (SENDING, now, row[0]))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return self.get(row[0])

    def mark_sent(self, item_id: int, case_number: str) -> None:
        self._set(item_id, SENT, case_number=case_number, reason=None)

    def mark_refused(self, item_id: int, reason: str, code: str | None = None,
                     field: str | None = None) -> None:
        self._set(item_id, REFUSED, reason=reason, reason_code=code, reason_field=field)

    def mark_retry(self, item_id: int, delay: float, reason: str,
                   code: str | None = None) -> None:
        self._set(item_id, WAITING, reason=reason, reason_code=code,
                  next_try=time.time() + delay)

    def retry_now(self) -> None:
        """Make every waiting item due (the network came back; the user pressed 'send')."""
        self.db.execute("UPDATE outbox SET next_try=0 WHERE state=?", (WAITING,))

    def _set(self, item_id: int, state: str, **cols) -> None:
        cols["state"] = state
        cols["updated_at"] = time.time()
        sets = ", ".join(f"{k}=?" for k in cols)
        self.db.execute(f"UPDATE outbox SET {sets} WHERE id=?", (*cols.values(), item_id))


def _marks(values: tuple) -> str:
    return ",".join("?" * len(values))


#: Columns in Item's order, so a table that grew columns by ALTER reads the same.
COLUMNS = ("id, key, kind, case_number, fields, photo, state, attempts, next_try, reason,"
           " created_at, updated_at, voice, reason_code, reason_field")


def _item(row: tuple) -> Item:
    (id_, key, kind, number, fields, photo, state, attempts, next_try, reason, created,
     updated, voice, reason_code, reason_field) = row
    return Item(id_, key, kind, number, json.loads(fields), photo, state, attempts, next_try,
                reason, created, updated, voice, reason_code, reason_field)
