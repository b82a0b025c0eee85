"""Leader pages, each in the reader's language: the ranking tables with trend arrows,
charts (the vendored ECharts), the heat map by cell (server-side SVG), the cases behind any
figure, exports, and the printable monthly bulletin. Thin: every figure comes from
``server.evaluation.selectors``; nothing here writes."""

from __future__ import annotations

import functools
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from server.maps.index import active_zone
from django.views.decorators.http import require_POST
from django.utils.safestring import mark_safe

from server.accounts import access
from server.accounts.access import Ability
from server.evaluation import publishing, selectors
from server.evaluation.params import (BadRequest, Forbidden, entity_type_from, period_from,
                                      require_entity, require_scope)
from server.evaluation.api import ranking_table, revision_from
from server.evaluation.heatmap import heatmap_svg
from server.evaluation.labels import PERIODS, TRENDS, counter_name
from server.language import in_language
from server.evaluation.exports import ORDER
from workflows.scoring import Period
from workflows.states import State
from workflows.scoring_rules import default_evaluation_rules

TREND_PERIODS = 6
NUMERALS = list("〇一二三四五六七八九十") + [f"十{n}" for n in "一二三四五六七八九"]


def _page(fn):
    """Login required; the shared access errors become 403 / 400 pages."""
    @login_required
    def view(request, *args, **kwargs):
        try:
            return fn(request, *args, **kwargs)
        except Forbidden as exc:
            raise PermissionDenied(str(exc)) from None
        except BadRequest as exc:
            return HttpResponseBadRequest(f"{exc}")
    view.__name__ = fn.__name__
    return view


def _period_query(request, period: Period) -> dict:
    q = {"period": period.label}
    if period.label == "custom":
        q.update(start=request.GET.get("start"), end=request.GET.get("end"))
    else:
        q["date"] = period.start.isoformat()
    return q


def _cases_link(query: dict, entity_type: str, entity: str, counter: str) -> str:
    return (reverse("evaluation-cases") + "?" +
            urlencode({**query, "kind": entity_type, "entity": entity, "counter": counter}))


def _explain(rules, group, parts: dict) -> list[dict]:
    """A composite taken apart: each component's name, score, weight and share of the total."""
    out = []
    for comp in group.composite:
        if comp.name not in parts:
            continue
        if comp.rate:
            rate = group.rates[comp.rate]
            name = in_language(rate.zh, rate.en)
            if comp.invert:
                name = f"1 − {name}"
        else:
            band = rules.bands[comp.band]
            name = in_language(band.zh, band.en)
        part = parts[comp.name]
        out.append({"name": name, "part": f"{part:.1f}", "weight": f"{comp.weight:.0%}",
                    "points": f"{part * comp.weight:.2f}"})
    return out


def _decorate(table: dict, query: dict, rules=None) -> dict:
    """Add what the template shows per row: percentages, arrows, drill-down links, and the
    composite taken apart (grade → components → counters → cases); every name in the page's
    language (``name`` of the table and of each rate, the counters' heads)."""
    rules = rules or default_evaluation_rules()
    group = rules.group_of(table["kind"])
    counters = [c for c in ORDER if any(c in r["counters"] for r in table["rows"])]
    table["name"] = in_language(table["zh"], table["en"])
    table["rate_heads"] = [in_language(x["zh"], x["en"]) for x in table["rates"]]
    table["counter_heads"] = [counter_name(c) for c in counters]
    table["volume_name"] = counter_name(table["volume_counter"])
    for r in table["rows"]:
        link = functools.partial(_cases_link, query, table["kind"], r["entity"])
        arrow, zh, en = TRENDS[r["trend"]]
        r["arrow"], r["trend_text"] = arrow, in_language(zh, en)
        r["rate_cells"] = [
            {"text": "—" if r["rates"][x["name"]] is None else f"{r['rates'][x['name']]:.1%}",
             "href": link(group.rates[x["name"]].num[0][1])} for x in table["rates"]]
        r["counter_cells"] = [{"n": r["counters"].get(c, 0), "href": link(c)} for c in counters]
        r["explain"] = _explain(rules, group, r["parts"])
    return table


def _trend_series(period: Period, entity_type: str) -> dict:
    """The entity type's mean composite (ranked entities) and the district's, over recent
    periods."""
    labels, mean, district = [], [], []
    p = period
    chain = []
    for _ in range(TREND_PERIODS):
        chain.append(p)
        p = p.previous()
    cells, grids = selectors.regions(), selectors.duty_grids()
    for p in reversed(chain):
        pub = publishing.published(p)  # a published month shows what was published
        s = publishing.scores_of(pub) if pub else selectors.scores(p, cells=cells, grids=grids)
        ranked = [r.composite for r in s.by_entity_type.get(entity_type, ()) if r.rank is not None]
        labels.append(str(p))
        mean.append(round(sum(ranked) / len(ranked), 2) if ranked else None)
        rows = s.by_entity_type.get("district", ())
        district.append(rows[0].composite if rows else None)
    return {"labels": labels, "mean": mean, "district": district}


@_page
def rankings(request):
    scope = require_scope(request.user)
    entity_type = entity_type_from(request.GET, scope, default="department")
    period = period_from(request.GET)
    query = _period_query(request, period)
    # ?source=straight recomputes from the log (centres only): a check, and the way to read
    # a database whose events predate the rollup hook before ``rebuild_rollups`` has run.
    source = "straight" if request.GET.get("source") == "straight" and scope.whole_city \
        else "rollups"
    revision = revision_from(request.GET)
    current, rules, pub = publishing.scores_for(period, source, revision)
    previous, _, _ = publishing.scores_for(period.previous(), source)
    table = _decorate(ranking_table(entity_type, current, previous, scope, selectors.names(),
                                    rules), query, rules)
    ranked = [r for r in table["rows"] if r["eligible"]][:30]
    chart = {"names": [r["name"] for r in ranked], "values": [r["composite"] for r in ranked],
             "grades": [r["grade"] for r in ranked]}
    context = {
        "table": table, "period": period, "previous": period.previous(), "query": query,
        "period_names": {code: in_language(*names) for code, names in PERIODS.items()},
        "kinds": [(k, in_language(rules.entity_type(k).zh, rules.entity_type(k).en))
                  for k in scope.entity_types],
        "chart": chart, "export_query": urlencode({**query, "kind": entity_type}),
        "tab_query": urlencode(query),
        "rules_version": current.rules_version, "rules_digest": current.rules_digest,
        "department_only": not scope.whole_city,
        "source": source, "graded": current.graded,
        "published": publishing.about(pub, period),
        "may_publish": (access.may(request.user, Ability.PUBLISH_RANKINGS) and current.graded
                        and source == "rollups"
                        and timezone.localdate(timezone=active_zone()) >= period.end),
    }
    if scope.whole_city and current.graded:
        cells = {s.entity: s for s in current.by_entity_type.get("cell", ())}
        context["heatmap"] = mark_safe(heatmap_svg(  # built from codes and numbers, escaped
            cells, lambda code: _cases_link(query, "cell", code, "filed")))
        context["trend"] = _trend_series(period, entity_type)
    return render(request, "evaluation/rankings.html", context)


@_page
def cases(request):
    scope = require_scope(request.user)
    entity_type = entity_type_from(request.GET, scope)
    entity, counter = request.GET.get("entity") or "", request.GET.get("counter") or ""
    if not entity or counter not in ORDER:
        raise BadRequest("entity and a known counter are required")
    require_entity(scope, entity_type, entity)
    period = period_from(request.GET)
    rows = selectors.cases_behind(period, entity_type, entity, counter, both_languages=False)
    for r in rows:
        state = State(r["state"])
        r["state_name"] = in_language(state.zh, state.en)
    rules = default_evaluation_rules()
    spec = rules.entity_type(entity_type)
    return render(request, "evaluation/cases.html", {
        "rows": rows, "period": period, "kind": in_language(spec.zh, spec.en), "entity": entity,
        "name": selectors.names().get((entity_type, entity), entity),
        "counter": counter_name(counter), "total": sum(r["n"] for r in rows),
        "back": reverse("evaluation") + "?" + urlencode({**_period_query(request, period),
                                                         "kind": entity_type})})


def _numbered(n: int) -> str:
    """A bulletin section's number: 三、in Chinese, "3." in English."""
    return in_language(f"{NUMERALS[n]}、", f"{n}. ")


@_page
def bulletin(request):
    """The monthly bulletin (月度通报): every table, the heat map, print-ready A4."""
    scope = require_scope(request.user, whole_city=True)
    params = request.GET.copy()
    params["period"] = "month"
    period = period_from(params)
    query = _period_query(request, period)
    current, rules, pub = publishing.scores_for(period, revision=revision_from(request.GET))
    previous, _, _ = publishing.scores_for(period.previous())
    label = selectors.names()
    sections = []
    for entity_type in rules.entity_types:
        table = _decorate(ranking_table(entity_type, current, previous, scope, label, rules),
                          query, rules)
        ranked = [r for r in table["rows"] if r["eligible"]]
        grades = {g: sum(r["grade"] == g for r in ranked) for g, _ in rules.grades}
        # 一、overview and 二、heat map come first (the template): the tables from 三、on.
        sections.append({"number": _numbered(len(sections) + 3), "table": table,
                         "top": ranked[:10],
                         "bottom": ranked[-3:] if len(ranked) > 13 else [],
                         "unranked": len(table["rows"]) - len(ranked), "grades": grades})
    district = [r for r in current.by_entity_type.get("district", ()) if r.volume] or \
        list(current.by_entity_type.get("district", ()))
    cells = {s.entity: s for s in current.by_entity_type.get("cell", ())}
    return render(request, "evaluation/bulletin.html", {
        "period": period, "sections": sections, "first": _numbered(1), "second": _numbered(2),
        "district": district[0] if district else None,
        "district_rates": rules.groups["region"].rates,
        "summary": [(counter_name(c), district[0].counters.get(c, 0) if district else 0)
                    for c in ("reported", "public_reported", "filed", "closed",
                              "closed_on_time", "overdue", "reworked")],
        "heatmap": mark_safe(heatmap_svg(cells, lambda c: _cases_link(query, "cell", c,
                                                                         "filed"))),
        "rules_version": current.rules_version, "rules_digest": current.rules_digest,
        "published": publishing.about(pub, period),
        "grades": [g for g, _ in rules.grades]})


@_page
@require_POST
def publish(request):
    """The publish button of the rankings page (a form POST with the CSRF token)."""
    if not access.may(request.user, Ability.PUBLISH_RANKINGS):
        raise Forbidden(gettext("Publishing rankings is for %(who)s.")
                        % {"who": access.who_may(Ability.PUBLISH_RANKINGS)})
    text = request.POST.get("date") or ""
    if len(text) != 7:
        raise BadRequest("'date' must name the month to publish, like 2026-11")
    period = period_from({"period": "month", "date": text})
    publishing.publish(period, request.user, request.POST.get("note") or "")
    return redirect(reverse("evaluation") + "?" + urlencode(
        {"period": "month", "date": period.start.isoformat(),
         "kind": request.POST.get("kind") or "department"}))
