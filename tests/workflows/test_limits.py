"""Node limits: the file's table, and a city's overrides over it."""

from __future__ import annotations

import pytest

from workflows.limits import Limit, default_node_limits
from workflows.states import State


def test_overrides_replace_a_node_for_every_state_of_it():
    base = default_node_limits()
    limits = base.with_overrides({"approve": Limit(4, "work_hours")}, "admin.1")
    for state in (State.RETURN_REQUESTED, State.POSTPONE_REQUESTED, State.SUSPEND_REQUESTED):
        assert limits.node_of(state) == ("approve", Limit(4, "work_hours"))
    assert limits.node_of(State.REPORTED) == base.node_of(State.REPORTED)
    assert limits.version == f"{base.version}+admin.1" and base.limit_of("approve").value == 1
    assert base.with_overrides({}, "admin.2") is base


def test_unknown_nodes_and_impossible_limits_are_refused():
    with pytest.raises(ValueError, match="unknown node 'lunch'"):
        default_node_limits().with_overrides({"lunch": Limit(1, "work_hours")}, "x")
    for value in (0, -1, float("inf"), float("nan")):
        with pytest.raises(ValueError, match="positive finite number"):
            Limit(value, "work_hours")
    with pytest.raises(ValueError):
        Limit(1, "fortnights")
