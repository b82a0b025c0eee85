"""The one sender of realtime events.

``send_case_event_on_commit`` is called by actions inside their transaction; the message goes to
the channel layer only after the commit, to the groups that may see the case. Payload shape
(``CaseMessage``) is fixed here and checked before sending.
"""

from __future__ import annotations

import logging
from typing import Any, Literal, TypedDict

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from server.realtime.groups import CENTER, dept_group, role_group, user_group
from workflows import Role, State

log = logging.getLogger(__name__)


class EventInfo(TypedDict):
    id: int
    action: str
    from_state: str
    to_state: str
    at: str
    actor: str
    actor_role: str


class CaseMessage(TypedDict):
    type: Literal["case"]
    op: Literal["created", "changed"]
    event_id: int
    case: dict[str, Any]
    event: EventInfo


_KEYS = set(CaseMessage.__annotations__)


def groups_for(case, previous_department=None) -> list[str]:
    """Who hears about a case: the centres, its department (and the one it just left), its
    reporter, and every supervisor while a check (核查) is waiting."""
    groups = [CENTER, user_group(case.reporter_id)]
    for dept in {case.department, previous_department} - {None}:
        groups.append(dept_group(dept.code))
    if case.state == State.CHECKING.value:
        groups.append(role_group(Role.SUPERVISOR))
    return groups


def build_message(case, event) -> CaseMessage:
    from server.cases.selectors import case_summary  # cases imports realtime: avoid a cycle

    msg: CaseMessage = {
        "type": "case",
        "op": "created" if not event.from_state else "changed",
        "event_id": event.pk,
        "case": case_summary(case),
        "event": {"id": event.pk, "action": event.action, "from_state": event.from_state,
                  "to_state": event.to_state, "at": event.at.isoformat(),
                  "actor": event.actor.username, "actor_role": event.actor_role},
    }
    if set(msg) != _KEYS:
        raise ValueError(f"CaseMessage has unexpected keys {sorted(set(msg) ^ _KEYS)}")
    return msg


def send_case_event_on_commit(case, event, *, previous_department=None) -> None:
    msg = build_message(case, event)
    groups = groups_for(case, previous_department)

    def push() -> None:
        layer = get_channel_layer()
        for group in groups:
            try:
                async_to_sync(layer.group_send)(group, {"type": "case.message", "message": msg})
            except Exception:  # the case is stored; a lost push is recovered by a page reload
                log.exception("realtime push to %s failed for event %s", group, msg["event_id"])

    transaction.on_commit(push)
