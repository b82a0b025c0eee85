"""Case numbers taken ahead of the report's transaction (server.cases.numbering.take_number)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.utils import timezone

from server.cases.models import CaseNumberCounter
from server.cases.numbering import take_number

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql",
                                   reason="the number is taken ahead on PostgreSQL only")


@postgres_only
@pytest.mark.django_db(transaction=True, available_apps=["server.cases"])
def test_numbers_taken_ahead_are_consecutive_and_the_commit_setting_does_not_leak():
    now = timezone.now()
    day = timezone.localdate(now)
    first = take_number("event", "0101", now)
    second = take_number("component", "0103", now)
    assert first == f"E0101{day:%Y%m%d}0001"
    assert second == f"C0103{day:%Y%m%d}0002"
    assert CaseNumberCounter.objects.get(day=day).last == 2
    # The asynchronous commit was the numbering transaction's alone: the session (and so the
    # report's own transaction after it) commits synchronously.
    with connection.cursor() as cur:
        cur.execute("SHOW synchronous_commit")
        assert cur.fetchone()[0] == "on"


@pytest.mark.django_db
def test_inside_a_transaction_the_number_is_left_to_the_report_itself():
    # pytest-django's db tests run inside a transaction; so does the hotline's submit. Taking
    # the number ahead there would make the caller's whole transaction commit asynchronously.
    assert connection.in_atomic_block
    assert take_number("event", "0101", timezone.now()) is None
    with transaction.atomic():
        assert take_number("event", "0101", timezone.now()) is None
    assert not CaseNumberCounter.objects.exists()
