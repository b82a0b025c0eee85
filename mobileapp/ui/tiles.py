"""The base map's tiles for the map widget: textures from memory or the phone's disk cache at
once, the missing ones fetched on one worker thread (the view's newest wishes first).

Why not kivy_garden.mapview: its downloader sends a fixed User-Agent header and no other (the
base map is behind the session's token), keeps every tile forever in one global cache
directory, and draws in its own pixel space, so the duty grid (drawn in metres under one
Translate/Scale) would have to be rebuilt as its layers. A tile layer here is ~150 lines and
keeps the grid as it is.

In a dead zone a fetch fails: the loader waits ``RETRY_S`` before trying the network again and
the map shows what the disk has (or today's plain drawing when it has nothing).
"""

from __future__ import annotations

import io
import threading
import time
from collections import OrderedDict

from kivy.clock import Clock
from kivy.core.image import Image as CoreImage
from kivy.event import EventDispatcher
from kivy.logger import Logger
from kivy.properties import NumericProperty, ObjectProperty

from mobileapp.core.api import Refused, Transient
from mobileapp.core.basemap import BasemapInfo, TileCache, TileClient

#: Textures kept in memory (256×256×4 bytes each: 64 are 16 MB of a cheap phone's GPU memory).
MEMORY_TILES = 64
#: After a failed fetch (no network), this long before the next try.
RETRY_S = 15.0

Key = tuple[int, int, int]


class BaseMapTiles(EventDispatcher):
    """``info``: the base map in use (None or type "none": nothing drawn). ``revision`` grows
    by one each time a fetched tile lands on disk: the widget draws again."""

    info: BasemapInfo | None = ObjectProperty(None, allownone=True)
    revision = NumericProperty(0)

    def __init__(self, cache: TileCache, **kw):
        super().__init__(**kw)
        self.cache = cache
        self.token: str | None = None
        self._textures: OrderedDict[tuple, object] = OrderedDict()
        self._absent: set[tuple] = set()   # the server has no tile there (until restarted)
        self._wanted: list[Key] = []
        self._lock = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopped = False
        self.offline_until = 0.0
        self.fetched = 0

    def use(self, info: BasemapInfo | None, token: str | None) -> None:
        if token != self.token:
            self._absent.clear()   # refused without a token (signed out): ask again
        self.token = token
        if info != self.info:
            self._textures.clear()
            self._absent.clear()
            self.info = info

    def texture(self, z: int, x: int, y: int):
        """The tile's texture from memory or disk, or None (then ``want`` it)."""
        info = self.info
        if info is None:
            return None
        key = (info.key, z, x, y)
        tex = self._textures.get(key)
        if tex is not None:
            self._textures.move_to_end(key)
            return tex
        path = self.cache.get(info, z, x, y)
        if path is None:
            return None
        try:
            data = path.read_bytes()
            ext = "png" if data.startswith(b"\x89PNG") else "jpg"
            tex = CoreImage(io.BytesIO(data), ext=ext, nocache=True).texture
        except Exception as exc:  # a damaged file: fetched again
            Logger.warning(f"Map: tile {z}/{x}/{y} unreadable ({exc}); fetching it again")
            path.unlink(missing_ok=True)
            return None
        self._textures[key] = tex
        while len(self._textures) > MEMORY_TILES:
            self._textures.popitem(last=False)
        return tex

    def want(self, keys: list[Key]) -> None:
        """Fetch these (and only these: tiles scrolled away are no longer asked for)."""
        info = self.info
        keys = [k for k in keys if info and (info.key, *k) not in self._absent]
        with self._lock:
            self._wanted = keys
            if keys and self._thread is None and not self._stopped:
                self._thread = threading.Thread(target=self._work, name="map-tiles",
                                                daemon=True)
                self._thread.start()
            self._lock.notify()

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            self._wanted = []
            self._lock.notify()

    def _work(self) -> None:
        client = TileClient(None)
        try:
            while True:
                with self._lock:
                    while not self._stopped and (
                            not self._wanted or time.monotonic() < self.offline_until):
                        wait = self.offline_until - time.monotonic() if self._wanted else None
                        self._lock.wait(timeout=wait if wait and wait > 0 else None)
                    if self._stopped:
                        return
                    z, x, y = self._wanted.pop(0)
                    info, client.token = self.info, self.token
                if info is None or not info.drawn or self.cache.get(info, z, x, y):
                    continue
                try:
                    data = client.fetch(info, z, x, y)
                except Transient as exc:
                    Logger.info(f"Map: base map unreachable ({exc}); retry in {RETRY_S:.0f} s")
                    with self._lock:
                        self.offline_until = time.monotonic() + RETRY_S
                        self._wanted.insert(0, (z, x, y))
                    continue
                except Refused as exc:
                    Logger.warning(f"Map: tile {z}/{x}/{y} refused ({exc.status})")
                    data = None
                if data is None:
                    self._absent.add((info.key, z, x, y))
                    continue
                self.cache.put(info, z, x, y, data)
                self.fetched += 1
                Clock.schedule_once(self._landed)
        finally:
            client.close()

    def _landed(self, _dt) -> None:
        if not self._stopped:
            self.revision += 1
