"""Resume: the events a reconnecting socket missed, read back from the event log.

The log (``CaseEvent``) is append-only and its ids increase in insertion order, so a client's
cursor is the largest event id it holds. A client that reconnects sends
``{"type": "resume", "after": N, "seen": [...]}`` and gets every event it may see with id > N,
then the live stream (the consumer drops ids it already sent). Which events a user gets back
is ``server.accounts.access``'s answer (``replayable_cases`` narrows the log,
``heard_events`` keeps the events the user heard live: a department gets a case's events
while the case was sent to it, up to the one that took it away). A case the user may no longer
see is shown as it was right after each event, not as it is now.

Late commits. On PostgreSQL ids are taken at INSERT, not at COMMIT: a transaction that took
id 10 can commit after one that took id 11. A client that saw 11 live and then lost its link
before 10 committed would never get 10 from "id > 11". Per case this cannot happen (actions lock
the case row before inserting, so one case's events commit in id order); across cases it can.
So the replay also re-sends events with id <= N whose ``at`` (taken inside the transaction, so
before its commit) is no older than ``REALTIME_LATE_COMMIT_SECONDS`` before the ``at`` of event
N: an event committed after the client's last one began at most that long before it, as long as
no action transaction stays open longer than that (they last milliseconds; PostgreSQL's
``idle_in_transaction_session_timeout`` can enforce a bound). The client sends the ids it holds
from that window in ``seen`` (its newest, at most ``schema.MAX_SEEN``) and, compactly, in
``seen_ranges`` (``[lo, hi]`` pairs: "I hold every event id from lo to hi that was sent to me");
anything it holds anyway is dropped again by id on its side.

How far below the cursor the window reaches for a client (``Held.floor``): not below the lowest
id the client names. Below its memory lie events from before it connected (its lists hold
them) or ones it forgot; at a busy centre's rate (hundreds of events a second) re-sending all
of a minute's events it cannot name overran the socket. A client that sends only ``seen``
names at most 2,000 ids, a few seconds of such a centre: a full ``seen`` bounds the window at
its oldest id, so a push lost in a killed worker longer ago than that is not re-sent. With
``seen_ranges`` the client names a minute and more in a few pairs (one per gap in what it
received), so the window reaches as far as the client's memory, and a gap inside it (a lost
push) is re-sent while nothing it holds is.

Too much missed (more than ``REALTIME_RESUME_MAX`` events): the answer is a ``reset``, and the
client reloads its lists over REST and continues from ``last_event_id``.

Sync functions (ORM): consumers call them through ``database_sync_to_async``.
"""

from __future__ import annotations

import bisect
import copy
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db.models import Max, Q

from server.accounts import access
from server.cases.models import CaseEvent
from server.cases.snapshots import apply_changes
from server.realtime.schema import MAX_SEEN
from server.realtime.send import build_message
from workflows.case import SNAPSHOT_FIELDS
from workflows.replay import replay as fold


#: How many ids below the cursor the late-commit window may reach: bounds the scan to the
#: primary-key index (far more than the ids a city allocates within the window).
LATE_ID_SPAN = 10_000


def late_commit_window() -> timedelta:
    return timedelta(seconds=getattr(settings, "REALTIME_LATE_COMMIT_SECONDS", 60))


def resume_max() -> int:
    return int(getattr(settings, "REALTIME_RESUME_MAX", 1000))


def last_event_id() -> int:
    return CaseEvent.objects.aggregate(m=Max("id"))["m"] or 0


class Held:
    """What a client says it holds: ids (``seen``) and sorted, disjoint ``[lo, hi]`` ranges
    (``seen_ranges``, checked by ``schema.parse_client``)."""

    def __init__(self, ids=frozenset(), ranges=()):
        self.ids = frozenset(ids)
        self._los = [lo for lo, _ in ranges]
        self._his = [hi for _, hi in ranges]

    def __contains__(self, event_id: int) -> bool:
        if event_id in self.ids:
            return True
        n = bisect.bisect_right(self._los, event_id) - 1
        return n >= 0 and event_id <= self._his[n]

    def floor(self) -> int | None:
        """The lowest id the client names (ranges included), or None when that does not bound
        the window: ids alone bound it only when the list is full (``MAX_SEEN``), i.e. the
        client had to leave older ones out."""
        if self._los:
            return min(self._los[0], min(self.ids, default=self._los[0]))
        if len(self.ids) >= MAX_SEEN:
            return min(self.ids)
        return None


@dataclass
class Replay:
    """``messages`` in id order, or ``reset`` when more than the limit was missed."""

    last_event_id: int
    messages: list[dict] = field(default_factory=list)
    reset: bool = False


def replay(user, after: int, seen: frozenset[int] | Held = frozenset(), *,
           client_seen: bool = False) -> Replay:
    """Events ``user`` may see with id > ``after``, plus those in the late-commit window below
    it, minus ``seen`` (ids, or a ``Held`` with ranges too); a reset when more than
    ``REALTIME_RESUME_MAX`` of them are above ``after``.

    Only those count: they are certainly missed. The window's events are ones the client may
    hold. For a client (``client_seen``) the window reaches no lower than ``Held.floor``: the
    lowest id it names, when it names ranges or a full list of ids (see the module's
    docstring). Before the window was bounded, its events counted and every resume at such a
    rate became a reset (bench.faults, ~100 reports a second: the centre's console lost what a
    reload skips); sent unbounded, they overran the socket. The server's own catch-up after a
    channel-layer failure knows everything it sent: its ``seen`` does not bound the window."""
    held = seen if isinstance(seen, Held) else Held(seen)
    newest = last_event_id()
    window = Q(id__gt=after)
    anchor = (CaseEvent.objects.filter(id__lte=after).order_by("-id")
              .values_list("at", flat=True).first())
    if anchor is not None:
        low = after - LATE_ID_SPAN
        floor = held.floor() if client_seen else None
        if floor is not None:
            low = max(low, floor - 1)
        window |= Q(id__lte=after, id__gt=low, at__gte=anchor - late_commit_window())
    limit = resume_max()
    rows = (CaseEvent.objects.filter(window, case__in=access.replayable_cases(user).values("pk"))
            .select_related("case__department", "case__reporter", "actor").order_by("id"))
    out = Replay(last_event_id=newest)
    missed = 0
    past = _PastCases(user)
    for chunk in _chunks(rows.iterator(chunk_size=200), 200):
        heard = [e for e in access.heard_events(user, chunk) if e.pk not in held]
        for event in heard:
            if event.pk > after:
                missed += 1
                if missed > limit:
                    return Replay(last_event_id=newest, reset=True)
        past.note(heard)
        for event in heard:
            out.messages.append(build_message(past.case_at(event), event))
            out.last_event_id = max(out.last_event_id, event.pk)
    return out


def _chunks(rows, size: int):
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _PastCases:
    """The case a replayed event is shown with: as it is now when the user may see it now
    (newer data for the same case, as the live stream would bring), else as it was right after
    the event, folded from its log (``workflows.replay``): a department that heard a case leave
    it learns nothing of what came after (where the case went next, what was done)."""

    def __init__(self, user):
        self.user = user
        self.visible: set[int] = set()
        self.logs: dict[int, list[tuple[int, dict]]] = {}

    def note(self, events: list) -> None:
        case_ids = {e.case_id for e in events} - self.visible - set(self.logs)
        if not case_ids:
            return
        self.visible |= set(access.visible_cases(self.user).filter(pk__in=case_ids)
                            .values_list("pk", flat=True))
        hidden = case_ids - self.visible
        if hidden:
            top = max(e.pk for e in events if e.case_id in hidden)
            for case_id in hidden:
                self.logs[case_id] = []
            for case_id, event_id, data in (CaseEvent.objects
                                            .filter(case_id__in=hidden, id__lte=top)
                                            .order_by("id").values_list("case_id", "id", "data")):
                self.logs[case_id].append((event_id, data))

    def case_at(self, event):
        if event.case_id in self.visible:
            return event.case
        snapshot = fold(data for event_id, data in self.logs[event.case_id]
                        if event_id <= event.pk)
        case = copy.copy(event.case)
        apply_changes(case, {name: getattr(snapshot, name) for name in SNAPSHOT_FIELDS})
        case.updated_at = event.at
        return case
