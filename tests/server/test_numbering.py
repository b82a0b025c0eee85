"""Case numbers (server.cases.numbering.take_number): one counter row per day, taken in a short
transaction of its own when none is open, in the caller's otherwise."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.utils import timezone

from server.cases.models import CaseNumberCounter
from server.cases.numbering import take_number


@pytest.mark.django_db(transaction=True, available_apps=["server.cases"])
def test_numbers_are_consecutive_per_day_and_the_commit_setting_does_not_leak():
    now = timezone.now()
    day = timezone.localdate(now)
    assert not connection.in_atomic_block
    first = take_number("event", "0101", now)
    second = take_number("component", "0103", now)
    assert first == f"E0101{day:%Y%m%d}0001"
    assert second == f"C0103{day:%Y%m%d}0002"
    assert CaseNumberCounter.objects.get(day=day).last == 2
    if connection.vendor == "postgresql":
        # The asynchronous commit was the counter's short transaction's alone: the session
        # (and so the report's own write after it) commits synchronously.
        with connection.cursor() as cur:
            cur.execute("SHOW synchronous_commit")
            assert cur.fetchone()[0] == "on"


@pytest.mark.django_db(transaction=True, available_apps=["server.cases"])
def test_a_number_taken_inside_a_transaction_goes_with_it():
    now = timezone.now()
    day = timezone.localdate(now)
    with pytest.raises(RuntimeError), transaction.atomic():
        take_number("event", "0101", now)
        raise RuntimeError("the caller's transaction fails")
    assert not CaseNumberCounter.objects.filter(day=day).exists()
    assert take_number("event", "0101", now).endswith("0001")
