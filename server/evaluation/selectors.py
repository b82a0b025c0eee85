"""Reading a period's evaluation: counters straight from ``CaseEvent`` or from the rollups,
scores, rankings with trends against the previous period, and the cases behind a counter.

``straight_counters`` reads the whole log of every case that can count in the period
(``rollups.relevant_cases``: touched since its start, or not finished); any other case's
facts lie wholly before the period and its stocks net to zero. ``Case.updated_at`` and
``Case.state`` (a cache of the log, kept by the actions) say which those are, so a month's
straight computation reads that month's cases, not the whole log.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable

from django.db import connection

from server.cases.models import Case, CaseEvent
from server.evaluation.labels import reason_text
from server.evaluation.models import DailyRollup, MonthlyStock
from server.evaluation.rollups import EVENT_FIELDS, event_records, relevant_cases
from workflows.scoring import (FOLD_COUNTERS, STOCKS, Counters, Fact, Period, Scores, count,
                               evaluate, facts_behind, fold, normalise, parents)
from server.maps.index import active_zone
from workflows.scoring_rules import EvaluationRules, default_evaluation_rules


def period_facts(period: Period, cases=None) -> Iterable[Fact]:
    """The facts of the relevant cases (their whole log: a fact follows the case's history)."""
    cases = relevant_cases(period) if cases is None else cases
    rows = (CaseEvent.objects.filter(case_id__in=cases.values("pk"))
            .order_by("case_id", "id").values_list(*EVENT_FIELDS))
    return fold(event_records(rows.iterator(chunk_size=5000)))


def straight_counters(period: Period) -> Counters:
    return count(period_facts(period), period, active_zone())


def rollup_counters(period: Period) -> Counters:
    """The period's sums of the daily rollups. One query per entity type summing only that
    type's columns (cells are most of the rows and use 10 of the columns), an index range scan
    on (entity_type, day). A stock is its monthly rows before the month of the period's end
    plus the daily rows of that month up to the end (``MonthlyStock``): never years of days."""
    qn = connection.ops.quote_name
    daily, monthly = (qn(m._meta.db_table) for m in (DailyRollup, MonthlyStock))
    month = period.end.replace(day=1)
    out: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    with connection.cursor() as cur:
        for entity_type, columns in FOLD_COUNTERS.items():
            flows = [c for c in columns if c not in STOCKS]
            stocks = [c for c in columns if c in STOCKS]
            cur.execute(f"SELECT entity, {', '.join(f'SUM({qn(c)})' for c in flows)} "
                        f"FROM {daily} WHERE entity_type = %s AND day >= %s AND day < %s "
                        "GROUP BY entity", [entity_type, period.start, period.end])
            for entity, *sums in cur.fetchall():
                out[(entity_type, entity)].update(zip(flows, sums))
            if not stocks:
                continue
            sums_of = ", ".join(f"SUM({qn(c)})" for c in stocks)
            for table, column, lower, upper in ((monthly, "month", None, month),
                                                (daily, "day", month, period.end)):
                where = f"entity_type = %s AND {column} < %s" + (
                    f" AND {column} >= %s" if lower else "")
                cur.execute(f"SELECT entity, {sums_of} FROM {table} WHERE {where} "
                            "GROUP BY entity", [entity_type, upper] + ([lower] if lower else []))
                for entity, *sums in cur.fetchall():
                    row = out[(entity_type, entity)]
                    for c, n in zip(stocks, sums):
                        row[c] = row.get(c, 0) + (n or 0)
    return normalise(out)


def regions() -> dict[str, tuple[str, str, str]]:
    """Every cell of the active map: cell → (community, street, district)."""
    from server.maps.models import Cell

    return {code: (community, street, street[:6]) for code, community, street in
            Cell.objects.filter(version__active=True).values_list(
                "code", "community_code", "street_code")}


def duty_grids() -> dict[str, list[str]]:
    """Supervisor id → the cells of their duty grids (active map)."""
    from server.maps.models import DutyGrid

    out: dict[str, list[str]] = defaultdict(list)
    for user_id, cells in DutyGrid.supervisors.through.objects.filter(
            dutygrid__version__active=True).values_list("user_id", "dutygrid__cell_codes"):
        out[str(user_id)].extend(cells)
    return dict(out)


def scores(period: Period, source: str = "rollups", rules: EvaluationRules | None = None,
           cells: dict | None = None, grids: dict | None = None) -> Scores:
    """The period's scores from the rollups or ``source="straight"`` from the log. ``cells``
    and ``grids`` (``regions()``, ``duty_grids()``) may be passed in when scoring many periods."""
    counters = straight_counters(period) if source == "straight" else rollup_counters(period)
    return evaluate(counters, rules or default_evaluation_rules(), period,
                    regions() if cells is None else cells,
                    duty_grids() if grids is None else grids)


def names() -> dict[tuple[str, str], str]:
    """Display names: users, departments, and the active map's cells, communities, streets."""
    from server.accounts.models import Department, User
    from server.maps.models import Community, Street

    out: dict[tuple[str, str], str] = {}
    for pk, username, first, last in User.objects.values_list(
            "pk", "username", "first_name", "last_name"):
        full = f"{last}{first}".strip()
        out[("user", str(pk))] = f"{full} ({username})" if full else username
    for code, name in Department.objects.values_list("code", "name"):
        out[("department", code)] = name
    for model, entity_type in ((Community, "community"), (Street, "street")):
        for code, name in model.objects.filter(version__active=True).values_list("code", "name"):
            out[(entity_type, code)] = name
    return out


def trend(now: float | None, before: float | None) -> str:
    """Up, down or same against the previous period; "none" unless both months have a score."""
    if before is None or now is None:
        return "none"
    return "up" if now > before + 0.005 else "down" if now < before - 0.005 else "same"


def ranking(current: Scores, previous: Scores, entity_type: str, label: dict | None = None,
            only: str | None = None) -> list[dict[str, Any]]:
    """A ranking table: each entity's row with its trend against the previous period.
    ``only``: keep that entity's row alone (a department sees itself)."""
    label = label if label is not None else names()
    before = {s.entity: s for s in previous.by_entity_type.get(entity_type, ())}
    out = []
    for s in current.by_entity_type.get(entity_type, ()):
        if only is not None and s.entity != only:
            continue
        p = before.get(s.entity)
        out.append({
            "rank": s.rank, "entity": s.entity,
            "name": label.get((entity_type, s.entity)) or label.get(("user", s.entity)) or s.entity,
            "composite": s.composite, "grade": s.grade, "volume": s.volume,
            "eligible": s.rank is not None, "rates": dict(s.rates), "parts": dict(s.parts),
            "counters": dict(s.counters),
            "previous": p.composite if p else None, "previous_rank": p.rank if p else None,
            "trend": trend(s.composite, p.composite if p else None)})
    return out


def cases_behind(period: Period, entity_type: str, entity: str, counter: str,
                 limit: int = 500, both_languages: bool = True) -> list[dict[str, Any]]:
    """The cases whose facts make up ``counter`` of ``entity`` in ``period`` (drill-down), why
    each counts in Chinese and English (``both_languages=False``: in the page's language)."""
    cases = relevant_cases(period)
    column = {"cell": "cell_code", "community": "community_code", "street": "street_code"}
    if entity_type in column:
        cases = cases.filter(**{column[entity_type]: entity})
    elif entity_type == "district":
        cases = cases.filter(street_code__startswith=entity)
    zone = active_zone()
    facts = facts_behind(period_facts(period, cases), period, entity_type, entity, counter,
                         regions(), duty_grids(), zone)
    by_case: dict[int, list[Fact]] = defaultdict(list)
    for f in facts:
        by_case[f.case].append(f)
    rows = []
    for case in Case.objects.filter(pk__in=list(by_case)[:limit]).select_related("department"):
        fs = by_case[case.pk]
        rows.append({"number": case.number, "state": case.state, "cell_code": case.cell_code,
                     "department": case.department.code if case.department_id else None,
                     "department_name": case.department.name if case.department_id else None,
                     "n": sum(f.n for f in fs),
                     "at": [f.at.astimezone(zone).isoformat() for f in fs],
                     "at_text": [f"{f.at.astimezone(zone):%Y-%m-%d %H:%M}" for f in fs],
                     "why": [reason_text(f.why, zone, both_languages) for f in fs],
                     "created_at": case.created_at.astimezone(zone).isoformat(),
                     "created_text": f"{case.created_at.astimezone(zone):%Y-%m-%d %H:%M}"})
    rows.sort(key=lambda r: r["at"][0])
    return rows


def region_chain(cell: str, known: dict[str, tuple[str, str, str]]) -> tuple[str, str, str]:
    return known.get(cell) or parents(cell)
