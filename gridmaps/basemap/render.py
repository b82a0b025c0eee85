"""Render a city's base map into an MBTiles package with Mapnik (a script, not a module).

Run by Debian's Python, which has ``python3-mapnik`` (the venv has not)::

    /usr/bin/python3 gridmaps/basemap/render.py --layers DIR --out FILE \\
        --bounds W,S,E,N --minzoom 12 --maxzoom 17 [--name N] [--attribution A]

``DIR`` holds GeoJSON files in WGS84 lon/lat, each optional:

- ``areas.geojson``: the district's divisions (street offices), polygons with ``name``: the land
  colour, their edges and their names at district zoom;
- ``water.geojson``, ``green.geojson``, ``buildings.geojson``: polygons, filled;
- ``roads.geojson``: centre lines with ``name`` and ``kind`` (``major``, ``road``, ``alley`` or
  ``path``): drawn and named along the line by zoom (major roads from the district view on,
  alleys from the street view on);
- ``pois.geojson``: points with ``name``;
- ``area-labels.geojson``: one point inside each area, with its ``name`` (drawn at district
  zoom, so a street office's name shows once, not once per tile).

Tiles are 256 px PNG (8-bit palette), Web Mercator (EPSG:3857), rendered as 4 x 4 metatiles so
a label is placed once across tile edges. Prints one JSON line: tiles, seconds, bytes.
Imports the standard library, Mapnik and the sibling ``mbtiles`` module only.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from xml.sax.saxutils import escape

import mapnik  # Debian's python3-mapnik

import mbtiles  # the sibling module: the script's folder is sys.path[0]

MERC = ("+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m "
        "+nadgrids=@null +wktext +no_defs +over")
LONLAT = "+proj=longlat +ellps=WGS84 +datum=WGS84 +no_defs"
HALF = 20037508.342789244  # half the Web Mercator world, metres
FONT_DIRS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/wqy",
             "/usr/share/fonts/truetype/dejavu")
# Noto Sans CJK (fonts-noto-cjk) draws Chinese; the fallbacks keep a name readable without it.
FONTS = ("Noto Sans CJK SC Regular", "WenQuanYi Micro Hei Regular", "DejaVu Sans Book")
BOLD = ("Noto Sans CJK SC Bold", "WenQuanYi Micro Hei Regular", "DejaVu Sans Bold")
META = 4  # a metatile is META x META tiles


def scale(z: int) -> float:
    """Mapnik's scale denominator at zoom ``z`` for 256 px tiles (0.28 mm pixels)."""
    return 559082264.028 / (1 << z)


def zooms(lo: int | None = None, hi: int | None = None) -> str:
    """Scale-denominator bounds of a rule drawn from zoom ``lo`` through ``hi``."""
    out = ""
    if lo is not None:
        out += f"<MaxScaleDenominator>{scale(lo) * 1.5:.0f}</MaxScaleDenominator>"
    if hi is not None:
        out += f"<MinScaleDenominator>{scale(hi) / 1.5:.0f}</MinScaleDenominator>"
    return out


def text(field: str, size: float, fill: str, *, bold: bool = False, placement: str = "point",
         halo: float = 1.5, extra: str = "") -> str:
    fontset = "bold" if bold else "regular"
    return (f'<TextSymbolizer fontset-name="{fontset}" size="{size}" fill="{fill}" '
            f'halo-fill="rgba(255,255,255,0.85)" halo-radius="{halo}" placement="{placement}" '
            f'{extra}>[{field}]</TextSymbolizer>')


# (kind, first zoom, casing colour, fill colour, width at z12..z18)
ROADS = (
    ("path", 16, None, "#b8b0a6", (0, 0, 0, 0, 1, 1.2, 1.5)),
    ("alley", 14, "#cfc8bf", "#ffffff", (0, 0, 1.2, 2.5, 4, 7, 11)),
    ("road", 13, "#bfb5a8", "#ffffff", (0, 1.5, 2.5, 4.5, 7, 11, 17)),
    ("major", 12, "#c69c5d", "#fcd9a0", (2, 2.8, 4, 6.5, 10, 15, 22)),
)


def style_xml(files: dict[str, str]) -> str:
    """The Mapnik map for the layer files present: ``files`` maps a stem (``roads``...) to
    its GeoJSON path."""
    styles, lays = [], []
    layers = set(files)

    def layer(name: str, style_names: list[str], stem: str | None = None) -> None:
        lays.append(f'<Layer name="{name}" srs="{LONLAT}" buffer-size="128">'
                    + "".join(f"<StyleName>{s}</StyleName>" for s in style_names)
                    + '<Datasource><Parameter name="type">geojson</Parameter>'
                      f'<Parameter name="file">{escape(files[stem or name])}</Parameter>'
                      "</Datasource></Layer>")

    if "areas" in layers:
        styles.append('<Style name="land"><Rule><PolygonSymbolizer fill="#f6f3ec"/></Rule></Style>')
        layer("areas", ["land"])
    for name, fill, stroke, first in (("green", "#d5e8c4", None, 12), ("water", "#a9d0e0", None, 12),
                                      ("buildings", "#e3ddd3", "#d2c9bc", 15)):
        if name in layers:
            line = f'<LineSymbolizer stroke="{stroke}" stroke-width="0.6"/>' if stroke else ""
            styles.append(f'<Style name="{name}"><Rule>{zooms(first)}'
                          f'<PolygonSymbolizer fill="{fill}"/>{line}</Rule></Style>')
            layer(name, [name])
    if "roads" in layers:
        casing, fill = [], []
        for kind, first, case_colour, colour, widths in ROADS:
            for z in range(max(first, 12), 19):
                w = widths[z - 12]
                if not w:
                    continue
                rule = f"<Rule><Filter>[kind] = '{kind}'</Filter>{zooms(z, z)}"
                if case_colour and w >= 2:
                    casing.append(rule + f'<LineSymbolizer stroke="{case_colour}" '
                                  f'stroke-width="{w + 1.6}" stroke-linecap="round" '
                                  f'stroke-linejoin="round"/></Rule>')
                dash = ' stroke-dasharray="3,2"' if kind == "path" else ""
                fill.append(rule + f'<LineSymbolizer stroke="{colour}" stroke-width="{w}" '
                            f'stroke-linecap="round" stroke-linejoin="round"{dash}/></Rule>')
        styles.append('<Style name="road-casing">' + "".join(casing) + "</Style>")
        styles.append('<Style name="road-fill">' + "".join(fill) + "</Style>")
        layer("roads", ["road-casing", "road-fill"])
    if "areas" in layers:
        styles.append('<Style name="area-edges"><Rule>' + zooms(None, 16)
                      + '<LineSymbolizer stroke="#9b87b5" stroke-width="1.2" '
                        'stroke-dasharray="6,3" stroke-opacity="0.8"/></Rule></Style>')
        layer("area-edges", ["area-edges"], "areas")
    labels = []
    if "roads" in layers:
        rules = []
        for kind, first, size in (("major", 13, 12), ("road", 15, 11), ("alley", 16, 10),
                                  ("path", 17, 10)):
            rules.append(f"<Rule><Filter>[kind] = '{kind}'</Filter>{zooms(first)}"
                         + text("name", size, "#3b3631", placement="line",
                                extra='spacing="300" minimum-padding="4" max-char-angle-delta="30"')
                         + "</Rule>")
        styles.append('<Style name="road-names">' + "".join(rules) + "</Style>")
        labels.append(("road-names", "roads"))
    if "pois" in layers:
        styles.append('<Style name="pois"><Rule>' + zooms(15)
                      + '<MarkersSymbolizer width="5" height="5" fill="#8a6d3b" stroke="#ffffff" '
                        'stroke-width="1" allow-overlap="true"/>'
                      + text("name", 11, "#6b4f22", extra='dy="-9" wrap-width="90"')
                      + "</Rule></Style>")
        labels.append(("pois", "pois"))
    if "area-labels" in layers:
        styles.append('<Style name="area-names">' + "".join(
            f"<Rule>{zooms(lo, hi)}" + text("name", size, "#5d4a7d", bold=True, halo=2)
            + "</Rule>" for lo, hi, size in ((11, 11, 10), (12, 14, 14))) + "</Style>")
        labels.append(("area-names", "area-labels"))
    for style, source in labels:
        layer(source, [style])
    fontsets = "".join(
        f'<FontSet name="{name}">' + "".join(f'<Font face-name="{f}"/>' for f in faces)
        + "</FontSet>" for name, faces in (("regular", FONTS), ("bold", BOLD)))
    return (f'<Map srs="{MERC}" background-color="#e9e7e2">{fontsets}'
            + "".join(styles) + "".join(lays) + "</Map>")


def tile_range(bounds: tuple[float, float, float, float], z: int) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1), XYZ, of the tiles at zoom ``z`` that ``bounds`` (W, S, E, N) touches."""
    n = 1 << z

    def xy(lon: float, lat: float) -> tuple[int, int]:
        lat = max(min(lat, 85.0511), -85.0511)
        x = int((lon + 180.0) / 360.0 * n)
        r = math.radians(lat)
        y = int((1.0 - math.asinh(math.tan(r)) / math.pi) / 2.0 * n)
        return min(max(x, 0), n - 1), min(max(y, 0), n - 1)

    x0, y0 = xy(bounds[0], bounds[3])
    x1, y1 = xy(bounds[2], bounds[1])
    return x0, y0, x1, y1


def render(layers_dir: Path, out: Path, bounds, minzoom: int, maxzoom: int, name: str,
           attribution: str) -> dict:
    """Render every tile of ``bounds`` from ``minzoom`` to ``maxzoom`` into ``out``."""
    started = time.monotonic()
    for d in FONT_DIRS:
        if Path(d).is_dir():
            mapnik.register_fonts(d)
    xml = style_xml({p.stem: str(p) for p in sorted(layers_dir.glob("*.geojson"))})
    size = 256 * META
    m = mapnik.Map(size, size)
    mapnik.load_map_from_string(m, xml)
    m.buffer_size = 128
    db = mbtiles.create(out, {
        "name": name, "format": "png", "type": "baselayer", "version": "1",
        "bounds": ",".join(f"{v:.6f}" for v in bounds), "minzoom": minzoom, "maxzoom": maxzoom,
        "center": f"{(bounds[0] + bounds[2]) / 2:.6f},{(bounds[1] + bounds[3]) / 2:.6f},{minzoom + 2}",
        "attribution": attribution, "description": "rendered by Mapnik from the city's vector data",
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
    count = 0
    for z in range(minzoom, maxzoom + 1):
        x0, y0, x1, y1 = tile_range(bounds, z)
        span = 2 * HALF / (1 << z)
        for mx in range(x0 - x0 % META, x1 + 1, META):
            for my in range(y0 - y0 % META, y1 + 1, META):
                m.zoom_to_box(mapnik.Box2d(-HALF + mx * span, HALF - (my + META) * span,
                                           -HALF + (mx + META) * span, HALF - my * span))
                image = mapnik.Image(size, size)
                mapnik.render(m, image)
                for dx in range(META):
                    for dy in range(META):
                        x, y = mx + dx, my + dy
                        if x0 <= x <= x1 and y0 <= y <= y1:
                            view = image.view(dx * 256, dy * 256, 256, 256)
                            mbtiles.put(db, z, x, y, view.tostring("png8:m=o:z=6"))
                            count += 1
        db.commit()
    db.close()
    return {"tiles": count, "seconds": round(time.monotonic() - started, 2),
            "bytes": out.stat().st_size}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--layers", required=True, type=Path)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--bounds", required=True, help="W,S,E,N in degrees (WGS84)")
    ap.add_argument("--minzoom", type=int, default=11)
    ap.add_argument("--maxzoom", type=int, default=17)
    ap.add_argument("--name", default="base map")
    ap.add_argument("--attribution", default="")
    a = ap.parse_args(argv)
    bounds = tuple(float(v) for v in a.bounds.split(","))
    if len(bounds) != 4 or not (0 <= a.minzoom <= a.maxzoom <= 20):
        ap.error("--bounds needs W,S,E,N and 0 <= minzoom <= maxzoom <= 20")
    tmp = a.out.with_name(a.out.name + ".part")
    result = render(a.layers, tmp, bounds, a.minzoom, a.maxzoom, a.name, a.attribution)
    tmp.replace(a.out)  # whole or not at all: a server reading the old file keeps its handle
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
