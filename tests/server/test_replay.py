"""The event log rebuilds every stored case: generated cases are played through the real
actions (random steps by random roles, refusals included) and each case's columns must equal
the replay of its events."""

from __future__ import annotations

import random

from django.utils import timezone

from gis.placement import Placement
from server.accounts.models import User
from server.cases.actions import ReportInput, do_case_action, do_report
from server.cases.models import Case, CaseEvent
from server.cases.photos import clean_photo
from server.cases.snapshots import snapshot_of
from server.maps.models import MapVersion
from tests.server.conftest import jpeg
from tests.workflows.walks import walk
from workflows import Action, Refused, Role
from workflows.replay import replay

#: Thousands on the embedded default; fewer on PostGIS, where each step costs a few round trips
#: more (the pure engine's replay runs over 3,000 cases in tests/workflows).
def _cases() -> int:
    from django.db import connection

    return 1000 if connection.vendor == "sqlite" else 200


def test_replay_equals_the_stored_case(cast):
    users = {u.user.role: u.user for name, u in cast.items()
             if name not in ("anonymous",) and u.user.role != "department"}
    users["system"] = User.objects.get(username="system")
    depts = {"roads": cast["dept_roads"].user, "water": cast["dept_water"].user}
    supervisor = cast["supervisor"].user
    photo = clean_photo(jpeg())
    version = MapVersion.objects.get(active=True)
    placement = Placement("110101001001001", "110101001001", "110101001", ("110101001001001",), ())
    numbers = []
    cases = _cases()
    for seed in range(cases):
        plan = walk(seed, steps=20)
        _, _, reporter, params = next(plan)
        user = supervisor if reporter.role == Role.SUPERVISOR else users["call_taker"]
        case, _ = do_report(user, ReportInput(
            kind="component", class_code="0103", lon=116.41, lat=39.93, accuracy_m=0,
            description="", photo=photo, idempotency_key=f"replay-{seed:06d}",
            request_hash=str(seed), channel=params["channel"]), version.pk, placement)
        numbers.append(case.number)
        snapshot = snapshot_of(case)
        rnd = random.Random(seed)
        while True:
            try:
                _, action, actor, params = plan.send(snapshot)
            except StopIteration:
                break
            if action == Action.TIMER:
                user, params = users["system"], {"light": params["light"]}
            elif actor.role == Role.DEPARTMENT:
                user = depts[actor.department_code]
            else:
                user = users[actor.role.value] if actor.role.value in users else supervisor
            params = dict(params)
            if "assignee_id" in params:
                params["assignee"] = supervisor.username
            if params.get("into"):
                params["into"] = rnd.choice(numbers)
            photos = [photo] * int(params.pop("photo_count", 0) or 0)
            try:
                case = do_case_action(user, case.number, action, params, photos,
                                      now=timezone.now())
            except Refused:
                pass
            snapshot = snapshot_of(Case.objects.get(pk=case.pk))
    reached = set()
    for case in Case.objects.all():
        events = list(CaseEvent.objects.filter(case=case).order_by("id").values_list("data",
                                                                                       flat=True))
        assert replay(events) == snapshot_of(case), case.number
        reached.add(case.state)
    assert Case.objects.count() == cases
    assert len(reached) >= 6, reached
