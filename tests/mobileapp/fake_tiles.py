"""A fake base-map server for the handset's tests: it answers the base-map contract
(``GET /api/map/basemap/`` and 256 px PNG tiles under ``/api/map/basemap/tiles/z/x/y.png``)
and a toy duty map of nine hand-drawn squares, on 127.0.0.1. It stands for the city's tile
service (outside the system), not for the project's own server or database.

The tiles are drawn from world pixels, so neighbouring tiles join: a street grid (white roads,
grey kerbs) every 128 px on a beige ground. Each request is recorded with its Authorization
header."""

from __future__ import annotations

import functools
import json
import re
import struct
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TILE_PATH = "/api/map/basemap/tiles/{z}/{x}/{y}.png"
#: The toy grid: 3 × 3 squares of 0.004° × 0.003° (about 340 × 330 m) near 39.91 N, 116.40 E.
LON0, LAT0, DLON, DLAT = 116.394, 39.905, 0.004, 0.003


def png(width: int, height: int, rows: list[bytes]) -> bytes:
    """An RGB PNG from its rows (3 bytes a pixel)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    raw = b"".join(b"\0" + r for r in rows)
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


GROUND, ROAD, KERB = bytes((236, 232, 220)), bytes((255, 255, 255)), bytes((180, 180, 180))


@functools.lru_cache(maxsize=64)
def street_tile(z: int, x: int, y: int) -> bytes:
    """A 256 px tile of the street grid, continuous across tiles of one zoom (the grid's
    period divides 256, so tiles repeat: cached)."""
    def kind(g: int) -> bytes:
        m = g % 128
        return ROAD if m < 10 else KERB if m < 12 or m > 125 else GROUND
    cols = [kind(x * 256 + i) for i in range(256)]
    rows = []
    for j in range(256):
        row = kind(y * 256 + j)
        if row == GROUND:
            rows.append(b"".join(cols))
        else:
            rows.append(b"".join(row if c == GROUND else c for c in cols))
    return png(256, 256, rows)


def duty_map() -> dict:
    cells, comps = [], []
    for i in range(3):
        for j in range(3):
            w, s = LON0 + i * DLON, LAT0 + j * DLAT
            ring = [[w, s], [w + DLON, s], [w + DLON, s + DLAT], [w, s + DLAT], [w, s]]
            n = i * 3 + j + 1
            cells.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                          "properties": {"code": f"11010100100{n:04d}", "name": f"东华门{n}社区",
                                         "duty": i != 2}})
            for k, major in enumerate(("01", "02", "03", "04")):
                comps.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [
                    w + DLON * (k + 1) / 5, s + DLAT * ((k * 3) % 5 + 1) / 6]},
                    "properties": {"code": f"{major}01{n:02d}{k:06d}",
                                   "class_code": f"{major}01", "class_name": "部件"}})
    return {"map_version": 7, "bbox": [LON0, LAT0, LON0 + 3 * DLON, LAT0 + 3 * DLAT],
            "cells": {"type": "FeatureCollection", "features": cells},
            "components": {"type": "FeatureCollection", "features": comps}}


class FakeTileServer:
    """``answer``: what ``/api/map/basemap/`` says (change it at will); ``token``: the one
    required on every request (401 without it); ``seen``: (path, Authorization) pairs."""

    def __init__(self, token: str | None = "tile-test-token", answer: dict | None = None):
        self.token = token
        self.seen: list[tuple[str, str | None]] = []
        self.answer = answer or {"type": "xyz", "url": TILE_PATH, "attribution": "© 测试底图",
                                 "bounds": [116.30, 39.85, 116.50, 39.98],
                                 "minzoom": 12, "maxzoom": 18}
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):   # quiet
                pass

            def do_GET(self):
                owner.seen.append((self.path, self.headers.get("Authorization")))
                if owner.token and self.headers.get("Authorization") != f"Token {owner.token}":
                    return self._send(401, b'{"error":{"code":"not_authenticated"}}', "json")
                path = self.path.split("?")[0]
                if path == "/api/map/basemap/":
                    return self._send(200, json.dumps(owner.answer).encode(), "json")
                if path == "/api/map/duty/":
                    return self._send(200, json.dumps(duty_map()).encode(), "json")
                m = re.fullmatch(r"/api/map/basemap/tiles/(\d+)/(\d+)/(\d+)\.png", path)
                if m:
                    z, x, y = (int(v) for v in m.groups())
                    return self._send(200, street_tile(z, x % 2, y % 2), "png")
                self._send(404, b'{"error":{"code":"not_found"}}', "json")

            def _send(self, status, body, kind):
                self.send_response(status)
                self.send_header("Content-Type", {"json": "application/json",
                                                  "png": "image/png"}[kind])
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def tile_requests(self) -> list[tuple[str, str | None]]:
        return [s for s in self.seen if "/tiles/" in s[0]]

    def stop(self) -> None:
        """The network is gone: nothing answers on this port any more (again: no-op)."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._server.server_close()
