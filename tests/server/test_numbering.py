"""Case numbers and ids taken ahead of the report's write
(server.cases.numbering.take_number_and_ids)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.utils import timezone

from server.cases.models import Case, CaseEvent, CaseNumberCounter, Photo
from server.cases.numbering import take_number_and_ids

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql",
                                   reason="the number and ids are taken ahead on PostgreSQL only")


@postgres_only
@pytest.mark.django_db(transaction=True, available_apps=["server.cases"])
def test_numbers_taken_ahead_are_consecutive_and_the_commit_setting_does_not_leak():
    now = timezone.now()
    day = timezone.localdate(now)
    first, ids1 = take_number_and_ids("event", "0101", now, [Case, CaseEvent, Photo])
    second, ids2 = take_number_and_ids("component", "0103", now, [Case, CaseEvent])
    assert first == f"E0101{day:%Y%m%d}0001"
    assert second == f"C0103{day:%Y%m%d}0002"
    assert len(ids1) == 3 and len(ids2) == 2
    assert ids2[0] > ids1[0] and ids2[1] > ids1[1]
    assert CaseNumberCounter.objects.get(day=day).last == 2
    # The asynchronous commit was the numbering statement's alone: the session (and so the
    # report's own write after it) commits synchronously.
    with connection.cursor() as cur:
        cur.execute("SHOW synchronous_commit")
        assert cur.fetchone()[0] == "on"


@postgres_only
@pytest.mark.django_db
def test_inside_a_transaction_the_number_is_left_to_the_report_itself():
    # pytest-django's db tests run inside a transaction; so does the hotline's submit. Taking
    # the number ahead there would make the caller's whole transaction commit asynchronously.
    assert connection.in_atomic_block
    number, ids = take_number_and_ids("event", "0101", timezone.now(), [Case, CaseEvent])
    assert number is None and len(ids) == 2
    with transaction.atomic():
        assert take_number_and_ids("event", "0101", timezone.now(), [Case])[0] is None
    assert not CaseNumberCounter.objects.exists()
    with connection.cursor() as cur:
        cur.execute("SHOW synchronous_commit")
        assert cur.fetchone()[0] == "on"
