"""Position source. Contract: ``Gps.last_fix()`` returns the newest ``Fix`` (lat, lon WGS84,
accuracy in metres) or None; ``start``/``stop`` switch the receiver (battery). Fix callbacks
may come on another thread: the UI must hop to its own loop (Kivy's Clock) before drawing."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Fix:
    lat: float
    lon: float
    accuracy_m: float
    at: float  # time.time()


class Gps:
    """The interface; also the 'no receiver' implementation."""

    available = False

    def __init__(self) -> None:
        self._last: Fix | None = None
        self.on_fix: Callable[[Fix], None] | None = None

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def last_fix(self) -> Fix | None:
        return self._last

    def _got(self, fix: Fix) -> None:
        self._last = fix
        if self.on_fix:
            self.on_fix(fix)


class FixedGps(Gps):
    """Desktop and tests: a fixed position (``DCM_GPS="lat,lon[,accuracy]"`` or arguments)."""

    available = True

    def __init__(self, lat: float, lon: float, accuracy_m: float = 10.0):
        super().__init__()
        self.fix = Fix(lat, lon, accuracy_m, 0.0)

    def start(self) -> None:
        self._got(Fix(self.fix.lat, self.fix.lon, self.fix.accuracy_m, time.time()))


class PlyerGps(Gps):
    """The phone's receiver through plyer (Android location manager)."""

    available = True

    def __init__(self, min_time_ms: int = 1000, min_distance_m: float = 1.0):
        super().__init__()
        from plyer import gps as plyer_gps  # imported here: plyer probes the platform

        self._gps = plyer_gps
        self._gps.configure(on_location=self._location)
        self._args = dict(minTime=min_time_ms, minDistance=min_distance_m)

    def _location(self, **kw) -> None:
        self._got(Fix(float(kw["lat"]), float(kw["lon"]), float(kw.get("accuracy", 0) or 0),
                      time.time()))

    def start(self) -> None:
        self._gps.start(**self._args)

    def stop(self) -> None:
        self._gps.stop()


def gps() -> Gps:
    """plyer's GPS when it works here (Android), else ``DCM_GPS`` as a fixed position, else a
    receiver that never fixes (the user types a position)."""
    if _phone():
        try:
            return PlyerGps()
        except Exception:  # a phone without location permission or provider
            pass
    env = os.environ.get("DCM_GPS")
    if env:
        parts = [float(p) for p in env.split(",")]
        return FixedGps(*parts[:3])
    return Gps()


def _phone() -> bool:
    """Android or iOS, where plyer has a GPS (on desktop it only prints a traceback)."""
    try:
        from plyer.utils import platform
    except ImportError:
        return False
    return platform in ("android", "ios")
