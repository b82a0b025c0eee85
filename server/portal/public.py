"""The public view of a case: what anyone may read, and nothing more.

Shown: number, class, status and state, times, street and community, the point, the description
through ``privacy.redact``, the steps taken (action and state names and times only) and, once
the case is closed, its first "before" photo and last "after" photo (re-encoded without
metadata at intake). Never shown: reporter, caller, actors, assignees, departments' users,
reasons, notes, internal ids. Which photos are public is ``server.accounts.access``
(``PUBLIC_PHOTO_STAGES``, ``is_public_photo``).
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from gridmaps.classification import class_by_code
from server.accounts.access import PUBLIC_PHOTO_STAGES
from server.cases.models import Case, CaseEvent, Photo
from server.maps.index import NoActiveMap, active_map
from server.portal.privacy import public_description
from workflows import NOTE_ACTIONS, SYSTEM_ACTIONS, Action, State

MAX_DAYS = 90
MAX_CASES = 500


def _names() -> tuple[dict, dict]:
    try:
        loaded = active_map()
    except NoActiveMap:
        return {}, {}
    return loaded.street_names, loaded.community_names


def class_name(kind: str, code: str) -> str:
    item = class_by_code(kind).get(code)
    return f"{item.minor_zh} {item.minor_en}" if item else code


def public_photos(case: Case) -> dict:
    """{"before": url | None, "after": url | None} for a closed case; both None otherwise."""
    if case.state != State.CLOSED.value:
        return {"before": None, "after": None}
    photos = list(getattr(case, "public_photos", None) or
                  case.photos.filter(stage__in=PUBLIC_PHOTO_STAGES).order_by("id"))
    before = next((p for p in photos if p.stage == "before"), None)
    # The department's feedback photo; a check photo when there is none (self-handled ones).
    after = next((p for p in reversed(photos) if p.stage == "after"), None) or \
        next((p for p in reversed(photos) if p.stage == "check"), None)
    return {"before": f"/api/portal/photos/{before.pk}/" if before else None,
            "after": f"/api/portal/photos/{after.pk}/" if after else None}


def recently_closed(days: int) -> QuerySet[Case]:
    since = timezone.now() - timedelta(days=max(1, min(days, MAX_DAYS)))
    return (Case.objects.filter(state=State.CLOSED.value, updated_at__gte=since)
            .select_related("hotline_call", "open311_request")
            .prefetch_related(Prefetch("photos", to_attr="public_photos",
                                       queryset=Photo.objects.filter(
                                           stage__in=PUBLIC_PHOTO_STAGES).order_by("id")))
            .order_by("-updated_at")[:MAX_CASES])


def case_card(case: Case, streets: dict | None = None, communities: dict | None = None) -> dict:
    """A case for the portal's map and list."""
    if streets is None:
        streets, communities = _names()
    state = State(case.state)
    return {
        "number": case.number, "kind": case.kind, "class_code": case.class_code,
        "class_name": class_name(case.kind, case.class_code),
        "state": state.value, "state_zh": state.zh, "state_en": state.en,
        "status": "closed" if state in (State.CLOSED, State.REJECTED, State.VOIDED,
                                        State.MERGED) else "open",
        "street": streets.get(case.street_code, case.street_code),
        "community": communities.get(case.community_code, case.community_code),
        "lon": round(case.location.x, 6), "lat": round(case.location.y, 6),
        "reported_at": case.created_at.isoformat(), "updated_at": case.updated_at.isoformat(),
        "photos": public_photos(case),
    }


def case_status(case: Case) -> dict:
    """The status lookup's answer: the card, the redacted description and the steps."""
    body = case_card(case)
    body["description"] = public_description(case)
    body["merged_into"] = case.merged_into or None
    body["steps"] = [
        {"action": e.action, "action_zh": Action(e.action).zh, "action_en": Action(e.action).en,
         "state": e.to_state, "state_zh": State(e.to_state).zh, "at": e.at.isoformat()}
        for e in CaseEvent.objects.filter(case=case)
        .exclude(action__in=[a.value for a in SYSTEM_ACTIONS | NOTE_ACTIONS])
        .only("action", "to_state", "at").order_by("id")]
    return body
