"""The field tests' extra: the toy city again as a new active version, now with a duty grid
(DG1: the north-west cell, patrolled by ``supervisor``), and a way to make idempotency keys."""

from __future__ import annotations

import dataclasses
import uuid

import pytest

from gridmaps.model import DutyGrid
from server.maps.demo_loader import load_city
from tests.server.conftest import COMMUNITY, toy_city


def key() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def duty_cast(cast):
    city = dataclasses.replace(toy_city(), duty_grids=(
        DutyGrid("DG1", "一号责任网格", (f"{COMMUNITY}001",), ("supervisor",)),))
    load_city(city, label="toy with a duty grid", with_users=False)
    return cast
