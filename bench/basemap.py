"""The base map's tiles as a client gets them: latency of ``GET /api/map/basemap/tiles/...``
from a running server (``make run``), with a handset token, for tiles the package has, in a
random order (cold: no ETag sent), and for the same tiles again with their ETag (304); the
baseline, measured in the same run, is ``GET /api/me/`` (signed in, a few fields).

Run against a server: ``python -m bench.basemap --base-url http://127.0.0.1:8000 [-n 400]
[--package var/basemap.mbtiles]``. The package file gives the tiles to ask for (it must be the
one the server serves). Last line: one JSON object with the package's size and tile count and
the p50/p95 of both kinds of request, in ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import time

import httpx

from gridmaps.basemap.mbtiles import tms_row


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))], 2)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base-url", default="http://127.0.0.1:8000")
    ap.add_argument("--package", default=os.path.join(os.environ.get("DCM_VAR", "var"),
                                                      "basemap.mbtiles"))
    ap.add_argument("-n", type=int, default=400)
    ap.add_argument("--user", default="supervisor")
    ap.add_argument("--password", default="demo-dcm-2026")
    a = ap.parse_args(argv)
    db = sqlite3.connect(f"file:{a.package}?mode=ro", uri=True)
    tiles = [(z, x, tms_row(z, r)) for z, x, r in
             db.execute("SELECT zoom_level, tile_column, tile_row FROM tiles")]
    rnd = random.Random(7)
    picked = [rnd.choice(tiles) for _ in range(a.n)]
    with httpx.Client(base_url=a.base_url, timeout=30) as client:
        token = client.post("/api/auth/token/", json={"username": a.user,
                                                      "password": a.password}).json()["token"]
        client.headers["Authorization"] = f"Token {token}"
        cold, revalidated, etags, sizes = [], [], {}, []
        for z, x, y in picked:
            t = time.perf_counter()
            r = client.get(f"/api/map/basemap/tiles/{z}/{x}/{y}.png")
            cold.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, (z, x, y, r.status_code)
            etags[(z, x, y)] = r.headers["ETag"]
            sizes.append(len(r.content))
        baseline = []
        for _ in picked:
            t = time.perf_counter()
            assert client.get("/api/me/").status_code == 200
            baseline.append((time.perf_counter() - t) * 1000)
        for z, x, y in picked:
            t = time.perf_counter()
            r = client.get(f"/api/map/basemap/tiles/{z}/{x}/{y}.png",
                           headers={"If-None-Match": etags[(z, x, y)]})
            revalidated.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 304
    print(json.dumps({"tiles_in_package": len(tiles), "package_bytes": os.path.getsize(a.package),
                      "requests": a.n, "tile_p50_ms": pct(cold, .5), "tile_p95_ms": pct(cold, .95),
                      "tile_mean_bytes": round(sum(sizes) / len(sizes)),
                      "revalidate_p50_ms": pct(revalidated, .5),
                      "revalidate_p95_ms": pct(revalidated, .95),
                      "baseline_me_p50_ms": pct(baseline, .5),
                      "baseline_me_p95_ms": pct(baseline, .95),
                      "tile_p50_over_baseline": round(pct(cold, .5) / pct(baseline, .5), 2),
                      "load": round(os.getloadavg()[0], 1)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
