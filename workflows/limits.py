"""Node time limits (节点时限) as versioned data, read from ``workflows/data/node_limits.json``.

Every node (accept, verify, file, dispatch, department accept, handle, check, close, and the
approvals of the side flows) has a limit with a value and a unit (``workflows.calendar.Unit``).
The handling node's limit comes from the case's filing condition (立案条件), not from here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Mapping

from workflows.calendar import Unit
from workflows.states import State

DATA = Path(__file__).with_name("data") / "node_limits.json"


@dataclass(frozen=True)
class Limit:
    value: float
    unit: Unit

    def __post_init__(self):
        if not self.value > 0:
            raise ValueError(f"a time limit must be positive, not {self.value!r}")
        object.__setattr__(self, "unit", Unit(self.unit))

    def as_json(self) -> dict:
        return {"value": self.value, "unit": self.unit.value}


@dataclass(frozen=True)
class NodeLimits:
    """Which node each state is, and its limit. States with no entry have no timer."""

    nodes: Mapping[State, tuple[str, Limit]]
    handling_node: str
    default_handle: Limit
    yellow_at: float
    version: str

    def node_of(self, state: State) -> tuple[str, Limit] | None:
        return self.nodes.get(state)


def parse(raw: dict) -> NodeLimits:
    """Build NodeLimits from the JSON shape above; raises ValueError naming the bad entry."""
    nodes = {}
    for name, entry in raw["nodes"].items():
        try:
            state = State(name)
        except ValueError:
            raise ValueError(f"node_limits: unknown state {name!r}") from None
        nodes[state] = (entry["node"], Limit(entry["value"], entry["unit"]))
    yellow = float(raw.get("light", {}).get("yellow_at", 0.8))
    if not 0 < yellow < 1:
        raise ValueError("node_limits: light.yellow_at must be between 0 and 1")
    return NodeLimits(nodes=nodes, handling_node=raw["handling_node"],
                      default_handle=Limit(**raw["default_handle"]), yellow_at=yellow,
                      version=raw["version"])


@lru_cache(maxsize=1)
def default_node_limits() -> NodeLimits:
    return parse(json.loads(DATA.read_text(encoding="utf-8")))
