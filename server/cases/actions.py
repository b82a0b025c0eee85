"""The only writer of case state.

Each ``do_*`` function opens its own transaction (callers must not hold one that could roll it
back after the realtime push is scheduled), locks the case row with ``select_for_update``, asks
``workflows.decide`` for the decision, saves the case, appends one ``CaseEvent``, stores photos
and schedules the websocket push for after the commit. A refusal raises ``workflows.Refused``
and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from django.contrib.gis.geos import Point
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from gis.placement import Placement
from server.accounts.models import Department, User
from server.cases.models import Case, CaseEvent, CaseNumberCounter, Photo
from server.cases.photos import CleanPhoto
from server.realtime.send import send_case_event_on_commit
from workflows import Action, CaseSnapshot, Refused, State, decide

#: Parameters an action may carry into the event's data (anything else is dropped).
EVENT_PARAMS = ("reason", "department_code", "result", "note")


@dataclass(frozen=True)
class ReportInput:
    """A validated report, as intake hands it over."""

    kind: str  # "component" | "event"
    class_code: str  # 4 digits: major + minor
    lon: float
    lat: float
    accuracy_m: float
    description: str
    photo: CleanPhoto
    idempotency_key: str
    request_hash: str
    channel: str = "handset"
    component_code: str = ""


class IdempotencyConflict(Exception):
    """The key was used before with a different request (or by someone else)."""


def _next_number(kind: str, class_code: str, now) -> str:
    """C/E + major + minor + YYYYMMDD + a 4-digit daily sequence (DOMAIN.md §3).
    Must run inside the report's transaction, so a rolled-back report does not burn a number
    twice and two reports never share one (the UPDATE takes the row lock)."""
    day = timezone.localdate(now)
    CaseNumberCounter.objects.get_or_create(day=day)
    CaseNumberCounter.objects.filter(day=day).update(last=F("last") + 1)
    seq = CaseNumberCounter.objects.get(day=day).last
    return f"{'C' if kind == 'component' else 'E'}{class_code}{day:%Y%m%d}{seq:04d}"


def find_replay(reporter: User, idempotency_key: str, request_hash: str) -> Case | None:
    """The case an earlier request with this key created, if any. Raises IdempotencyConflict
    when that request came from someone else or carried another body."""
    existing = Case.objects.filter(idempotency_key=idempotency_key).first()
    if existing is None:
        return None
    if existing.reporter_id != reporter.pk or existing.request_hash != request_hash:
        raise IdempotencyConflict(
            f"idempotency key {idempotency_key!r} was already used for a different "
            f"report; send a new key for a new report")
    return existing


def _store_photo(case: Case, event: CaseEvent, kind: str, photo: CleanPhoto) -> Photo:
    obj = Photo(case=case, event=event, kind=kind, sha256=photo.sha256, width=photo.width,
                height=photo.height, size=len(photo.jpeg))
    obj.image.save(f"{case.number}-{kind}-{photo.sha256[:12]}.jpg", ContentFile(photo.jpeg),
                   save=False)
    obj.save()
    return obj


def do_report(reporter: User, report: ReportInput, map_version_id: int,
              placement: Placement) -> tuple[Case, bool]:
    """Create a case from a report, or return the case an earlier identical request created.

    Returns ``(case, created)``. Raises ``Refused`` if the reporter's role may not report and
    ``IdempotencyConflict`` if the key came before with another body or reporter. Safe under
    concurrency: two identical requests racing yield one case (the unique key decides).
    """
    existing = find_replay(reporter, report.idempotency_key, report.request_hash)
    if existing is not None:
        return existing, False
    now = timezone.now()
    decision = decide(None, Action.REPORT, reporter.as_actor(), now)
    try:
        with transaction.atomic():
            case = Case.objects.create(
                number=_next_number(report.kind, report.class_code, now),
                kind=report.kind, class_code=report.class_code, channel=report.channel,
                state=decision.to_state.value, description=report.description,
                location=Point(report.lon, report.lat, srid=4326), accuracy_m=report.accuracy_m,
                map_version_id=map_version_id, cell_code=placement.cell_code,
                community_code=placement.community_code, street_code=placement.street_code,
                component_code=report.component_code, reporter=reporter,
                deadline=decision.deadline, created_at=now, updated_at=now,
                idempotency_key=report.idempotency_key, request_hash=report.request_hash,
            )
            event = CaseEvent.objects.create(
                case=case, actor=reporter, actor_role=reporter.role, action=Action.REPORT.value,
                from_state="", to_state=case.state, at=now, deadline=decision.deadline,
                data={"channel": report.channel, "cell_code": placement.cell_code,
                      "candidate_cells": list(placement.candidate_cells)},
            )
            _store_photo(case, event, "before", report.photo)
            send_case_event_on_commit(case, event, previous_department=None)
    except IntegrityError:
        # A concurrent request with the same key won the insert: answer with its case.
        existing = find_replay(reporter, report.idempotency_key, report.request_hash)
        if existing is None:
            raise
        return existing, False
    return case, True


def do_case_action(actor_user: User, number: str, action: Action,
                   params: Mapping[str, Any] | None = None,
                   photos: Sequence[CleanPhoto] = (), photo_kind: str = "after") -> Case:
    """Take ``action`` on case ``number`` as ``actor_user``.

    Locks the case row for the whole step, so of two people acting at once exactly one wins and
    the other is refused against the state the winner left. Raises ``Case.DoesNotExist`` for an
    unknown number and ``Refused`` for anything the rules or the data do not allow.
    """
    params = dict(params or {})
    actor = actor_user.as_actor()
    with transaction.atomic():
        case = (Case.objects.select_for_update(of=("self",)).select_related("department")
                .get(number=number))
        previous_department = case.department
        snapshot = CaseSnapshot(
            state=State(case.state),
            department_code=case.department.code if case.department else None,
            rework_count=case.rework_count, reporter_id=case.reporter_id)
        now = timezone.now()
        decision = decide(snapshot, action, actor, now, {**params, "photo_count": len(photos)})
        changes = dict(decision.changes)
        if "department_code" in changes:
            dept = Department.objects.filter(code=changes.pop("department_code")).first()
            if dept is None:
                raise Refused("invalid", f"unknown department {params['department_code']!r}",
                              400, state=snapshot.state)
            case.department = dept
        for name, value in changes.items():
            setattr(case, name, value)
        case.state = decision.to_state.value
        case.deadline = decision.deadline
        case.updated_at = now
        case.save()
        event = CaseEvent.objects.create(
            case=case, actor=actor_user, actor_role=actor_user.role, action=action.value,
            from_state=decision.from_state.value if decision.from_state else "",
            to_state=case.state, at=now, deadline=decision.deadline,
            data={k: params[k] for k in EVENT_PARAMS if params.get(k) not in (None, "")},
        )
        for photo in photos:
            _store_photo(case, event, photo_kind, photo)
        send_case_event_on_commit(case, event, previous_department=previous_department)
    return case
