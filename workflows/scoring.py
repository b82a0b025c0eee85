"""Evaluation (综合评价): a fold over the event log into counters, then rates,
composite scores, grades and rankings by the typed rules of ``workflows.scoring_rules``.

    fold(events) -> facts          one case's history decides what each event counts for
    count(facts, period) -> Counters
    evaluate(counters, rules, period, regions, duty_grids) -> Scores
    score(events, rules, period, ...) = evaluate(count(fold(events), period), ...)

Events are plain mappings (the stored ``CaseEvent`` as values): ``case``, ``at`` (aware
datetime), ``action``, ``actor``, ``role``, ``from_state``, ``to_state``, ``data`` (with
``changes``: the snapshot fields the decision changed, datetimes as ISO strings); optionally
``cell``. A case's events must come in log order; cases may interleave.

**Every fact is dated by the event that reveals it** (the feedback says whether handling was on
time; an approved return says the dispatch was wrong), so a period's figures never change once
it is over and a printed bulletin stays true; and a day's facts depend only on events up to
that day, which is what lets per-day rollups, kept current by the actions, sum to exactly the
same counters. Rates whose numerator and denominator come from different events (a case filed
on the 1st that was reported on the 31st) are capped at 1.

One counter is a *stock*: ``unhandled`` (open handling tasks at the end of the period, by
department): +1 when a case enters dispatched/handling/return/postpone/suspend requested, −1
when it leaves; counted from the beginning of the log to the period's end.

Region facts are kept per cell only; community, street and district add up their cells.
Missed reports (漏报) of a supervisor add up the public filings in the cells of the duty grid.
No Django here: ``server/evaluation`` feeds events or rollups in and renders the Scores.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Iterable, Iterator, Mapping, NamedTuple

from workflows.case import PUBLIC_CHANNELS
from workflows.periods import ZONE, Period
from workflows.scoring_rules import EvaluationRules, Group

OPEN_HANDLING = frozenset({"dispatched", "handling", "return_requested", "postpone_requested",
                           "suspend_requested"})
STOCKS = frozenset({"unhandled"})
REGION_LEVELS = ("cell", "community", "street", "district")

#: Counters each type of entity gets from the fold (the rollup table has one column each).
FOLD_COUNTERS: dict[str, tuple[str, ...]] = {
    "supervisor": ("reported", "valid", "verify_tasks", "verified", "verified_on_time",
                   "check_tasks", "checked", "checked_on_time", "self_handled"),
    "acceptor": ("accepted", "rejected", "verify_sent", "verify_sent_on_time", "check_sent",
                 "check_sent_on_time"),
    "duty_chief": ("filed", "filed_on_time", "voided", "closed", "closed_on_time", "audited"),
    "dispatcher": ("dispatched", "dispatched_on_time", "followed_suggestion", "misdispatched"),
    "department": ("dispatched", "assigned", "handled", "handled_on_time", "overdue", "reworked",
                   "returned", "postponed", "suspended", "closed", "closed_on_time", "reopened",
                   "unhandled"),
    "cell": ("reported", "public_reported", "filed", "public_filed", "closed", "closed_on_time",
             "reworked", "self_handled"),
}
ALL_COUNTERS: tuple[str, ...] = tuple(dict.fromkeys(c for cs in FOLD_COUNTERS.values() for c in cs))
#: Counters per rules group; supervisors also get two derived from their grid's cells.
GROUP_COUNTERS = {
    **{k: frozenset(v) for k, v in FOLD_COUNTERS.items() if k != "cell"},
    "supervisor": frozenset(FOLD_COUNTERS["supervisor"]) | {"missed", "grid_filed"},
    "region": frozenset(FOLD_COUNTERS["cell"]),
}


class Fact(NamedTuple):
    at: datetime
    entity_type: str
    entity: str
    counter: str
    n: int
    case: Any
    seq: int  # index of the revealing event in its case's log


class _Case:
    __slots__ = ("seq", "state", "deadline", "handle_deadline", "department", "reporter",
                 "reporter_is_supervisor", "channel", "cell", "dispatcher", "overdue")

    def __init__(self):
        self.seq = -1
        self.state = ""
        self.deadline = self.handle_deadline = None
        self.department = self.reporter = self.dispatcher = None
        self.reporter_is_supervisor = self.overdue = False
        self.channel = "handset"
        self.cell = ""


def _when(value):
    return datetime.fromisoformat(value) if isinstance(value, str) else value


#: Actions that count for nothing whatever the case's history: the photo cleaner's note. The
#: rollups skip reading a case's log back for them (``server.evaluation.rollups.record``).
SILENT_ACTIONS = frozenset({"photo_cleaned"})


def _step(c: _Case, e: Mapping[str, Any]) -> Iterator[tuple[str, Any, str, int]]:
    """What one event counts for, given the case so far: (entity_type, entity, counter, n)."""
    data = e.get("data") or {}
    ch = data.get("changes") or {}
    action, at, actor = e["action"], e["at"], str(e["actor"])
    state0, deadline0, hd0, dept0 = c.state, c.deadline, c.handle_deadline, c.department
    on_time = deadline0 is None or at <= deadline0  # the node's deadline in force before
    c.state = ch.get("state", c.state)
    if "deadline" in ch:
        c.deadline = _when(ch["deadline"])
    if "handle_deadline" in ch:
        c.handle_deadline = _when(ch["handle_deadline"])
    if "department_code" in ch:
        c.department = ch["department_code"]
    dept = c.department
    if action == "report":
        c.reporter, c.channel = actor, ch.get("channel") or "handset"
        c.cell = e.get("cell") or data.get("cell_code") or ""
        c.reporter_is_supervisor = e["role"] == "supervisor"
        if c.reporter_is_supervisor:
            yield "supervisor", actor, "reported", 1
        yield "cell", c.cell, "reported", 1
        if c.channel in PUBLIC_CHANNELS:
            yield "cell", c.cell, "public_reported", 1
    elif action == "accept":
        yield "acceptor", actor, "accepted", 1
    elif action == "reject":
        yield "acceptor", actor, "rejected", 1
    elif action in ("send_verify", "request_check"):
        task = "verify" if action == "send_verify" else "check"
        yield "acceptor", actor, f"{task}_sent", 1
        if on_time:
            yield "acceptor", actor, f"{task}_sent_on_time", 1
        if ch.get("assignee_id") is not None:
            yield "supervisor", str(ch["assignee_id"]), f"{task}_tasks", 1
    elif action in ("verify", "check"):
        done = "verified" if action == "verify" else "checked"
        yield "supervisor", actor, done, 1
        if on_time:
            yield "supervisor", actor, f"{done}_on_time", 1
        if action == "check" and c.state == "dispatched":  # not fixed: rework (返工)
            c.overdue = False
            yield "department", dept, "reworked", 1
            yield "department", dept, "assigned", 1
            yield "cell", c.cell, "reworked", 1
    elif action == "self_handle":
        yield "supervisor", actor, "self_handled", 1
        yield "cell", c.cell, "self_handled", 1
    elif action == "audit_self":
        yield "duty_chief", actor, "audited", 1
    elif action == "file":
        yield "duty_chief", actor, "filed", 1
        if on_time:
            yield "duty_chief", actor, "filed_on_time", 1
        yield "cell", c.cell, "filed", 1
        if c.channel in PUBLIC_CHANNELS:
            yield "cell", c.cell, "public_filed", 1
        if c.reporter_is_supervisor:
            yield "supervisor", c.reporter, "valid", 1
    elif action == "void":
        yield "duty_chief", actor, "voided", 1
    elif action == "dispatch":
        c.dispatcher, c.overdue = actor, False
        yield "dispatcher", actor, "dispatched", 1
        if on_time:
            yield "dispatcher", actor, "dispatched_on_time", 1
        if data.get("followed_suggestion"):
            yield "dispatcher", actor, "followed_suggestion", 1
        yield "department", dept, "dispatched", 1
        yield "department", dept, "assigned", 1
    elif action == "approve_return":  # the dispatch was wrong: it counts against its dispatcher
        yield "dispatcher", c.dispatcher, "misdispatched", 1
        yield "department", dept0, "returned", 1
    elif action == "approve_postpone":
        yield "department", dept, "postponed", 1
    elif action == "approve_suspend":
        yield "department", dept, "suspended", 1
    elif action == "feedback":
        yield "department", dept, "handled", 1
        if hd0 is None or at <= hd0:
            yield "department", dept, "handled_on_time", 1
        elif not c.overdue:
            c.overdue = True
            yield "department", dept, "overdue", 1
    elif action == "timer":
        # The system marked the handling deadline red: overdue now, once per handling task.
        if ch.get("light") == "red" and state0 == "handling" and not c.overdue:
            c.overdue = True
            yield "department", dept, "overdue", 1
    elif action == "close":
        yield "duty_chief", actor, "closed", 1
        if on_time:
            yield "duty_chief", actor, "closed_on_time", 1
        normal = ch.get("closing_type") == "normal"
        for entity_type, entity in (("department", dept), ("cell", c.cell)):
            yield entity_type, entity, "closed", 1
            if normal:
                yield entity_type, entity, "closed_on_time", 1
    elif action == "callback" and c.state == "dispatched":  # an unhappy caller reopens
        c.overdue = False
        yield "department", dept, "reopened", 1
        yield "department", dept, "assigned", 1
    was_open, is_open = state0 in OPEN_HANDLING, c.state in OPEN_HANDLING
    if is_open and not was_open:
        yield "department", dept, "unhandled", 1
    elif was_open and not is_open:
        yield "department", dept0, "unhandled", -1


def fold(events: Iterable[Mapping[str, Any]]) -> Iterator[Fact]:
    """Every fact the events reveal, in event order."""
    cases: dict[Any, _Case] = {}
    for e in events:
        key = e["case"]
        c = cases.get(key)
        if c is None:
            c = cases[key] = _Case()
        c.seq += 1
        for entity_type, entity, counter, n in _step(c, e):
            if entity is not None and entity != "":
                yield Fact(e["at"], entity_type, str(entity), counter, n, key, c.seq)


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
    parts: Mapping[str, float]  # component name → 0..100
    composite: float
    grade: str
    volume: int
    rank: int | None = None  # None: below the minimum volume (not ranked)


@dataclass(frozen=True)
class Scores:
    period: Period
    rules_version: str
    by_entity_type: Mapping[str, tuple[EntityScore, ...]] = field(default_factory=dict)
    rules_digest: str = ""  # the content hash of the rules (``EvaluationRules.digest``)

    def row(self, entity_type: str, entity: str) -> EntityScore | None:
        return next((s for s in self.by_entity_type.get(entity_type, ()) if s.entity == entity),
                    None)


def _sum(terms, row: Mapping[str, int]) -> int:
    return sum(sign * row.get(c, 0) for sign, c in terms)


def _rate(rate, row) -> float | None:
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
        for cell in cells:
            crow = by_entity_type["cell"].get(cell, {})
            row["missed"] = row.get("missed", 0) + crow.get("public_filed", 0)
            row["grid_filed"] = row.get("grid_filed", 0) + crow.get("filed", 0)
    return by_entity_type, cells_in


def _entity_score(rules: EvaluationRules, group: Group, entity_type: str, entity: str,
                  row: Mapping[str, int], cells: int, period: Period) -> EntityScore:
    rates = {name: _rate(r, row) for name, r in group.rates.items()}
    parts, total = {}, 0.0
    for comp in group.composite:
        if comp.rate:
            value = rates[comp.rate]
            part = rules.empty_score if value is None else 100 * (1 - value if comp.invert
                                                                  else value)
        else:
            band = rules.bands[rules.department_groups.get(entity, comp.band)
                               if comp.grouped else comp.band]
            amount = row.get(comp.counter, 0) / (cells if comp.per_cell and cells else 1)
            part = band.score(amount * band.period_days / period.days)
        parts[comp.name] = round(part, 4)
        total += comp.weight * part
    composite = round(total, 2)
    return EntityScore(entity_type, entity, {k: v for k, v in row.items() if v}, rates, parts,
                       composite, rules.grade(composite), row.get(group.volume, 0))


def evaluate(counters: Counters, rules: EvaluationRules, period: Period,
             regions: Mapping[str, tuple[str, str, str]] | None = None,
             duty_grids: Mapping[str, Iterable[str]] | None = None) -> Scores:
    """Scores of every entity of every type, ranked within its type. ``regions`` (cell →
    community, street, district; default: by code) lists the map's cells, so quiet cells are
    scored too and per-cell bands divide by the real number of cells; ``duty_grids``
    (supervisor id → cell codes) gives the missed reports."""
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
    Entities under ``min_volume`` follow, unranked: one lucky case cannot top a table."""
    rows = sorted(rows, key=lambda s: (s.volume < min_volume, -s.composite, -s.volume, s.entity))
    out, last, place = [], None, 0
    for i, s in enumerate(rows, 1):
        if s.volume < min_volume:
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
                 duty_grids: Mapping[str, Iterable[str]] | None = None) -> list[Fact]:
    """The facts that make up one counter of one entity (a drill-down to the cases)."""
    regions = regions or {}
    if entity_type == "supervisor" and counter in ("missed", "grid_filed"):
        cells = set((duty_grids or {}).get(entity, ()))
        want = lambda f: f.entity_type == "cell" and f.entity in cells and f.counter == (  # noqa: E731
            "public_filed" if counter == "missed" else "filed")
    elif entity_type in REGION_LEVELS[1:]:
        level = REGION_LEVELS.index(entity_type) - 1
        want = lambda f: (f.entity_type == "cell" and f.counter == counter and  # noqa: E731
                          regions.get(f.entity, parents(f.entity))[level] == entity)
    else:
        want = lambda f: (f.entity_type == entity_type and f.entity == entity  # noqa: E731
                          and f.counter == counter)
    start, end = period.bounds()
    return [f for f in facts if want(f) and f.at < end
            and (f.at >= start or f.counter in STOCKS)]
