"""Node time limits (节点时限) as versioned data, read from ``workflows/data/node_limits.json``.

Every node (accept, verify, file, dispatch, department accept, handle, check, close, and the
approvals of the side flows) has a limit with a value and a unit (``workflows.calendar.Unit``).
The handling node's limit comes from the case's filing condition (立案条件), not from here.
A city overrides a node's limit without editing the file: ``NodeLimits.with_overrides`` (the
server reads the overrides from its admin, ``server.cases.rules``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Mapping

from workflows.calendar import Unit
from workflows.states import State

DATA = Path(__file__).with_name("data") / "node_limits.json"


def check_value(value) -> None:
    """Raise ValueError unless ``value`` is a usable amount of a time limit (positive, finite)."""
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise ValueError(f"a time limit must be a positive finite number, not {value!r}")


@dataclass(frozen=True)
class Limit:
    value: float
    unit: Unit

    def __post_init__(self):
        check_value(self.value)
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

    def limit_of(self, node: str) -> Limit | None:
        """The limit of a timed node (the first state naming it); None for an unknown node."""
        return next((limit for name, limit in self.nodes.values() if name == node), None)

    @property
    def node_names(self) -> list[str]:
        """The timed nodes in file order, each once (the handling node is not among them)."""
        return list(dict.fromkeys(name for name, _ in self.nodes.values()))

    def with_overrides(self, overrides: Mapping[str, Limit], label: str) -> NodeLimits:
        """These limits with ``overrides`` (node name → limit) replacing the file's for every
        state of that node; ``label`` is appended to the version. Raises ValueError naming an
        unknown node."""
        unknown = sorted(set(overrides) - set(self.node_names))
        if unknown:
            raise ValueError(f"node_limits: unknown node {', '.join(map(repr, unknown))}")
        if not overrides:
            return self
        nodes = {state: (name, overrides.get(name, limit))
                 for state, (name, limit) in self.nodes.items()}
        return replace(self, nodes=nodes, version=f"{self.version}+{label}")


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
