"""Random walks (tests/workflows/walks.py) played through the real actions: generated history
for the tests that need many stored cases (the replay of the log, the evaluation rollups).
Each case is reported at the walk's own time in one of the toy city's four cells; every step is
taken at the walk's time by a user of the fitting role; refusals are part of the walk."""

from __future__ import annotations

import random

from gis.placement import Placement
from server.accounts.models import User
from server.cases.actions import ReportInput, do_case_action, do_report
from server.cases.models import Case
from server.cases.photos import clean_photo
from server.cases.snapshots import snapshot_of
from server.maps.models import DutyGrid, MapVersion
from tests.server.conftest import COMMUNITY, STREET, jpeg
from tests.workflows.walks import walk
from workflows import Action, Refused, Role

CELLS = [f"{COMMUNITY}{n:03d}" for n in range(1, 5)]


def play(cast, cases: int, steps: int = 20, seed0: int = 0) -> list[str]:
    """Play ``cases`` walks; returns the case numbers. A duty grid of cells 1-2 is given to the
    supervisor so missed reports have something to count."""
    users = {u.user.role: u.user for name, u in cast.items()
             if name != "anonymous" and u.user.role != "department"}
    users["system"] = User.objects.get(username="system")
    depts = {"roads": cast["dept_roads"].user, "water": cast["dept_water"].user}
    supervisor = cast["supervisor"].user
    version = MapVersion.objects.get(active=True)
    if not DutyGrid.objects.filter(version=version).exists():
        grid = DutyGrid.objects.create(version=version, code="G1", name="东华门1号责任网格",
                                       cell_codes=CELLS[:2])
        grid.supervisors.add(supervisor)
    photo = clean_photo(jpeg())
    numbers: list[str] = []
    for seed in range(seed0, seed0 + cases):
        plan = walk(seed, steps=steps)
        now, _, reporter, params = next(plan)
        user = supervisor if reporter.role == Role.SUPERVISOR else users["call_taker"]
        cell = CELLS[seed % 4]
        case, _ = do_report(user, ReportInput(
            kind="component", class_code="0103", lon=116.41, lat=39.93, accuracy_m=0,
            description="", photo=photo, idempotency_key=f"eval-{seed:06d}",
            request_hash=str(seed), channel=params["channel"]), version.pk,
            Placement(cell, COMMUNITY, STREET, (cell,), ()), now=now)
        numbers.append(case.number)
        snapshot = snapshot_of(case)
        rnd = random.Random(seed)
        while True:
            try:
                now, action, actor, params = plan.send(snapshot)
            except StopIteration:
                break
            if action == Action.TIMER:
                user, params = users["system"], {"light": params["light"]}
            elif actor.role == Role.DEPARTMENT:
                user = depts[actor.department_code]
            else:
                user = users.get(actor.role.value, supervisor)
            params = dict(params)
            if "assignee_id" in params:
                params["assignee"] = supervisor.username
            if params.get("into"):
                params["into"] = rnd.choice(numbers)
            photos = [photo] * int(params.pop("photo_count", 0) or 0)
            try:
                case = do_case_action(user, case.number, action, params, photos, now=now)
            except Refused:
                pass
            snapshot = snapshot_of(Case.objects.get(pk=case.pk))
    return numbers
