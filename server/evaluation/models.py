"""Per-day rollups of the evaluation counters: one row per (local day, entity type, entity), one
column per counter of ``workflows.scoring.ALL_COUNTERS``.

A row holds the facts *dated* that day (``workflows.scoring``: every fact is dated by the event
that reveals it), so a period's counters are the sum of its days, and a stock (``unhandled``) is
the sum of every day before the period's end. Written only by ``server.evaluation.rollups``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from workflows.scoring import ALL_COUNTERS, STOCKS


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
        verbose_name = _("daily rollup")
        verbose_name_plural = _("daily rollups")
        constraints = [models.UniqueConstraint(fields=["day", "entity_type", "entity"],
                                               name="rollup_one_row_per_day_and_entity")]
        indexes = [models.Index(fields=["entity_type", "day"], name="rollup_entity_type_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.entity_type} {self.entity}"


class MonthlyStock(models.Model):
    """The stock counters' daily deltas (``workflows.scoring.STOCKS``) summed per calendar month:
    a stock at a period's end is these rows before its month plus the daily rows of its month,
    so reading it never sums years of daily rows. Kept with the daily rows by
    ``server.evaluation.rollups``."""

    month = models.DateField()  # the first day of the month
    entity_type = models.CharField(max_length=16)
    entity = models.CharField(max_length=32)
    for _name in sorted(STOCKS):
        locals()[_name] = models.BigIntegerField(default=0, db_default=0)
    del _name

    class Meta:
        verbose_name = _("month-end stock")
        verbose_name_plural = _("month-end stocks")
        constraints = [models.UniqueConstraint(fields=["month", "entity_type", "entity"],
                                               name="stock_one_row_per_month_and_entity")]
        indexes = [models.Index(fields=["entity_type", "month"], name="stock_entity_type_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.entity_type} {self.entity}"


class PublishedRanking(models.Model):
    """A month's rankings as a leader published them (发布): every entity's counters, rates,
    parts, composite, grade and rank, with the rules document they were computed with. Frozen:
    a later edit of the rules or a late event changes only what is computed live, never this.
    A correction is a new revision; earlier revisions are kept. Written only by
    ``server.evaluation.publishing``."""

    period_start = models.DateField()
    period_end = models.DateField()  # the day after the month
    revision = models.PositiveIntegerField()
    rules_version = models.CharField(max_length=32)
    rules_digest = models.CharField(max_length=32)
    rules = models.JSONField()  # the whole rules document: names, weights, bands as they were
    scores = models.JSONField()  # entity type → [row], best first (``publishing.row_json``)
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    note = models.TextField(blank=True, default="")  # why a correction was published

    class Meta:
        verbose_name = _("published ranking")
        verbose_name_plural = _("published rankings")
        constraints = [models.UniqueConstraint(fields=["period_start", "period_end", "revision"],
                                               name="published_ranking_one_revision")]
        ordering = ["-period_start", "-revision"]

    def __str__(self) -> str:
        return f"{self.period_start:%Y-%m} r{self.revision}"
