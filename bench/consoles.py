"""A console over a city's worth of cases, on PostGIS: the case search, a case's story, the
first paint of the queue in Chromium, and a deadline light turning red on an open page.

    python -m bench.consoles [--cases 100000] [--months 3] [--keep]

Creates a fresh database (``bench_consoles_<pid>``, from template1, which carries PostGIS),
migrates it and loads ``--cases`` synthetic cases with their event logs by COPY (the loader of
``bench.rankings``: 17 streets, 102 communities, 1,632 cells, 40 departments, 8-20 events a
case). The open cases then get deadlines around now (some overdue, some due soon), so the
"overdue first" order and the lights have work to do. Then, as a dispatcher:

- ``search_p95_ms``: 20 mixed searches through ``GET /api/cases/`` (text, number, state, light,
  department, street, community, channel, time range, sort; each with its count and first
  page of 50), Django's test client in this process after one untimed request (a running
  server has its map loaded), p95 of the 20 (the 19th);
- ``open_case_p95_ms``: ``GET /api/cases/<number>/`` (the story the case page draws: every step
  with its actor and photos, duplicates, the suggested department) for the 20 cases with the
  longest logs, p95;
- ``list_first_paint_ms``: a real server (the project's default ASGI server, Redis channel
  layer, the timer inside it) and Debian's Chromium: from navigation to the command centre's
  first page of cases drawn (``body[data-ready]``), median of 5;
- ``light_change_to_screen_ms``: the first row's case is made due 3 s from now; from that
  moment to its row painted red on the open page (the timer's sweep, the push, the paint).

Targets: search p95 ≤ 150 ms, case p95 ≤ 150 ms, first paint ≤ 1,000 ms, light ≤ 2,000 ms.
The database is dropped at the end (unless ``--keep``). The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

from bench.rankings import base_url, pg_dsn
from bench.rankings_load import load, log

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-consoles-2026"
CHROMIUM = os.environ.get("DCM_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run"]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return round(ordered[max(0, int(len(ordered) * 0.95 + 0.5) - 1)], 1)


def deadlines_around_now(dsn: str) -> int:
    """Open cases due between 12 h ago and 36 h from now, lights to match (bench data only)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        cur = conn.execute("""
            UPDATE cases_case SET deadline = now() + (random() * 48 - 12) * interval '1 hour'
            WHERE state NOT IN ('closed', 'rejected', 'voided', 'merged')""")
        n = cur.rowcount
        conn.execute("""UPDATE cases_case SET yellow_at = deadline - interval '4 hours',
            light = CASE WHEN deadline < now() THEN 'red'
                         WHEN deadline - interval '4 hours' < now() THEN 'yellow'
                         ELSE 'green' END
            WHERE deadline IS NOT NULL""")
        conn.execute("ANALYZE cases_case")
    return n


def searches(street: str, community: str, dept: str, number: str) -> list[str]:
    return ["", "?q=井盖", "?q=" + number[-6:], "?state=dispatched", "?state=handling,dispatched",
            "?light=red", "?overdue=true", f"?department={dept}", f"?street={street}",
            f"?community={community}", "?channel=hotline", "?since=2024-12-01&until=2024-12-15",
            "?sort=newest", "?open=true", "?todo=true", f"?q=街道{street[-1]}",
            f"?department={dept}&state=closed&sort=oldest", "?kind=event&class_code=0101",
            "?offset=5000&limit=50", f"?street={street}&channel=handset&light=green"]


def measure_api(user) -> dict:
    from django.test import Client

    from server.cases.models import Case
    from server.maps.models import Community

    client = Client(HTTP_HOST="127.0.0.1")  # an allowed host, as a browser would send
    client.force_login(user)
    community = Community.objects.order_by("code").first()
    number = Case.objects.order_by("-id").values_list("number", flat=True).first()
    dept = Case.objects.exclude(department=None).values_list("department__code", flat=True)[0]
    client.get("/api/cases/?limit=1")  # a server has its map loaded: not part of a search
    times, counts, each = [], [], {}
    for query in searches(community.street_code, community.code, dept, number):
        t = time.perf_counter()
        r = client.get("/api/cases/" + query + ("&" if "?" in query else "?") + "limit=50")
        times.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, (query, r.content[:300])
        counts.append(r.json()["count"])
        each[query or "(none)"] = round(times[-1], 1)
    log(f"searches (ms): {each}")
    from django.db.models import Count

    longest = (Case.objects.annotate(n=Count("events")).order_by("-n")
               .values_list("number", "n")[:20])
    open_times, events = [], []
    for num, _n in longest:
        t = time.perf_counter()
        r = client.get(f"/api/cases/{num}/")
        open_times.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, r.content[:300]
        events.append(len(r.json()["events"]))
    return {"search_p95_ms": p95(times), "search_max_ms": round(max(times), 1),
            "search_counts": counts, "open_case_p95_ms": p95(open_times),
            "open_case_events": max(events)}


def measure_browser(env: dict, username: str) -> dict:
    from playwright.sync_api import sync_playwright

    from server import serving
    from tests.e2e.server_process import free_port, wait_for_http

    var = Path(tempfile.mkdtemp(prefix="bench-consoles-"))
    env = dict(env, DCM_VAR=str(var), DCM_TIMERS_IN_SERVER="1",
               CHANNEL_PREFIX=f"bcons{os.getpid()}", PYTHONPATH=str(ROOT))
    subprocess.run([sys.executable, "server/manage.py", "collectstatic", "--noinput", "-v0"],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    port = free_port()
    server_log = var / "server.log"
    proc = subprocess.Popen(serving.server_command(serving.DEFAULT, host="127.0.0.1", port=port),
                            cwd=ROOT, env=env, start_new_session=True,
                            stdout=server_log.open("ab"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(proc, base + "/api/schema/", server_log, 120)
        number = fresh_case()  # before Playwright's loop: the report's push is sent from here
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.goto(base + "/accounts/login/")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", PASSWORD)
            with page.expect_navigation():  # the sign-in's redirect, before the next goto
                page.click("button[type=submit]")
            paints = []
            for _ in range(5):
                page.goto(base + "/console/command/?tab=all")
                page.wait_for_selector("body[data-ready='1']", timeout=30000)
                paints.append(page.evaluate("performance.now()"))
            # A case reported through the actions (the synthetic logs carry no timer fields),
            # found by its number, then made due 3 s from now.
            page.goto(base + f"/console/command/?tab=all&q={number}")
            page.wait_for_selector(f"#queue tr[data-number='{number}']", timeout=30000)
            page.wait_for_selector("#live[data-state='live']", timeout=30000)
            due = make_due(number, seconds=3.0)
            page.wait_for_selector(f"#queue tr[data-number='{number}'][data-light='red']",
                                   state="attached", timeout=60000)
            light_ms = (time.time() - due) * 1000
            rows = page.locator("#queue tbody tr").count()  # the search: that one case
            browser.close()
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(15)
    return {"list_first_paint_ms": round(sorted(paints)[2], 1), "rows_painted": rows,
            "light_change_to_screen_ms": round(light_ms, 1)}


def fresh_case() -> str:
    """A report through ``do_report`` at a cell of the bench map; its number."""
    import uuid

    from server.accounts.models import User
    from server.cases.actions import ReportInput, do_report
    from server.maps.index import place
    from server.maps.models import Cell

    cell = Cell.objects.order_by("code").first().geom.centroid
    loaded, placement = place(cell.x, cell.y)
    reporter = User.objects.filter(role="supervisor").order_by("username").first()
    case, _ = do_report(reporter, ReportInput(
        kind="event", class_code="0102", lon=cell.x, lat=cell.y, accuracy_m=0,
        description="bench light", photo=None, idempotency_key=uuid.uuid4().hex,
        request_hash="bench"), loaded.version_id, placement)
    return case.number


def make_due(number: str, seconds: float) -> float:
    from datetime import timedelta

    from django.utils import timezone

    from server.cases.models import Case

    now = timezone.now()
    due = now + timedelta(seconds=seconds)
    Case.objects.filter(number=number).update(light="yellow", yellow_at=now - timedelta(hours=1),
                                              deadline=due)
    return due.timestamp()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    args = parser.parse_args()
    started = time.monotonic()
    url = base_url()
    db = f"bench_consoles_{os.getpid()}"
    with psycopg.connect(pg_dsn(url), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {db} TEMPLATE template1")
    log(f"created database {db}")
    redis = subprocess.run(["bash", "scripts/services.sh"], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout
    os.environ["REDIS_URL"] = next(line.split("=", 1)[1] for line in redis.splitlines()
                                   if line.startswith("export REDIS_URL="))
    try:
        os.environ["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + db
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
        os.environ.setdefault("DCM_EMBEDDED", "1")
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # the ORM beside Playwright's loop
        import django

        django.setup()
        from django.core.management import call_command

        from server.accounts.models import User

        call_command("migrate", verbosity=0)
        figures = load(pg_dsn(url, db), args.cases, args.months)
        log(f"loaded {args.cases:,} cases, {figures['events']:,} events in {figures['load_s']}s")
        opened = deadlines_around_now(pg_dsn(url, db))
        user = User.objects.create_user("bench_dispatcher", password=PASSWORD, role="dispatcher")
        result = {"cases": args.cases, "events": figures["events"], "open_cases": opened}
        result.update(measure_api(user))
        log(f"api: {result}")
        result.update(measure_browser(dict(os.environ), user.username))
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            from tests.e2e.server_process import drop_database

            drop_database(url, db)  # ends its sessions, waits out an autovacuum worker
            log(f"dropped database {db}")
    result["load"] = os.getloadavg()[0]
    result["wall_s"] = round(time.monotonic() - started, 1)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
