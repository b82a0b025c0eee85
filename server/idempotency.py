"""Idempotency keys (幂等键): one rule for every write a client may retry.

A client sends a key it made (a UUID) with each request that creates something: a report of any
channel, a case action, a clock-in, a patrol track, a component update. A request with a key
seen before, from the same owner and with the same body (``request_hash``), is answered with
what the first one created and writes nothing; the key with another body or from someone else
is refused (``IdempotencyConflict``, HTTP 409). The unique key column decides races: of two
identical requests, exactly one insert wins and the other is answered with its row.

``request_hash(*parts)`` is the one hash of what a client sent: parts in order, each bytes
value by its SHA-256, dicts with sorted keys. ``find_replay`` is the one finder: the owner is
the model's ``user`` or ``reporter``. ``create_once`` runs a create in its own transaction
under that rule.

Imports nothing of the apps: every app may use it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Callable, TypeVar

from django.db import IntegrityError, transaction

from workflows.reasons import Code, Reason

T = TypeVar("T")

#: What a client's key may look like (a UUID fits): 8-64 letters, digits, '-' or '_'.
KEY_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"


class IdempotencyConflict(Exception):
    """The key was used before with another body or by someone else; the message (``reason``,
    a ``Reason``: in the request's language through ``server.reasons.worded``) says so."""

    @property
    def reason(self) -> str:
        return self.args[0]


def request_hash(*parts) -> str:
    """SHA-256 (hex) of the canonical JSON of ``parts`` (bytes as their own SHA-256)."""
    canonical = json.dumps([hashlib.sha256(p).hexdigest() if isinstance(p, bytes) else p
                            for p in parts], ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _owner_field(model) -> str:
    """The foreign key naming who sent the request: ``user`` or ``reporter``."""
    names = {f.name for f in model._meta.get_fields()}
    for name in ("user", "reporter"):
        if name in names:
            return f"{name}_id"
    raise TypeError(f"{model.__name__} has no user or reporter field")


def find_replay(model, owner, key: str, digest: str, what: str, *,
                key_field: str = "idempotency_key"):
    """The ``model`` row an earlier request with ``key`` created, or None. Raises
    IdempotencyConflict when that request came from another owner or carried another body;
    ``what`` names the thing in the message ("report", "clock-in or clock-out")."""
    owner_field = _owner_field(model)
    # Nearly every request is new: probe with two columns, and load the row only on a hit.
    found = model.objects.filter(**{key_field: key}).values_list(
        "pk", owner_field, "request_hash").first()
    if found is None:
        return None
    pk, owner_id, request_hash = found
    if owner_id != owner.pk or request_hash != digest:
        raise IdempotencyConflict(Reason(
            "idempotency key %(key)s was already used for a different %(what)s; send a new key "
            "for a new %(what)s", key=repr(key), what=Code("request", what)))
    return model.objects.get(pk=pk)


def create_once(model, owner, key: str, digest: str, what: str,
                create: Callable[[], T]) -> tuple[T, bool]:
    """``(row, True)`` from ``create()`` (run in a transaction), or ``(earlier row, False)``
    when a request with this key got there first. Raises IdempotencyConflict as
    ``find_replay``."""
    earlier = find_replay(model, owner, key, digest, what)
    if earlier is not None:
        return earlier, False
    try:
        with transaction.atomic():
            return create(), True
    except IntegrityError:
        earlier = find_replay(model, owner, key, digest, what)
        if earlier is None:
            raise
        return earlier, False
