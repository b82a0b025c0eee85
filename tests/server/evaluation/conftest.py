"""Generated history for the evaluation tests (``tests.server.walkplay.play``).
``server.cases.actions._event`` records every new event into the rollups (the hook is part of
the action itself).
"""

from __future__ import annotations

import pytest

from server.cases import actions


@pytest.fixture
def hooked():
    """The rollup hook is in ``actions._event`` itself; kept as a fixture so the tests say
    they depend on it (and fail loudly if it goes)."""
    assert "record_rollups" in actions._event.__code__.co_names
