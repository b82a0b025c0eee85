"""Typed websocket payloads, both ways, and a validator that forbids unknown fields.

Client → server (``parse_client``):

    {"type": "ping"}
    {"type": "resume", "after": <event id>, "seen": [<event id>, ...]?,
     "seen_ranges": [[<lo>, <hi>], ...]?}
    {"type": "subscribe" | "unsubscribe", "cases": [<case number>, ...]?, "grids": [<cell>, ...]?}

Server → client (built only through ``outgoing``): ``hello``, ``case`` (``CaseMessage`` in
``send.py``), ``resumed``, ``reset``, ``subscribed``, ``pong`` and ``error``. A message that does
not match its declared keys raises ``ValueError`` before it leaves the server, so a typo in a
sender is a test failure, not a silent change of protocol.

``resume``: ``after`` is the client's cursor (the largest event id it holds). ``seen`` lists ids
it holds (its newest, at most ``MAX_SEEN``; what older clients send). ``seen_ranges`` says the
same compactly: each ``[lo, hi]`` means "I hold every event id from lo to hi that was sent to
me"; the pairs are sorted and do not overlap (at most ``MAX_SEEN_RANGES``). A client
builds them from the ids it received: consecutive received ids make one pair, so a centre
console, which hears every event, sends one pair per gap. ``server.realtime.replay`` says how
the server uses both.
"""

from __future__ import annotations

from typing import Any, Callable, Literal, TypedDict

#: Longest ``seen`` list a client may send with ``resume`` (ids it already holds in the window
#: where a late commit can still appear; see ``replay``).
MAX_SEEN = 2000
#: Most ``[lo, hi]`` pairs in a resume's ``seen_ranges`` (about 40 KB of JSON at most).
MAX_SEEN_RANGES = 2000
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


def _id_ranges(v: Any) -> bool:
    """``seen_ranges``: sorted, disjoint ``[lo, hi]`` id pairs. True, or ``Invalid`` saying
    which pair is wrong and how (a client author has to find the bug from the message)."""
    where = "resume.seen_ranges"
    if not isinstance(v, list):
        raise Invalid(f"bad value for {where}: a list of [lo, hi] pairs, not "
                      f"{type(v).__name__}")
    if len(v) > MAX_SEEN_RANGES:
        raise Invalid(f"bad value for {where}: {len(v)} pairs, at most {MAX_SEEN_RANGES} "
                      f"(send the newest)")
    previous_hi = -1
    for n, pair in enumerate(v):
        if not (isinstance(pair, list) and len(pair) == 2):
            raise Invalid(f"bad value for {where}: pair {n} is not a list [lo, hi]")
        lo, hi = pair
        if not (_int_id(lo) and _int_id(hi)):
            raise Invalid(f"bad value for {where}: pair {n} holds something other than event "
                          f"ids (integers from 0 to 2**63-1)")
        if lo > hi:
            raise Invalid(f"bad value for {where}: pair {n} has lo {lo} > hi {hi}")
        if lo <= previous_hi:
            raise Invalid(f"bad value for {where}: pair {n} starts at {lo}, not above the "
                          f"previous pair's end {previous_hi} (pairs are sorted and do not "
                          f"overlap)")
        previous_hi = hi
    return True


# type -> {field: (check, required)}; a check returns False or raises Invalid with a reason
_CLIENT: dict[str, dict[str, tuple[Callable[[Any], bool], bool]]] = {
    "ping": {},
    "resume": {"after": (_int_id, True), "seen": (_list_of(_int_id, MAX_SEEN), False),
               "seen_ranges": (_id_ranges, False)},
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
