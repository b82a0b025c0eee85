"""Idempotency keys on case actions: a handset's retried task answer takes effect once."""

from __future__ import annotations

import io
import threading
import uuid

import pytest
from django.conf import settings
from django.db import connection

from server.cases.models import ActionKey, CaseEvent
from tests.server.conftest import jpeg
from tests.server.test_loop import LOOP, act


def walk_to(cast, number, state):
    for who, action, data, reached in LOOP:
        assert act(cast[who], number, action, **dict(data)).status_code == 200
        if reached == state:
            return


def check_form(key=None, result="fixed", color=(0, 0, 200)):
    form = {"result": result, "photo": io.BytesIO(jpeg(color))}
    form["photo"].name = "check.jpg"
    if key:
        form["idempotency_key"] = key
    return form


def post(client, number, action, form, key=None):
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(f"/api/cases/{number}/actions/{action}/", form, format="multipart", **extra)


def test_a_repeated_action_answers_the_first_answer_without_a_second_event(cast, report):
    number = report()
    walk_to(cast, number, "checking")
    key = str(uuid.uuid4())
    events = CaseEvent.objects.count()
    first = post(cast["supervisor"], number, "check", check_form(), key=key)
    assert first.status_code == 200 and first.json()["state"] == "checked"
    # the case moves on; the phone, which never heard the answer, sends again
    assert act(cast["dutychief"], number, "close").status_code == 200
    again = post(cast["supervisor"], number, "check", check_form(), key=key)
    assert again.status_code == 200 and again.json() == first.json()
    assert CaseEvent.objects.count() == events + 2  # check + close, no second check
    # the key in the form field works the same
    assert post(cast["supervisor"], number, "check", check_form(key=key)).json() == first.json()
    # same key, another body (another photo / result): refused
    other = post(cast["supervisor"], number, "check", check_form(color=(9, 9, 9)), key=key)
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_conflict"
    other = post(cast["supervisor"], number, "check", check_form(result="not_fixed"), key=key)
    assert other.status_code == 409
    # someone else's key: refused too
    assert act(cast["acceptor"], number, "accept", idempotency_key=key).status_code in (409,)


def test_a_refused_action_stores_no_key_and_a_bad_key_is_named(cast, report):
    number = report()
    key = str(uuid.uuid4())
    r = post(cast["dutychief"], number, "file", {}, key=key)  # not accepted yet: 409 state
    assert r.status_code == 409 and ActionKey.objects.count() == 0
    r = act(cast["acceptor"], number, "accept", idempotency_key="bad key!")
    assert r.status_code == 400 and r.json()["error"]["field"] == "idempotency_key"
    r = cast["acceptor"].post(f"/api/cases/{number}/actions/accept/", {}, format="json",
                              HTTP_IDEMPOTENCY_KEY="x")
    assert r.status_code == 400 and r.json()["error"]["field"] == "idempotency_key"
    assert post(cast["acceptor"], number, "accept", {}, key=key).status_code == 200
    assert ActionKey.objects.get(key=key).event.action == "accept"


@pytest.mark.skipif("postgis" not in settings.DATABASES["default"]["ENGINE"],
                    reason="a real race needs committed rows seen from two connections: the "
                           "test database is then flushed, which SQLite's append-only trigger "
                           "on the event log refuses (PostgreSQL truncates); SQLite writers "
                           "are serialised anyway (IMMEDIATE transactions)")
@pytest.mark.django_db(transaction=True)
def test_two_identical_requests_racing_make_exactly_one_event(cast, report):
    number = report()
    key = str(uuid.uuid4())
    before = CaseEvent.objects.filter(case__number=number).count()
    barrier = threading.Barrier(2)
    answers = []

    def send():
        try:
            barrier.wait()
            r = cast["acceptor"].post(f"/api/cases/{number}/actions/accept/", {"note": "x"},
                                      format="json", HTTP_IDEMPOTENCY_KEY=key)
            answers.append((r.status_code, r.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a[0] for a in answers] == [200, 200], answers
    assert answers[0][1] == answers[1][1]
    assert CaseEvent.objects.filter(case__number=number).count() == before + 1
