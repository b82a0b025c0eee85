"""Cutting a unit grid for a city that has only its district outline.

A city that publishes no cell polygons starts from its district outline (any GeoJSON in WGS84,
CGCS2000, GCJ-02 or BD-09): ``grid_city`` cuts it, in the city's metric frame, into aligned
squares of ``cell_size_m`` (cells), blocks of ``community_cells`` x ``community_cells`` squares
(communities) and blocks of ``street_communities`` x ``street_communities`` communities
(streets), with ``gridmaps.tiling`` (small fragments merged, no gaps, no overlaps). Codes follow
the district code (street + 3 digits, community + 3, cell + ``sequence_digits``); names are
placeholders ("第1街道", "第1街道第2社区") for the city to rename. One duty grid per community
names ``supervisor`` when given.

``python -m gridmaps.grid OUTLINE --code 510104 --name 锦江区 --frame gcj02 --out DIR`` writes
what ``gridmaps.export`` writes (a GeoPackage or a folder of GeoJSON files, read by the
``default`` mapping); ``manage.py import_map DIR --mapping <the city's mapping>`` then imports it
like any other source (docs/map-import.md).

Must not import Django or the server.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import shapely

from gis.frames import Frame, MetricFrame, metric_frame_for
from gridmaps.model import City, CitySettings, Cell, Community, District, DutyGrid, Street
from gridmaps.tiling import tile_outline

__all__ = ["grid_city", "main"]


def grid_city(outline, *, district_code: str, district_name: str = "", cell_size_m: float = 100.0,
              sequence_digits: int = 3, community_cells: int = 6, street_communities: int = 3,
              metric: MetricFrame | None = None, country: str = "CN", supervisor: str = "") -> City:
    """A city of streets, communities and cells tiling ``outline`` (WGS84 lon/lat). ``metric``
    defaults to the frame of the outline's centre (``gis.frames.metric_frame_for``). Raises
    ValueError for bad arguments or a community with more cells than the sequence can number."""
    if not (len(district_code) == 6 and district_code.isdigit()):
        raise ValueError(f"district code must be 6 digits, not {district_code!r}")
    if sequence_digits not in (2, 3, 4, 5) or not cell_size_m > 0:
        raise ValueError("sequence_digits must be 2 to 5 and cell_size_m positive")
    if metric is None:
        c = outline.centroid
        metric = metric_frame_for(c.x, c.y, country)
    tiling = tile_outline(shapely.transform(outline, metric.coords_to_metres), cell_size=cell_size_m,
                          community_cells=community_cells, street_communities=street_communities)

    def lonlat(tiles):
        arr = np.empty(len(tiles), dtype=object)
        arr[:] = [t.geometry for t in tiles]
        return list(shapely.transform(arr, metric.coords_from_metres)) if len(arr) else []

    street_geoms, community_geoms, cell_geoms = (lonlat(t) for t in (tiling.streets, tiling.communities, tiling.cells))
    streets, communities, cells, grids = [], [None] * len(tiling.communities), [None] * len(tiling.cells), []
    for s, street in enumerate(tiling.streets):
        street_code, street_name = f"{district_code}{s + 1:03d}", f"第{s + 1}街道"
        streets.append(Street(street_code, street_name, district_code, street_geoms[s]))
        for n, c in enumerate(street.children, start=1):
            code = f"{street_code}{n:03d}"
            communities[c] = Community(code, f"{street_name}第{n}社区", street_code, community_geoms[c])
            children = tiling.communities[c].children
            if len(children) >= 10**sequence_digits:
                raise ValueError(f"community {code} has {len(children)} cells: {sequence_digits} digits cannot "
                                 f"number them")
            codes = []
            for k, i in enumerate(children, start=1):
                codes.append(f"{code}{k:0{sequence_digits}d}")
                cells[i] = Cell(codes[-1], code, street_code, round(tiling.cells[i].area, 2), cell_geoms[i])
            if supervisor:
                grids.append(DutyGrid(f"DG{code}", f"{communities[c].name}责任网格", tuple(codes), (supervisor,)))
    return City(district=District(district_code, district_name or district_code, outline), streets=tuple(streets),
                communities=tuple(communities), cells=tuple(cells), duty_grids=tuple(grids), departments=(),
                components=(), sequence_digits=sequence_digits,
                settings=CitySettings(name=district_name, country=country, metric_epsg=metric.epsg))


def main(argv: list[str] | None = None) -> int:
    from gridmaps.demo import load_outline
    from gridmaps.export import export_city

    parser = argparse.ArgumentParser(prog="python -m gridmaps.grid", description=__doc__.split("\n")[0])
    parser.add_argument("outline", help="a GeoJSON file with the district outline")
    parser.add_argument("--code", required=True, help="the 6-digit district code (GB/T 2260)")
    parser.add_argument("--name", default="")
    parser.add_argument("--frame", default="wgs84", choices=[f.value for f in Frame if f is not Frame.PROJECTED],
                        help="the outline's coordinate frame (DataV/AMap outlines are gcj02)")
    parser.add_argument("--cell-size", type=float, default=100.0, help="grid square side in metres")
    parser.add_argument("--sequence-digits", type=int, default=3, choices=(2, 3, 4, 5))
    parser.add_argument("--country", default="CN")
    parser.add_argument("--metric-crs", default="", help="e.g. EPSG:4544; default: from the outline's centre")
    parser.add_argument("--supervisor", default="", help="username for one duty grid per community")
    parser.add_argument("--out", required=True, help="a .gpkg file or a folder for GeoJSON files")
    args = parser.parse_args(argv)
    outline = load_outline(args.outline, Frame(args.frame))
    c = outline.centroid
    metric = metric_frame_for(c.x, c.y, args.country, explicit=args.metric_crs or None)
    city = grid_city(outline, district_code=args.code, district_name=args.name, cell_size_m=args.cell_size,
                     sequence_digits=args.sequence_digits, metric=metric, country=args.country,
                     supervisor=args.supervisor)
    out = Path(args.out)
    export_city(city, out, "GPKG" if out.suffix.lower() == ".gpkg" else "GeoJSON")
    print(f"{len(city.streets)} streets, {len(city.communities)} communities, {len(city.cells)} cells "
          f"in {metric.label} ({metric.name}) -> {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
