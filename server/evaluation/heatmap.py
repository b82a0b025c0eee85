"""A heat map of the cells as inline SVG, drawn on the server from the active map's polygons:
no tile server and no map library needed (the centres' networks are often closed), and it
prints. Each cell is coloured by its grade, links to the cases filed in it, and names its code
and composite in a tooltip."""

from __future__ import annotations

import math
from typing import Callable, Mapping

from django.utils.html import escape
from django.utils.translation import gettext as _

from server.evaluation.labels import GRADE_COLOURS
from workflows.scoring import EntityScore

WIDTH = 640.0


def _rings(geom) -> list[list[tuple[float, float]]]:
    rings = []
    for polygon in geom.coords:  # MultiPolygon → polygons → rings
        rings.append(list(polygon[0]))
    return rings


def heatmap_svg(scores: Mapping[str, EntityScore], link: Callable[[str], str]) -> str:
    """SVG of every active cell; ``scores`` by cell code; ``link(code)`` → the drill-down URL."""
    from server.maps.models import Cell

    cells = [(code, _rings(geom)) for code, geom in
             Cell.objects.filter(version__active=True).values_list("code", "geom")]
    points = [p for _, rings in cells for ring in rings for p in ring]
    if not points:
        return ""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    aspect = math.cos(math.radians((y0 + y1) / 2))  # metres per degree of longitude shrink
    span_x, span_y = max((x1 - x0) * aspect, 1e-9), max(y1 - y0, 1e-9)
    scale = WIDTH / span_x
    height = span_y * scale
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="heatmap" role="img" '
             f'viewBox="0 0 {WIDTH:.0f} {height:.0f}" '
             f'aria-label="{escape(_("Heat map by cell"))}">']
    no_score, filed, too_few = _("no score"), _("filed"), _("too few to rank")
    for code, rings in cells:
        s = scores.get(code)
        d = " ".join("M" + " L".join(f"{(x - x0) * aspect * scale:.1f},{(y1 - y) * scale:.1f}"
                                     for x, y in ring) + "Z" for ring in rings)
        if s is None or s.composite is None:
            fill, opacity, tip = "#e6e6e6", 1, f"{code}: {no_score}"
        else:
            fill = GRADE_COLOURS.get(s.grade, "#999")
            opacity = 1 if s.rank is not None else 0.45
            tip = (f"{code}: {s.composite:g} ({s.grade}), {filed} {s.counters.get('filed', 0)}"
                   + ("" if s.rank is not None else f", {too_few}"))
        parts.append(f'<a href="{escape(link(code))}"><path d="{d}" fill="{fill}" '
                     f'fill-opacity="{opacity}" stroke="#555" stroke-width="0.5">'
                     f'<title>{escape(tip)}</title></path></a>')
    parts.append("</svg>")
    return "".join(parts)
