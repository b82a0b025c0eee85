"""The one import core: read, build, validate, then (unless dry-run) hand the city to ``store``.

``run(path, mapping, dry_run=, skip_bad=, progress=, store=, supervisors=)`` serves both the
command line (``manage.py import_map``, ``python -m gridmaps.importer``) and the admin upload;
like MapIt's ``add_areas_from_file/core.py`` it knows nothing of who called it. It never writes
the source and never stores anything unless the city is entirely consistent:

  * a source that cannot be read as the mapping says (unreadable file, unknown layer or field,
    no CRS) gives one problem and no city;
  * the city's metric frame is the mapping's ``metric_crs``, else the one of its extent's centre
    (``gis.frames.metric_frame_for`` with the mapping's country); every area and distance of the
    repair and the check is measured in it, and the city keeps it (``City.settings``);
  * what can be repaired is repaired first (``gridmaps.importer.repair``, the mapping's
    ``[repair]``), each repair listed in ``ImportResult.repairs`` with its feature and place;
  * any validation problem gives no city, unless ``skip_bad``: then every feature with a problem
    of its own is dropped and the rest validated again (dropping a street drops what hangs on
    it) until nothing is left to drop; problems that no single feature can fix (an overlap, a
    gap, which dropping a cell causes) still give no city.

``store(city)`` is called only when there is a city and ``dry_run`` is false; whatever it
returns is ``ImportResult.stored`` (the server passes a function that creates an inactive map
version and returns its id). Exceptions from ``store`` propagate.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Collection

import numpy as np
import shapely

from gis.frames import MetricFrame, metric_frame_for
from gridmaps.importer.build import build_city
from gridmaps.importer.mapping import PARTS, Mapping, MappingError, load_mapping, settings_from_city_layer
from gridmaps.importer.reader import Progress, Source, SourceError, read_layer
from gridmaps.importer.repair import Repair, repair_city
from gridmaps.model import City, CitySettings
from gridmaps.validate import LAYERS, FeatureRef, Problem, validate

__all__ = ["ImportResult", "MappingError", "run"]

MAX_ROUNDS = 10  # each round of skipping can only cascade one level down the hierarchy


@dataclass
class ImportResult:
    """``city`` is None when nothing may be stored. ``problems``: everything found, in the order
    found; ``skipped``: those whose feature was dropped (skip_bad). ``counts``: features read per
    part; ``kept``: features in the city per part; ``seconds``: per phase."""

    city: City | None
    problems: list[Problem]
    counts: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)
    skipped: list[Problem] = field(default_factory=list)
    dry_run: bool = False
    stored: Any = None
    seconds: dict[str, float] = field(default_factory=dict)
    repairs: list[Repair] = field(default_factory=list)
    metric: MetricFrame | None = None

    @property
    def ok(self) -> bool:
        return self.city is not None

    def report(self, limit: int = 200) -> str:
        """A plain-text report: one line per repair, one per problem (layer, source layer, FID,
        code, kind, lon/lat, message), then a summary line."""
        skipped = set(self.skipped)
        lines = [f"repaired\t{r.layer}\t{r.source or '-'}\tFID {r.fid if r.fid is not None else '-'}\t{r.code or '-'}\t"
                 f"{r.kind}\t{r.where or '-'}\t{r.message}" for r in self.repairs[:limit]]
        if len(self.repairs) > limit:
            lines.append(f"... and {len(self.repairs) - limit} more repairs")
        lines += [f"{p.layer}\t{p.source or '-'}\tFID {p.fid if p.fid is not None else '-'}\t{p.code or '-'}\t"
                  f"{p.problem_type}\t{p.where or '-'}\t{p.message}{'  [skipped]' if p in skipped else ''}"
                  for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"... and {len(self.problems) - limit} more problems")
        lines.append(self.summary())
        return "\n".join(lines)

    def summary(self) -> str:
        read = ", ".join(f"{v} {k}" for k, v in self.counts.items() if v)
        if self.city is None:
            verdict = f"NOT imported: {len(self.problems)} problem(s)"
        elif self.dry_run:
            verdict = f"dry run: would import, {len(self.skipped)} feature problem(s) skipped"
        elif self.stored is None:
            verdict = f"consistent (nothing stored), {len(self.skipped)} feature problem(s) skipped"
        else:
            verdict = f"imported ({self.stored}), {len(self.skipped)} feature problem(s) skipped"
        repaired = f"; {len(self.repairs)} repair(s)" if self.repairs else ""
        frame = f"; metric frame {self.metric.label} ({self.metric.name})" if self.metric else ""
        return f"{verdict}; read {read or 'nothing'}{repaired}{frame}"


def run(path: str | Path, mapping: str | Path | dict | Mapping | None = None, *, dry_run: bool = False,
        skip_bad: bool = False, progress: Progress | None = None, store: Callable[[City], Any] | None = None,
        supervisors: Collection[str] | None = None, classes: Collection[str] | None = None,
        users: dict[str, str] | None = None) -> ImportResult:
    """Import ``path`` with ``mapping`` (see the module docstring). Raises MappingError for a bad
    mapping (before touching the source), or for a ``city`` layer whose settings are unusable;
    data problems are returned, not raised. ``users``: existing username -> role, to check the
    accounts the import would create against."""
    mapping = load_mapping(mapping)
    result = ImportResult(city=None, problems=[], dry_run=dry_run)
    t0 = time.perf_counter()
    try:
        source = Source(path)
        data = {}
        for part in PARTS:
            for spec in mapping.layers.get(part, ()):
                try:
                    layer = read_layer(source, spec, mapping.settings, progress)
                except SourceError as e:
                    if e.problem_type == "unknown_layer" and spec.optional:
                        continue
                    raise
                data.setdefault(part, []).append(layer)
                result.counts[part] = result.counts.get(part, 0) + len(layer.fids)
    except SourceError as e:
        result.problems.append(Problem("source", None, "", e.problem_type, str(e), e.layer))
        return result
    t1 = time.perf_counter()
    result.seconds["read"] = t1 - t0
    if progress:
        progress("check", 0, None)
    if data.get("city"):
        mapping = settings_from_city_layer(mapping, data["city"][0])
    try:
        metric = _metric_frame(data, mapping)
    except ValueError as e:
        result.problems.append(Problem("source", None, "", "bad_crs", f"metric frame: {e}"))
        return result
    result.metric = metric
    s = mapping.settings
    settings = CitySettings(name=s.district_name, country=s.country.upper(), subdivision=s.subdivision,
                            time_zone=s.time_zone, metric_epsg=metric.epsg)
    built: list[Problem] = []
    city, refs = build_city(data, mapping, metric, settings, built)
    city, refs, result.repairs = repair_city(city, refs, mapping.repairs, metric)
    seen: set[Problem] = set()
    for _ in range(MAX_ROUNDS):
        found = built + validate(city, mapping.rules, refs=refs, supervisors=supervisors, classes=classes,
                                 metric=metric, users=users)
        for p in found:
            if p not in seen:
                seen.add(p)
                result.problems.append(p)
        if not found:
            break
        drop: dict[str, set[int]] = {}
        for p in found:
            if p.skippable and p.layer != "district":
                drop.setdefault(p.layer, set()).add(p.index)
        if not skip_bad or not drop:  # nothing may, or nothing can, be dropped
            result.seconds["check"] = time.perf_counter() - t1
            return result
        for p in found:
            if p.layer in drop and p.index in drop[p.layer]:
                result.skipped.append(p)
        city, refs = _without(city, refs, drop)
    else:
        result.seconds["check"] = time.perf_counter() - t1
        return result
    result.seconds["check"] = time.perf_counter() - t1
    result.city = city
    result.kept = {part: len(getattr(city, part)) for part in LAYERS if part != "district"}
    if store is not None and not dry_run:
        if progress:
            progress("store", 0, None)
        t2 = time.perf_counter()
        result.stored = store(city)
        result.seconds["store"] = time.perf_counter() - t2
    return result


def _metric_frame(data: dict, mapping: Mapping) -> MetricFrame:
    """The mapping's metric frame, else the one for the centre of the cells' extent."""
    settings = mapping.settings
    if settings.metric_crs:
        return metric_frame_for(0, 0, explicit=settings.metric_crs)
    geoms = [g for layer in data.get("cells", []) for g in layer.geoms if g is not None]
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = geoms
    if not len(arr):
        return metric_frame_for(0, 0, explicit=4548)  # nothing to measure: the default
    minx, miny, maxx, maxy = shapely.total_bounds(arr)
    return metric_frame_for((minx + maxx) / 2, (miny + maxy) / 2, settings.country)


def _without(city: City, refs: dict[str, list[FeatureRef]], drop: dict[str, set[int]]):
    changes, new_refs = {}, dict(refs)
    for part, indices in drop.items():
        items = getattr(city, part)
        changes[part] = tuple(x for i, x in enumerate(items) if i not in indices)
        new_refs[part] = [r for i, r in enumerate(refs.get(part, [])) if i not in indices]
    return replace(city, **changes), new_refs

