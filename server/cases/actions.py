"""The only writer of case state.

Each ``do_*`` function opens its own transaction (callers must not hold one that could roll it
back after the realtime push is scheduled), locks the case row with ``select_for_update``, asks
``workflows.decide`` for the decision, applies its changes to the case, appends one
``CaseEvent`` holding those changes (so the log replays to the same case), stores photos and
schedules the websocket push for after the commit. A refusal raises ``workflows.Refused`` and
writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Mapping, Sequence

from django.contrib.gis.geos import Point
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from gis.placement import Placement
from server import idempotency
from server.accounts.models import Department, User
from server.cases import assign
from server.cases.dispatching import suggest_department
from server.cases.models import ActionKey, Case, CaseEvent, Photo, VoiceNote
from server.cases.numbering import take_number
from server.cases.photos import CleanPhoto, StorablePhoto
from server.cases.rules import condition_for, current_rules, limit_of
from server.cases.selectors import case_summary
from server.cases.snapshots import apply_changes, snapshot_of
from server.cases.voice import CleanVoice
from server.evaluation.rollups import record as record_rollups
from server.idempotency import IdempotencyConflict  # noqa: F401 (callers catch it from here)
from server.realtime.send import send_case_event_on_commit
from workflows import Action, Decision, Refused, Role, State, decide, light_at
from workflows.reasons import Code, Reason
from workflows.replay import to_json
from workflows.states import FINAL_STATES

#: Parameters an action may carry into the event's data (anything else is dropped).
EVENT_PARAMS = ("reason", "department_code", "result", "note", "condition_code",
                "extension_value", "extension_unit", "satisfaction", "into", "light",
                "photo_id", "level")


@dataclass(frozen=True)
class ReportInput:
    """A validated report, as the intake door (``server.intake.submit``) hands it over."""

    kind: str  # "component" | "event"
    class_code: str  # 4 digits: major + minor
    lon: float
    lat: float
    accuracy_m: float
    description: str
    photo: StorablePhoto | None
    idempotency_key: str
    request_hash: str
    channel: str = "handset"
    component_code: str = ""
    voice: CleanVoice | None = None


def find_replay(reporter: User, idempotency_key: str, digest: str) -> Case | None:
    """The case an earlier report with this key created, if any. Raises IdempotencyConflict
    when that report came from someone else or carried another body."""
    return idempotency.find_replay(Case, reporter, idempotency_key, digest, "report")


def _voice_row(case: Case, event: CaseEvent, voice: CleanVoice) -> VoiceNote:
    """The unsaved voice note row; its file is written here."""
    obj = VoiceNote(case=case, event=event, format=voice.format, content_type=voice.content_type,
                    sha256=voice.sha256, size=len(voice.data))
    obj.audio.save(f"{case.number}-{voice.sha256[:12]}.{voice.format}",
                   ContentFile(voice.data), save=False)
    return obj


def _event(case: Case, actor: User, decision, now: datetime, data: dict, *,
           first: bool = False) -> CaseEvent:
    """Append the event, and fold it into the day's evaluation rollups in the same
    transaction (so rankings read from the rollups always agree with the log)."""
    event = CaseEvent.objects.create(
        case=case, actor=actor, actor_role=actor.role, action=decision.action.value,
        from_state=decision.from_state.value if decision.from_state else "",
        to_state=decision.to_state.value, at=now, deadline=decision.changes.get("deadline"),
        data={**data, "changes": to_json(decision.changes)})
    return record_rollups(case, event, first=first)


def report_decision(reporter: User, channel: str, now: datetime) -> Decision:
    """What the rules say of ``reporter`` reporting through ``channel`` at ``now``; raises
    ``Refused`` (403) when their role may not report. The intake door asks this first, before
    any other work, and hands the decision to ``do_report``."""
    return decide(None, Action.REPORT, reporter.as_actor(), now, {"channel": channel},
                  current_rules())


def do_report(reporter: User, report: ReportInput, map_version_id: int,
              placement: Placement, decision: Decision | None = None,
              now: datetime | None = None,
              attach: Callable[[Case], None] | None = None) -> tuple[Case, bool]:
    """Create a case from a report, or return the case an earlier identical request created.

    Returns ``(case, created)``. ``decision`` is ``report_decision``'s answer for this report
    (asked again when None); it raises ``Refused`` if the reporter's role may not report.
    Raises ``IdempotencyConflict`` if the key came before with another body or reporter.
    ``attach(case)``, the channel's own record (a hotline call, an Open311 request, a camera
    alert), runs in the case's transaction, only when the case is created: a case never exists
    without it, and a failed record leaves no case.

    Transactions: the case number is taken first (``numbering.take_number``: in a short
    transaction of its own when the caller holds none), then the case, its first event, the
    rollups, the photo and the voice note are saved through the ORM in one transaction (a
    savepoint inside a caller's), on every database alike; the realtime push follows the
    commit. Safe under concurrency: two identical requests racing yield one case (the unique
    key decides; the loser answers with the winner's case).
    """
    now = now or timezone.now()
    decision = decision or report_decision(reporter, report.channel, now)
    if decision.action != Action.REPORT:
        raise ValueError(f"do_report needs a report decision, not {decision.action}")
    number = take_number(report.kind, report.class_code, now)
    try:
        with transaction.atomic():
            case = Case(
                number=number, kind=report.kind, class_code=report.class_code,
                description=report.description,
                location=Point(report.lon, report.lat, srid=4326), accuracy_m=report.accuracy_m,
                map_version_id=map_version_id, cell_code=placement.cell_code,
                community_code=placement.community_code, street_code=placement.street_code,
                component_code=report.component_code, reporter=reporter,
                created_at=now, updated_at=now,
                idempotency_key=report.idempotency_key, request_hash=report.request_hash)
            apply_changes(case, decision.changes)
            case.save(force_insert=True)
            event = _event(case, reporter, decision, now,
                           {"channel": report.channel, "cell_code": placement.cell_code,
                            "candidate_cells": list(placement.candidate_cells)}, first=True)
            if report.photo is not None:
                report.photo.save_for(case, event, "before")
            if report.voice is not None:
                _voice_row(case, event, report.voice).save()
            if attach is not None:
                attach(case)
            send_case_event_on_commit(case, event, previous_department=None)
    except IntegrityError:
        # A concurrent request with the same key won the insert: answer with its case.
        existing = find_replay(reporter, report.idempotency_key, report.request_hash)
        if existing is None:
            raise
        return existing, False
    return case, True


def _prepare(case: Case, action: Action, params: dict, state: State) -> dict:
    """Turn what the client named (a condition code, a department, a supervisor, a case
    number) into what the rules need, refusing names that do not exist (in words the API
    error handler says in the request's language: ``workflows.reasons.Reason``)."""
    def invalid(message: Reason) -> Refused:
        return Refused("invalid", message, 400, state=state)

    extra: dict[str, Any] = {}
    if action == Action.FILE:
        condition = condition_for(case.kind, case.class_code, params.get("condition_code"))
        if condition is None:
            named = params.get("condition_code")
            raise invalid(Reason("filing condition %(named)s does not belong to %(kind)s "
                                 "class %(class_code)s", named=repr(named),
                                 kind=Code("kind", case.kind), class_code=case.class_code)
                          if named else Reason("no filing condition for class %(class_code)s",
                                               class_code=case.class_code))
        params["condition_code"] = condition.code
        params["handle_limit"] = limit_of(condition)
    elif action == Action.DISPATCH and params.get("department_code"):
        if not Department.objects.filter(code=params["department_code"], active=True).exists():
            raise invalid(Reason("unknown or inactive department %(code)s",
                                 code=repr(params["department_code"])))
        suggestion = suggest_department(case)
        extra["suggested_department"] = (suggestion.department.code if suggestion.department
                                         else None)
        extra["suggestion_rule"] = suggestion.rule
        extra["followed_suggestion"] = extra["suggested_department"] == params["department_code"]
    elif action in (Action.SEND_VERIFY, Action.REQUEST_CHECK):
        named = params.get("assignee")
        user = assign.resolve_supervisor(named) if named else assign.pick_supervisor(case)
        if user is None:
            raise invalid(Reason("no supervisor %(name)s", name=repr(named)) if named
                          else Reason("no supervisor is available"))
        params["assignee_id"] = user.pk
        extra["assignee"] = user.username
    elif action == Action.ACKNOWLEDGE:
        # Which urges this reads (the story marks each "read by ... at ..."): the newest ones,
        # as many as are waiting. None waiting is refused by the rules (409).
        waiting = case.urge_count - case.urges_acknowledged
        if waiting > 0:
            extra["urges"] = sorted(case.events.filter(action=Action.URGE.value)
                                    .order_by("-id").values_list("id", flat=True)[:waiting])
    elif action == Action.MERGE and params.get("into"):
        target = Case.objects.filter(number=params["into"]).first()
        if target is None:
            raise invalid(Reason("no case %(number)s to merge into", number=repr(params["into"])))
        if target.pk == case.pk:
            raise invalid(Reason("a case cannot be merged into itself"))
        if State(target.state) in FINAL_STATES:
            raise invalid(Reason("case %(number)s is %(state)s: merge into an open case",
                                 number=target.number, state=State(target.state)))
        params["number"] = case.number
    return extra


def find_action_replay(user: User, key: str, digest: str) -> dict | None:
    """The answer an earlier case action with this idempotency key got, or None. Raises
    IdempotencyConflict when that action came from someone else or with another body."""
    row = idempotency.find_replay(ActionKey, user, key, digest, "action", key_field="key")
    return None if row is None else row.answer


def do_case_action_once(actor_user: User, number: str, action: Action, key: str,
                        request_hash: str, params: Mapping[str, Any] | None = None,
                        photos: Sequence[CleanPhoto] = (),
                        photo_stage: str = "after") -> tuple[dict, bool]:
    """``do_case_action`` under an idempotency key: ``(answer, True)`` the first time, where
    ``answer`` is the case summary the actor was shown; ``(that same answer, False)`` for a
    repeat, with no second event. Two identical requests racing: the second waits for the
    case lock, then finds the first's key (exactly one event). Raises IdempotencyConflict
    for the key with another body or user, and what ``do_case_action`` raises."""
    earlier = find_action_replay(actor_user, key, request_hash)
    if earlier is not None:
        return earlier, False
    try:
        case, replayed = _act(actor_user, number, action, params, photos, photo_stage, None,
                              (key, request_hash))
    except IntegrityError:  # the key row lost a race the case lock did not cover
        earlier = find_action_replay(actor_user, key, request_hash)
        if earlier is None:
            raise
        return earlier, False
    if replayed is not None:
        return replayed, False
    return ActionKey.objects.get(key=key).answer, True


#: Refusals about who acts and from which state: what ``check_may_act`` answers early.
ACCESS_REFUSALS = frozenset({"role_not_allowed", "wrong_state", "not_your_case"})


def check_may_act(actor_user: User, number: str, action: Action,
                  params: Mapping[str, Any] | None = None) -> None:
    """Raise the ``Refused`` the step would raise about who acts or the state it starts from
    (``ACCESS_REFUSALS``), without a lock and without storing anything: asked before costly
    work such as decoding a photo, so a caller who may not take the step spends none of it.
    A refusal about the parameters is left to the step, which asks everything again under its
    lock. Raises ``Case.DoesNotExist`` for an unknown number."""
    case = Case.objects.select_related("department").get(number=number)
    params = {k: v for k, v in dict(params or {}).items() if v not in (None, "")}
    try:
        decide(snapshot_of(case), action, actor_user.as_actor(), timezone.now(),
               {**params, "photo_count": 1}, current_rules())
    except Refused as exc:
        if exc.code in ACCESS_REFUSALS:
            raise


def do_case_action(actor_user: User, number: str, action: Action,
                   params: Mapping[str, Any] | None = None,
                   photos: Sequence[CleanPhoto] = (), photo_stage: str = "after",
                   now: datetime | None = None) -> Case:
    """Take ``action`` on case ``number`` as ``actor_user``.

    Locks the case row for the whole step, so of two people acting at once exactly one wins and
    the other is refused against the state the winner left (409). A client that sends
    ``version`` (the case version it saw) is refused with 409 when the case moved on since.
    Raises ``Case.DoesNotExist`` for an unknown number and ``Refused`` for anything the rules or
    the data do not allow.
    """
    return _act(actor_user, number, action, params, photos, photo_stage, now, None)[0]


def _act(actor_user: User, number: str, action: Action, params, photos, photo_stage: str,
         now: datetime | None, idempotency: tuple[str, str] | None) -> tuple[Case, dict | None]:
    """The step itself; with ``idempotency`` (key, request hash) it first looks for the key
    under the case lock, and returns ``(case, earlier answer)`` when it is found."""
    params = {k: v for k, v in dict(params or {}).items() if v not in (None, "")}
    actor = actor_user.as_actor()
    with transaction.atomic():
        case = (Case.objects.select_for_update(of=("self",)).select_related("department")
                .get(number=number))
        if idempotency is not None:
            earlier = find_action_replay(actor_user, *idempotency)
            if earlier is not None:
                return case, earlier
        state = State(case.state)
        if "version" in params and int(params["version"]) != case.version:
            raise Refused("stale", Reason("the case changed since you saw it: it is now "
                                          "%(state)s, version %(version)s", state=state,
                                          version=case.version), 409, state=state)
        previous_department, previous_assignee_id = case.department, case.assignee_id
        extra = _prepare(case, action, params, state) if actor.role != Role.SYSTEM else {}
        now = now or timezone.now()
        decision = decide(snapshot_of(case), action, actor, now,
                          {**params, "photo_count": len(photos)}, current_rules())
        changed = apply_changes(case, decision.changes)
        case.updated_at = now
        # Only the columns the step changed (the ones its event records), not the whole row.
        case.save(update_fields=[*changed, "updated_at"])
        data = {k: params[k] for k in EVENT_PARAMS if k in params}
        event = _event(case, actor_user, decision, now, {**data, **extra})
        for photo in photos:
            photo.save_for(case, event, photo_stage)
        if idempotency is not None:
            ActionKey.objects.create(key=idempotency[0], request_hash=idempotency[1],
                                     user=actor_user, case=case, event=event,
                                     answer=case_summary(case, actor_user))
        send_case_event_on_commit(case, event, previous_department=previous_department,
                                  previous_assignee_id=previous_assignee_id)
    return case, None


def do_photo_cleaned(photo: Photo, clean: CleanPhoto | None, reason: str = "",
                     now: datetime | None = None, *, case_number: str | None = None,
                     actor: User | None = None) -> Case:
    """The photo cleaner's result for ``photo`` (stored by a report without an image): with
    ``clean``, the Photo gets the re-encoded image (its file written first), hash, size and
    upright dimensions; without, it stays imageless, refused for ``reason``. Either way the
    case gets one ``photo_cleaned`` event (``result`` clean or refused), pushed after the
    commit like any other step, so the consoles show the photo once it can be served. Runs in
    one transaction (a savepoint inside the cleaner's), locking the case row. ``case_number``
    (the photo's case's) and ``actor`` (the system user) spare a query each when the caller
    has them."""
    number = case_number or photo.case.number
    with transaction.atomic():
        if clean is not None:
            photo.image.save(f"{number}-{photo.stage}-{clean.sha256[:12]}.jpg",
                             ContentFile(clean.jpeg), save=False)
            photo.sha256, photo.width, photo.height, photo.size = (
                clean.sha256, clean.width, clean.height, len(clean.jpeg))
            photo.save(update_fields=["image", "sha256", "width", "height", "size"])
        params = {"photo_id": photo.pk, "result": "clean" if clean is not None else "refused",
                  "reason": reason}
        return do_case_action(actor or system_user(), number, Action.PHOTO_CLEANED, params,
                              now=now)


def system_user() -> User:
    return User.objects.get(username="system")


def due_light_changes(now: datetime):
    """Cases whose traffic light should have changed by ``now`` (the timer worker's query)."""
    return Case.objects.filter(
        Q(light="green", yellow_at__lte=now) | Q(light__in=("green", "yellow"), deadline__lte=now)
    ).values_list("number", flat=True)


def do_timer(number: str, now: datetime | None = None) -> Case | None:
    """Record the light change of case ``number`` if one is due; None when nothing changed
    (another worker got there first, or the case moved on)."""
    now = now or timezone.now()
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).get(number=number)
        light = light_at(now, case.yellow_at, case.deadline)
        if light == case.light or light not in ("yellow", "red"):
            return None
    try:
        return do_case_action(system_user(), number, Action.TIMER, {"light": light}, now=now)
    except Refused:
        return None
