"""Turning read layers into a ``gridmaps.model.City`` (pure: no GDAL).

What the source may leave out, and how it is filled in (docs/map-import.md lists the same):

  * a cell's community and street codes: the leading 12 and 9 digits of its code;
    communities' street codes likewise; names: the code;
  * communities or streets without a layer: the union of their cells (communities) or
    communities (streets), grouped by code;
  * the district: ``settings.district_code``/``district_name``, else the district layer, else the
    leading 6 digits of the street codes; its outline: the district layer, else the union of
    the streets;
  * a component's class: from its code; its cell: the cell under its representative point
    (lowest code on an edge); its state: "intact";
  * a duty grid's cells: the ``cells`` field (codes separated by commas, semicolons or spaces),
    else the cells whose representative point lies in the duty grid's polygon;
  * departments without a layer: one per owner and maintainer code seen on components (named by
    the code), plus one territory department ``ST<street code>`` per street, as the demo has;
  * a place's street: the street under its representative point; places without a code (road
    centre lines, address points as published) are grouped by name and kind, each group one
    place (the segments of one road become one road), coded ``PL<6 digits>`` in name order;
    a place's kind, when the source has none: ``road`` for lines, ``poi`` for points,
    ``compound`` for polygons;
  * a roster (``roster``: one row per supervisor and duty grid) makes duty grids: a row's
    cells are its ``cells`` field, else every cell of its ``community_code``; rows of one duty
    grid code add up; the supervisors it names are created (``City.supervisors``);
  * no duty grids nor roster and ``roster_per_community = N``: one duty grid ``DG<community
    code>`` per community with N supervisors ``sv<community code>_<k>`` (a generated roster);
  * departments: ``street_code`` of a territory, else the street of an ``ST<street code>``
    code; ``classes`` and ``accounts`` lists split like cells; with ``department_accounts``,
    a department without accounts gets ``dept_<CODE>``;
  * with ``generate_codes``, codes for a source that has none: streets numbered 001, 002, ...
    after the district code (``district_code``, else 000000), communities after their street's
    code, cells after their community's (``cell_sequence_digits`` digits), each level in
    reading order of its inner points (north to south, then west to east); a community's street
    and a cell's community are the polygons holding its inner point (one street and one
    community when the source has no such layer).

Chinese values of states and kinds (完好, 权属单位, 门牌, ...) are read as their English codes.
Every part but departments (source order) comes out in code order, with a parallel list of ``FeatureRef`` for the report.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Iterable

import numpy as np
import shapely

from gis.frames import DEFAULT_METRIC, MetricFrame
from gridmaps.importer.mapping import Mapping
from gridmaps.importer.reader import LayerData
from gridmaps.model import (City, CitySettings, Cell, Community, Component, Department, District, DutyGrid, Place,
                            Street, Supervisor)
from gridmaps.validate import FeatureRef, Problem, normalise_class

__all__ = ["ALIASES", "build_city"]

ALIASES = {
    "state": {"完好": "intact", "破损": "damaged", "丢失": "missing", "废弃": "abandoned", "移除": "removed"},
    "department_kind": {"权属单位": "owner", "主管部门": "owner", "养护单位": "maintainer", "属地": "territory",
                        "街道": "territory", "执法": "enforcement", "城管执法": "enforcement"},
    "place_kind": {"道路": "road", "街路巷": "road", "胡同": "alley", "小巷": "alley", "院落": "compound",
                   "小区": "compound", "门牌": "door_plate", "门楼牌": "door_plate", "兴趣点": "poi"},
}
_SPLIT = re.compile(r"[\s,;，；、]+")


def _rows(layers: Iterable[LayerData]):
    """(ref, {field: value}, geometry) for every feature of every source of one part."""
    for data in layers:
        names = list(data.values)
        for k, fid in enumerate(data.fids):
            values = {n: data.values[n][k] for n in names}
            values.setdefault("code", "")  # a source without codes (generate_codes)
            yield FeatureRef(data.source, fid), values, data.geoms[k]


def _sorted(items: list, refs: list[FeatureRef]) -> tuple[tuple, list[FeatureRef]]:
    order = sorted(range(len(items)), key=lambda i: items[i].code)
    return tuple(items[i] for i in order), [refs[i] for i in order]


def _union(geoms: list):
    good = [g for g in geoms if g is not None and not g.is_empty and g.is_valid]
    return shapely.union_all(good) if good else shapely.Polygon()


def _locate(geoms: np.ndarray, targets: list, codes: list[str]) -> list[str]:
    """For each geometry, the lowest code among target polygons holding its representative
    point ("" where none)."""
    out = [""] * len(geoms)
    usable = [i for i, t in enumerate(targets) if t is not None and not t.is_empty and t.is_valid]
    present = np.flatnonzero(~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)) if len(geoms) else []
    if not usable or not len(present):
        return out
    tree = shapely.STRtree([targets[i] for i in usable])
    points = shapely.point_on_surface(geoms[present])
    src, hit = tree.query(points, predicate="intersects")
    for s, h in zip(src.tolist(), hit.tolist()):
        i, code = int(present[s]), codes[usable[h]]
        if not out[i] or code < out[i]:
            out[i] = code
    return out


def _areas(geoms: list, metric: MetricFrame = DEFAULT_METRIC) -> list[float]:
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = geoms
    if not len(arr):
        return []
    ok = ~shapely.is_missing(arr)
    areas = np.zeros(len(arr))
    areas[ok] = shapely.area(shapely.transform(arr[ok], metric.coords_to_metres))
    return [round(float(a), 2) for a in areas]


def build_city(data: dict[str, list[LayerData]], mapping: Mapping, metric: MetricFrame = DEFAULT_METRIC,
               settings_out: CitySettings | None = None,
               problems_out: list[Problem] | None = None) -> tuple[City, dict[str, list[FeatureRef]]]:
    """The city and, per part, the source of each feature (parallel to the city's tuples).
    Areas are measured in ``metric``; ``settings_out`` is kept with the city. Problems of
    rows that feed no feature of their own (a roster row naming an unknown community) are
    appended to ``problems_out``."""
    problems = problems_out if problems_out is not None else []
    settings, rules = mapping.settings, mapping.rules
    refs: dict[str, list[FeatureRef]] = {}

    cell_rows = list(_rows(data.get("cells", [])))
    community_rows = list(_rows(data["communities"])) if "communities" in data else None
    street_rows = list(_rows(data["streets"])) if "streets" in data else None
    if settings.generate_codes:
        _generate_codes(settings.district_code or "000000", street_rows, community_rows, cell_rows,
                        rules.cell_sequence_digits)
    cell_geoms = [g for _, _, g in cell_rows]
    cells = [Cell(code=v["code"], community_code=v.get("community_code") or v["code"][:12],
                  street_code=v.get("street_code") or "", area_m2=a, geometry=g)
             for (_, v, g), a in zip(cell_rows, _areas(cell_geoms, metric))]
    cell_refs = [r for r, _, _ in cell_rows]

    if community_rows is not None:
        rows = community_rows
        communities = [Community(v["code"], v.get("name") or v["code"], v.get("street_code") or v["code"][:9], g)
                       for _, v, g in rows]
        community_refs = [r for r, _, _ in rows]
    else:
        communities, community_refs = _derive(cells, "community_code", lambda code, g: Community(
            code, code, code[:9], g), "(derived from cells)")
    street_of = {c.code: c.street_code for c in communities}
    cells = [c if c.street_code else Cell(c.code, c.community_code, street_of.get(c.community_code, c.code[:9]),
                                          c.area_m2, c.geometry) for c in cells]

    district_rows = list(_rows(data.get("district", [])))
    if street_rows is not None:
        rows = street_rows
        streets = [Street(v["code"], v.get("name") or v["code"], "", g) for _, v, g in rows]
        street_refs = [r for r, _, _ in rows]
    else:
        streets, street_refs = _derive(communities, "street_code", lambda code, g: Street(code, code, "", g),
                                       "(derived from communities)")
    code_counts = Counter(s.code[:6] for s in streets) or Counter(c.code[:6] for c in cells)
    district_code = (settings.district_code or (district_rows[0][1]["code"] if district_rows else "")
                     or (code_counts.most_common(1)[0][0] if code_counts else ""))
    district_name = settings.district_name or (district_rows[0][1].get("name", "") if district_rows else "")
    outline = _union([g for _, _, g in district_rows]) if district_rows else _union([s.geometry for s in streets])
    district = District(district_code, district_name or district_code, outline)
    streets = [Street(s.code, s.name, district_code, s.geometry) for s in streets]
    refs["district"] = [district_rows[0][0] if district_rows else FeatureRef("(settings)", None)]

    grids, grid_refs = _duty_grids(data.get("duty_grids", []), cells)
    supervisors: list[Supervisor] = []
    if "roster" in data:
        grids, grid_refs, supervisors = _roster(data["roster"], cells, grids, grid_refs, problems)
    elif not grids and settings.roster_per_community:
        grids, grid_refs, supervisors = _generated_roster(cells, settings.roster_per_community)
    components, component_refs = _components(data.get("components", []), cells, rules.component_minor_digits)
    if "departments" in data:
        rows = list(_rows(data["departments"]))
        departments = [_department(v, settings.department_accounts) for _, v, _ in rows]
        department_refs = [r for r, _, _ in rows]
    else:
        departments, department_refs = _derived_departments(components, streets, settings.department_accounts)

    places, place_refs = _places(list(_rows(data.get("places", []))), streets)

    parts = {"streets": (streets, street_refs), "communities": (communities, community_refs),
             "cells": (cells, cell_refs), "duty_grids": (grids, grid_refs),
             "departments": (departments, department_refs), "components": (components, component_refs),
             "places": (places, place_refs)}
    out = {}
    for part, (items, part_refs) in parts.items():
        # Departments keep the source's order (the demo lists fixed ones before territories).
        out[part], refs[part] = (tuple(items), part_refs) if part == "departments" else _sorted(items, part_refs)
    city = City(district=district, sequence_digits=rules.cell_sequence_digits,
                settings=settings_out or CitySettings(), supervisors=tuple(supervisors), **out)
    return city, refs


def _derive(children: list, parent_field: str, make, label: str) -> tuple[list, list[FeatureRef]]:
    groups: dict[str, list] = defaultdict(list)
    for c in children:
        groups[getattr(c, parent_field)].append(c.geometry)
    parents = [make(code, _union(geoms)) for code, geoms in sorted(groups.items())]
    return parents, [FeatureRef(label, None)] * len(parents)


def _duty_grids(layers: list[LayerData], cells: list[Cell]) -> tuple[list[DutyGrid], list[FeatureRef]]:
    rows = list(_rows(layers))
    geoms = np.empty(len(rows), dtype=object)
    geoms[:] = [g for _, _, g in rows]
    need_space = any(not v.get("cells") for _, v, _ in rows)
    members: dict[int, list[str]] = defaultdict(list)
    if need_space and len(rows):
        # Which grid holds each cell: reverse of _locate (cells are many, grids few).
        cell_geoms = np.empty(len(cells), dtype=object)
        cell_geoms[:] = [c.geometry for c in cells]
        holder = _locate(cell_geoms, list(geoms), [str(k) for k in range(len(rows))])
        for c, h in zip(cells, holder):
            if h:
                members[int(h)].append(c.code)
    grids = []
    for k, (_, v, _) in enumerate(rows):
        cell_codes = tuple(x for x in _SPLIT.split(v.get("cells", "")) if x) or tuple(sorted(members[k]))
        supervisors = tuple(x for x in _SPLIT.split(v.get("supervisors", "")) if x)
        grids.append(DutyGrid(v["code"], v.get("name") or v["code"], cell_codes, supervisors))
    return grids, [r for r, _, _ in rows]


def _components(layers: list[LayerData], cells: list[Cell], minor_digits: int):
    rows = list(_rows(layers))
    geoms = np.empty(len(rows), dtype=object)
    geoms[:] = [g for _, _, g in rows]
    if any(not v.get("cell_code") for _, v, _ in rows):
        located = _locate(geoms, [c.geometry for c in cells], [c.code for c in cells])
    else:
        located = [""] * len(rows)
    states = ALIASES["state"]
    components = []
    for k, (_, v, g) in enumerate(rows):
        code = v["code"]
        state = v.get("state", "")
        components.append(Component(
            code=code, class_code=v.get("class_code") or normalise_class(code[6:8 + minor_digits], minor_digits),
            name=v.get("name", ""), owner_code=v.get("owner_code", ""), maintainer_code=v.get("maintainer_code", ""),
            cell_code=v.get("cell_code") or located[k], state=states.get(state, state.lower()) if state else "intact",
            geometry=g))
    return components, [r for r, _, _ in rows]


def _split(value: str) -> tuple[str, ...]:
    return tuple(x for x in _SPLIT.split(value or "") if x)


def _department(v: dict, accounts: bool) -> Department:
    """A department from a row of a departments file or layer."""
    kind = ALIASES["department_kind"].get(v.get("kind", ""), v.get("kind", ""))
    code = v["code"]
    named = _split(v.get("accounts", ""))
    return Department(code, v.get("name") or code, kind, name_en=v.get("name_en", ""),
                      street_code=v.get("street_code", ""),
                      class_codes=tuple(normalise_class(c, 2) for c in _split(v.get("classes", ""))),
                      accounts=named or ((f"dept_{code}",) if accounts and code else ()))


def _derived_departments(components: list[Component], streets: list[Street], accounts: bool = False):
    kinds: dict[str, str] = {}
    for c in components:
        if c.owner_code:
            kinds.setdefault(c.owner_code, "owner")
        if c.maintainer_code:
            kinds.setdefault(c.maintainer_code, "maintainer")
    rows = [{"code": code, "kind": kind} for code, kind in sorted(kinds.items())]
    rows += [{"code": f"ST{s.code}", "name": f"{s.name}办事处", "kind": "territory"} for s in streets]
    departments = [_department(v, accounts) for v in rows]
    return departments, [FeatureRef("(derived)", None)] * len(departments)


def _roster(layers: list[LayerData], cells: list[Cell], grids: list[DutyGrid], grid_refs: list[FeatureRef],
            problems: list[Problem]):
    """Duty grids and supervisors from roster rows, added to the duty grids of a layer."""
    by_community: dict[str, list[str]] = defaultdict(list)
    for c in cells:
        by_community[c.community_code].append(c.code)
    order = [g.code for g in grids]
    found = {g.code: (g.name, list(g.cell_codes), list(g.supervisor_usernames), r)
             for g, r in zip(grids, grid_refs)}
    people: dict[str, str] = {}
    def bad(ref: FeatureRef, code: str, kind: str, message: str) -> None:
        problems.append(Problem("roster", ref.fid, code, kind, message, ref.source))

    for ref, v, _ in _rows(layers):
        code, username = v["code"], v.get("supervisor", "")
        if not code:
            bad(ref, code, "missing_value", "roster row without a duty grid code")
            continue
        if not username:
            bad(ref, code, "missing_value", f"duty grid {code}: roster row without a supervisor username")
        members = list(_split(v.get("cells", "")))
        community = v.get("community_code", "")
        if community:
            if community not in by_community:
                bad(ref, code, "unknown_parent", f"community {community} is not in the map")
            members += by_community.get(community, [])
        if code not in found:
            found[code] = (v.get("name") or code, [], [], ref)
            order.append(code)
        name, grid_cells, grid_people, _ = found[code]
        grid_cells += [c for c in members if c not in grid_cells]
        if username and username not in grid_people:
            grid_people.append(username)
        if username:
            people.setdefault(username, v.get("supervisor_name", ""))
    grids = [DutyGrid(c, found[c][0], tuple(found[c][1]), tuple(found[c][2])) for c in order]
    return grids, [found[c][3] for c in order], [Supervisor(u, n) for u, n in people.items()]


def _generated_roster(cells: list[Cell], per_community: int):
    """One duty grid per community, ``per_community`` supervisors each (no roster given)."""
    by_community: dict[str, list[str]] = defaultdict(list)
    for c in cells:
        by_community[c.community_code].append(c.code)
    grids, people = [], []
    for community, codes in sorted(by_community.items()):
        names = tuple(f"sv{community}_{k}" for k in range(1, per_community + 1))
        grids.append(DutyGrid(f"DG{community}", f"DG{community}", tuple(sorted(codes)), names))
        people += [Supervisor(u, "") for u in names]
    return grids, [FeatureRef("(generated roster)", None)] * len(grids), people


_KIND_BY_GEOMETRY = {"LineString": "road", "MultiLineString": "road", "Point": "poi", "MultiPoint": "poi",
                     "Polygon": "compound", "MultiPolygon": "compound"}


def _places(rows: list, streets: list[Street]) -> tuple[list[Place], list[FeatureRef]]:
    """Places from gazetteer rows; rows without a code are grouped by name and kind (see the
    module docstring)."""
    coded, groups = [], defaultdict(list)
    for ref, v, g in rows:
        kind = v.get("kind", "")
        kind = ALIASES["place_kind"].get(kind, kind) or _KIND_BY_GEOMETRY.get(getattr(g, "geom_type", ""), "")
        if v["code"]:
            coded.append((ref, v["code"], v.get("name", ""), kind, v.get("street_code", ""), g))
        else:
            groups[(v.get("name", ""), kind)].append((ref, v.get("street_code", ""), g))
    for k, ((name, kind), members) in enumerate(sorted(groups.items()), start=1):
        geoms = [g for _, _, g in members if g is not None and not g.is_empty]
        geom = shapely.union_all(geoms) if len(geoms) > 1 else (geoms[0] if geoms else None)
        if geom is not None and geom.geom_type == "MultiLineString":
            geom = shapely.line_merge(geom)
        coded.append((members[0][0], f"PL{k:06d}", name, kind, members[0][1], geom))
    geoms = np.empty(len(coded), dtype=object)
    geoms[:] = [x[5] for x in coded]
    located = _locate(geoms, [s.geometry for s in streets], [s.code for s in streets])
    places = [Place(code=code, name=name, kind=kind, geometry=g, street_code=street or located[k])
              for k, (_, code, name, kind, street, g) in enumerate(coded)]
    return places, [x[0] for x in coded]


def _reading_order(rows: list) -> list[int]:
    """Row indices north to south, then west to east, by inner point (rows without a geometry last)."""
    def key(k):
        g = rows[k][2]
        if g is None or g.is_empty:
            return (1, 0.0, 0.0)
        p = g.representative_point() if g.is_valid else g.envelope.centroid
        return (0, -round(p.y, 4), p.x)  # 1e-4 degree (about 10 m) rows, so a row reads west to east
    return sorted(range(len(rows)), key=key)


def _holder(rows: list, parents: list | None) -> list[int]:
    """For each row, the index of the parent row whose polygon holds its inner point (-1: none)."""
    if not parents:
        return [-1] * len(rows)
    geoms = np.empty(len(rows), dtype=object)
    geoms[:] = [g for _, _, g in rows]
    found = _locate(geoms, [g for _, _, g in parents], [f"{k:09d}" for k in range(len(parents))])
    return [int(h) if h else -1 for h in found]


def _generate_codes(district: str, streets: list | None, communities: list | None, cells: list,
                    digits: int) -> None:
    """Write generated codes into the rows' values (see the module docstring)."""
    street_code: dict[int, str] = {}
    if streets:
        for n, k in enumerate(_reading_order(streets), start=1):
            street_code[k] = f"{district}{n:03d}"
            streets[k][1]["code"] = street_code[k]
    community_code: dict[int, str] = {}
    if communities:
        holder = _holder(communities, streets)
        seq: Counter = Counter()
        for k in _reading_order(communities):
            parent = street_code.get(holder[k], f"{district}001")
            seq[parent] += 1
            community_code[k] = f"{parent}{seq[parent]:03d}"
            communities[k][1].update(code=community_code[k], street_code=parent)
    if communities:
        holder, of = _holder(cells, communities), community_code
    elif streets:
        holder, of = _holder(cells, streets), {k: f"{c}001" for k, c in street_code.items()}
    else:
        holder, of = [-1] * len(cells), {}
    seq = Counter()
    for k in _reading_order(cells):
        parent = of.get(holder[k], f"{district}001001")
        seq[parent] += 1
        cells[k][1].update(code=f"{parent}{seq[parent]:0{digits}d}", community_code=parent, street_code=parent[:9])
