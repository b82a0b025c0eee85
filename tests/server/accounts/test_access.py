"""The access module (``server.accounts.access``) on its own: every kind of user against every
question it answers. The expectations are written out here, not read from ``ABILITIES``, so a
change of a rule fails a test until the test says the same.

The people: the shared cast (one user per role, two departments) on the city with a duty grid
(DG01, patrolled by ``supervisor``), plus ``system`` (the timers' kind of account), ``norole``
(an account without a role), ``unknown`` (a role string this code does not know), ``inactive``
(a supervisor of DG01 whose account was switched off), ``nodept`` (a department user without a
department: the database refuses to store one, so it is built in memory) and ``anonymous``.

The world: case ``A`` reported by ``supervisor`` and dispatched to ``roads``; case ``B``
reported by ``acceptor``, waiting; case ``C`` a hotline call (a caller with a name and phone)
taken through the whole loop to closed.
"""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import translation

from server.accounts import access
from server.accounts.access import Ability
from server.accounts.models import User
from server.cases.models import Case
from server.maps.models import DutyGrid, MapVersion
from tests.server.conftest import cell_centre, module_transaction, report_form
from tests.server.hotline.helpers import close_public, forget_places, places_cast
from tests.server.test_loop import LOOP, act
from workflows import Role
from workflows.scoring_rules import default_evaluation_rules

CENTRE = {"acceptor", "dutychief", "dispatcher", "calltaker", "leader"}
DEPTS = {"dept_roads", "dept_water"}
WITH_ROLE = CENTRE | DEPTS | {"supervisor", "mapkeeper", "system"}
WITHOUT_ROLE = {"norole", "unknown", "inactive", "nodept", "anonymous"}
EVERYONE = WITH_ROLE | WITHOUT_ROLE

ROLE = {"supervisor": Role.SUPERVISOR, "acceptor": Role.ACCEPTOR, "dutychief": Role.DUTY_CHIEF,
        "dispatcher": Role.DISPATCHER, "calltaker": Role.CALL_TAKER, "leader": Role.LEADER,
        "mapkeeper": Role.MAPKEEPER, "dept_roads": Role.DEPARTMENT,
        "dept_water": Role.DEPARTMENT, "system": Role.SYSTEM}

#: ability -> who has it.
ABLE = {
    Ability.CENTRE_CONSOLES: CENTRE,
    Ability.DEPARTMENT_TERMINAL: DEPTS,
    Ability.MAP_LAYERS: CENTRE | DEPTS,
    Ability.NEARBY_COMPONENTS: WITH_ROLE,
    Ability.CASE_ACTIONS: WITH_ROLE,
    Ability.FIELD_WORK: {"supervisor"},
    Ability.OWN_PATROL: {"supervisor"},
    Ability.ALL_PATROLS: CENTRE,
    Ability.KEEP_MAP: {"mapkeeper"},
    Ability.ADDRESS_SEARCH: CENTRE,
    Ability.REGISTER_CALLS: {"acceptor", "calltaker"},
    Ability.CALLBACKS: {"calltaker"},
    Ability.CALLER_CONTACT: {"acceptor", "dutychief", "calltaker", "leader"},
    Ability.FOLLOW_CELLS: CENTRE,
    Ability.PUBLISH_RANKINGS: {"leader"},
}


def make_people(cast) -> dict:
    who = {name: client.user for name, client in cast.items() if name != "anonymous"}
    who["system"] = User.objects.create(username="timer-like", role=Role.SYSTEM.value)
    who["norole"] = User.objects.create(username="norole")
    who["unknown"] = User.objects.create(username="astronaut", role="astronaut")
    who["inactive"] = User.objects.create(username="retired", role=Role.SUPERVISOR.value,
                                          is_active=False)
    DutyGrid.objects.get(version__active=True, code="DG01").supervisors.add(who["inactive"])
    who["nodept"] = User(username="nodept", role=Role.DEPARTMENT.value)
    who["anonymous"] = AnonymousUser()
    assert set(who) == EVERYONE
    return who


def make_world(cast) -> dict:
    a = cast["supervisor"].post("/api/reports/", report_form(), format="multipart").json()[
        "number"]
    for who, action, data, _ in LOOP[:3]:
        assert act(cast[who], a, action, **dict(data)).status_code == 200
    b = cast["acceptor"].post("/api/reports/", report_form(), format="multipart").json()[
        "number"]
    lon, lat = cell_centre(2)
    r = cast["calltaker"].post("/api/hotline/calls/", {
        "idempotency_key": str(uuid.uuid4()), "line": "12345", "caller_name": "张三丰",
        "caller_phone": "13512345678", "kind": "event", "class_code": "0101",
        "description": "门口搭棚", "lat": lat, "lon": lon}, format="json")
    assert r.status_code == 201, r.content
    c = r.json()["number"]
    close_public(cast, c)
    return {"A": a, "B": b, "C": c}


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    """The cast, the people and the world, made once for the module (each test's writes
    still roll back)."""
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            clients = places_cast()
            built = (clients, make_people(clients), make_world(clients))
        yield built
        forget_places()


@pytest.fixture
def cast(built, db):
    return built[0]


@pytest.fixture
def people(built, db):
    return built[1]


@pytest.fixture
def world(built, db):
    return built[2]


def test_every_ability_has_a_rule_here_and_in_the_table():
    assert set(ABLE) == set(Ability) == set(access.ABILITIES)


def test_role_of(people):
    for name, user in people.items():
        assert access.role_of(user) == ROLE.get(name), name


def test_a_role_string_is_read_whatever_its_case_of_trouble(people):
    # Unknown and empty roles, inactive accounts and None: no role, no exception.
    assert access.role_of(None) is None
    assert access.role_of(User(username="x", role="LEADER")) is None
    assert access.role_of(User(username="x", role="leader")) == Role.LEADER


def test_department_code(people):
    codes = {name: access.department_code(user) for name, user in people.items()}
    assert codes == {name: {"dept_roads": "roads", "dept_water": "water"}.get(name)
                     for name in EVERYONE}


def test_every_ability_by_everyone(people):
    wrong = [f"{ability} as {name}" for ability, allowed in ABLE.items()
             for name, user in people.items()
             if access.may(user, ability) != (name in allowed)]
    assert wrong == []


def test_who_may_words_a_refusal_from_the_same_table():
    with translation.override("en"):
        assert access.who_may(Ability.CENTRE_CONSOLES) == (
            "acceptors, duty chiefs, dispatchers, hotline call-takers and leaders")
        assert access.who_may(Ability.CALLBACKS) == "hotline call-takers"
        assert access.who_may(Ability.CASE_ACTIONS) == "any account with a role"
    with translation.override("zh-hans"):  # a Chinese page's refusal names the roles in Chinese
        assert access.who_may(Ability.CALLBACKS) == "热线接线员"
        assert access.who_may(Ability.PUBLISH_RANKINGS) == "领导"


def test_duty_grids_are_the_supervisors_own(people):
    version = MapVersion.objects.get(active=True).pk
    cells = DutyGrid.objects.get(version_id=version, code="DG01").cell_codes
    for name, user in people.items():
        want = [("DG01", cells)] if name == "supervisor" else []
        assert access.duty_grids(user, version) == want, name
    assert access.duty_grids(people["supervisor"], version + 1000) == []


def test_visible_cases(people, world):
    sees = {"A": CENTRE | {"supervisor", "dept_roads"}, "B": CENTRE}
    for name, user in people.items():
        visible = set(access.visible_cases(user).filter(number__in=[world["A"], world["B"]])
                      .values_list("number", flat=True))
        assert visible == {world[k] for k in ("A", "B") if name in sees[k]}, name


def test_may_know_of_case(people, world):
    """Only who may read a case learns that it exists (a refused action names the state);
    nobody learns of a number that was never given, and nobody without a role of anything."""
    sees = {"A": CENTRE | {"supervisor", "dept_roads"}, "B": CENTRE}
    for name, user in people.items():
        for k in ("A", "B"):
            assert access.may_know_of_case(user, world[k]) == (name in sees[k]), (name, k)
        assert not access.may_know_of_case(user, "C0000000000000000"), name


def test_replayable_cases_include_what_a_user_sees(people, world):
    for name, user in people.items():
        replay = set(access.replayable_cases(user).values_list("number", flat=True))
        visible = set(access.visible_cases(user).values_list("number", flat=True))
        assert visible <= replay, name
        if name in WITHOUT_ROLE or name in {"mapkeeper", "system"}:
            assert replay == set(), name
    # C went to roads and was closed: roads still sees it; water never heard of it.
    assert world["C"] in set(access.replayable_cases(people["dept_roads"])
                             .values_list("number", flat=True))
    assert not access.replayable_cases(people["dept_water"]).exists()


def test_replay_brings_a_department_the_case_that_left_it(cast, people, world):  # noqa: F811
    """A case dispatched to roads and returned (回退) for re-dispatch to water: roads no longer
    sees it, but heard the events and gets them back on a resume."""
    number = world["A"]
    for who, action, data in (("dept_roads", "request_return", {"reason": "不属本部门"}),
                              ("dispatcher", "approve_return", {}),
                              ("dispatcher", "dispatch", {"department_code": "water"})):
        assert act(cast[who], number, action, **data).status_code == 200, action
    roads = people["dept_roads"]
    assert not access.visible_cases(roads).filter(number=number).exists()
    assert access.replayable_cases(roads).filter(number=number).exists()


def test_hearing(people):
    for name, user in people.items():
        h = access.hearing(user)
        if name in CENTRE:
            assert h == access.Hearing(everything=True, user_id=user.pk), name
        elif name in DEPTS:
            assert h == access.Hearing(department_code=name.removeprefix("dept_"),
                                       user_id=user.pk), name
        elif name == "supervisor":
            assert h == access.Hearing(role=Role.SUPERVISOR, user_id=user.pk), name
        else:
            assert h is None, name


def test_ranking_scope(people):
    entity_types = tuple(default_evaluation_rules().entity_types)
    for name, user in people.items():
        scope = access.ranking_scope(user)
        if name in CENTRE:
            assert scope == access.RankingScope(entity_types) and scope.whole_city, name
            assert scope.may_read("department", "roads") and scope.may_read("cell"), name
        elif name in DEPTS:
            own = name.removeprefix("dept_")
            assert scope == access.RankingScope(("department",), own), name
            assert not scope.whole_city
            assert scope.may_read("department") and scope.may_read("department", own)
            other = "water" if own == "roads" else "roads"
            assert not scope.may_read("department", other)
            assert not scope.may_read("street") and not scope.may_read("supervisor", own)
        else:
            assert scope is None, name


def test_contact_of(people, world):
    case_a, case_c = (Case.objects.get(number=world[k]) for k in ("A", "C"))
    for name, user in people.items():
        contact = access.contact_of(case_c, user)
        if name in ABLE[Ability.CALLER_CONTACT]:
            assert contact == {"source": "hotline 12345", "name": "张三丰",
                               "phone": "13512345678", "email": ""}, name
        else:
            assert contact is None, name
        assert access.contact_of(case_a, user) is None, name  # a handset report: nobody


def test_may_revoke_tokens_of(people):
    admin = User.objects.create(username="admin", is_staff=True, is_superuser=True)
    keeper = User.objects.create(username="keeper", role="mapkeeper", is_staff=True)
    assert not access.may_revoke_tokens_of(keeper, "supervisor")  # staff alone is not enough
    for name, user in people.items():
        own = getattr(user, "username", "")
        assert access.may_revoke_tokens_of(user, own) == (
            name not in {"anonymous", "inactive"}), name
        assert access.may_revoke_tokens_of(user, "supervisor") == (
            name in {"dutychief", "supervisor"}), name
    assert access.may_revoke_tokens_of(admin, "supervisor")


def test_public_photos(world):
    """Of a closed case, the problem and the fix; of an open one, nothing; never the
    verification photo."""
    closed = {p.stage: access.is_public_photo(p)
              for p in Case.objects.get(number=world["C"]).photos.all()}
    assert closed == {"verify": False, "after": True, "check": True}
    assert [access.is_public_photo(p) for p in
            Case.objects.get(number=world["A"]).photos.all()] == [False]
