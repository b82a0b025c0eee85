"""Checking a city before anything is stored (pure: no GDAL, no Django).

``validate(city, rules, refs=..., supervisors=...) -> list[Problem]`` checks the grid rules (cells
tile each community without gaps or overlaps, codes extend their parents' codes):

  * codes: digits and lengths (street 9, community 12, cell 12 + ``cell_sequence_digits``,
    component 6 + 2 + ``component_minor_digits`` + 6), prefixes along the hierarchy (a community
    starts with its street, a cell with its community, a component with the district code and
    its class code), uniqueness in each layer, parents that exist;
  * geometry: present, of the right type, valid; every cell inside its community (and community
    inside its street, street inside the district) within ``containment_m``; no two cells,
    communities or streets overlapping by more than ``overlap_m2``; no parent left uncovered by
    its children by more than ``gap_m2``; cell areas between ``cell_min_area_m2`` and
    ``cell_max_area_m2``; components within ``component_cell_m`` of their cell;
  * references: known component classes, departments, place kinds, supervisors (when the caller
    passes the set of supervisor usernames; those the city's roster names count as known), each
    cell in at most one duty grid; a territory department's street, the classes a department
    owns; account names the import would create (supervisors, department accounts): valid
    usernames, one role and one department each, not taken by a user of another role (when the
    caller passes ``users``, existing usernames and their roles).

Every measure is in metres in the city's metric frame (``metric``, a ``gis.frames.MetricFrame``;
EPSG:4548 unless given). Each problem names the layer, the feature's position (``index``), where
it is (``at``, lon/lat: the feature's inner point, or the overlap's or gap's) and, when ``refs``
are given, its source layer and OGR FID.
Problems of types in ``SET_PROBLEM_TYPES`` concern several features together (an overlap, a gap): no
single feature can be skipped to fix them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Collection, Mapping, Sequence

import numpy as np
import shapely

from gis.frames import DEFAULT_METRIC, MetricFrame
from gridmaps.classification import class_by_code
from gridmaps.model import DEPARTMENT_KINDS, PLACE_KINDS, City

__all__ = ["COMPONENT_STATES", "LAYERS", "PROBLEM_TYPES", "SET_PROBLEM_TYPES", "FeatureRef", "Problem", "Rules",
           "normalise_class", "validate"]

LAYERS = ("district", "streets", "communities", "cells", "duty_grids", "departments", "components", "places")
_USERNAME = re.compile(r"^[\w.@+-]{1,150}$")
COMPONENT_STATES = ("intact", "damaged", "missing", "abandoned", "removed")

PROBLEM_TYPES = {
    "bad_code": "a code with the wrong length or characters",
    "code_prefix": "a code that does not start with its parent's (or class's) code",
    "duplicate_code": "a code seen before in the same layer",
    "unknown_parent": "a parent (street, community, cell) that is not in the map",
    "missing_value": "a required value is empty",
    "bad_value": "a value outside its list (state, kind)",
    "unknown_class": "a component class not in the classification",
    "unknown_department": "an owner or maintainer that is not a department",
    "unknown_supervisor": "a duty grid supervisor who is not a supervisor user",
    "username_taken": "an account name already used by another user, role or department",
    "cell_in_two_duty_grids": "a cell already in another duty grid",
    "empty_geometry": "no geometry, or an empty one",
    "wrong_geometry_type": "e.g. a cell that is not a polygon",
    "invalid_geometry": "a self-intersecting or otherwise invalid geometry",
    "implausible_area": "a cell area outside the plausible range",
    "outside_parent": "a feature sticking out of its parent (or a component away from its cell)",
    "overlap": "two features of one layer overlapping",
    "gap": "part of a parent covered by none of its children",
}
SET_PROBLEM_TYPES = frozenset({"overlap", "gap"})
SEQUENCE_DIGITS = (2, 3, 4, 5)
"""Cell sequence digits a code scheme may use: 14-digit (CJ/T 213) to 17-digit cell codes."""
_SINGULAR = {"district": "district", "streets": "street", "communities": "community", "cells": "cell"}


@dataclass(frozen=True)
class Rules:
    """Deployment settings and tolerances (a mapping's [settings] and [tolerances])."""

    cell_sequence_digits: int = 3  # 2: 14-digit cell codes (CJ/T 213); 3: 15-digit (DB11/T 2157); up to 5
    component_minor_digits: int = 2  # 2: 16-digit component codes (CJ/T 214); 3: 17-digit drafts
    cell_min_area_m2: float = 500.0
    cell_max_area_m2: float = 200_000.0
    containment_m: float = 0.5  # digitising noise between layers drawn separately
    overlap_m2: float = 1.0  # per pair of features
    gap_m2: float = 1.0  # per parent
    component_cell_m: float = 1.0  # census points often sit on a cell edge


@dataclass(frozen=True)
class FeatureRef:
    """Where a feature came from: the source layer as named in the mapping, and its OGR FID."""

    source: str
    fid: int | None


@dataclass(frozen=True)
class Problem:
    """One finding. ``index`` is the feature's position in the city's tuple for ``layer``
    (None for a problem of the whole layer)."""

    layer: str
    fid: int | None
    code: str
    problem_type: str  # one of PROBLEM_TYPES (or a SourceError's); "kind" in as_dict
    message: str
    source: str = ""
    index: int | None = field(default=None, compare=False)
    at: tuple[float, float] | None = field(default=None, compare=False)  # lon, lat

    @property
    def skippable(self) -> bool:
        """Skipping this one feature removes the problem (it may cause others, e.g. a gap)."""
        return self.index is not None and self.problem_type not in SET_PROBLEM_TYPES

    @property
    def where(self) -> str:
        """"lon,lat" to 7 decimals (about 1 cm), or "" when the problem has no place."""
        return f"{self.at[0]:.7f},{self.at[1]:.7f}" if self.at else ""

    def as_dict(self) -> dict:
        return {"layer": self.layer, "source": self.source, "fid": self.fid, "code": self.code,
                "kind": self.problem_type, "message": self.message, "at": list(self.at) if self.at else None}


def normalise_class(digits: str, minor_digits: int) -> str:
    """The 4-digit classification code for a class as written in a component code
    (major 2 + minor ``minor_digits``): "01003" -> "0103" with 3-digit minors."""
    if minor_digits == 2 or len(digits) != 5 or not digits.isdigit():
        return digits
    return digits[:2] + f"{int(digits[2:]):02d}"


def validate(city: City, rules: Rules = Rules(), *, refs: Mapping[str, Sequence[FeatureRef]] | None = None,
             supervisors: Collection[str] | None = None, classes: Collection[str] | None = None,
             metric: MetricFrame = DEFAULT_METRIC, users: Mapping[str, str] | None = None) -> list[Problem]:
    """All problems of ``city``, in layer order. ``refs`` parallels the city's tuples by layer
    name; ``supervisors`` are the known supervisor usernames (None: not checked); ``classes`` the
    known component class codes (default: the reference classification); ``metric`` the frame
    areas and distances are measured in; ``users``: existing username -> role (None: accounts
    are checked among themselves only)."""
    checker = _Checker(city, rules, refs or {}, supervisors, classes, metric)
    checker.users = dict(users or {})
    return checker.run()


def _digits(code: str, n: int) -> bool:
    return len(code) == n and code.isascii() and code.isdigit()


def _metres(geoms: Sequence, metric: MetricFrame = DEFAULT_METRIC) -> np.ndarray:
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = list(geoms)
    return shapely.transform(arr, metric.coords_to_metres) if len(arr) else arr


def inner_point(geom) -> tuple[float, float] | None:
    """A point of ``geom`` to name where it is (inside a polygon when GEOS can find one; the
    middle of its bounds for a geometry too broken for that); None without a geometry."""
    if geom is None or geom.is_empty:
        return None
    try:
        p = geom.representative_point() if geom.is_valid else geom.envelope.centroid
    except shapely.errors.GEOSException:
        p = geom.envelope.centroid
    return (round(p.x, 7), round(p.y, 7)) if not p.is_empty else None


class _Checker:
    def __init__(self, city, rules, refs, supervisors, classes, metric=DEFAULT_METRIC):
        self.city, self.rules, self.refs, self.metric = city, rules, refs, metric
        self.supervisors = None if supervisors is None else set(supervisors) | {p.username for p in city.supervisors}
        self.users: dict[str, str] = {}
        self.classes = set(class_by_code("component")) if classes is None else set(classes)
        self.problems: list[Problem] = []

    def add(self, layer: str, i: int | None, code: str, problem_type: str, message: str,
            at_metres=None) -> None:
        """Record a problem; ``at_metres``: a geometry in metres naming the place (else the
        feature's own inner point)."""
        ref = self.refs.get(layer)
        r = ref[i] if ref is not None and i is not None and i < len(ref) else None
        if at_metres is not None and not at_metres.is_empty:
            p = shapely.point_on_surface(at_metres)
            at = tuple(round(v, 7) for v in self.metric.from_metres(p.x, p.y))
        else:
            items = self.city.district if layer == "district" else getattr(self.city, layer, ())
            item = items if layer == "district" else (items[i] if i is not None and i < len(items) else None)
            at = inner_point(getattr(item, "geometry", None))
        self.problems.append(Problem(layer, r.fid if r else None, code, problem_type, message,
                                     r.source if r else "", i, at))

    def run(self) -> list[Problem]:
        c, r = self.city, self.rules
        if not _digits(c.district.code, 6):
            self.add("district", 0, c.district.code, "bad_code", "district code must be 6 digits (GB/T 2260)")
        streets = self.codes("streets", c.streets, 9, lambda s: (c.district.code, "district"))
        communities = self.codes("communities", c.communities, 12, lambda s: (s.street_code, "street"),
                                 parents=streets, parent_of=lambda s: s.street_code)
        cells = self.codes("cells", c.cells, 12 + r.cell_sequence_digits,
                           lambda s: (s.community_code, "community"),
                           parents=communities, parent_of=lambda s: s.community_code)
        for i, cell in enumerate(c.cells):
            parent = communities.get(cell.community_code)
            if parent is not None and c.communities[parent].street_code != cell.street_code:
                self.add("cells", i, cell.code, "code_prefix",
                         f"street {cell.street_code} differs from its community's "
                         f"({c.communities[parent].street_code})")

        district_m = _metres([c.district.geometry], self.metric)
        street_m = self.polygons("streets", c.streets)
        community_m = self.polygons("communities", c.communities)
        cell_m = self.polygons("cells", c.cells)
        self.district_geometry(district_m[0])
        for i, area in enumerate(shapely.area(cell_m).tolist()):
            if cell_m[i] is not None and not r.cell_min_area_m2 <= area <= r.cell_max_area_m2:
                self.add("cells", i, c.cells[i].code, "implausible_area",
                         f"area {area:,.0f} m² outside {r.cell_min_area_m2:,.0f}–{r.cell_max_area_m2:,.0f} m²")
        parent_of_street = np.zeros(len(c.streets), dtype=int)
        self.nesting("streets", c.streets, street_m, "district", [c.district], district_m, parent_of_street)
        self.nesting("communities", c.communities, community_m, "streets", c.streets, street_m,
                     [streets.get(x.street_code, -1) for x in c.communities])
        self.nesting("cells", c.cells, cell_m, "communities", c.communities, community_m,
                     [communities.get(x.community_code, -1) for x in c.cells])
        for layer, items, geoms in (("streets", c.streets, street_m), ("communities", c.communities, community_m),
                                    ("cells", c.cells, cell_m)):
            self.overlaps(layer, items, geoms)

        self.duty_grids(cells)
        departments = self.departments(streets)
        self.accounts()
        self.components(cells, cell_m, departments)
        self.places(streets)
        return self.problems

    # -- codes --------------------------------------------------------------------------------
    def codes(self, layer, items, length, prefix, parents=None, parent_of=None) -> dict[str, int]:
        """Check lengths, prefixes, parents and uniqueness; return {code: first index}."""
        first: dict[str, int] = {}
        for i, item in enumerate(items):
            code = item.code
            if not _digits(code, length):
                self.add(layer, i, code, "bad_code", f"code must be {length} digits")
            want, what = prefix(item)
            if not code.startswith(want):
                self.add(layer, i, code, "code_prefix", f"code does not start with its {what} code {want}")
            if parents is not None and parent_of(item) not in parents:
                self.add(layer, i, code, "unknown_parent", f"{what} {parent_of(item) or '(empty)'} is not in the map")
            self.unique(layer, first, i, code)
        return first

    def unique(self, layer: str, first: dict[str, int], i: int, code: str) -> None:
        if code in first:
            ref = self.refs.get(layer)
            where = f" (FID {ref[first[code]].fid})" if ref is not None and first[code] < len(ref) else ""
            self.add(layer, i, code, "duplicate_code", f"code already used by an earlier feature{where}")
        else:
            first[code] = i

    # -- geometry -----------------------------------------------------------------------------
    def geometry_ok(self, layer, i, code, geom, types) -> bool:
        if geom is None or geom.is_empty:
            self.add(layer, i, code, "empty_geometry", "no geometry")
            return False
        if types and geom.geom_type not in types:
            self.add(layer, i, code, "wrong_geometry_type", f"{geom.geom_type}, expected {' or '.join(types)}")
            return False
        if not geom.is_valid:
            self.add(layer, i, code, "invalid_geometry", shapely.is_valid_reason(geom))
            return False
        return True

    def polygons(self, layer, items) -> np.ndarray:
        """Metre geometries of ``items``, None where the geometry is unusable (reported)."""
        ok = [self.geometry_ok(layer, i, x.code, x.geometry, ("Polygon", "MultiPolygon"))
              for i, x in enumerate(items)]
        return _metres([x.geometry if good else None for x, good in zip(items, ok)], self.metric)

    def district_geometry(self, geom) -> None:
        if geom is None or geom.is_empty:
            self.add("district", 0, self.city.district.code, "invalid_geometry", "district outline empty")
        elif not geom.is_valid:
            # The reason names the spot in metres; the report's place is in lon/lat.
            self.add("district", 0, self.city.district.code, "invalid_geometry",
                     f"district outline invalid in the metric frame ({self.metric.label}): "
                     f"{shapely.is_valid_reason(geom)}", at_metres=_reason_point(geom))

    def nesting(self, layer, items, geoms, parent_layer, parents, parent_geoms, parent_index) -> None:
        """Children inside their parent (within ``containment_m``); parents fully covered."""
        tol = self.rules.containment_m
        idx = np.asarray(parent_index, dtype=int)
        ok = np.array([g is not None for g in geoms], dtype=bool) & (idx >= 0)
        ok[ok] &= np.array([parent_geoms[p] is not None for p in idx[ok]], dtype=bool)
        buffered = {p: shapely.buffer(parent_geoms[p], tol) for p in set(idx[ok].tolist())}
        for b in buffered.values():
            shapely.prepare(b)
        rows = np.flatnonzero(ok)
        if rows.size:
            inside = shapely.within(geoms[rows], np.array([buffered[p] for p in idx[rows]], dtype=object))
            for i in rows[~inside].tolist():
                parent = parents[idx[i]]
                self.add(layer, i, items[i].code, "outside_parent",
                         f"sticks out of {_SINGULAR[parent_layer]} {parent.code} by more than {tol:g} m")
        groups: dict[int, list[int]] = defaultdict(list)
        for i in rows.tolist():
            groups[int(idx[i])].append(i)
        # The union, not the sum of areas: overlapping children must not hide a gap.
        covered = {p: float(shapely.area(shapely.intersection(shapely.union_all(geoms[members]), parent_geoms[p])))
                   for p, members in groups.items()}
        for p, parent in enumerate(parents):
            if parent_geoms[p] is None:
                continue
            gap = float(shapely.area(parent_geoms[p])) - covered.get(p, 0.0)
            if gap > self.rules.gap_m2:
                members = groups.get(p)
                hole = (shapely.difference(parent_geoms[p], shapely.union_all(geoms[members]))
                        if members else parent_geoms[p])
                self.add(parent_layer, p, parent.code, "gap", f"{gap:,.1f} m² covered by none of its {layer}",
                         at_metres=_largest_part(hole))

    def overlaps(self, layer, items, geoms) -> None:
        good = np.flatnonzero([g is not None for g in geoms])
        if good.size < 2:
            return
        tree = shapely.STRtree(geoms[good])
        a, b = tree.query(geoms[good], predicate="intersects")
        keep = a < b
        a, b = good[a[keep]], good[b[keep]]
        if a.size == 0:
            return
        # Neighbours share edges; only pairs whose interiors meet can overlap by an area.
        inner = shapely.relate_pattern(geoms[a], geoms[b], "T********")
        a, b = a[inner], b[inner]
        shared = shapely.intersection(geoms[a], geoms[b]) if a.size else np.empty(0, dtype=object)
        areas = shapely.area(shared) if a.size else np.empty(0)
        for k, (i, j, area) in enumerate(zip(a.tolist(), b.tolist(), areas.tolist())):
            if area > self.rules.overlap_m2:
                self.add(layer, j, items[j].code, "overlap", f"overlaps {items[i].code} by {area:,.1f} m²",
                         at_metres=_largest_part(shared[k]))

    # -- references ---------------------------------------------------------------------------
    def duty_grids(self, cells: dict[str, int]) -> None:
        first: dict[str, int] = {}
        owner: dict[str, str] = {}
        for i, g in enumerate(self.city.duty_grids):
            if not g.code:
                self.add("duty_grids", i, g.code, "missing_value", "duty grid without a code")
            self.unique("duty_grids", first, i, g.code)
            if not g.cell_codes:
                self.add("duty_grids", i, g.code, "missing_value", "duty grid without cells")
            for cell in g.cell_codes:
                if cell not in cells:
                    self.add("duty_grids", i, g.code, "unknown_parent", f"cell {cell} is not in the map")
                elif cell in owner and owner[cell] != g.code:
                    self.add("duty_grids", i, g.code, "cell_in_two_duty_grids",
                             f"cell {cell} is already in duty grid {owner[cell]}")
                else:
                    owner[cell] = g.code
            if self.supervisors is not None:
                unknown = [u for u in g.supervisor_usernames if u not in self.supervisors]
                if unknown:
                    self.add("duty_grids", i, g.code, "unknown_supervisor",
                             f"no supervisor user named {', '.join(unknown)}")

    def departments(self, streets: dict[str, int]) -> set[str]:
        first: dict[str, int] = {}
        for i, d in enumerate(self.city.departments):
            if d.street_code and (d.kind != "territory" or d.street_code not in streets):
                self.add("departments", i, d.code, "unknown_parent" if d.kind == "territory" else "bad_value",
                         f"street {d.street_code} is not in the map" if d.kind == "territory"
                         else f"only a territory answers for a street; {d.kind} {d.code} names {d.street_code}")
            unknown = [c for c in d.class_codes if c not in self.classes]
            if unknown:
                self.add("departments", i, d.code, "unknown_class",
                         f"class(es) {', '.join(unknown)} not in the classification")
            if not d.code or not d.code.isascii() or len(d.code) > 32 or d.code != d.code.strip():
                self.add("departments", i, d.code, "bad_code", "department code must be 1–32 ASCII characters")
            if d.kind not in DEPARTMENT_KINDS:
                self.add("departments", i, d.code, "bad_value",
                         f"kind {d.kind!r} not one of {', '.join(DEPARTMENT_KINDS)}")
            if not d.name:
                self.add("departments", i, d.code, "missing_value", "department without a name")
            self.unique("departments", first, i, d.code)
        return set(first)

    def accounts(self) -> None:
        """Supervisors the roster names and department accounts: valid usernames, one owner each,
        none taken by an existing user of another role."""
        owner: dict[str, str] = {}

        def check(layer: str, i: int | None, code: str, username: str, role: str, who: str) -> None:
            if not _USERNAME.match(username):
                self.add(layer, i, code, "bad_value", f"account {username!r}: letters, digits and @.+-_ only, "
                         f"at most 150")
            elif username in owner and owner[username] != who:
                self.add(layer, i, code, "username_taken", f"account {username} is also {owner[username]}")
            elif self.users.get(username, role) != role:
                self.add(layer, i, code, "username_taken",
                         f"account {username} exists already as a {self.users[username] or 'user without role'}")
            owner.setdefault(username, who)

        grid_of = {u: i for i, g in enumerate(self.city.duty_grids) for u in g.supervisor_usernames}
        for p in self.city.supervisors:
            i = grid_of.get(p.username)
            check("duty_grids", i, self.city.duty_grids[i].code if i is not None else "", p.username,
                  "supervisor", "a supervisor")
        for i, d in enumerate(self.city.departments):
            for username in d.accounts:
                check("departments", i, d.code, username, "department", f"an account of {d.code}")

    def components(self, cells: dict[str, int], cell_m: np.ndarray, departments: set[str]) -> None:
        c, r = self.city, self.rules
        length = 6 + 2 + r.component_minor_digits + 6
        first: dict[str, int] = {}
        pairs: list[tuple[int, int]] = []  # (component, cell) to measure
        for i, comp in enumerate(c.components):
            code = comp.code
            if not _digits(code, length):
                self.add("components", i, code, "bad_code", f"code must be {length} digits")
            elif not code.startswith(c.district.code):
                self.add("components", i, code, "code_prefix",
                         f"code does not start with the district code {c.district.code}")
            elif normalise_class(code[6:8 + r.component_minor_digits], r.component_minor_digits) != comp.class_code:
                self.add("components", i, code, "code_prefix", f"code does not carry its class {comp.class_code}")
            if comp.class_code not in self.classes:
                self.add("components", i, code, "unknown_class",
                         f"class {comp.class_code or '(empty)'} is not in the classification")
            if comp.state not in COMPONENT_STATES:
                self.add("components", i, code, "bad_value",
                         f"state {comp.state!r} not one of {', '.join(COMPONENT_STATES)}")
            for role, dept in (("owner", comp.owner_code), ("maintainer", comp.maintainer_code)):
                if dept and dept not in departments:
                    self.add("components", i, code, "unknown_department", f"{role} {dept} is not a department")
            self.unique("components", first, i, code)
            cell = cells.get(comp.cell_code)
            if cell is None:
                self.add("components", i, code, "unknown_parent",
                         f"cell {comp.cell_code} is not in the map" if comp.cell_code else "lies in no cell")
            if self.geometry_ok("components", i, code, comp.geometry, ()) and cell is not None:
                pairs.append((i, cell))
        if not pairs:
            return
        comp_idx, cell_idx = (np.array(x) for x in zip(*pairs))
        usable = np.array([cell_m[j] is not None for j in cell_idx], dtype=bool)
        comp_idx, cell_idx = comp_idx[usable], cell_idx[usable]
        geoms = _metres([c.components[i].geometry for i in comp_idx], self.metric)
        near = shapely.dwithin(geoms, cell_m[cell_idx], r.component_cell_m)
        for i, j in zip(comp_idx[~near].tolist(), cell_idx[~near].tolist()):
            self.add("components", i, c.components[i].code, "outside_parent",
                     f"more than {r.component_cell_m:g} m from its cell {c.cells[j].code}")

    def places(self, streets: dict[str, int]) -> None:
        first: dict[str, int] = {}
        for i, p in enumerate(self.city.places):
            if not p.code:
                self.add("places", i, p.code, "missing_value", "place without a code")
            if not p.name:
                self.add("places", i, p.code, "missing_value", "place without a name")
            if p.kind not in PLACE_KINDS:
                self.add("places", i, p.code, "bad_value", f"kind {p.kind!r} not one of {', '.join(PLACE_KINDS)}")
            if p.street_code and p.street_code not in streets:
                self.add("places", i, p.code, "unknown_parent", f"street {p.street_code} is not in the map")
            self.unique("places", first, i, p.code)
            self.geometry_ok("places", i, p.code, p.geometry, ())


def _reason_point(geom):
    """The spot GEOS names in its validity reason ("Self-intersection[x y]"), as a Point."""
    m = re.search(r"\[(\S+) (\S+)\]", shapely.is_valid_reason(geom))
    try:
        return shapely.Point(float(m.group(1)), float(m.group(2))) if m else None
    except ValueError:
        return None


def _largest_part(geom):
    """The polygon part of largest area (where to point a reader at a gap or an overlap)."""
    parts = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon"] if geom is not None else []
    return max(parts, key=lambda g: g.area) if parts else geom
