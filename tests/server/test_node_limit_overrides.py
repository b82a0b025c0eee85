"""Node limit overrides (节点时限, admin → Node limit overrides): the city's limit replaces the
file's for deadlines set from then on; running deadlines keep theirs; bad values are refused
in the admin with a reason, and a bad row that got past it never stops the actions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from server.accounts.models import User
from server.cases.models import Case, NodeLimitOverride
from server.cases.rules import current_rules


def deadline(number: str) -> tuple:
    case = Case.objects.get(number=number)
    return case.node, case.node_started_at, case.deadline


def test_an_override_applies_to_new_deadlines_only(cast, report):
    first = report()
    node, started, before = deadline(first)
    calendar = current_rules().calendar
    assert node == "accept" and before == calendar.add(started, 1, "work_hours")  # the file's

    NodeLimitOverride.objects.create(node="accept", value=3, unit="work_hours", note="city rule")
    second = report()
    node, started, after = deadline(second)
    assert after == calendar.add(started, 3, "work_hours")
    assert after - started > before - deadline(first)[1]
    assert deadline(first)[2] == before  # the running deadline keeps its limit
    assert "+admin." in current_rules().limits.version

    row = NodeLimitOverride.objects.get(node="accept")
    row.value, row.unit = 45, "natural_minutes"
    row.save()  # as the admin saves it (updated_at moves)
    _, started, third = deadline(report())
    assert third - started == timedelta(minutes=45)

    NodeLimitOverride.objects.all().delete()  # back to the file
    _, started, fourth = deadline(report())
    assert fourth == calendar.add(started, 1, "work_hours")


@pytest.mark.parametrize("fields, field, words", [
    ({"value": -1}, "value", "positive finite number, not -1"),
    ({"value": float("nan")}, "value", "positive finite number, not nan"),
    ({"value": float("inf")}, "value", "positive finite number, not inf"),
    ({"node": "handle"}, "node", "comes from the case's filing condition"),
    ({"node": "lunch"}, "node", "unknown node 'lunch'; the timed nodes are accept, verify"),
    ({"unit": "fortnights"}, "unit", "unknown unit 'fortnights'; use one of work_hours"),
    # Past the working calendar's ten years every case entering the node would fail.
    ({"value": 100000, "unit": "work_days"}, "value", "100000 work_days is too long"),
    ({"value": 1e300, "unit": "natural_hours"}, "value", "1e+300 natural_hours is too long"),
    ({"value": 200000, "unit": "natural_hours"}, "value", "must fall within ten years"),
])
def test_bad_overrides_are_refused_naming_the_problem(db, fields, field, words):
    row = NodeLimitOverride(**{"node": "accept", "value": 2, "unit": "work_hours", **fields})
    with pytest.raises(ValidationError) as refused:
        row.full_clean()
    assert any(words in m for m in refused.value.message_dict[field]), refused.value.message_dict


def test_the_admin_edits_overrides_and_says_what_is_wrong(cast, client):
    client.force_login(User.objects.create_superuser("root", "root@example.org", "pw"))
    url = "/admin/cases/nodelimitoverride/add/"
    page = client.get(url).content.decode()
    assert "dept_accept (1 work_hours)" in page and '"handle"' not in page
    r = client.post(url, {"node": "dept_accept", "value": "0", "unit": "work_hours"})
    assert r.status_code == 200 and "a time limit must be a positive finite number, not 0" \
        in r.content.decode()
    r = client.post(url, {"node": "dept_accept", "value": "1e300", "unit": "work_days"})
    assert r.status_code == 200 and "1e+300 work_days is too long" in r.content.decode()
    r = client.post(url, {"node": "dept_accept", "value": "2", "unit": "fortnights"})
    assert r.status_code == 200 and "errorlist" in r.content.decode()  # not a known choice
    assert not NodeLimitOverride.objects.exists()
    r = client.post(url, {"node": "dept_accept", "value": "2.5", "unit": "work_hours"})
    assert r.status_code == 302
    assert NodeLimitOverride.objects.get().value == 2.5
    listing = client.get("/admin/cases/nodelimitoverride/").content.decode()
    assert "dept_accept" in listing and "1 work_hours" in listing  # the file's limit beside it


def test_a_row_that_got_past_the_admin_is_skipped_not_fatal(cast, report, caplog):
    NodeLimitOverride.objects.create(node="accept", value=2, unit="work_hours")
    # written past the admin (no validation on this path)
    NodeLimitOverride.objects.filter(node="accept").update(value=-5, updated_at=timezone.now())
    _, started, due = deadline(report())
    assert due == current_rules().calendar.add(started, 1, "work_hours")
    assert "node limit override" in caplog.text and "positive finite number" in caplog.text
