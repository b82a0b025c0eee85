"""The one sender of realtime events.

``send_case_event_on_commit`` is called by actions inside their transaction; the message goes to
the channel layer only after the commit, to the groups that may see the case. Payload shape
(``CaseMessage``) is fixed here and checked before sending.

Delivery is at most once per socket and may be lost (a Redis hiccup, a socket that was down):
the event log is the record, and a client that reconnects resumes from its last event id
(``server.realtime.replay``). So a failed push is logged, never raised into the action.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Literal, TypedDict

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from server.realtime import layer_watch
from server.realtime.groups import (
    CENTER,
    case_group,
    dept_group,
    grid_group,
    user_group,
)

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
_EVENT_KEYS = set(EventInfo.__annotations__)


class Audience(TypedDict):
    """Who held the case just before and just after an event: the departments (codes) and the
    people (user ids: its reporter, the supervisor whose task began or ended). A socket hears
    the event when ``server.accounts.access.Hearing.hears`` says so for these; the hub asks it
    for every socket that is not a centre's, so a followed case (a ``case.<id>`` group,
    checked once at subscribe) stops flowing to a department once it has left it."""

    departments: list[str]
    people: list[int]


def audience_of(case, previous_department=None, previous_assignee_id=None) -> Audience:
    return {"departments": sorted(d.code for d in {case.department, previous_department}
                                  - {None}),
            "people": sorted({case.reporter_id, case.assignee_id, previous_assignee_id}
                             - {None})}


def groups_for(case, previous_department=None, previous_assignee_id=None) -> list[str]:
    """Who hears about a case: the centres, its department (and the one it just left), its
    reporter, followers of the case and of its cell, and the supervisor holding its verify or
    check task (and the one whose task just ended, so their task list drops it)."""
    audience = audience_of(case, previous_department, previous_assignee_id)
    groups = [CENTER, case_group(case.pk)]
    if case.cell_code:
        groups.append(grid_group(case.cell_code))
    groups += [dept_group(code) for code in audience["departments"]]
    groups += [user_group(user_id) for user_id in audience["people"]]
    return groups


def build_message(case, event) -> CaseMessage:
    """The message for ``event`` with ``case`` as it is now (live: just after the event; in a
    replay: possibly later, which a client treats as newer data for the same case)."""
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
    if set(msg) != _KEYS or set(msg["event"]) != _EVENT_KEYS:
        raise ValueError(f"CaseMessage has unexpected keys {sorted(set(msg) ^ _KEYS)}")
    return msg


async def _send_all(groups: list[str], msg: CaseMessage, audience: Audience) -> None:
    layer = get_channel_layer()
    # The JSON text is made once here, not once per socket: a worker holding thousands of
    # terminals would otherwise spend most of a fan-out re-encoding the same message. Each
    # worker's hub (hub.py) gets one copy per group it listens to and writes the text as it is.
    text = json.dumps(msg, ensure_ascii=False, separators=(",", ":"))
    # Concurrently: one round trip to Redis for all groups instead of one per group.
    results = await asyncio.gather(
        *(layer.group_send(g, {"type": "case.message", "group": g, "event_id": msg["event_id"],
                               "text": text, "audience": audience}) for g in groups),
        return_exceptions=True)
    for group, result in zip(groups, results):
        if isinstance(result, BaseException):
            layer_watch.note(f"a push to {group} failed: {result!r}")
            log.error("realtime push to %s failed for event %s: %r", group, msg["event_id"],
                      result)


def send_case_event_on_commit(case, event, *, previous_department=None,
                              previous_assignee_id=None) -> None:
    """Schedule the push of ``event`` for after the current transaction commits (at once when
    none is open). Called only by actions, inside their transaction."""
    msg = build_message(case, event)
    groups = groups_for(case, previous_department, previous_assignee_id)
    audience = audience_of(case, previous_department, previous_assignee_id)

    def push() -> None:
        try:
            async_to_sync(_send_all)(groups, msg, audience)
        except Exception as exc:  # the case is stored; a lost push is recovered by resume
            layer_watch.note(f"a push failed: {exc!r}")
            log.exception("realtime push failed for event %s", msg["event_id"])

    transaction.on_commit(push)


#: The close code of a socket whose credentials ended (a token revoked, the user deactivated,
#: their role or department changed): a client reconnects, and is let in again only if what it
#: signs in with still holds, with the groups its role has now.
CREDENTIALS_ENDED = 4401


async def _close_all(group: str) -> None:
    await get_channel_layer().group_send(group, {"type": "hub.close", "group": group,
                                                 "code": CREDENTIALS_ENDED})


def close_user_sockets_on_commit(user_id: int) -> None:
    """After the current transaction commits (at once when none is open), close every open
    websocket of user ``user_id``, in every worker, through the user's own group (each socket
    joins it at connect). Called when a credential of the user ends, whatever the kind of
    token: it keys on the user, not on a token. A lost close (Redis away) is logged: the
    socket then streams until it drops."""

    def push() -> None:
        try:
            async_to_sync(_close_all)(user_group(user_id))
        except Exception as exc:
            layer_watch.note(f"a close failed: {exc!r}")
            log.exception("realtime: closing the sockets of user %s failed", user_id)

    transaction.on_commit(push)
