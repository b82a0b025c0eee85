"""Idempotency keys (幂等键) of the field endpoints, the same contract as reports: a request
with a key seen before from the same user and the same body is answered from the stored row
(200, nothing written twice); the key with another body or from another user is refused (409).

``create_once`` runs the insert in its own transaction; when two identical requests race, the
unique key lets exactly one insert win and the loser answers with the winner's row.
"""

from __future__ import annotations

import hashlib
import json
from typing import Callable, TypeVar

from django.db import IntegrityError, transaction
from rest_framework import status

from server.api_errors import ApiError

T = TypeVar("T")


def body_hash(*parts) -> str:
    """SHA-256 of the canonical JSON of ``parts`` (what the client sent, bytes as hashes)."""
    canonical = json.dumps([hashlib.sha256(p).hexdigest() if isinstance(p, bytes) else p
                            for p in parts], ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def find_replay(model, user, key: str, request_hash: str, what: str):
    """The row an earlier request with ``key`` created, or None. Raises ApiError 409 when the
    key came from another user or with another body."""
    row = model.objects.filter(idempotency_key=key).first()
    if row is None:
        return None
    owner = getattr(row, "user_id", None) or getattr(row, "reporter_id", None)
    if owner != user.pk or row.request_hash != request_hash:
        raise ApiError("idempotency_conflict",
                       f"idempotency key {key!r} was already used for a different {what}; "
                       f"send a new key for a new {what}", field="idempotency_key",
                       status_code=status.HTTP_409_CONFLICT)
    return row


def create_once(model, user, key: str, request_hash: str, what: str,
                create: Callable[[], T]) -> tuple[T, bool]:
    """``(row, True)`` from ``create()`` (run in a transaction), or ``(earlier row, False)``
    when a request with this key got there first."""
    earlier = find_replay(model, user, key, request_hash, what)
    if earlier is not None:
        return earlier, False
    try:
        with transaction.atomic():
            return create(), True
    except IntegrityError:
        earlier = find_replay(model, user, key, request_hash, what)
        if earlier is None:
            raise
        return earlier, False
