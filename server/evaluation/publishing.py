"""Publishing a month's rankings (发布): the figures a leader stands behind, frozen.

``publish(period, user, note)`` computes the month from the rollups under the rules in force,
and stores every entity's counters, rates, parts, composite, grade and rank together with the
whole rules document (``PublishedRanking``). From then on the pages, the API, the exports and
the bulletin read that month from the stored figures (``scores_for``): a later edit of the rules
file, or a late event that moves a case's facts, changes only what is computed live for
unpublished periods. A correction is published as a new revision with a note saying why; the
earlier revisions are kept and can still be read (``?revision=``).

Only a calendar month that is over may be published (days and weeks are not graded, and a
running month's figures still move).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from server.maps.index import active_zone

from server.evaluation import selectors
from server.evaluation.models import PublishedRanking
from server.evaluation.params import BadRequest
from workflows.scoring import EntityScore, Period, Scores, graded
from workflows.scoring_rules import (EvaluationRules, default_evaluation_rules, raw_rules,
                                     rules_of)


def row_json(s: EntityScore) -> dict:
    return {"entity": s.entity, "counters": dict(s.counters), "rates": dict(s.rates),
            "parts": dict(s.parts), "composite": s.composite, "grade": s.grade,
            "volume": s.volume, "rank": s.rank}


def scores_of(pub: PublishedRanking) -> Scores:
    """The stored figures as ``Scores`` (what every page and export renders)."""
    period = Period(pub.period_start, pub.period_end, "month")
    by_type = {kind: tuple(EntityScore(kind, r["entity"], r["counters"], r["rates"], r["parts"],
                                       r["composite"], r["grade"], r["volume"], r["rank"])
                           for r in rows)
               for kind, rows in pub.scores.items()}
    return Scores(period, pub.rules_version, by_type, pub.rules_digest)


def revisions(period: Period):
    return PublishedRanking.objects.filter(period_start=period.start, period_end=period.end)


def published(period: Period, revision: int | None = None) -> PublishedRanking | None:
    """The latest revision of ``period`` (or the one asked for); None if never published.
    BadRequest for a revision that does not exist."""
    if not graded(period):
        return None
    found = revisions(period)
    if revision is not None:
        pub = found.filter(revision=revision).select_related("published_by").first()
        if pub is None:
            raise BadRequest(f"{period} has no published revision {revision}")
        return pub
    return found.select_related("published_by").order_by("-revision").first()


def publish(period: Period, user, note: str = "") -> PublishedRanking:
    """Freeze ``period``'s rankings as its next revision. BadRequest for anything but a month
    that is over, and for a correction without a note."""
    if not graded(period):
        raise BadRequest("only a calendar month is published: days and weeks are not graded")
    if timezone.localdate(timezone=active_zone()) < period.end:
        raise BadRequest(f"{period} is not over yet: publish it from {period.end} on")
    note = (note or "").strip()
    with transaction.atomic():
        # Serialise publications of one month: the revision number is max + 1.
        list(revisions(period).select_for_update().values_list("pk", flat=True))
        last = revisions(period).aggregate(n=Max("revision"))["n"] or 0
        if last and not note:
            raise BadRequest(f"{period} was published already (revision {last}): a correction "
                             "needs a note saying what it corrects")
        raw = raw_rules()
        rules = rules_of(raw)
        if rules.digest != default_evaluation_rules().digest:
            raise BadRequest("the rules file changed since the server started: restart it "
                             "before publishing, so pages and publication agree")
        current = selectors.scores(period, rules=rules)
        return PublishedRanking.objects.create(
            period_start=period.start, period_end=period.end, revision=last + 1,
            rules_version=rules.version, rules_digest=rules.digest, rules=raw,
            scores={kind: [row_json(s) for s in rows]
                    for kind, rows in current.by_entity_type.items()},
            published_at=timezone.now(), published_by=user, note=note)


def scores_for(period: Period, source: str = "rollups", revision: int | None = None
               ) -> tuple[Scores, EvaluationRules, PublishedRanking | None]:
    """The figures to show for ``period``: the published ones if it was published (unless
    ``source="straight"``, the live check from the log), else computed live."""
    pub = published(period, revision) if source == "rollups" else None
    if pub is not None:
        return scores_of(pub), rules_of(pub.rules), pub
    if revision is not None:
        raise BadRequest(f"{period} has not been published")
    return selectors.scores(period, source), default_evaluation_rules(), None


def about(pub: PublishedRanking | None, period: Period) -> dict | None:
    """What the pages and the API say of a publication."""
    if pub is None:
        return None
    by = pub.published_by
    return {"revision": pub.revision,
            "published_at": f"{timezone.localtime(pub.published_at):%Y-%m-%d %H:%M}",
            "published_by": by.get_username(),
            "note": pub.note, "rules_version": pub.rules_version,
            "rules_digest": pub.rules_digest,
            "revisions": list(revisions(period).order_by("revision")
                              .values_list("revision", flat=True))}


__all__ = ["publish", "published", "scores_for", "scores_of", "about", "row_json"]
