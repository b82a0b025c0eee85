"""The event log rebuilds every stored case: generated cases are played through the real
actions (random steps by random roles, refusals included, ``tests.server.walkplay``) and each
case's columns must equal the replay of its events."""

from __future__ import annotations

from server.cases.models import Case, CaseEvent
from server.cases.snapshots import snapshot_of
from tests.server.walkplay import play
from workflows.replay import replay


#: Cases played (20 steps each, about 4,000 actions) on either database; the pure engine's replay
#: runs over 3,000 cases in tests/workflows, and this test is about the stored columns and the
#: log of each step, which every played case exercises alike.
CASES = 200


def test_replay_equals_the_stored_case(cast):
    cases = CASES
    play(cast, cases, steps=20)
    reached = set()
    for case in Case.objects.all():
        events = list(CaseEvent.objects.filter(case=case).order_by("id").values_list("data",
                                                                                       flat=True))
        assert replay(events) == snapshot_of(case), case.number
        reached.add(case.state)
    assert Case.objects.count() == cases
    assert len(reached) >= 6, reached
