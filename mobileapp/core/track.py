"""The patrol breadcrumb recorder (巡查轨迹): GPS fixes in, batches of at most 500 points out,
into the outbox (so a track survives a dead network and a restart like a report does).

A fix is kept when it is accurate enough, not older than the last kept one, and either at least
``min_interval_s`` after it *and* ``min_distance_m`` away from it, or ``heartbeat_s`` after it
(a supervisor standing at a crossing still shows up). Kept points wait in the outbox's SQLite
file (table ``track_pending``) until ``flush``, which moves them into one outbox item per 500
points in one transaction; ``add`` flushes by itself when a batch is full or the oldest waiting
point is ``flush_after_s`` old. Pure Python: no Kivy, no network, the clock is the fix's own.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timezone

from mobileapp.core.outbox import MAX_TRACK_BATCH, Item, Outbox

PENDING_SCHEMA = """
CREATE TABLE IF NOT EXISTS track_pending (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,          -- the fix's time (POSIX seconds, UTC)
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    accuracy_m REAL NOT NULL
);
"""
EARTH_RADIUS_M = 6_371_008.8


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine; plenty for breadcrumbs)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class Fix:
    at: float  # POSIX seconds
    lat: float
    lon: float
    accuracy_m: float

    def as_point(self) -> dict:
        """The point as POST /api/tracks/ takes it."""
        when = datetime.fromtimestamp(self.at, tz=timezone.utc).isoformat(timespec="seconds")
        return {"lat": round(self.lat, 7), "lon": round(self.lon, 7),
                "accuracy_m": round(self.accuracy_m, 1), "at": when}


class TrackRecorder:
    def __init__(self, outbox: Outbox, *, min_distance_m: float = 20.0,
                 min_interval_s: float = 10.0, heartbeat_s: float = 300.0,
                 max_accuracy_m: float = 100.0, batch_size: int = MAX_TRACK_BATCH,
                 flush_after_s: float = 600.0):
        if not 1 <= batch_size <= MAX_TRACK_BATCH:
            raise ValueError(f"batch_size must be 1 to {MAX_TRACK_BATCH}")
        self.outbox = outbox
        self.min_distance_m, self.min_interval_s = min_distance_m, min_interval_s
        self.heartbeat_s, self.max_accuracy_m = heartbeat_s, max_accuracy_m
        self.batch_size, self.flush_after_s = batch_size, flush_after_s
        outbox.db.executescript(PENDING_SCHEMA)
        row = outbox.db.execute("SELECT at, lat, lon, accuracy_m FROM track_pending "
                                "ORDER BY id DESC LIMIT 1").fetchone()
        self.last: Fix | None = Fix(*row) if row else None

    def pending(self) -> int:
        return self.outbox.db.execute("SELECT count(*) FROM track_pending").fetchone()[0]

    def keeps(self, fix: Fix) -> bool:
        """Whether ``fix`` passes the filter against the last kept point."""
        if not (math.isfinite(fix.lat) and math.isfinite(fix.lon)) or not (
                -90 <= fix.lat <= 90 and -180 <= fix.lon <= 180):
            return False
        if not 0 <= fix.accuracy_m <= self.max_accuracy_m:
            return False
        last = self.last
        if last is None:
            return True
        waited = fix.at - last.at
        if waited <= 0:
            return False
        if waited >= self.heartbeat_s:
            return True
        return (waited >= self.min_interval_s
                and distance_m(last.lat, last.lon, fix.lat, fix.lon) >= self.min_distance_m)

    def add(self, lat: float, lon: float, accuracy_m: float, at: float) -> bool:
        """Offer a GPS fix taken at ``at`` (POSIX seconds); returns whether it was kept."""
        fix = Fix(float(at), float(lat), float(lon), float(accuracy_m))
        if not self.keeps(fix):
            return False
        self.outbox.db.execute("INSERT INTO track_pending (at, lat, lon, accuracy_m) "
                               "VALUES (?,?,?,?)", (fix.at, fix.lat, fix.lon, fix.accuracy_m))
        self.last = fix
        oldest = self.outbox.db.execute("SELECT min(at) FROM track_pending").fetchone()[0]
        if self.pending() >= self.batch_size or fix.at - oldest >= self.flush_after_s:
            self.flush()
        return True

    def flush(self) -> list[Item]:
        """Move every waiting point into outbox items of at most ``batch_size`` points, in one
        transaction (a crash leaves them either waiting here or in the outbox, never both).
        Call it at clock-out and when the app goes to the background."""
        db = self.outbox.db
        db.execute("BEGIN IMMEDIATE")
        try:
            rows = db.execute("SELECT at, lat, lon, accuracy_m FROM track_pending "
                              "ORDER BY at, id").fetchall()
            items = [self.outbox.add_track([Fix(*r).as_point()
                                            for r in rows[i:i + self.batch_size]])
                     for i in range(0, len(rows), self.batch_size)]
            db.execute("DELETE FROM track_pending")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return items


def points_of(item: Item) -> list[dict]:
    """The points of a track item (for a screen that draws today's walk)."""
    return json.loads(item.fields["points"])
