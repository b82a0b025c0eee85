"""Typed websocket payloads, both ways, and a validator that forbids unknown fields.

Client → server (``parse_client``):

    {"type": "ping"}
    {"type": "resume", "after": <event id>, "seen": [<event id>, ...]?}
    {"type": "subscribe" | "unsubscribe", "cases": [<case number>, ...]?, "grids": [<cell>, ...]?}

Server → client (built only through ``outgoing``): ``hello``, ``case`` (``CaseMessage`` in
``send.py``), ``resumed``, ``reset``, ``subscribed``, ``pong`` and ``error``. A message that does
not match its declared keys raises ``ValueError`` before it leaves the server, so a typo in a
sender is a test failure, not a silent change of protocol.
"""

from __future__ import annotations

from typing import Any, Callable, Literal, TypedDict

#: Longest ``seen`` list a client may send with ``resume`` (ids it already holds in the window
#: where a late commit can still appear; see ``replay``).
MAX_SEEN = 2000
#: Most case and grid names in one subscribe message.
MAX_NAMES = 200


class Invalid(ValueError):
    """A client message that does not fit the schema; ``str(exc)`` says why."""


def _int_id(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**63


def _name(v: Any) -> bool:
    return isinstance(v, str) and 0 < len(v) <= 32 and v.isascii() and v.replace("-", "").isalnum()


def _list_of(check: Callable[[Any], bool], limit: int) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, list) and len(v) <= limit and all(check(x) for x in v)


# type -> {field: (check, required)}
_CLIENT: dict[str, dict[str, tuple[Callable[[Any], bool], bool]]] = {
    "ping": {},
    "resume": {"after": (_int_id, True), "seen": (_list_of(_int_id, MAX_SEEN), False)},
    "subscribe": {"cases": (_list_of(_name, MAX_NAMES), False),
                  "grids": (_list_of(_name, MAX_NAMES), False)},
    "unsubscribe": {"cases": (_list_of(_name, MAX_NAMES), False),
                    "grids": (_list_of(_name, MAX_NAMES), False)},
}


def parse_client(content: Any) -> dict[str, Any]:
    """Return ``content`` if it is a known client message with valid fields, else raise
    ``Invalid`` naming the first problem (unknown type, unknown field, missing or bad field)."""
    if not isinstance(content, dict):
        raise Invalid("a message is a JSON object")
    kind = content.get("type")
    spec = _CLIENT.get(kind) if isinstance(kind, str) else None
    if spec is None:
        raise Invalid(f"unknown message type {kind!r}; one of: {', '.join(sorted(_CLIENT))}")
    unknown = sorted(set(content) - set(spec) - {"type"})
    if unknown:
        raise Invalid(f"unknown field(s) for {kind!r}: {', '.join(unknown)}")
    for field, (check, required) in spec.items():
        if field not in content:
            if required:
                raise Invalid(f"{kind!r} needs {field!r}")
            continue
        if not check(content[field]):
            raise Invalid(f"bad value for {kind}.{field}")
    return content


class HelloMessage(TypedDict):
    type: Literal["hello"]
    user: str
    role: str
    groups: list[str]
    #: The newest event id at connect: a fresh client's resume cursor.
    last_event_id: int


class ResumedMessage(TypedDict):
    type: Literal["resumed"]
    after: int
    replayed: int
    last_event_id: int


class ResetMessage(TypedDict):
    """Too much was missed to replay: reload the lists, then continue from ``last_event_id``."""

    type: Literal["reset"]
    reason: str
    last_event_id: int


class SubscribedMessage(TypedDict):
    type: Literal["subscribed"]
    op: Literal["subscribe", "unsubscribe"]
    groups: list[str]
    refused: list[str]


class PongMessage(TypedDict):
    type: Literal["pong"]


class ErrorMessage(TypedDict):
    type: Literal["error"]
    code: str
    message: str


_OUT: dict[str, type] = {"hello": HelloMessage, "resumed": ResumedMessage, "reset": ResetMessage,
                         "subscribed": SubscribedMessage, "pong": PongMessage,
                         "error": ErrorMessage}


def outgoing(**fields: Any) -> dict[str, Any]:
    """Build a server message; its keys must be exactly those of the TypedDict for its type."""
    shape = _OUT[fields["type"]]
    keys = set(shape.__annotations__)
    if set(fields) != keys:
        raise ValueError(f"{fields['type']} message keys differ: {sorted(set(fields) ^ keys)}")
    return fields
