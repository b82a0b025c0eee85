"""Who a user is and what they may see or do: the one access module.

Every "may this user ..." question is answered here. REST views, pages, the websocket (at
connect, per subscription and in a replay), the evaluation pages and exports, and the public
portal all ask these functions, so a rule changes in one place and
``tests/server/accounts/test_access.py`` pins every role against every question.

What it owns:

- who the user is: ``role_of`` (the one place a role string is parsed), ``department_code``,
  ``duty_grids`` (the supervisor's patrol areas on a map version);
- what each role may do besides reading cases: the table ``ABILITIES`` (``Ability`` -> the roles
  that have it), asked through ``may``; ``who_may`` words a refusal from the same table;
- which cases a user may read (``visible_cases``), may learn exist (``may_know_of_case``) and
  which of their events a reconnecting socket gets back (``replayable_cases`` narrows the log,
  ``heard_events`` decides per event);
- what a socket hears without asking (``hearing``), which narrower streams it may follow
  (a case: ``visible_cases``; a cell: ``Ability.FOLLOW_CELLS``) and, event by event, whether
  it hears one (``Hearing.hears``: a followed case that changed hands stops flowing);
- which rankings, and which of their rows, a user may read (``ranking_scope``; the evaluation
  pages and their CSV/XLSX exports both go through it);
- the person behind a case (a hotline caller, an Open311 contact: personal data) and who may
  read it (``contact_of``, ``Ability.CALLER_CONTACT``);
- what the public may see of a case's photos (``PUBLIC_PHOTO_STAGES``, ``is_public_photo``);
- whose API tokens a user may revoke (``may_revoke_tokens_of``).

What it must not import: any server app above ``accounts`` (imports run portal / open311 /
hotline / field -> intake -> cases -> maps -> accounts, downward only). It imports Django, the
``accounts`` models and the pure ``workflows`` package. The case rules must be querysets (a view
filters and pages them, a subscription intersects them, a replay joins the event log on them),
so they need ``Case`` and ``CaseEvent``: those are looked up by app label with
``django.apps.apps.get_model`` (public API) when a function runs, which adds no import edge and
so no cycle. Duty grids are read through the reverse relation ``User.duty_grids`` (declared by
``maps.DutyGrid.supervisors``) and a case's contact through ``Case.hotline_call`` and
``Case.open311_request``, again without importing those apps.

What it leaves to its callers: the shape of a refusal (a 403 or 404 API error, a 403 page, a
websocket close code) and its words, the websocket group names (``server.realtime.groups``;
``server.realtime.access`` turns ``hearing`` into them), the masking of personal data in public
text (``server.portal.privacy``).

A user who is not signed in, is inactive, has no role, has a role this code does not know, or is
a department user without a department, has no role here (``role_of`` is None) and so may see
and do nothing a role grants. The database forbids a department user without a department; a
user built around that constraint must not see every undispatched case.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from enum import StrEnum
from typing import Collection

from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q, QuerySet

from server.language import is_english
from workflows import Role, State
from workflows.scoring_rules import default_evaluation_rules

#: The supervision and command centres and the leaders: they see every case.
CENTRE_ROLES = frozenset({Role.ACCEPTOR, Role.DUTY_CHIEF, Role.DISPATCHER, Role.CALL_TAKER,
                          Role.LEADER})
#: Who may read a caller's name and phone (personal data): the call-takers (they call back),
#: the acceptors and duty chiefs (they judge the report and may need to ring the caller) and
#: the leaders. Never departments, supervisors, dispatchers or the public.
CONTACT_ROLES = frozenset({Role.CALL_TAKER, Role.ACCEPTOR, Role.DUTY_CHIEF, Role.LEADER})
ANY_ROLE = frozenset(Role)


class Ability(StrEnum):
    """Something a role may do besides reading the cases ``visible_cases`` gives it."""

    #: The supervision, command and dashboard pages, the dashboard figures and the list of
    #: supervisors a field task can go to.
    CENTRE_CONSOLES = "centre_consoles"
    #: The department terminal page.
    DEPARTMENT_TERMINAL = "department_terminal"
    #: The layers of the console map: cells and components as GeoJSON
    #: (``/api/console/map/cells/``, ``/api/console/map/components/``).
    MAP_LAYERS = "map_layers"
    #: Components near a point (``/api/map/nearby/``): anyone with a role.
    NEARBY_COMPONENTS = "nearby_components"
    #: Take a step on a case; the workflow then decides which steps the role may take.
    CASE_ACTIONS = "case_actions"
    #: Clock in and out, upload a patrol track, report a component update, fetch a duty map.
    FIELD_WORK = "field_work"
    #: Read one's own attendance and patrol track.
    OWN_PATROL = "own_patrol"
    #: Read any supervisor's attendance and patrol track.
    ALL_PATROLS = "all_patrols"
    #: Review, approve, reject and publish component updates (and see their photos).
    KEEP_MAP = "keep_map"
    #: The hotline's address search and its duplicate check before saving a call.
    ADDRESS_SEARCH = "address_search"
    #: Register a hotline call (a report of channel hotline).
    REGISTER_CALLS = "register_calls"
    #: Record a callback (回访).
    CALLBACKS = "callbacks"
    #: A caller's name and phone, the callback list and the hotline page that shows them.
    CALLER_CONTACT = "caller_contact"
    #: Follow one cell's stream on the websocket (only for those who see every case anyway: a
    #: cell's stream would show others cases ``visible_cases`` hides).
    FOLLOW_CELLS = "follow_cells"
    #: Publish a month's rankings (freeze them; a correction is a new revision).
    PUBLISH_RANKINGS = "publish_rankings"


#: Ability -> the roles that have it. Every ability has a row (a test checks it).
ABILITIES: dict[Ability, frozenset[Role]] = {
    Ability.CENTRE_CONSOLES: CENTRE_ROLES,
    Ability.DEPARTMENT_TERMINAL: frozenset({Role.DEPARTMENT}),
    # Today only the centre pages draw the layers; departments own and maintain components.
    # Supervisors get their own duty map (``FIELD_WORK``), the map keeper the admin.
    Ability.MAP_LAYERS: CENTRE_ROLES | {Role.DEPARTMENT},
    Ability.NEARBY_COMPONENTS: ANY_ROLE,
    Ability.CASE_ACTIONS: ANY_ROLE,
    Ability.FIELD_WORK: frozenset({Role.SUPERVISOR}),
    Ability.OWN_PATROL: frozenset({Role.SUPERVISOR}),
    Ability.ALL_PATROLS: CENTRE_ROLES,
    Ability.KEEP_MAP: frozenset({Role.MAPKEEPER}),
    Ability.ADDRESS_SEARCH: CENTRE_ROLES,
    Ability.REGISTER_CALLS: frozenset({Role.CALL_TAKER, Role.ACCEPTOR}),
    Ability.CALLBACKS: frozenset({Role.CALL_TAKER}),
    Ability.CALLER_CONTACT: CONTACT_ROLES,
    Ability.FOLLOW_CELLS: CENTRE_ROLES,
    Ability.PUBLISH_RANKINGS: frozenset({Role.LEADER}),
}


# --- who the user is ---------------------------------------------------------------------


def role_of(user) -> Role | None:
    """The user's role, or None: not signed in, inactive, no role, a role string this code does
    not know, or a department user without a department."""
    if user is None or not getattr(user, "is_authenticated", False) \
            or not getattr(user, "is_active", False):
        return None
    try:
        role = Role(user.role) if user.role else None
    except ValueError:
        return None
    if role == Role.DEPARTMENT and not user.department_id:
        return None
    return role


def department_code(user) -> str | None:
    """The code of the department a department user works for; None for everyone else."""
    return user.department.code if role_of(user) == Role.DEPARTMENT else None


def duty_grids(user, version_id: int) -> list[tuple[str, list[str]]]:
    """(code, cell codes) of the duty grids (责任网格) ``user`` patrols on map version
    ``version_id``, by code; empty for anyone but a supervisor."""
    if role_of(user) != Role.SUPERVISOR or user.pk is None:
        return []
    return list(user.duty_grids.filter(version_id=version_id).order_by("code")
                .values_list("code", "cell_codes"))


def may(user, ability: Ability) -> bool:
    """Whether ``user``'s role has ``ability`` (``ABILITIES``)."""
    return role_of(user) in ABILITIES[ability]


def who_may(ability: Ability) -> str:
    """The roles that have ``ability`` in words, for a refusal, in the active language:
    "acceptors and leaders", "受理员、领导"."""
    roles = ABILITIES[ability]
    english = is_english()
    if roles == ANY_ROLE:
        return "any account with a role" if english else "任何有角色的账号"
    if not english:
        return "、".join(r.zh for r in Role if r in roles)
    names = [f"{r.en.lower()}s" for r in Role if r in roles]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def may_revoke_tokens_of(user, username: str) -> bool:
    """Anyone signed in may revoke their own tokens (a lost handset); a duty chief or an
    administrator (a superuser; staff status alone is a map keeper's too) anyone's."""
    if user is None or not getattr(user, "is_authenticated", False) \
            or not getattr(user, "is_active", False):
        return False
    return username == user.username or user.is_superuser or role_of(user) == Role.DUTY_CHIEF


# --- cases ---------------------------------------------------------------------------------


def _model(label: str):
    # By label, not by import: see the module's contract.
    return apps.get_model(label)


def visible_cases(user) -> QuerySet:
    """Cases ``user`` may read. The centres and leaders see all; a department only the cases
    sent to it; a supervisor what they reported and the cases whose verify (核实) or check
    (核查) task they hold; anyone else nothing."""
    qs = _model("cases.Case").objects.select_related("department", "reporter")
    role = role_of(user)
    if role in CENTRE_ROLES:
        return qs
    if role == Role.DEPARTMENT:
        return qs.filter(department_id=user.department_id)
    if role == Role.SUPERVISOR:
        return qs.filter(Q(reporter=user) | Q(assignee=user))
    return qs.none()


def may_know_of_case(user, number: str) -> bool:
    """Whether ``user`` may learn that case ``number`` exists: exactly the cases
    ``visible_cases`` gives. For any other number the answer is a 404 like for one that was
    never given, and a refused action must not say more (a refusal names the case's state, so
    telling it to someone who may not read the case would leak it). Nobody without a role
    learns anything."""
    return role_of(user) is not None and visible_cases(user).filter(number=number).exists()


def replayable_cases(user) -> QuerySet:
    """Cases with events ``user`` may have heard live, as far as the log can tell: what they
    may see now, plus, for a department, cases once sent to it, and for a supervisor, cases
    whose verify or check task they once held. Which of those cases' events they heard is
    ``heard_events``; a replay asks both (this narrows the log, that decides per event)."""
    qs = visible_cases(user)
    role = role_of(user)
    if role == Role.DEPARTMENT:
        former = Q(data__changes__department_code=user.department.code)
    elif role == Role.SUPERVISOR:
        former = Q(data__changes__assignee_id=user.pk)
    else:
        return qs
    held = _model("cases.CaseEvent").objects.filter(former).values("case_id")
    return _model("cases.Case").objects.filter(Q(pk__in=qs.values("pk")) | Q(pk__in=held))


#: The case fields that say who holds a case: its department and the supervisor with its
#: verify or check task. An event that changes one is heard by the holder before it (so a
#: terminal drops the case) and by the one after it.
HOLDER_FIELDS = ("department_code", "assignee_id")


def heard_events(user, events: list) -> list:
    """Of ``events`` (``CaseEvent`` rows in id order, with ``case`` loaded), those ``user``
    heard live and may hear again in a replay: by ``Hearing.hears`` with the case's holders
    just before and just after each event, read back from the log. So a department gets a
    case's events from the one that sent the case to it up to the one that took it away, and
    nothing after (nor from a later holder) until the case comes back to it; the centres get
    every event; a user without a stream nothing. One query for the holder changes of the
    events' cases (a handful a case), none for the centres."""
    hears = hearing(user)
    if hears is None or not events:
        return []
    if hears.everything:
        return list(events)
    case_ids = {e.case_id for e in events}
    changed = Q()
    for name in HOLDER_FIELDS:
        changed |= Q(data__changes__has_key=name)
    rows = (_model("cases.CaseEvent").objects
            .filter(changed, case_id__in=case_ids, id__lte=max(e.pk for e in events))
            .order_by("id").values_list("case_id", "id", "data"))
    # case id -> the ids of its holder changes and the holders after each, in id order
    timeline: dict[int, tuple[list[int], list[tuple]]] = {}
    for case_id, event_id, data in rows:
        ids, holders = timeline.setdefault(case_id, ([], []))
        changes = (data or {}).get("changes") or {}
        previous = holders[-1] if holders else (None,) * len(HOLDER_FIELDS)
        ids.append(event_id)
        holders.append(tuple(changes.get(f, was) for f, was in zip(HOLDER_FIELDS, previous)))
    nobody = (None,) * len(HOLDER_FIELDS)
    out = []
    for event in events:
        ids, holders = timeline.get(event.case_id, ((), ()))
        n = bisect.bisect_right(ids, event.pk)  # changes up to and including this event
        after = holders[n - 1] if n else nobody
        before = (holders[n - 2] if n >= 2 else nobody) if n and ids[n - 1] == event.pk \
            else after
        if hears.hears({before[0], after[0]} - {None},
                       {event.case.reporter_id, before[1], after[1]} - {None}):
            out.append(event)
    return out


def _related(case, name: str):
    try:
        return getattr(case, name)
    except ObjectDoesNotExist:
        return None


def contact_of(case, user) -> dict | None:
    """The person behind ``case`` for ``user``: ``{"source", "name", "phone", "email"}``, or
    None when the case has no known person or ``user`` may not see one
    (``Ability.CALLER_CONTACT``). A hotline call first, then an Open311 request's contact
    fields. Select ``hotline_call`` and ``open311_request__client`` with many cases."""
    if not may(user, Ability.CALLER_CONTACT):
        return None
    call = _related(case, "hotline_call")
    if call is not None:
        return {"source": f"hotline {call.line}", "name": call.caller_name,
                "phone": call.caller_phone, "email": ""}
    sr = _related(case, "open311_request")
    if sr is not None and (sr.phone or sr.email or sr.first_name or sr.last_name):
        return {"source": f"open311 {sr.client.name}",
                "name": " ".join(p for p in (sr.first_name, sr.last_name) if p),
                "phone": sr.phone, "email": sr.email}
    return None


# --- the websocket -------------------------------------------------------------------------


@dataclass(frozen=True)
class Hearing:
    """What a user's sockets hear from connect on, without subscribing: always the cases they
    reported or hold a task of, and one wide stream: every case (``everything``), one
    department's (``department_code``) or one role's (``role``: the supervisors' check tasks
    waiting for any of them)."""

    everything: bool = False
    department_code: str | None = None
    role: Role | None = None
    #: The user: they hear the cases they reported and those whose task they hold.
    user_id: int | None = None

    def hears(self, departments: Collection[str], people: Collection[int]) -> bool:
        """Whether these sockets hear an event of a case held, just before or just after the
        event, by ``departments`` (codes) and reported by or assigned to ``people`` (user
        ids): the rule of ``visible_cases`` applied at the event, and the one rule for live
        events (``server.realtime.send`` names an event's holders), replays
        (``heard_events``) and the re-check of a case followed after it changed hands."""
        return (self.everything
                or (self.department_code is not None and self.department_code in departments)
                or (self.user_id is not None and self.user_id in people))


def hearing(user) -> Hearing | None:
    """What ``user``'s sockets hear; None: they may not listen at all (refuse the socket).
    Only people listen: the system accounts (timers, camera platforms, Open311 clients) act
    but never hear, so a leaked system token opens no stream; nor does the map keeper, who
    keeps the map, not cases."""
    role = role_of(user)
    if role in CENTRE_ROLES:
        return Hearing(everything=True, user_id=user.pk)
    if role == Role.DEPARTMENT:
        return Hearing(department_code=user.department.code, user_id=user.pk)
    if role == Role.SUPERVISOR:
        return Hearing(role=Role.SUPERVISOR, user_id=user.pk)
    return None


# --- rankings (综合评价) ---------------------------------------------------------------------


@dataclass(frozen=True)
class RankingScope:
    """The ranking tables a user may read (``entity_types``) and, for a department, the one row
    (``only``, its code) of the department table it may see, with the cases behind it."""

    entity_types: tuple[str, ...]
    only: str | None = None

    @property
    def whole_city(self) -> bool:
        """Every row of every table: the bulletin, the heat map, a recomputation from the log."""
        return self.only is None

    def may_read(self, entity_type: str, entity: str | None = None) -> bool:
        """Whether the table of ``entity_type`` (and in it the row ``entity``, when given) is
        readable."""
        return entity_type in self.entity_types and (entity is None or self.only is None
                                                     or entity == self.only)


def ranking_scope(user) -> RankingScope | None:
    """What ``user`` may read of the evaluation: the leaders and the centres everything; a
    department only the department table and its own row; anyone else nothing (None)."""
    role = role_of(user)
    if role in CENTRE_ROLES:
        return RankingScope(tuple(default_evaluation_rules().entity_types))
    if role == Role.DEPARTMENT:
        return RankingScope(("department",), user.department.code)
    return None


# --- the public (portal, Open311 reads) ------------------------------------------------------

#: Photo stages the public may see, of closed cases only: the problem and the fix.
PUBLIC_PHOTO_STAGES = ("before", "after", "check")


def is_public_photo(photo) -> bool:
    """Whether anyone may see ``photo``: a problem or fix photo of a closed case, once
    cleaned (an empty image is one the cleaner has not re-encoded yet, or refused)."""
    return (photo.stage in PUBLIC_PHOTO_STAGES and photo.case.state == State.CLOSED.value
            and bool(photo.image))
