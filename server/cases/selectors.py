"""Reading cases: the one summary shape shared by the API list and the websocket payloads (so a
console renders a pushed case exactly like a fetched one), the case search every console uses
(``search_cases``) and a case's story (``case_story``: every step with its actor, note and
photos). Which cases a user may see is ``server.accounts.access.visible_cases``; everything
here narrows that queryset, never widens it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import F, Q, QuerySet

from server.accounts import access
from server.accounts.models import User
from server.cases.models import Case, FilingCondition
from server.cases.photos import photo_state
from server.maps.index import NoActiveMap, active_map
from workflows import NOTE_ACTIONS, Action, CaseSnapshot, Role, State, allowed_actions
from workflows.states import FINAL_STATES

FINAL_VALUES = tuple(s.value for s in FINAL_STATES)


def case_summary(case: Case, for_user: User | None = None) -> dict[str, Any]:
    """A case as consoles show it. ``actions`` (buttons) is included when ``for_user`` is given."""
    state = State(case.state)
    data: dict[str, Any] = {
        "number": case.number,
        "kind": case.kind,
        "class_code": case.class_code,
        "channel": case.channel,
        "state": state.value,
        "state_zh": state.zh,
        "description": case.description,
        "lon": case.location.x,
        "lat": case.location.y,
        "cell_code": case.cell_code,
        "community_code": case.community_code,
        "street_code": case.street_code,
        **place_names(case),
        "component_code": case.component_code,
        "department_code": case.department.code if case.department_id else None,
        "department_name": case.department.name if case.department_id else None,
        "assignee_id": case.assignee_id,
        "verified": case.verified,
        "condition_code": case.condition_code,
        "node": case.node,
        "light": case.light,
        "deadline": _iso(case.deadline),
        "handle_deadline": _iso(case.handle_deadline),
        "original_handle_deadline": _iso(case.original_handle_deadline),
        "closing_type": case.closing_type,
        "merged_into": case.merged_into,
        "satisfaction": case.satisfaction,
        "rework_count": case.rework_count,
        "return_count": case.return_count,
        "postpone_count": case.postpone_count,
        "suspend_count": case.suspend_count,
        "reopen_count": case.reopen_count,
        "urge_count": case.urge_count,
        "urges_acknowledged": case.urges_acknowledged,
        # An urge the department has not read yet: its terminals highlight the case.
        "urge_unacknowledged": case.urge_count > case.urges_acknowledged,
        "version": case.version,
        "created_at": case.created_at.isoformat(),
        "updated_at": case.updated_at.isoformat(),
    }
    role = access.role_of(for_user)
    if role is not None:
        data["actions"] = [a.value for a in allowed_actions(CaseSnapshot(state=state), role)]
    return data


def _iso(value):
    return value.isoformat() if value else None


def place_names(case: Case) -> dict[str, str]:
    """The street's and community's names (empty when the active map does not know the code:
    a case placed on an older map version keeps its codes)."""
    try:
        loaded = active_map()
    except NoActiveMap:
        return {"street_name": "", "community_name": ""}
    return {"street_name": loaded.street_names.get(case.street_code, ""),
            "community_name": loaded.community_names.get(case.community_code, "")}


# --- search ----------------------------------------------------------------------------------

#: Sort orders of the case search. "urgent" (the default): overdue cases first (the longest
#: overdue at the top), then the others by how soon they fall due, then the cases without a
#: running limit (finished, or in an untimed state: the workflow clears their deadline),
#: newest first. One index (``case_urgent``) serves it.
SORTS = ("urgent", "newest", "oldest", "number")
#: Search text that can only be (a piece of) a case number: letters and digits, a digit among
#: at least four of them.
NUMBERISH = re.compile(r"^(?=.*[0-9])[A-Za-z0-9]{4,32}$")


@dataclass(frozen=True)
class CaseQuery:
    """A validated case search (``server.cases.views.CaseSearchParams`` builds it from the query
    string). Empty fields do not filter; ``states``, ``lights`` and ``channels`` match any of
    their values; ``text`` matches the number, the description or the address names."""

    text: str = ""
    number: str = ""
    states: tuple[str, ...] = ()
    open_only: bool = False
    kind: str = ""
    class_code: str = ""
    department: str = ""
    street: str = ""
    community: str = ""
    channels: tuple[str, ...] = ()
    lights: tuple[str, ...] = ()
    overdue: bool = False
    since: datetime | None = None
    until: datetime | None = None
    sort: str = "urgent"
    #: Only cases in a state where this role has a step to take (a console's "to do" tab).
    todo_for: Role | None = None


def actionable_states(role: Role) -> list[str]:
    """The states in which ``role`` may take some step (``workflows.allowed_actions``) that
    moves the case: a note (urge, comment: ``NOTE_ACTIONS``) is no work waiting."""
    return [s.value for s in State
            if set(allowed_actions(CaseSnapshot(state=s), role)) - NOTE_ACTIONS]


def _codes_named(names: dict[str, str], text: str) -> list[str]:
    return [code for code, name in names.items() if text in name]


def search_cases(qs: QuerySet, query: CaseQuery, now: datetime) -> QuerySet:
    """``qs`` (already what the user may see) narrowed and ordered by ``query``."""
    if query.text and NUMBERISH.match(query.text):
        # A piece of a case number (what people copy from a phone or a call): the numbers
        # only, which are upper case; reading every description too doubled the time.
        qs = qs.filter(number__contains=query.text.upper())
    elif query.text:
        match = Q(number__icontains=query.text) | Q(description__icontains=query.text)
        try:
            loaded = active_map()
        except NoActiveMap:
            loaded = None
        if loaded is not None:  # a street or community named in the text
            streets = _codes_named(loaded.street_names, query.text)
            communities = _codes_named(loaded.community_names, query.text)
            if streets:
                match |= Q(street_code__in=streets)
            if communities:
                match |= Q(community_code__in=communities)
        qs = qs.filter(match)
    if query.number:
        qs = qs.filter(number__startswith=query.number)
    if query.states:
        qs = qs.filter(state__in=query.states)
    if query.todo_for is not None:
        qs = qs.filter(state__in=actionable_states(query.todo_for))
    if query.open_only:
        qs = qs.exclude(state__in=FINAL_VALUES)
    if query.kind:
        qs = qs.filter(kind=query.kind)
    if query.class_code:
        qs = qs.filter(class_code=query.class_code)
    if query.department:
        qs = qs.filter(department__code=query.department)
    if query.street:
        qs = qs.filter(street_code=query.street)
    if query.community:
        qs = qs.filter(community_code=query.community)
    if query.channels:
        qs = qs.filter(channel__in=query.channels)
    if query.lights:
        qs = qs.filter(light__in=query.lights)
    if query.overdue:
        qs = qs.exclude(state__in=FINAL_VALUES).filter(deadline__lt=now)
    if query.since is not None:
        qs = qs.filter(created_at__gte=query.since)
    if query.until is not None:
        qs = qs.filter(created_at__lt=query.until)
    if query.sort == "newest":
        return qs.order_by("-created_at", "-id")
    if query.sort == "oldest":
        return qs.order_by("created_at", "id")
    if query.sort == "number":
        return qs.order_by("number")
    return qs.order_by(F("deadline").asc(nulls_last=True), "-created_at", "-id")


# --- a case's story --------------------------------------------------------------------------


def actor_of(user: User, role: str) -> dict[str, str]:
    """Who took a step: their name (the username when none is recorded), their role then
    (the event's, not today's) and their department."""
    try:
        r = Role(role)
        role_zh, role_en = r.zh, r.en
    except ValueError:
        role_zh = role_en = role
    return {"username": user.username, "name": user.get_full_name() or user.username,
            "role": role, "role_zh": role_zh, "role_en": role_en,
            "department": user.department.name if user.department_id else ""}


def case_story(case: Case) -> list[dict[str, Any]]:
    """Every step of ``case`` in order: action, states, time, actor, the note, reason and other
    parameters the person entered (``data``), and the photos that step took. An urge the
    department has read carries ``acknowledged`` (who read it, and when: the acknowledging
    step's ``by`` and ``at``); a filing step its condition by name (``condition``)."""
    photos: dict[int | None, list[dict[str, Any]]] = {}
    for p in case.photos.select_related("upload"):
        photos.setdefault(p.event_id, []).append(photo_of(p))
    events = case.events.select_related("actor", "actor__department")
    steps = []
    for e in events:
        steps.append({"id": e.id, "action": e.action, "from_state": e.from_state,
                      "to_state": e.to_state, "at": e.at.isoformat(),
                      "actor": e.actor.username, "actor_role": e.actor_role,
                      "by": actor_of(e.actor, e.actor_role),
                      "deadline": e.deadline.isoformat() if e.deadline else None,
                      "data": e.data, "photos": photos.pop(e.id, [])})
    named = condition_names({s["data"].get("condition_code") for s in steps} - {None, ""})
    for s in steps:
        if s["data"].get("condition_code") in named:
            s["condition"] = named[s["data"]["condition_code"]]
    by_id = {s["id"]: s for s in steps}
    for s in steps:
        if s["action"] == Action.ACKNOWLEDGE.value:
            for urge_id in s["data"].get("urges", ()):
                if urge_id in by_id:
                    by_id[urge_id]["acknowledged"] = {"at": s["at"], "by": s["by"]}
    # A photo without its step (none is stored so today): shown with the first step.
    if steps and photos:
        steps[0]["photos"] = [p for ps in photos.values() for p in ps] + steps[0]["photos"]
    return steps


def condition_names(codes) -> dict[str, dict[str, str]]:
    """code -> {"code", "zh", "en"} of the filing conditions (立案条件) named by ``codes`` (the
    English name falls back to the Chinese one where the table has none); unknown codes are
    left out."""
    rows = FilingCondition.objects.filter(code__in=list(codes)).values_list("code", "name",
                                                                            "name_en")
    return {code: {"code": code, "zh": name, "en": name_en or name}
            for code, name, name_en in rows}


def photo_of(p) -> dict[str, Any]:
    """One photo as the API lists it: state "clean" (served), "pending" (the photo cleaner has
    not run yet: retry) or "refused" (``reason`` says why); "kind" is the wire name of
    ``Photo.stage`` (before, after, check, verify, self)."""
    return {"id": p.id, "kind": p.stage, "url": f"/api/photos/{p.id}/", "event_id": p.event_id,
            "width": p.width, "height": p.height,
            **dict(zip(("state", "reason"), photo_state(p)))}
