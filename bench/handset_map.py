"""The handset map's draw time with a duty grid of a few hundred cells and a few thousand
components: the handset must stay responsive on a cheap phone.

Figures printed: parsing the cached JSON, building the widget's canvas (every layer), one
pan/zoom step (a Translate/Scale change plus the screen-space markers and labels) and one
frame rendered offscreen (Mesa's software GL here; a phone's GPU is faster at that part, its CPU
slower at the Python parts). Run: ``python -m bench.handset_map [--cells N] [--components N]``.

``synthetic_duty_map`` is also the tests' map: jittered squares around Dongcheng (东城区) in
WGS84, the ``/api/map/duty/`` body shape, same seed same map.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import tempfile
import time

LON0, LAT0 = 116.4100, 39.9200   # 东城区, near 王府井
CLASSES = [("0101", "上水井盖"), ("0103", "雨水井盖"), ("0110", "路灯"), ("0115", "垃圾箱"),
           ("0201", "公交站亭"), ("0301", "行道树")]


def synthetic_duty_map(cells: int = 400, components: int = 4000, side_m: float = 100.0,
                       seed: int = 6, map_version: int = 7) -> dict:
    """A body like ``GET /api/map/duty/``: ``cells`` quadrilaterals in a square block (the
    middle ninth marked ``duty``, the rest the neighbour ring), ``components`` points inside."""
    rnd = random.Random(seed)
    n = max(1, int(math.ceil(math.sqrt(cells))))
    kx = 1 / (111_320 * math.cos(math.radians(LAT0)))
    ky = 1 / 110_540
    jitter = {(i, j): ((rnd.random() - .5) * .2 * side_m, (rnd.random() - .5) * .2 * side_m)
              for i in range(n + 1) for j in range(n + 1)}

    def corner(i, j):
        dx, dy = jitter[(i, j)] if 0 < i < n and 0 < j < n else (0.0, 0.0)
        return [round(LON0 + (i * side_m + dx) * kx, 7), round(LAT0 + (j * side_m + dy) * ky, 7)]

    feats, k = [], 0
    for j in range(n):
        for i in range(n):
            if k == cells:
                break
            ring = [corner(i, j), corner(i + 1, j), corner(i + 1, j + 1), corner(i, j + 1)]
            duty = n // 3 <= i < 2 * n // 3 and n // 3 <= j < 2 * n // 3
            feats.append({"type": "Feature", "geometry": {"type": "Polygon",
                                                          "coordinates": [ring + ring[:1]]},
                          "properties": {"code": f"1101010{k:07d}", "duty": duty,
                                         "name": f"东华门{k:03d}号网格"}})
            k += 1
    comps = []
    for m in range(components):
        cell = feats[m % len(feats)]["geometry"]["coordinates"][0]
        lon = cell[0][0] + (cell[1][0] - cell[0][0]) * (.1 + .8 * rnd.random())
        lat = cell[0][1] + (cell[3][1] - cell[0][1]) * (.1 + .8 * rnd.random())
        code, name = CLASSES[m % len(CLASSES)]
        comps.append({"type": "Feature",
                      "geometry": {"type": "Point", "coordinates": [round(lon, 7), round(lat, 7)]},
                      "properties": {"code": f"110101{code}{m:06d}"[:16], "class_code": code,
                                     "class_name": name}})
    xs = [p[0] for f in feats for p in f["geometry"]["coordinates"][0]]
    ys = [p[1] for f in feats for p in f["geometry"]["coordinates"][0]]
    return {"map_version": map_version, "bbox": [min(xs), min(ys), max(xs), max(ys)],
            "cells": {"type": "FeatureCollection", "features": feats},
            "components": {"type": "FeatureCollection", "features": comps}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cells", type=int, default=400)
    ap.add_argument("--components", type=int, default=4000)
    args = ap.parse_args(argv)
    for k, v in dict(SDL_VIDEODRIVER="offscreen", KIVY_NO_ARGS="1", KIVY_NO_FILELOG="1",
                     KIVY_NO_CONSOLELOG="1", KIVY_HOME=tempfile.mkdtemp()).items():
        os.environ.setdefault(k, v)
    import json

    from mobileapp.core.mapcache import parse_duty_map

    body = json.dumps(synthetic_duty_map(args.cells, args.components), ensure_ascii=False)
    t = time.perf_counter()
    dmap = parse_duty_map(json.loads(body))
    parse_ms = (time.perf_counter() - t) * 1000

    from kivy.base import EventLoop
    from kivy.core.window import Window

    from mobileapp.ui.fonts import register_cjk_font
    from mobileapp.ui.mapview import DutyMapView

    register_cjk_font()
    Window.size = (480, 800)
    EventLoop.ensure_window()
    view = DutyMapView(size=Window.size)
    Window.add_widget(view)
    t = time.perf_counter()
    view.duty_map = dmap
    view.redraw()
    build_ms = (time.perf_counter() - t) * 1000
    frame_ms = _frames(EventLoop, 5)
    steps = 50
    t = time.perf_counter()
    for k in range(steps):
        view.zoom_by(1.05 if k % 2 else 1 / 1.04, 240, 400)
        view.pan_by(3, -2)
    move_ms = (time.perf_counter() - t) * 1000 / steps
    view.zoom_by(8, 240, 400)  # close enough for cell labels
    t = time.perf_counter()
    view.update_overlay()
    label_ms = (time.perf_counter() - t) * 1000
    frame2_ms = _frames(EventLoop, 5)
    print(f"handset map: {len(dmap.cells)} cells, {len(dmap.components)} components, "
          f"{len(body) / 1024:.0f} KiB JSON")
    print(f"  parse cached JSON      {parse_ms:7.1f} ms")
    print(f"  build canvas (layers)  {build_ms:7.1f} ms")
    print(f"  pan/zoom step          {move_ms:7.2f} ms")
    print(f"  labels, zoomed in      {label_ms:7.1f} ms ({view.label_count} labels)")
    print(f"  frame (offscreen GL)   {frame_ms:7.1f} ms whole map, {frame2_ms:.1f} ms zoomed")
    return 0


def _frames(loop, n: int) -> float:
    t = time.perf_counter()
    for _ in range(n):
        loop.idle()
    return (time.perf_counter() - t) * 1000 / n


if __name__ == "__main__":
    raise SystemExit(main())
