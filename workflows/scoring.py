"""Evaluation (综合评价): each case's history read into dated facts, summed into counters, then
rates, composite scores, grades and rankings by the typed rules of ``workflows.scoring_rules``.

    fold(events) -> facts          ``scoring_facts.case_facts`` of every case in turn
    count(facts, period) -> Counters
    evaluate(counters, rules, period, regions, duty_grids) -> Scores
    score(events, rules, period, ...) = evaluate(count(fold(events), period), ...)

Events are plain mappings (the stored ``CaseEvent`` as values): ``case``, ``at`` (aware
datetime), ``action``, ``actor``, ``role``, ``data`` (with ``changes``: the snapshot fields the
decision changed, datetimes as ISO strings); optionally ``cell``. A case's events come together
and in log order (the log read ``ORDER BY case, id``).

The definitions (docs/evaluation.md): every counter counts a **case**, once, at the moment the
definition names; rates divide counters whose cases are dated alike, so a numerator is always part
of its denominator. Count bands are written for a calendar month: only months get composite
scores, grades and ranks; a day, a week or a custom run of days shows counters and rates. An
entity with nothing to score in a month has no score ("—"), and a trend compares two scored months.

Region facts are kept per cell only; community, street and district add up their cells.
A supervisor's missed reports (漏报) add up the verified public reports of the duty grid's cells.
No Django here: ``server/evaluation`` feeds events or rollups in and renders the Scores.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Iterable, Iterator, Mapping

from workflows.periods import ZONE, Period
from workflows.scoring_facts import (OPEN_HANDLING, PUBLIC_REPORT_CHANNELS, SILENT_ACTIONS,
                                     STOCKS, Fact, case_facts)
from workflows.scoring_rules import EvaluationRules, Group

__all__ = ["OPEN_HANDLING", "PUBLIC_REPORT_CHANNELS", "SILENT_ACTIONS", "STOCKS", "Fact",
           "case_facts"]
REGION_LEVELS = ("cell", "community", "street", "district")

#: Counters each type of entity gets from the facts (the rollup table has one column each).
FOLD_COUNTERS: dict[str, tuple[str, ...]] = {
    "supervisor": ("reported", "valid", "verify_tasks", "verified", "verified_on_time",
                   "check_tasks", "checked", "checked_on_time", "self_handled"),
    "acceptor": ("accepted", "rejected", "verify_sent", "verify_sent_on_time", "check_sent",
                 "check_sent_on_time"),
    "duty_chief": ("filed", "filed_on_time", "misfiled", "voided", "closings",
                   "closings_in_time", "audited"),
    "dispatcher": ("dispatched", "dispatched_on_time", "followed_suggestion", "misdispatched"),
    "department": ("dispatched", "due", "handled", "handled_on_time", "closed",
                   "closed_on_time", "overdue", "reworked", "reworked_open", "postponed",
                   "suspended", "reopened", "unhandled"),
    "cell": ("reported", "public_reported", "public_verified", "filed", "closed",
             "closed_on_time", "overdue", "reworked", "reworked_open", "self_handled"),
}
ALL_COUNTERS: tuple[str, ...] = tuple(dict.fromkeys(c for cs in FOLD_COUNTERS.values() for c in cs))
#: Counters per rules group; supervisors also get their grid's verified public reports.
GROUP_COUNTERS = {
    **{k: frozenset(v) for k, v in FOLD_COUNTERS.items() if k != "cell"},
    "supervisor": frozenset(FOLD_COUNTERS["supervisor"]) | {"missed"},
    "region": frozenset(FOLD_COUNTERS["cell"]),
}


def fold(events: Iterable[Mapping[str, Any]]) -> Iterator[Fact]:
    """Every fact of every case, a case at a time. Raises ValueError when a case's events do not
    come together (its facts would be read from half its history)."""
    seen: set = set()
    key, run = None, []
    for e in events:
        if e["case"] != key:
            if run:
                yield from case_facts(run)
            key, run = e["case"], []
            if key in seen:
                raise ValueError(f"the events of case {key!r} do not come together")
            seen.add(key)
        run.append(e)
    if run:
        yield from case_facts(run)


#: (entity_type, entity) → {counter: n}; zero counters and empty entities are left out.
Counters = dict[tuple[str, str], dict[str, int]]


def local_day(at: datetime, zone=ZONE) -> date:
    return at.astimezone(zone).date()


def count(facts: Iterable[Fact], period: Period, zone=ZONE) -> Counters:
    """Sum the facts of ``period`` (stocks: every fact before its end)."""
    start, end = period.bounds(zone)
    out: dict[tuple[str, str], dict[str, int]] = {}
    for f in facts:
        if f.at >= end or (f.at < start and f.counter not in STOCKS):
            continue
        row = out.setdefault((f.entity_type, f.entity), {})
        row[f.counter] = row.get(f.counter, 0) + f.n
    return normalise(out)


def normalise(counters: Mapping[tuple[str, str], Mapping[str, int]]) -> Counters:
    out = {}
    for key, row in counters.items():
        row = {k: int(v) for k, v in row.items() if v}
        if row:
            out[key] = row
    return out


def parents(cell: str) -> tuple[str, str, str]:
    """Community, street, district of a cell by its code (GB/T 2260 + 3 + 3 + sequence)."""
    return cell[:12], cell[:9], cell[:6]


@dataclass(frozen=True)
class EntityScore:
    entity_type: str
    entity: str
    counters: Mapping[str, int]
    rates: Mapping[str, float | None]
    parts: Mapping[str, float]  # component name → 0..100 (months only)
    composite: float | None  # None: not a month, or nothing to score ("—")
    grade: str | None
    volume: int
    rank: int | None = None  # None: no score, or below the minimum volume (not ranked)


@dataclass(frozen=True)
class Scores:
    period: Period
    rules_version: str
    by_entity_type: Mapping[str, tuple[EntityScore, ...]] = field(default_factory=dict)
    rules_digest: str = ""  # the content hash of the rules (``EvaluationRules.digest``)

    def row(self, entity_type: str, entity: str) -> EntityScore | None:
        return next((s for s in self.by_entity_type.get(entity_type, ()) if s.entity == entity),
                    None)

    @property
    def graded(self) -> bool:
        """Whether the period gets composite scores and grades: calendar months only."""
        return graded(self.period)


def graded(period: Period) -> bool:
    """Count bands are written for a calendar month, so only a month is scored and graded; a
    day, week or custom run of days shows counters and rates (docs/evaluation.md)."""
    return period.label == "month"


def _sum(terms, row: Mapping[str, int]) -> int:
    return sum(sign * row.get(c, 0) for sign, c in terms)


def _rate(rate, row) -> float | None:
    """num / den, None when nothing is in the denominator. Every numerator counts cases of its
    denominator (docs/evaluation.md); the clamp only guards a rules file that pairs others."""
    den = _sum(rate.den, row)
    if den <= 0:
        return None
    return min(1.0, max(0.0, _sum(rate.num, row) / den))


def entity_counters(counters: Counters, regions: Mapping[str, tuple[str, str, str]] | None = None,
                    duty_grids: Mapping[str, Iterable[str]] | None = None
                    ) -> tuple[dict[str, dict[str, dict[str, int]]], dict[tuple[str, str], int]]:
    """Counters per evaluated entity type (regions added up from cells, supervisors' missed reports
    from their grids) and the number of cells of every region entity."""
    by_entity_type: dict[str, dict[str, dict[str, int]]] = {k: {} for k in FOLD_COUNTERS}
    for (entity_type, entity), row in counters.items():
        by_entity_type[entity_type][entity] = dict(row)
    regions = dict(regions or {})
    for cell in by_entity_type["cell"]:
        regions.setdefault(cell, parents(cell))
    cells_in: dict[tuple[str, str], int] = {}
    for level in REGION_LEVELS[1:]:
        by_entity_type[level] = {}
    for cell, chain in regions.items():
        row = by_entity_type["cell"].setdefault(cell, {})
        cells_in[("cell", cell)] = 1
        for level, entity in zip(REGION_LEVELS[1:], chain):
            cells_in[(level, entity)] = cells_in.get((level, entity), 0) + 1
            agg = by_entity_type[level].setdefault(entity, {})
            for k, v in row.items():
                agg[k] = agg.get(k, 0) + v
    for sup, cells in (duty_grids or {}).items():
        row = by_entity_type["supervisor"].setdefault(str(sup), {})
        missed = sum(by_entity_type["cell"].get(cell, {}).get("public_verified", 0)
                     for cell in cells)
        if missed:
            row["missed"] = row.get("missed", 0) + missed
    return by_entity_type, cells_in


def _entity_score(rules: EvaluationRules, group: Group, entity_type: str, entity: str,
                  row: Mapping[str, int], cells: int, period: Period) -> EntityScore:
    rates = {name: _rate(r, row) for name, r in group.rates.items()}
    volume = row.get(group.volume, 0)
    counters = {k: v for k, v in row.items() if v}
    active = volume > 0 or any(_sum(r.den, row) > 0 for r in group.rates.values())
    if not graded(period) or not active:
        return EntityScore(entity_type, entity, counters, rates, {}, None, None, volume)
    parts, total = {}, 0.0
    for comp in group.composite:
        if comp.rate:
            value = rates[comp.rate]
            part = rules.empty_score if value is None else 100 * (1 - value if comp.invert
                                                                  else value)
        else:
            band = rules.bands[rules.department_groups.get(entity, comp.band)
                               if comp.grouped else comp.band]
            # The thresholds are per calendar month and apply to any month as they are.
            part = band.score(row.get(comp.counter, 0) / (cells if comp.per_cell and cells
                                                           else 1))
        parts[comp.name] = round(part, 4)
        total += comp.weight * part
    return EntityScore(entity_type, entity, counters, rates, parts, round(total, 2),
                       rules.grade(total), volume)


def evaluate(counters: Counters, rules: EvaluationRules, period: Period,
             regions: Mapping[str, tuple[str, str, str]] | None = None,
             duty_grids: Mapping[str, Iterable[str]] | None = None) -> Scores:
    """Scores of every entity of every type, ranked within its type. ``regions`` (cell →
    community, street, district; default: by code) lists the map's cells, so quiet cells are
    listed too (with no score) and per-cell bands divide by the real number of cells;
    ``duty_grids`` (supervisor id → cell codes) gives the missed reports."""
    by_entity_type, cells_in = entity_counters(counters, regions, duty_grids)
    out = {}
    for entity_type in rules.entity_types:
        group = rules.group_of(entity_type)
        rows = [_entity_score(rules, group, entity_type, entity, row,
                              cells_in.get((entity_type, entity), 0), period)
                for entity, row in by_entity_type.get(entity_type, {}).items()]
        out[entity_type] = rank(rows, rules.entity_type(entity_type).min_volume)
    return Scores(period, rules.version, out, rules.digest)


def rank(rows: Iterable[EntityScore], min_volume: int) -> tuple[EntityScore, ...]:
    """Best composite first; ties share a rank (1, 2, 2, 4), larger volume listed first.
    Entities under ``min_volume`` follow, unranked (one lucky case cannot top a table), then
    those without a score (largest volume first)."""
    def unranked(s):
        return s.composite is None or s.volume < min_volume

    rows = sorted(rows, key=lambda s: (s.composite is None, unranked(s), -(s.composite or 0),
                                       -s.volume, s.entity))
    out, last, place = [], None, 0
    for i, s in enumerate(rows, 1):
        if unranked(s):
            out.append(s)
            continue
        if s.composite != last:
            place, last = i, s.composite
        out.append(replace(s, rank=place))
    return tuple(out)


def score(events: Iterable[Mapping[str, Any]], rules: EvaluationRules, period: Period, *,
          regions=None, duty_grids=None) -> Scores:
    """The whole evaluation straight from events: ``evaluate(count(fold(events), period))``."""
    return evaluate(count(fold(events), period), rules, period, regions, duty_grids)


def facts_behind(facts: Iterable[Fact], period: Period, entity_type: str, entity: str, counter: str,
                 regions: Mapping[str, tuple[str, str, str]] | None = None,
                 duty_grids: Mapping[str, Iterable[str]] | None = None, zone=ZONE) -> list[Fact]:
    """The facts that make up one counter of one entity (a drill-down to the cases), ``period``
    in local days of ``zone``. For a
    stock, the facts of the cases still counted at the period's end."""
    regions = regions or {}
    if entity_type == "supervisor" and counter == "missed":
        cells = set((duty_grids or {}).get(entity, ()))
        want = lambda f: (f.entity_type == "cell" and f.entity in cells  # noqa: E731
                          and f.counter == "public_verified")
    elif entity_type in REGION_LEVELS[1:]:
        level = REGION_LEVELS.index(entity_type) - 1
        want = lambda f: (f.entity_type == "cell" and f.counter == counter and  # noqa: E731
                          regions.get(f.entity, parents(f.entity))[level] == entity)
    else:
        want = lambda f: (f.entity_type == entity_type and f.entity == entity  # noqa: E731
                          and f.counter == counter)
    start, end = period.bounds(zone)
    out = [f for f in facts if want(f) and f.at < end and (f.at >= start or f.counter in STOCKS)]
    if counter in STOCKS:
        net: dict = {}
        for f in out:
            net[f.case] = net.get(f.case, 0) + f.n
        last = {f.case: f for f in out if f.n > 0 and net[f.case] > 0}
        out = list(last.values())
    return out
