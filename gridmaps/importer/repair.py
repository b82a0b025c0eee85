"""Repairing a built city before it is checked (pure: shapely only, no GDAL).

``repair_city(city, refs, repairs, metric) -> (city, refs, [Repair])`` fixes, in the city's metric
frame and in this order, what published boundary data commonly gets wrong, and reports each fix
with its feature (source layer, FID, code) and where it is (lon/lat):

  1. ``made_valid``: an invalid polygon (a self-intersecting ring, a bow-tie) is rebuilt with
     ``shapely.make_valid``; only its polygon parts are kept (``make_valid``, on by default).
  2. ``overlap_resolved``: two cells (communities, streets) overlapping by no more than
     ``overlap_m2`` each: the overlap is given to one side, ``overlap_rule`` says which:
     ``lower_code`` (the feature with the lower code keeps it) or ``larger`` (the larger feature
     keeps it; ties: lower code). Larger overlaps are left for the check to report.
  3. ``sliver_merged``: a cell smaller than ``sliver_m2`` is merged into the neighbouring cell it
     shares the longest edge with (one of its own community if it has such a neighbour); its
     components and duty grid entries move with it. A sliver with no neighbour is left alone.
  4. ``gap_closed``: a hole between children inside their parent (cells in a community,
     communities in a street, streets in the district; for a parent derived from its children,
     the holes inside their union) narrower on average than ``gap_width_m`` (area divided by
     half its perimeter: reprojection noise along a long edge is wide nowhere) is added to the
     child it shares the longest edge with.
  5. ``outline_repaired``: the district outline (given, or the union of the streets) made valid
     in the metric frame and rid of holes under ``outline_hole_m2`` (a zero-area hole is what
     reprojection leaves where two streets meet at a point).

Parts derived from their children (communities from cells, streets from communities) are derived
again after the children change. Everything is off but steps 1 and 5 unless the mapping's
``[repair]`` table turns it on: a city's GIS officer chooses the thresholds, and the report says
what they did. Geometries that were not changed keep their exact source coordinates.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

import numpy as np
import shapely

from gis.frames import MetricFrame
from gridmaps.model import City
from gridmaps.validate import FeatureRef

__all__ = ["REPAIR_KINDS", "Repair", "Repairs", "repair_city"]

REPAIR_KINDS = {
    "made_valid": "an invalid polygon rebuilt (make_valid)",
    "overlap_resolved": "a small overlap given to one side",
    "sliver_merged": "a sliver merged into the neighbour sharing its longest edge",
    "gap_closed": "a narrow gap between neighbours closed",
    "outline_repaired": "the district outline made valid, tiny holes dropped",
}
OVERLAP_RULES = ("lower_code", "larger")
_EDGE_REACH_M = 0.01  # neighbours drawn separately meet within a centimetre, not exactly
_NOISE_M2 = 0.001  # holes smaller than this are round-off of the overlay itself, not gaps


@dataclass(frozen=True)
class Repairs:
    """The mapping's ``[repair]`` table. Thresholds of 0 turn a step off."""

    make_valid: bool = True
    overlap_m2: float = 0.0
    overlap_rule: str = "lower_code"
    sliver_m2: float = 0.0
    gap_width_m: float = 0.0
    outline_hole_m2: float = 1.0

    def __post_init__(self):
        if self.overlap_rule not in OVERLAP_RULES:
            raise ValueError(f"overlap_rule must be one of {', '.join(OVERLAP_RULES)}, not {self.overlap_rule!r}")
        for name in ("overlap_m2", "sliver_m2", "gap_width_m", "outline_hole_m2"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and 0 <= value < 1e9):
                raise ValueError(f"{name} must be a number of at least 0, not {value!r}")


@dataclass(frozen=True)
class Repair:
    """One change the importer made. ``at``: lon/lat of the spot."""

    layer: str
    source: str
    fid: int | None
    code: str
    kind: str
    message: str
    at: tuple[float, float] | None = None

    @property
    def where(self) -> str:
        return f"{self.at[0]:.7f},{self.at[1]:.7f}" if self.at else ""

    def as_dict(self) -> dict:
        return {"layer": self.layer, "source": self.source, "fid": self.fid, "code": self.code,
                "kind": self.kind, "message": self.message, "at": list(self.at) if self.at else None}


_PARENT = {"cells": ("communities", "community_code"), "communities": ("streets", "street_code")}


class _Layer:
    """One polygon layer held in metres while it is repaired; ``changed`` marks what to write back."""

    def __init__(self, items, metric: MetricFrame):
        self.items = list(items)
        arr = np.empty(len(self.items), dtype=object)
        arr[:] = [x.geometry for x in self.items]
        present = ~shapely.is_missing(arr)
        present[present] &= ~shapely.is_empty(arr[present])
        self.m = np.empty(len(arr), dtype=object)
        if present.any():
            self.m[present] = shapely.transform(arr[present], metric.coords_to_metres)
        self.changed = np.zeros(len(arr), dtype=bool)
        self.dropped: set[int] = set()

    def alive(self) -> list[int]:
        return [i for i, g in enumerate(self.m) if g is not None and i not in self.dropped
                and g.geom_type in ("Polygon", "MultiPolygon") and g.is_valid]

    def set(self, i: int, geom) -> None:
        self.m[i] = _polygonal(geom)
        self.changed[i] = True

    def write_back(self, metric: MetricFrame) -> list:
        out = []
        for i, item in enumerate(self.items):
            if i in self.dropped:
                continue
            if self.changed[i]:
                geom = shapely.transform(self.m[i], metric.coords_from_metres)
                if not geom.is_valid:  # a vertex pair that met in metres may cross in degrees
                    geom = _polygonal(shapely.make_valid(geom))
                item = replace(item, geometry=geom)
                if hasattr(item, "area_m2"):
                    item = replace(item, area_m2=round(float(self.m[i].area), 2))
            out.append(item)
        return out


def _polygonal(geom):
    """The polygon parts of ``geom`` (a make_valid result may hold lines and points too)."""
    if geom is None or geom.is_empty or geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in shapely.get_parts(geom, return_index=False)
             if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


class _Repairer:
    def __init__(self, city: City, refs: dict, repairs: Repairs, metric: MetricFrame):
        self.city, self.refs, self.r, self.metric = city, refs, repairs, metric
        self.log: list[Repair] = []

    def note(self, layer: str, i: int | None, code: str, kind: str, message: str, spot_m=None) -> None:
        ref = self.refs.get(layer, [])
        r = ref[i] if i is not None and i < len(ref) else FeatureRef("", None)
        at = None
        if spot_m is not None and not spot_m.is_empty:
            p = shapely.point_on_surface(spot_m) if spot_m.is_valid else spot_m.envelope.centroid
            at = tuple(round(v, 7) for v in self.metric.from_metres(p.x, p.y))
        self.log.append(Repair(layer, r.source, r.fid, code, kind, message, at))

    def derived(self, part: str) -> bool:
        refs = self.refs.get(part) or []
        return bool(refs) and refs[0].source.startswith("(derived")

    # -- 1 --------------------------------------------------------------------------------------
    def make_valid(self, part: str, layer: _Layer) -> None:
        for i, g in enumerate(layer.m):
            if g is None or g.is_empty or g.is_valid or g.geom_type not in ("Polygon", "MultiPolygon"):
                continue
            reason = shapely.is_valid_reason(g)
            fixed = _polygonal(shapely.make_valid(g))
            if fixed is None or fixed.is_empty:
                continue
            layer.set(i, fixed)
            self.note(part, i, layer.items[i].code, "made_valid",
                      f"{reason.split('[')[0]}: rebuilt, {fixed.area:,.1f} m² kept", _reason_spot(reason) or fixed)

    # -- 2 --------------------------------------------------------------------------------------
    def overlaps(self, part: str, layer: _Layer) -> None:
        alive = layer.alive()
        if len(alive) < 2:
            return
        geoms = layer.m[alive]
        a, b = shapely.STRtree(geoms).query(geoms, predicate="intersects")
        for ia, ib in zip(a.tolist(), b.tolist()):
            if ia >= ib:
                continue
            i, j = alive[ia], alive[ib]
            gi, gj = layer.m[i], layer.m[j]
            if not shapely.relate_pattern(gi, gj, "T********"):
                continue
            shared = _polygonal(shapely.intersection(gi, gj))
            area = float(shapely.area(shared))
            if not 0 < area <= self.r.overlap_m2:
                continue
            ci, cj = layer.items[i].code, layer.items[j].code
            if self.r.overlap_rule == "larger" and gi.area != gj.area:
                keep_i = gi.area > gj.area
            else:
                keep_i = ci < cj
            loser, winner = (j, i) if keep_i else (i, j)
            layer.set(loser, shapely.difference(layer.m[loser], layer.m[winner]))
            self.note(part, loser, layer.items[loser].code, "overlap_resolved",
                      f"{area:,.1f} m² shared with {layer.items[winner].code} given to it ({self.r.overlap_rule})",
                      shared)

    # -- 3 --------------------------------------------------------------------------------------
    def slivers(self, layer: _Layer) -> dict[str, str]:
        """Merge the slivers; returns {merged cell code: the code it went to}."""
        moved: dict[str, str] = {}
        alive = layer.alive()
        if len(alive) < 2:
            return moved
        tree_index = np.array(alive)
        tree = shapely.STRtree(layer.m[tree_index])
        for i in sorted(alive, key=lambda k: layer.m[k].area):
            g = layer.m[i]
            if i in layer.dropped or g.area >= self.r.sliver_m2:
                continue
            cell = layer.items[i]
            best = None
            for k in tree.query(g, predicate="dwithin", distance=_EDGE_REACH_M).tolist():
                j = int(tree_index[k])
                if j == i or j in layer.dropped:
                    continue
                edge = float(shapely.intersection(g.boundary, shapely.buffer(layer.m[j], _EDGE_REACH_M)).length)
                same = layer.items[j].community_code == cell.community_code
                key = (same, edge, -j)
                if edge > 0 and (best is None or key > best[0]):
                    best = (key, j)
            if best is None:
                continue
            j = best[1]
            layer.set(j, shapely.union(layer.m[j], g))
            layer.dropped.add(i)
            moved[cell.code] = layer.items[j].code
            self.note("cells", i, cell.code, "sliver_merged",
                      f"{g.area:,.1f} m² (under {self.r.sliver_m2:g} m²) merged into {layer.items[j].code}, "
                      f"sharing {best[0][1]:,.1f} m of edge", g)
        return moved

    # -- 4 --------------------------------------------------------------------------------------
    def gaps(self, part: str, layer: _Layer, parents: list | None, parent_of) -> None:
        """Close narrow holes among ``layer``'s features inside each parent (``parents``: metre
        geometries by parent key, or None to use the holes of the children's own union)."""
        groups: dict[str, list[int]] = defaultdict(list)
        for i in layer.alive():
            groups[parent_of(layer.items[i])].append(i)
        for key, members in groups.items():
            union = shapely.union_all(layer.m[members])
            if parents is None:
                region = shapely.union_all([shapely.Polygon(p.exterior) for p in shapely.get_parts(union)
                                            if p.geom_type == "Polygon"])
            else:
                region = parents.get(key)
                if region is None:
                    continue
            holes = [h for h in shapely.get_parts(_polygonal(shapely.difference(region, union)))
                     if h.geom_type == "Polygon" and h.area > _NOISE_M2]
            for hole in holes:
                width = 2 * hole.area / hole.length if hole.length else 0.0
                if width >= self.r.gap_width_m:
                    continue
                lengths = [float(shapely.intersection(hole.boundary, shapely.buffer(layer.m[i], _EDGE_REACH_M)).length)
                           for i in members]
                j = members[int(np.argmax(lengths))]
                if max(lengths) <= 0:
                    continue
                layer.set(j, shapely.union(layer.m[j], hole))
                self.note(part, j, layer.items[j].code, "gap_closed",
                          f"{hole.area:,.2f} m² gap (mean width {width * 100:.1f} cm) added", hole)

    # -- 5 --------------------------------------------------------------------------------------
    def outline(self, geom_m):
        """The district outline in metres, valid and without holes under ``outline_hole_m2``."""
        if geom_m is None or geom_m.is_empty:
            return geom_m, False
        reason = "" if geom_m.is_valid else shapely.is_valid_reason(geom_m)
        fixed = _polygonal(shapely.make_valid(geom_m)) if reason else geom_m
        parts = []
        dropped = 0
        for p in shapely.get_parts(fixed):
            if p.geom_type != "Polygon":
                continue
            keep = [r for r in p.interiors if shapely.Polygon(r).area >= self.r.outline_hole_m2]
            dropped += len(p.interiors) - len(keep)
            parts.append(shapely.Polygon(p.exterior, keep))
        if not reason and not dropped:
            return geom_m, False
        out = shapely.union_all(parts) if parts else fixed
        what = ([reason.split("[")[0] + " made valid"] if reason else []) + (
            [f"{dropped} hole(s) under {self.r.outline_hole_m2:g} m² dropped"] if dropped else [])
        self.note("district", 0, self.city.district.code, "outline_repaired", "; ".join(what),
                  _reason_spot(reason) or out)
        return out, True

    def run(self) -> tuple[City, dict]:
        c, r, metric = self.city, self.r, self.metric
        layers = {part: _Layer(getattr(c, part), metric) for part in ("streets", "communities", "cells")}
        for part in ("cells", "communities", "streets"):
            if r.make_valid and not self.derived(part):
                self.make_valid(part, layers[part])
            if r.overlap_m2 > 0 and not self.derived(part):
                self.overlaps(part, layers[part])
        moved = self.slivers(layers["cells"]) if r.sliver_m2 > 0 else {}
        if r.gap_width_m > 0:
            for part in ("cells", "communities"):
                parent_part, field = _PARENT[part]
                if self.derived(part):
                    continue
                parent_layer = layers[parent_part]
                parents = None if self.derived(parent_part) else {
                    x.code: parent_layer.m[k] for k, x in enumerate(parent_layer.items)
                    if parent_layer.m[k] is not None and parent_layer.m[k].is_valid}
                self.gaps(part, layers[part], parents, lambda x, f=field: getattr(x, f))
        changes, refs = {}, dict(self.refs)
        for part in ("cells", "communities", "streets"):
            layer = layers[part]
            if layer.changed.any() or layer.dropped:
                changes[part] = tuple(layer.write_back(metric))
                refs[part] = [x for k, x in enumerate(self.refs.get(part, [])) if k not in layer.dropped]
        city = replace(c, **changes)
        city = _rederive(city, self, metric)
        if moved:
            city = _follow_moves(city, moved)
        district_m = shapely.transform(city.district.geometry, metric.coords_to_metres) \
            if city.district.geometry is not None and not city.district.geometry.is_empty else None
        outline, changed = self.outline(district_m)
        if changed:
            city = replace(city, district=replace(city.district,
                                                  geometry=shapely.transform(outline, metric.coords_from_metres)))
        return city, refs


def _rederive(city: City, rep: _Repairer, metric: MetricFrame) -> City:
    """Derived communities and streets again from their (repaired) children, and a derived
    district outline from the streets."""
    changes = {}
    for part, children, field in (("communities", "cells", "community_code"), ("streets", "communities", "street_code")):
        if not rep.derived(part):
            continue
        kids = changes.get(children, getattr(city, children))
        groups: dict[str, list] = defaultdict(list)
        for k in kids:
            groups[getattr(k, field)].append(k.geometry)
        changes[part] = tuple(replace(x, geometry=_union_ll(groups.get(x.code, []))) for x in getattr(city, part))
    if rep.refs.get("district", [FeatureRef("", None)])[0].source == "(settings)":
        streets = changes.get("streets", city.streets)
        changes["district"] = replace(city.district, geometry=_union_ll([s.geometry for s in streets]))
    return replace(city, **changes) if changes else city


def _union_ll(geoms: list):
    good = [g for g in geoms if g is not None and not g.is_empty and g.is_valid]
    return shapely.union_all(good) if good else shapely.Polygon()


def _follow_moves(city: City, moved: dict[str, str]) -> City:
    """Components and duty grids of merged slivers point at the cell they went to."""
    comps = tuple(replace(x, cell_code=moved.get(x.cell_code, x.cell_code)) for x in city.components)
    grids = tuple(replace(g, cell_codes=tuple(dict.fromkeys(moved.get(c, c) for c in g.cell_codes)))
                  for g in city.duty_grids)
    return replace(city, components=comps, duty_grids=grids)


def _reason_spot(reason: str):
    import re

    m = re.search(r"\[(\S+) (\S+)\]", reason or "")
    try:
        return shapely.Point(float(m.group(1)), float(m.group(2))) if m else None
    except ValueError:
        return None


def repair_city(city: City, refs: dict[str, list[FeatureRef]], repairs: Repairs,
                metric: MetricFrame) -> tuple[City, dict[str, list[FeatureRef]], list[Repair]]:
    """The repaired city, its refs (dropped slivers removed) and what was done, in order."""
    rep = _Repairer(city, refs, repairs, metric)
    city, refs = rep.run()
    return city, refs, rep.log
