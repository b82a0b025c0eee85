"""Rebuild a case from its event log: a fold of each event's recorded changes.

Every event stores the snapshot fields its decision changed (``data["changes"]``, values as
JSON: datetimes in ISO 8601). Replaying them in order from an empty snapshot gives the case's
state, deadlines and counters exactly as the store holds them, whatever the rules say today.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, Mapping

from workflows.case import CaseSnapshot
from workflows.states import State

DATETIME_FIELDS = frozenset({"node_started_at", "yellow_at", "deadline", "handle_started_at",
                             "handle_deadline", "original_handle_deadline", "handled_at"})


def to_json(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Decision changes as JSON-safe values (the form stored in the event)."""
    out = {}
    for key, value in changes.items():
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, State):
            value = value.value
        out[key] = value
    return out


def from_json(changes: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in changes.items():
        if key in DATETIME_FIELDS and value is not None:
            value = datetime.fromisoformat(value)
        out[key] = value
    return out


def replay(events: Iterable[Mapping[str, Any]]) -> CaseSnapshot:
    """Fold events (each a mapping with a ``changes`` mapping in JSON form) into a snapshot."""
    snapshot: CaseSnapshot | None = None
    for event in events:
        changes = from_json(event["changes"])
        if snapshot is None:
            snapshot = CaseSnapshot(state=State(changes["state"]))
        snapshot = snapshot.apply(changes)
    if snapshot is None:
        raise ValueError("a case needs at least one event")
    return snapshot
