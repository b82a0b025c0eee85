"""Per-day rollups of the evaluation counters: one row per (local day, entity type, entity), one
column per counter of ``workflows.scoring.ALL_COUNTERS``.

A row holds the facts *dated* that day (``workflows.scoring``: every fact is dated by the event
that reveals it), so a period's counters are the sum of its days, and a stock (``unhandled``) is
the sum of every day before the period's end. Written only by ``server.evaluation.rollups``.
"""

from __future__ import annotations

from django.db import models

from workflows.scoring import ALL_COUNTERS


class DailyRollup(models.Model):
    day = models.DateField()
    entity_type = models.CharField(max_length=16)  # supervisor, acceptor, ..., department, cell
    entity = models.CharField(max_length=32)  # user id, department code or cell code

    # One integer column per counter: a wide row is ~30× fewer rows to sum than one row per
    # counter, which is what keeps a month's rankings well under the 500 ms target.
    for _name in ALL_COUNTERS:
        locals()[_name] = models.BigIntegerField(default=0, db_default=0)
    del _name

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "entity_type", "entity"],
                                               name="rollup_one_row_per_day_and_entity")]
        indexes = [models.Index(fields=["entity_type", "day"], name="rollup_entity_type_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.entity_type} {self.entity}"
