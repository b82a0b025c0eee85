"""Resume: the events a reconnecting socket missed, read back from the event log.

The log (``CaseEvent``) is append-only and its ids increase in insertion order, so a client's
cursor is the largest event id it holds. A client that reconnects sends
``{"type": "resume", "after": N, "seen": [...]}`` and gets every event it may see with id > N,
then the live stream (the consumer drops ids it already sent). Which cases' events a user gets
back is ``server.accounts.access.replayable_cases``.

Late commits. On PostgreSQL ids are taken at INSERT, not at COMMIT: a transaction that took
id 10 can commit after one that took id 11. A client that saw 11 live and then lost its link
before 10 committed would never get 10 from "id > 11". Per case this cannot happen (actions lock
the case row before inserting, so one case's events commit in id order); across cases it can.
So the replay also re-sends events with id <= N whose ``at`` (taken inside the transaction, so
before its commit) is no older than ``REALTIME_LATE_COMMIT_SECONDS`` before the ``at`` of event
N: an event committed after the client's last one began at most that long before it, as long as
no action transaction stays open longer than that (they last milliseconds; PostgreSQL's
``idle_in_transaction_session_timeout`` can enforce a bound). The client sends the ids it holds
from that window in ``seen``; anything it holds anyway is dropped again by id on its side.

Too much missed (more than ``REALTIME_RESUME_MAX`` events): the answer is a ``reset``, and the
client reloads its lists over REST and continues from ``last_event_id``.

Sync functions (ORM): consumers call them through ``database_sync_to_async``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db.models import Max, Q

from server.accounts import access
from server.cases.models import CaseEvent
from server.realtime.schema import MAX_SEEN
from server.realtime.send import build_message


#: How many ids below the cursor the late-commit window may reach: bounds the scan to the
#: primary-key index (far more than the ids a city allocates within the window).
LATE_ID_SPAN = 10_000


def late_commit_window() -> timedelta:
    return timedelta(seconds=getattr(settings, "REALTIME_LATE_COMMIT_SECONDS", 60))


def resume_max() -> int:
    return int(getattr(settings, "REALTIME_RESUME_MAX", 1000))


def last_event_id() -> int:
    return CaseEvent.objects.aggregate(m=Max("id"))["m"] or 0


@dataclass
class Replay:
    """``messages`` in id order, or ``reset`` when more than the limit was missed."""

    last_event_id: int
    messages: list[dict] = field(default_factory=list)
    reset: bool = False


def replay(user, after: int, seen: frozenset[int] = frozenset(), *,
           client_seen: bool = False) -> Replay:
    """Events ``user`` may see with id > ``after``, plus those in the late-commit window below
    it, minus ``seen``; a reset when more than ``REALTIME_RESUME_MAX`` of them are above
    ``after``.

    Only those count: they are certainly missed. The window's events are ones the client may
    hold, and a client's ``seen`` (``client_seen``: its newest ids, at most
    ``schema.MAX_SEEN``) cannot name them all once more events fall in the window: 60 s of a
    centre's events at 35 a second. So a client's full ``seen`` also bounds the window from
    below at its oldest id (a commit or a lost push older than the client's last 2,000 events
    is not what a reconnect after a drop has to bring back). Before, those events counted and
    every resume at such a rate became a reset (bench.faults, ~100 reports a second: the
    centre's console lost what a reload skips); sent unbounded, they overran the socket. The
    server's own catch-up after a channel-layer failure knows everything it sent: its ``seen``
    does not bound the window."""
    newest = last_event_id()
    window = Q(id__gt=after)
    anchor = (CaseEvent.objects.filter(id__lte=after).order_by("-id")
              .values_list("at", flat=True).first())
    if anchor is not None:
        low = after - LATE_ID_SPAN
        if client_seen and len(seen) >= MAX_SEEN:
            low = max(low, min(seen) - 1)
        window |= Q(id__lte=after, id__gt=low, at__gte=anchor - late_commit_window())
    limit = resume_max()
    rows = (CaseEvent.objects.filter(window, case__in=access.replayable_cases(user).values("pk"))
            .select_related("case__department", "case__reporter", "actor").order_by("id"))
    out = Replay(last_event_id=newest)
    missed = 0
    for event in rows.iterator(chunk_size=200):
        if event.pk in seen:
            continue
        if event.pk > after:
            missed += 1
            if missed > limit:
                return Replay(last_event_id=newest, reset=True)
        out.messages.append(build_message(event.case, event))
        out.last_event_id = max(out.last_event_id, event.pk)
    return out
