"""Node time limits (时限) as versioned data, read from ``workflows/data/node_limits.json``.

For the walking skeleton every node has one limit in natural minutes; the working calendar and
the per-class filing conditions replace this table without changing ``decide``'s contract.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from workflows.states import State

DATA = Path(__file__).with_name("data") / "node_limits.json"


@lru_cache(maxsize=1)
def _table() -> dict[str, int]:
    raw = json.loads(DATA.read_text(encoding="utf-8"))
    minutes = raw["minutes"]
    unknown = set(minutes) - {s.value for s in State}
    if unknown:
        raise ValueError(f"{DATA}: unknown states {sorted(unknown)}")
    return {k: int(v) for k, v in minutes.items()}


def node_limit_minutes(state: State) -> int | None:
    """Minutes allowed for the node that ``state`` begins, or None when it has no timer."""
    return _table().get(state.value)


def table_version() -> str:
    return json.loads(DATA.read_text(encoding="utf-8"))["version"]
