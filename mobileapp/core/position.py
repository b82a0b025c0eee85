"""Where a report is: a position with its source, accuracy and the time it was taken, so the
screen can say how good and how old it is, and a report never leaves with the previous
report's position.

``Position.from_fix`` takes a GPS fix; ``fresh(fix, since, now)`` says whether a fix is new
enough for a report started at ``since``: taken at most ``MAX_AGE_S`` before it (a receiver
that is on delivers one every second or so), never older.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

#: A fix older than this when the report starts is the previous place, not this one.
MAX_AGE_S = 15.0
#: On the screen, a position older than this is shown as stale (walked away since).
STALE_S = 120.0
SOURCES = ("gps", "map", "typed", "component", "draft")


@dataclass(frozen=True)
class Position:
    lat: float
    lon: float
    accuracy_m: float
    at: float          # time.time() when it was taken
    source: str        # one of SOURCES

    @classmethod
    def from_fix(cls, fix) -> "Position":
        return cls(fix.lat, fix.lon, fix.accuracy_m, fix.at, "gps")

    def moved(self, lat: float, lon: float, source: str) -> "Position":
        """The same moment and accuracy, another point (a component picked near the fix)."""
        return replace(self, lat=lat, lon=lon, source=source)

    def age(self, now: float) -> float:
        return max(0.0, now - self.at)

    def stale(self, now: float) -> bool:
        return self.age(now) > STALE_S


def fresh(fix, since: float, now: float, max_age_s: float = MAX_AGE_S) -> bool:
    """Is ``fix`` good for a report begun at ``since``? Taken no earlier than
    ``since - max_age_s`` and no later than now (a clock jump makes a fix from the future)."""
    return fix is not None and since - max_age_s <= fix.at <= now + 1.0


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine), for checks of a report's position."""
    r = 6371008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))
