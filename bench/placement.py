"""Placement benchmark on the Beijing-sized synthetic city, against PostGIS in the same run.

    python -m bench.placement [--components 1000000] [--sample 2000] [--agreement 100000]
                              [--bulk 1000000] [--no-postgis] [--no-gpkg]

Measures, on ``gridmaps.synthetic.build_synthetic_city()`` (about 30,000 cells of 48,900 m²,
1,000,000 components):

  * single placement, ``PlacementIndex.place(lon, lat, class_code=c, radius_m=20, limit=1)``
    (cell + nearest component of a class within 20 m): p50 / p99 over 20,000 points;
  * bulk, ``place_many`` over 1,000,000 points: points/s for one class (the same lookup) and
    for any class, wall clock (CPU time printed too: this machine is shared);
  * index memory: ``tracemalloc`` of the index construction (numpy arrays and Python objects
    that stay alive; GEOS memory of cell polygons and line/polygon components is not seen by
    tracemalloc) and the RSS growth of the process over the construction (everything, but
    coarse). ``bytes_per_component`` is the larger of the two divided by the components;
  * PostGIS (a fresh ``bench_gis_*`` database from template1, COPY, GiST indexes, ANALYZE):
    the same lookup as one prepared SQL query per point (lon/lat transformed in SQL) over
    ``--sample`` points, p50 / p99; ``ratio_vs_postgis`` = PostGIS p50 / our p50 (above);
    ``ratio_vs_postgis_interleaved`` = the same with ours timed right after each PostGIS query
    on the same points (same machine load, but our caches cold: a server's situation); and
    ``agreement``: the fraction of ``--agreement`` points where our cell and nearest component
    equal PostGIS's (batched SQL over unnest arrays), plus the same for ``place_many`` with
    any class. The database is dropped at the end;
  * GeoPackage import time of the synthetic, if ``gridmaps.export.export_city`` and
    ``gridmaps.importer.run`` exist (a dry run: read, build and validate, in a subprocess).

Query points: half uniform over the city's bounds (some fall outside), 45 % within 15 m of a
random component (asking for its class), 5 % exactly on cell vertices (the shared-edge rule).
The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import shapely

from gis.frames import coords_to_metres, from_metres_array, to_metres_array
from gis.placement import CellRecord, ComponentRecord, DutyGridRecord, OutsideManagedArea, PlacementIndex
from gridmaps.synthetic import build_synthetic_city

ROOT = Path(__file__).resolve().parents[1]
RADIUS_M = 20.0
SQL_ONE = """
SELECT (SELECT code FROM bench_cells c WHERE ST_DWithin(c.geom, p.g, 0.01) ORDER BY c.code LIMIT 1),
       (SELECT k.code FROM bench_components k WHERE k.class_code = %(cls)s AND ST_DWithin(k.geom, p.g, 20)
        ORDER BY ST_Distance(k.geom, p.g), k.code LIMIT 1)
FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4490), 4548) AS g) p
"""
SQL_BATCH = """
SELECT q.i,
       (SELECT code FROM bench_cells c WHERE ST_DWithin(c.geom, q.g, 0.01) ORDER BY c.code LIMIT 1),
       (SELECT k.code FROM bench_components k WHERE {class_filter} ST_DWithin(k.geom, q.g, 20)
        ORDER BY ST_Distance(k.geom, q.g), k.code LIMIT 1)
FROM (SELECT i, cls, ST_Transform(ST_SetSRID(ST_MakePoint(lon, lat), 4490), 4548) AS g
      FROM unnest(%(lon)s::float8[], %(lat)s::float8[], %(cls)s::text[]) WITH ORDINALITY AS u(lon, lat, cls, i)) q
ORDER BY q.i
"""


def log(message: str) -> None:
    print(message, flush=True)


def rss_bytes() -> int:
    """Resident set size after a full collection and glibc's malloc_trim (freed heap returned
    to the system, so the figure is what stays allocated)."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def records(city):
    cells = [CellRecord(c.code, c.community_code, c.street_code, c.geometry) for c in city.cells]
    comps = [ComponentRecord(c.code, c.class_code, c.geometry, c.owner_code, c.maintainer_code) for c in city.components]
    grids = [DutyGridRecord(g.code, g.cell_codes, g.supervisor_usernames) for g in city.duty_grids]
    return cells, comps, grids


def query_points(city, index, n: int, rng: np.random.Generator):
    """(lon, lat, class code) arrays: 50 % uniform, 45 % near a component, 5 % on vertices."""
    minlon, minlat, maxlon, maxlat = index.bounds_wgs84()
    comps = city.components
    n_near, n_vertex = int(n * 0.45), int(n * 0.05)
    n_uniform = n - n_near - n_vertex
    lon = [rng.uniform(minlon, maxlon, n_uniform)]
    lat = [rng.uniform(minlat, maxlat, n_uniform)]
    pick = rng.integers(0, len(comps), n_uniform + n_near + n_vertex)
    cls = [comps[i].class_code for i in pick.tolist()]
    anchors = shapely.get_coordinates(shapely.centroid(np.array([comps[i].geometry for i in pick[n_uniform:][:n_near].tolist()])))
    x, y = to_metres_array(anchors[:, 0], anchors[:, 1])
    ang, dist = rng.uniform(0, 2 * np.pi, n_near), 15 * np.sqrt(rng.uniform(0, 1, n_near))
    nlon, nlat = from_metres_array(x + dist * np.cos(ang), y + dist * np.sin(ang))
    lon.append(nlon)
    lat.append(nlat)
    cells = rng.integers(0, len(city.cells), n_vertex)
    corners = rng.integers(0, 4, n_vertex)
    vertex = np.array([city.cells[c].geometry.exterior.coords[k] for c, k in zip(cells.tolist(), corners.tolist())])
    lon.append(vertex[:, 0])
    lat.append(vertex[:, 1])
    return np.concatenate(lon), np.concatenate(lat), np.array(cls, dtype=object)


def ours_one(index, lon: float, lat: float, cls: str | None):
    try:
        placed = index.place(lon, lat, class_code=cls, radius_m=RADIUS_M, limit=1)
    except OutsideManagedArea:
        return None, None
    return placed.cell_code, placed.components[0].code if placed.components else None


def time_ours(index, lon, lat, cls) -> np.ndarray:
    for i in range(min(2000, len(lon))):  # warm-up
        ours_one(index, lon[i], lat[i], cls[i])
    times = np.empty(len(lon))
    clock = time.perf_counter_ns
    for i in range(len(lon)):
        t0 = clock()
        ours_one(index, lon[i], lat[i], cls[i])
        times[i] = clock() - t0
    return times / 1000.0


def database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        out = subprocess.run(["bash", str(ROOT / "scripts/services.sh")], capture_output=True, text=True, check=True).stdout
        url = re.search(r"DATABASE_URL=(\S+)", out).group(1)
    return re.sub(r"^postgis://", "postgresql://", url)


def with_database(url: str, name: str) -> str:
    return url.split("?", 1)[0].rsplit("/", 1)[0] + "/" + name


def load_postgis(conn, index, city) -> dict[str, float]:
    """Create the tables, COPY cells and components (EPSG:4548 metres, as the index projects
    them), build GiST indexes and ANALYZE. Returns seconds per step."""
    seconds = {}
    t0 = time.perf_counter()
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE bench_cells (code text, geom geometry(Geometry, 4548))")
        cur.execute("CREATE TABLE bench_components (code text, class_code text, geom geometry(Geometry, 4548))")
        for table, columns, codes, extra, geoms in (
            ("bench_cells", "code, geom", [c.code for c in city.cells], None, [c.geometry for c in city.cells]),
            ("bench_components", "code, class_code, geom", [c.code for c in city.components],
             [c.class_code for c in city.components], [c.geometry for c in city.components]),
        ):
            metres = shapely.set_srid(shapely.transform(np.array(geoms, dtype=object), coords_to_metres), 4548)
            hexes = shapely.to_wkb(metres, hex=True, include_srid=True)
            with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                chunk = []
                for k, code in enumerate(codes):
                    chunk.append(f"{code}\t{extra[k]}\t{hexes[k]}\n" if extra else f"{code}\t{hexes[k]}\n")
                    if len(chunk) == 50_000:
                        copy.write("".join(chunk))
                        chunk = []
                copy.write("".join(chunk))
        conn.commit()
        seconds["copy"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        cur.execute("CREATE INDEX ON bench_cells USING gist (geom)")
        cur.execute("CREATE INDEX ON bench_components USING gist (geom)")
        cur.execute("ANALYZE bench_cells")
        cur.execute("ANALYZE bench_components")
        conn.commit()
        seconds["index"] = time.perf_counter() - t1
    return seconds


def time_both(conn, index, lon, lat, cls) -> tuple[np.ndarray, np.ndarray]:
    """Per point, the PostGIS query and our placement timed back to back (microseconds), so
    that both see the same machine load: this machine's 2 cores are shared."""
    pg, ours = np.empty(len(lon)), np.empty(len(lon))
    clock = time.perf_counter_ns
    with conn.cursor() as cur:
        for i in range(min(200, len(lon))):  # warm-up (and lets psycopg prepare the statement)
            cur.execute(SQL_ONE, {"lon": float(lon[i]), "lat": float(lat[i]), "cls": cls[i]}, prepare=True)
            cur.fetchone()
        for i in range(len(lon)):
            params = {"lon": float(lon[i]), "lat": float(lat[i]), "cls": cls[i]}
            t0 = clock()
            cur.execute(SQL_ONE, params, prepare=True)
            cur.fetchone()
            t1 = clock()
            ours_one(index, lon[i], lat[i], cls[i])
            t2 = clock()
            pg[i], ours[i] = t1 - t0, t2 - t1
    return pg / 1000.0, ours / 1000.0


def postgis_batch(conn, lon, lat, cls, any_class: bool, batch: int = 5000) -> list[tuple]:
    sql = SQL_BATCH.format(class_filter="" if any_class else "k.class_code = q.cls AND")
    out = []
    with conn.cursor() as cur:
        for s in range(0, len(lon), batch):
            cur.execute(sql, {"lon": lon[s : s + batch].tolist(), "lat": lat[s : s + batch].tolist(),
                              "cls": [str(c) for c in cls[s : s + batch]]})
            out += [(r[1], r[2]) for r in cur.fetchall()]
    return out


def gpkg_import(city) -> dict:
    """Export to GeoPackage and time a dry-run import in a subprocess (None when unavailable)."""
    try:
        import gridmaps.export as export
        import gridmaps.importer as importer
    except ImportError as e:
        return {"gpkg_import_s": None, "gpkg_note": f"not available: {e}"}
    if not (hasattr(export, "export_city") and hasattr(importer, "run")):
        return {"gpkg_import_s": None, "gpkg_note": "gridmaps.export.export_city or gridmaps.importer.run missing"}
    with tempfile.TemporaryDirectory(prefix="bench_gis_") as tmp:
        path = Path(tmp) / "synthetic.gpkg"
        t0 = time.perf_counter()
        export.export_city(city, path, driver="GPKG")
        export_s = time.perf_counter() - t0
        code = (
            "import json, time, gridmaps.importer as im\n"
            f"t = time.perf_counter(); r = im.run({str(path)!r}, dry_run=True)\n"
            "print(json.dumps({'s': time.perf_counter() - t, 'ok': r.ok, 'problems': len(r.problems),"
            " 'seconds': r.seconds, 'counts': r.counts}))\n"
        )
        try:
            done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=900)
        except subprocess.TimeoutExpired:
            return {"gpkg_import_s": None, "gpkg_export_s": round(export_s, 1), "gpkg_note": "import over 900 s"}
        if done.returncode != 0:
            return {"gpkg_import_s": None, "gpkg_export_s": round(export_s, 1),
                    "gpkg_note": "import failed: " + done.stderr.strip().splitlines()[-1][:200]}
        result = json.loads(done.stdout.strip().splitlines()[-1])
        return {"gpkg_import_s": round(result["s"], 1), "gpkg_export_s": round(export_s, 1),
                "gpkg_import_ok": result["ok"], "gpkg_import_problems": result["problems"],
                "gpkg_import_steps_s": {k: round(v, 1) for k, v in result["seconds"].items()}}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.placement", description=__doc__.split("\n")[0])
    parser.add_argument("--components", type=int, default=1_000_000)
    parser.add_argument("--cells", type=int, default=30_000)
    parser.add_argument("--single", type=int, default=20_000, help="points timed one by one (ours)")
    parser.add_argument("--sample", type=int, default=2_000, help="points timed one by one (PostGIS)")
    parser.add_argument("--agreement", type=int, default=100_000)
    parser.add_argument("--bulk", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-postgis", action="store_true")
    parser.add_argument("--no-gpkg", action="store_true")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    out: dict = {}
    rng = np.random.default_rng(args.seed)

    t0 = time.perf_counter()
    city = build_synthetic_city(cells=args.cells, components=args.components)
    out.update(cells=len(city.cells), components=len(city.components), synthetic_build_s=round(time.perf_counter() - t0, 1))
    log(f"synthetic: {len(city.cells):,} cells, {len(city.components):,} components in {out['synthetic_build_s']} s")

    cells, comps, grids = records(city)
    gc.collect()
    rss0 = rss_bytes()
    t0 = time.perf_counter()
    index = PlacementIndex(cells, comps, grids)
    out["index_build_s"] = round(time.perf_counter() - t0, 1)
    gc.collect()
    rss_delta = rss_bytes() - rss0
    tracemalloc.start()
    probe = PlacementIndex(cells, comps, grids)
    traced = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del probe
    gc.collect()
    out["bytes_per_component_tracemalloc"] = round(traced / len(comps), 1)
    out["bytes_per_component_rss"] = round(rss_delta / len(comps), 1)
    out["bytes_per_component"] = max(out["bytes_per_component_tracemalloc"], out["bytes_per_component_rss"])
    log(f"index: built in {out['index_build_s']} s; {traced / 1e6:.0f} MB traced, RSS +{rss_delta / 1e6:.0f} MB")
    del cells, comps, grids

    lon, lat, cls = query_points(city, index, args.single, rng)
    times = time_ours(index, lon, lat, cls)
    out.update(p50_us=round(float(np.percentile(times, 50)), 2), p99_us=round(float(np.percentile(times, 99)), 2))
    log(f"single: p50 {out['p50_us']} us, p99 {out['p99_us']} us over {len(times):,} points")

    blon, blat, bcls = query_points(city, index, args.bulk, rng)
    one_class = max(set(bcls[:10000].tolist()), key=bcls[:10000].tolist().count)
    for key, class_code in (("bulk_points_per_s", one_class), ("bulk_any_class_points_per_s", None)):
        t0, c0 = time.perf_counter(), time.process_time()
        index.place_many(blon, blat, class_code)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        out[key] = round(len(blon) / wall)
        out[key.replace("points", "cpu_points")] = round(len(blon) / cpu)
        log(f"bulk ({class_code or 'any class'}): {out[key]:,} points/s wall, {len(blon) / cpu:,.0f} points/s CPU")
    del blon, blat, bcls

    if not args.no_postgis:
        out.update(postgis(city, index, args, rng, out["p50_us"]))
    if not args.no_gpkg:
        log("gpkg: exporting and importing (dry run) ...")
        out.update(gpkg_import(city))
        log(f"gpkg: {out}")
    out["bench_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps(out, ensure_ascii=False))
    return out


def postgis(city, index, args, rng, our_p50: float) -> dict:
    import psycopg

    url = database_url()
    name = f"bench_gis_{os.getpid()}"
    res: dict = {}
    admin = psycopg.connect(url, autocommit=True)
    admin.execute(f"CREATE DATABASE {name} TEMPLATE template1")
    try:
        with psycopg.connect(with_database(url, name)) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            conn.commit()
            steps = load_postgis(conn, index, city)
            res["postgis_load_s"] = round(sum(steps.values()), 1)
            log(f"postgis: loaded in {steps}")
            lon, lat, cls = query_points(city, index, args.sample, rng)
            pg_times, our_times = time_both(conn, index, lon, lat, cls)
            res.update(postgis_p50_us=round(float(np.percentile(pg_times, 50)), 1),
                       postgis_p99_us=round(float(np.percentile(pg_times, 99)), 1),
                       p50_us_interleaved=round(float(np.percentile(our_times, 50)), 2))
            res["ratio_vs_postgis"] = round(res["postgis_p50_us"] / our_p50, 1)
            res["ratio_vs_postgis_interleaved"] = round(res["postgis_p50_us"] / res["p50_us_interleaved"], 1)
            log(f"postgis: p50 {res['postgis_p50_us']} us, p99 {res['postgis_p99_us']} us; ratio to our p50 "
                f"{res['ratio_vs_postgis']}; ours timed between PostGIS queries (cold caches) p50 "
                f"{res['p50_us_interleaved']} us, ratio {res['ratio_vs_postgis_interleaved']}")

            lon, lat, cls = query_points(city, index, args.agreement, rng)
            t0 = time.perf_counter()
            # Outside every cell the answer is "outside the managed area", whatever is near.
            theirs = [(c, k if c else None) for c, k in postgis_batch(conn, lon, lat, cls, any_class=False)]
            res["postgis_agreement_query_s"] = round(time.perf_counter() - t0, 1)
            ours = [ours_one(index, lon[i], lat[i], cls[i]) for i in range(len(lon))]
            differ = [i for i in range(len(lon)) if ours[i] != theirs[i]]
            res["agreement"] = round(1 - len(differ) / len(lon), 6)
            for i in differ[:5]:
                log(f"  differs at ({lon[i]!r}, {lat[i]!r}, {cls[i]}): ours {ours[i]}, PostGIS {theirs[i]}")
            theirs = postgis_batch(conn, lon, lat, cls, any_class=True)
            bulk = index.place_many(lon, lat, None)
            mine = [(c or None, k or None) for c, k in zip(bulk.cell_code.tolist(), bulk.component_code.tolist())]
            # place_many reports components for points outside every cell too; PostGIS does as well.
            res["agreement_bulk_any_class"] = round(sum(a == b for a, b in zip(mine, theirs)) / len(lon), 6)
            log(f"agreement: {res['agreement']} (place), {res['agreement_bulk_any_class']} (place_many, any class)")
    finally:
        admin.close()
        from tests.e2e.server_process import drop_database

        drop_database(url, name)  # also when autovacuum is on it (see drop_database)
    return res


if __name__ == "__main__":
    main()
