"""Evaluation rankings at city scale: a month's full rankings from the daily rollups against
the same straight from the event log, on PostGIS.

    python -m bench.rankings [--cases 1000000] [--months 25] [--keep]

Creates a fresh database (``bench_rank_<pid>``, role dcm, from template1, which carries
PostGIS), migrates it, and loads a synthetic Dongcheng-sized history with COPY: 17 streets,
102 communities, 1,632 cells, 40 departments, 200 supervisors with duty grids, and ``--cases``
cases over ``--months`` months (1,000,000 over 25 months ≈ Dongcheng's 40,000 a month), each a
plausible life of 8–20 events: verification of public reports, rejections and voids, returns and
re-dispatch, postponements, suspensions, red timers, reworks, callbacks that reopen, and cases
still open at the end. Events carry the change fields the evaluation reads (state, deadlines,
department, assignee, closing type, light); the real actions add the timer fields too.

The daily rollups are built while loading by the production code path of
``rebuild_rollups``: ``workflows.scoring.fold`` over each case's events, summed per day by
``server.evaluation.rollups.rows_of``; then their stock columns are summed per month by
``rollups.refresh_monthly_stocks`` (``stock_s``), as ``rebuild_rollups`` does.

Then, for the last full month: ``ms`` = ``selectors.scores(month)`` (rollups) plus the ranking
rows of every entity type, median of three runs; ``straight_ms`` = the same with
``source="straight"`` (fold of the month's cases' logs, one run); ``agree`` = identical counters
and identical scores; ``publish_ms`` = ``publishing.publish(month)``, freezing the month (its
scores from the rollups, stored as one ``PublishedRanking`` with the rules document), and
``published_agree`` = the published figures read back equal the live ones. The database is
dropped at the end (unless ``--keep``). The last line
printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
from datetime import timedelta

import psycopg

from bench.rankings_load import load, log

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
def base_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgis://"):
        out = subprocess.run(["bash", "scripts/services.sh"], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout
        url = next(line.split("=", 1)[1] for line in out.splitlines()
                   if line.startswith("export DATABASE_URL="))
    return url


def pg_dsn(url: str, db: str | None = None) -> str:
    rest = url.split("://", 1)[1]
    creds, hostdb = rest.split("@", 1)
    user, password = creds.split(":", 1)
    host, dbname = hostdb.split("/", 1)
    host, _, port = host.partition(":")
    return (f"host={host} port={port or 5432} user={user} password={password} "
            f"dbname={db or dbname}")


# --- measuring ---------------------------------------------------------------------------------

def full_rankings(period, source: str):
    from server.evaluation import selectors
    from workflows.scoring_rules import default_evaluation_rules

    scores = selectors.scores(period, source)
    label = selectors.names()
    tables = {k: selectors.ranking(scores, scores, k, label)
              for k in default_evaluation_rules().entity_types}
    return scores, tables


def inner(args) -> dict:
    import django

    django.setup()
    from django.core.management import call_command

    from server.evaluation import selectors
    from workflows.scoring import Period

    t = time.monotonic()
    call_command("migrate", verbosity=0)
    log(f"migrated in {time.monotonic() - t:.1f}s; loading {args.cases:,} cases")
    figures = load(args.dsn, args.cases, args.months)
    from django.db.models import Max, Min

    from server.evaluation.models import DailyRollup
    from server.evaluation.rollups import refresh_monthly_stocks

    t = time.monotonic()  # the monthly stock rows, as rebuild_rollups leaves them
    span = DailyRollup.objects.aggregate(first=Min("day"), last=Max("day"))
    figures["stock_rows"] = refresh_monthly_stocks(span["first"], span["last"])
    figures["stock_s"] = round(time.monotonic() - t, 1)
    last = figures.pop("end").date().replace(day=1) - timedelta(days=1)
    month = Period.month(last.year, last.month)
    log(f"loaded in {figures['load_s']}s; ranking {month}")
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        rolled, _ = full_rankings(month, "rollups")
        runs.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    straight, _ = full_rankings(month, "straight")
    straight_ms = (time.perf_counter() - t) * 1000
    agree = (straight == rolled and
             selectors.rollup_counters(month) == selectors.straight_counters(month))
    from server.accounts.models import User
    from server.evaluation import publishing

    leader = User.objects.create(username="bench-leader", role="leader")
    t = time.perf_counter()
    pub = publishing.publish(month, leader)
    publish_ms = (time.perf_counter() - t) * 1000
    published_agree = publishing.scores_of(pub).by_entity_type == rolled.by_entity_type
    ms = sorted(runs)[1]
    ranked = sum(1 for rows in rolled.by_entity_type.values() for s in rows if s.rank is not None)
    return {"cases": args.cases, "events": figures["events"], "month": str(month),
            "index_s": figures["index_s"], "stock_rows": figures["stock_rows"],
            "stock_s": figures["stock_s"],
            "entities": sum(len(v) for v in rolled.by_entity_type.values()), "ranked": ranked,
            "rollup_rows": figures["rollup_rows"], "load_s": figures["load_s"],
            "ms": round(ms, 1), "ms_first": round(runs[0], 1),
            "straight_ms": round(straight_ms, 1), "ratio": round(straight_ms / ms, 1),
            "agree": agree, "publish_ms": round(publish_ms, 1),
            "published_agree": published_agree}


def drop(url: str, db: str) -> None:
    """Drop the bench database, waiting for an autovacuum worker that may still be in it
    (FORCE cannot end a superuser's process)."""
    with psycopg.connect(pg_dsn(url), autocommit=True) as admin:
        for _ in range(60):
            try:
                admin.execute(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
                log(f"dropped database {db}")
                return
            except psycopg.errors.ObjectInUse:
                time.sleep(2)
    log(f"could not drop {db}: drop it by hand")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=25)
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    args = parser.parse_args()
    started = time.monotonic()
    url = base_url()
    db = f"bench_rank_{os.getpid()}"
    with psycopg.connect(pg_dsn(url), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {db} TEMPLATE template1")
    log(f"created database {db}")
    try:
        os.environ["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + db
        args.dsn = pg_dsn(url, db)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
        os.environ.setdefault("DCM_EMBEDDED", "1")
        result = inner(args)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop(url, db)
    result["wall_s"] = round(time.monotonic() - started, 1)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
