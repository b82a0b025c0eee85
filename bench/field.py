"""Field endpoints on the demo city: nearby components (``/api/map/nearby/``) and the duty map
(``/api/map/duty/``), measured at the function the views call, on an embedded SpatiaLite
database in a temporary folder.

    python -m bench.field [--points 300] [--runs 20]

Prints per-call milliseconds (median and 95th percentile), the number of components and
cells in the supervisor's duty map, and its size as JSON and gzipped JSON (what a 3G handset
downloads once per map version). The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import statistics
import tempfile
import time


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=300)
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench-field-")
    for name in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(name, None)
    os.environ.update(DCM_EMBEDDED="1", DCM_VAR=tmp, DJANGO_SETTINGS_MODULE="server.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)
    call_command("load_demo_city", verbosity=0)
    from server.accounts import access
    from server.accounts.models import User
    from server.field import maps
    from server.maps.index import active_map
    from server.maps.models import Cell

    loaded = active_map()
    rnd = random.Random(6)
    cells = list(Cell.objects.filter(version_id=loaded.version_id).values_list("geom", flat=True))
    points = [c.point_on_surface for c in rnd.sample(cells, min(args.points, len(cells)))]
    maps.nearby(loaded, points[0].x, points[0].y, 50)  # warm the class names
    nearby_ms = []
    for p in points:
        t = time.perf_counter()
        maps.nearby(loaded, p.x, p.y, 50)
        nearby_ms.append((time.perf_counter() - t) * 1000)
    user = User.objects.get(username="supervisor")
    duty_ms = []
    for _ in range(args.runs):
        t = time.perf_counter()
        body = maps.duty_map(loaded, access.duty_grids(user, loaded.version_id))
        duty_ms.append((time.perf_counter() - t) * 1000)
    raw = json.dumps(body, ensure_ascii=False).encode()
    out = {
        "nearby_ms_median": round(statistics.median(nearby_ms), 2),
        "nearby_ms_p95": round(sorted(nearby_ms)[int(len(nearby_ms) * 0.95) - 1], 2),
        "duty_ms_median": round(statistics.median(duty_ms), 1),
        "duty_cells": len(body["cells"]["features"]),
        "duty_components": len(body["components"]["features"]),
        "map_components": loaded.index.component_count,
        "duty_json_kib": round(len(raw) / 1024, 1),
        "duty_gzip_kib": round(len(gzip.compress(raw)) / 1024, 1),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
