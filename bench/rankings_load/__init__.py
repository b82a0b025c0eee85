"""The synthetic history of ``bench.rankings``: a Dongcheng-sized city, plausible case lives,
and their COPY into a fresh database together with the daily rollups (built by the production
fold, ``workflows.scoring.fold`` summed by ``server.evaluation.rollups.rows_of``).

A package rather than a module beside ``bench/rankings.py`` so that ``make bench``, which runs
every ``bench/*.py``, does not take it for a benchmark of its own.
"""

from __future__ import annotations

import json
import queue
import random
import threading
import time
from datetime import datetime, timedelta

import psycopg

STREETS, COMMUNITIES_PER_STREET, CELLS_PER_COMMUNITY = 17, 6, 16
DEPARTMENTS, SUPERVISORS = 40, 200
START = datetime.fromisoformat("2024-11-01T00:00:00+08:00")
MIN, HOUR, DAY = 60, 3600, 86400


def log(msg: str) -> None:
    import sys

    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --- the synthetic city and its people -------------------------------------------------------

def load_reference():
    """Map, departments and users through the ORM (small); returns what the generator needs."""
    from django.contrib.gis.geos import MultiPolygon, Polygon

    from server.accounts.models import Department, User
    from server.maps.models import Cell, Community, DutyGrid, MapVersion, Street

    version = MapVersion.objects.create(label="bench", active=True, sequence_digits=3)
    size = 0.0012
    cells, streets, communities = [], [], []
    for s in range(1, STREETS + 1):
        street = f"110101{s:03d}"
        box = MultiPolygon(Polygon.from_bbox((116.39 + s * 0.01, 39.9, 116.4 + s * 0.01, 39.91)))
        streets.append(Street(version=version, code=street, name=f"街道{s}", geom=box))
        for c in range(1, COMMUNITIES_PER_STREET + 1):
            community = f"{street}{c:03d}"
            communities.append(Community(version=version, code=community, name=f"社区{s}-{c}",
                                         street_code=street, geom=box))
            for n in range(1, CELLS_PER_COMMUNITY + 1):
                x = 116.39 + s * 0.01 + (n % 4) * size
                y = 39.90 + c * 0.005 + (n // 4) * size
                cells.append(Cell(version=version, code=f"{community}{n:03d}",
                                  community_code=community, street_code=street, area_m2=1e4,
                                  geom=MultiPolygon(Polygon.from_bbox((x, y, x + size, y + size)))))
    Street.objects.bulk_create(streets)
    Community.objects.bulk_create(communities)
    Cell.objects.bulk_create(cells, batch_size=1000)
    depts = Department.objects.bulk_create(
        [Department(code=f"D{i:02d}", name=f"部门{i:02d}", responsibility="owner")
         for i in range(1, DEPARTMENTS + 1)])
    roles = ([("supervisor", SUPERVISORS)] + [("acceptor", 8), ("duty_chief", 4),
                                               ("dispatcher", 6), ("call_taker", 4)])
    users = [User(username=f"{r}{i:03d}", role=r) for r, n in roles for i in range(n)]
    users += [User(username=f"dept_{d.code}", role="department", department=d) for d in depts]
    User.objects.bulk_create(users)
    by_role: dict[str, list[int]] = {}
    for pk, role, dept in User.objects.values_list("pk", "role", "department__code"):
        by_role.setdefault(dept or role, []).append(pk)
    codes = [c.code for c in cells]
    per = len(codes) // SUPERVISORS
    grids = {}
    for i, sup in enumerate(by_role["supervisor"]):
        end = (i + 1) * per if i < SUPERVISORS - 1 else None
        grid = DutyGrid.objects.create(version=version, code=f"G{i:03d}", name=f"责任网格{i}",
                                       cell_codes=codes[i * per:end])
        grid.supervisors.add(sup)
        grids[sup] = grid.cell_codes
    return version.pk, codes, [d.code for d in depts], [d.pk for d in depts], by_role, grids


# --- one case's life ---------------------------------------------------------------------------

def lifecycle(r: random.Random, t: int, who: dict, end: int) -> list[list]:
    """[ts, actor, role, action, changes, extra data] of one plausible case, in order; a case
    whose next step would fall after ``end`` stays where it is (open at the end of the data)."""
    ev: list[list] = []
    clock = [t]

    def add(dt, actor, role, action, to, node=None, **ch):
        # node: the new node's limit in seconds (0: no timer); None: the deadline is in ``ch``
        clock[0] += max(int(dt), 1)
        ch["state"] = to
        if node is not None:
            ch["deadline"] = clock[0] + node if node else None
        ev.append([clock[0], actor, role, action, ch, {}])
        return ev[-1]

    m = lambda a, b: r.randint(a, b) * MIN  # noqa: E731
    public = who["channel"] != "handset"
    add(0, who["reporter"], who["reporter_role"], "report", "reported", HOUR,
        channel=who["channel"])
    if r.random() < 0.04:
        add(m(5, 40), who["acceptor"], "acceptor", "reject", "rejected", 0)
        return ev
    add(m(3, 50), who["acceptor"], "acceptor", "accept", "accepted", HOUR)
    if public:
        add(m(5, 40), who["acceptor"], "acceptor", "send_verify", "verifying", 30 * MIN,
            assignee_id=who["checker"])
        add(m(10, 45), who["checker"], "supervisor", "verify", "accepted", HOUR)
    if r.random() < 0.03:
        add(m(5, 90), who["chief"], "duty_chief", "void", "voided", 0)
        return ev
    add(m(5, 80), who["chief"], "duty_chief", "file", "filed", HOUR)
    dept, reason, hd = who["dept"], "dispatch", 0
    while clock[0] < end:
        if reason == "dispatch":
            e = add(m(5, 75), who["dispatcher"], "dispatcher", "dispatch", "dispatched", HOUR,
                    department_code=dept)
            hd = e[4]["handle_deadline"] = e[0] + 2 * DAY
            e[5]["followed_suggestion"] = dept == who["dept"]
            if r.random() < 0.04:
                add(m(10, 120), who["users"][dept], "department", "request_return",
                    "return_requested", HOUR)
                add(m(10, 60), who["dispatcher"], "dispatcher", "approve_return", "filed", HOUR,
                    department_code=None, handle_deadline=None)
                dept = who["other_dept"]
                continue
        user = who["users"][dept]
        add(m(5, 60), user, "department", "dept_accept", "handling", deadline=hd)
        if r.random() < 0.05:
            add(r.randint(1, 20) * HOUR, user, "department", "request_postpone",
                "postpone_requested", HOUR)
            hd += 2 * DAY
            add(m(10, 50), who["dispatcher"], "dispatcher", "approve_postpone", "handling",
                deadline=hd, handle_deadline=hd)
        if r.random() < 0.03:
            add(r.randint(1, 10) * HOUR, user, "department", "request_suspend",
                "suspend_requested", HOUR)
            add(m(10, 50), who["dispatcher"], "dispatcher", "approve_suspend", "suspended", 0)
            e = add(r.randint(1, 6) * DAY, who["dispatcher"], "dispatcher", "resume", "handling")
            hd = e[4]["deadline"] = e[4]["handle_deadline"] = e[0] + DAY
        done = clock[0] + int(r.choice([2, 4, 8, 20, 30, 45, 60, 70]) * HOUR * r.random()) + MIN
        if done > hd > clock[0] and r.random() < 0.8 and hd < end:
            add(hd - clock[0], who["system"], "system", "timer", "handling", light="red")
        if done >= end:
            return ev
        add(done - clock[0], user, "department", "feedback", "handled", HOUR)
        handled_at = clock[0]
        add(m(5, 60), who["acceptor"], "acceptor", "request_check", "checking", 30 * MIN,
            assignee_id=who["checker"])
        if r.random() < 0.07:
            e = add(m(10, 45), who["checker"], "supervisor", "check", "dispatched", HOUR)
            hd = e[4]["handle_deadline"] = e[0] + 2 * DAY
            reason = "rework"
            continue
        add(m(10, 45), who["checker"], "supervisor", "check", "checked", HOUR)
        add(m(5, 80), who["chief"], "duty_chief", "close", "closed", 0,
            closing_type="overdue" if handled_at > hd else "normal")
        if public and reason != "reopen" and r.random() < 0.05:
            e = add(r.randint(1, 3) * DAY, who["call_taker"], "call_taker", "callback",
                    "dispatched", HOUR, closing_type="")
            hd = e[4]["handle_deadline"] = e[0] + 2 * DAY
            reason = "reopen"
            continue
        return ev
    return [e for e in ev if e[0] < end]


# --- loading -----------------------------------------------------------------------------------

_DAYS: dict[int, str] = {}


def _copy_defaults(listed: list[str]) -> dict[str, str]:
    """column -> COPY text of its default, for the case table's NOT NULL columns with a Django
    default that ``listed`` leaves out (read from the model's public ``_meta`` API)."""
    from server.cases.models import Case

    out = {}
    for field in Case._meta.concrete_fields:
        if field.column in listed or field.null or not field.has_default():
            continue
        value = field.get_default()
        out[field.column] = ("t" if value else "f") if isinstance(value, bool) else str(value)
    return out


def _iso(ts: int) -> str:
    """``datetime.fromtimestamp(ts, +08:00).isoformat()``, three times faster."""
    local = ts + 8 * HOUR
    d, sec = divmod(local, DAY)
    day = _DAYS.get(d)
    if day is None:
        day = _DAYS[d] = (datetime(1970, 1, 1) + timedelta(days=d)).strftime("%Y-%m-%d")
    return f"{day}T{sec // 3600:02d}:{sec // 60 % 60:02d}:{sec % 60:02d}+08:00"


class Writer(threading.Thread):
    """COPYs on its own connection while the main thread generates the next chunk (psycopg
    waits for the server without the GIL, so the two overlap on two cores)."""

    def __init__(self, dsn: str):
        super().__init__(daemon=True)
        self.conn = psycopg.connect(dsn, autocommit=True)
        self.jobs: queue.Queue = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.busy = 0.0

    def run(self):
        while (job := self.jobs.get()) is not None:
            try:
                t = time.monotonic()
                for sql, text in job:
                    if text:
                        with self.conn.cursor().copy(sql) as cp:
                            cp.write(text)
                self.busy += time.monotonic() - t
            except BaseException as exc:  # handed to the main thread
                self.error = exc
                return

    def put(self, job):
        if self.error:
            raise self.error
        self.jobs.put(job)

    def finish(self):
        self.jobs.put(None)
        self.join()
        if self.error:
            raise self.error


TABLES = ("cases_case", "cases_caseevent", "evaluation_dailyrollup")


def defer_constraints(conn) -> list[str]:
    """Drop the secondary indexes, unique and foreign-key constraints of the loaded tables;
    returns the statements that restore them (indexes, then unique, then foreign keys).
    Loading first and indexing once is what a bulk load does; the queries then see the same
    indexes the migrations made."""
    restore: dict[str, list[str]] = {"i": [], "u": [], "f": []}
    for table in TABLES:
        cons = conn.execute("SELECT conname, contype, pg_get_constraintdef(oid) FROM "
                            "pg_constraint WHERE conrelid = %s::regclass AND contype IN "
                            "('f', 'u')", [table]).fetchall()
        idx = conn.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
                           "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE "
                           "conrelid = %s::regclass)", [table, table]).fetchall()
        for name, contype, definition in cons:
            # Foreign keys come back NOT VALID: the generator wrote only existing ids, and a
            # validating scan of 10 M events would cost minutes and change no query plan.
            valid = " NOT VALID" if contype == "f" else ""
            restore[contype].append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
                                 f'{valid}')
            conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, definition in idx:
            restore["i"].append(definition)
            conn.execute(f'DROP INDEX "{name}"')
    return restore["i"] + restore["u"] + restore["f"]


def load(dsn: str, cases: int, months: int, seed: int = 8) -> dict:
    """COPY the cases, their events and the rollups; returns the load's figures."""
    from server.evaluation.rollups import rows_of
    from workflows.scoring import ALL_COUNTERS, fold, local_day

    t_load = time.monotonic()
    version, cells, depts, dept_pks, by_role, grids = load_reference()
    r = random.Random(seed)
    t0, end = int(START.timestamp()), int((START + timedelta(days=months * 30.44)).timestamp())
    step = (end - t0) / cases
    grid_of = {c: sup for sup, cs in grids.items() for c in cs}
    dept_user = {code: by_role[code][0] for code in depts}
    dept_pk = dict(zip(depts, dept_pks))
    system = next(iter(by_role.get("system", [0])), 0)
    if not system:
        from server.accounts.models import User
        system = User.objects.create(username="system", role="system").pk
    cols = ", ".join(["id", "number", "kind", "class_code", "channel", "state", "description",
                      "location", "accuracy_m", "map_version_id", "cell_code", "community_code",
                      "street_code", "component_code", "department_id", "reporter_id",
                      "condition_code", "handle_limit_unit", "node", "light",
                      "requested_extension_unit", "resume_state", "closing_type", "merged_into",
                      "rework_count", "return_count", "postpone_count", "suspend_count",
                      "reopen_count", "version", "created_at", "updated_at", "idempotency_key",
                      "request_hash"])
    # Columns added to the model since (an urge count...): their Django default, which COPY
    # does not apply by itself, so the load keeps up with the model without listing them.
    defaults = _copy_defaults(cols.split(", "))
    if defaults:
        cols += ", " + ", ".join(defaults)
    tail = "".join("\t" + v for v in defaults.values()) + "\n"
    counters = ", ".join(ALL_COUNTERS)
    pending: dict = {}
    n_events = n_rollup = 0
    writer = Writer(dsn)
    restore = defer_constraints(writer.conn)
    for table in TABLES:  # statistics come from one ANALYZE after the load
        writer.conn.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
    writer.start()
    for chunk in range(0, cases, 20_000):
        case_lines, event_lines = [], []
        for cid in range(chunk + 1, min(cases, chunk + 20_000) + 1):
            ts = min(t0 + int((cid - 1) * step) + r.randint(0, 600), end - HOUR)
            cell = r.choice(cells)
            public = r.random() < 0.2
            who = {"channel": "hotline" if public else "handset",
                   "reporter": r.choice(by_role["call_taker"]) if public else grid_of[cell],
                   "reporter_role": "call_taker" if public else "supervisor",
                   "acceptor": r.choice(by_role["acceptor"]),
                   "chief": r.choice(by_role["duty_chief"]),
                   "dispatcher": r.choice(by_role["dispatcher"]), "checker": grid_of[cell],
                   "call_taker": r.choice(by_role["call_taker"]), "system": system,
                   "dept": depts[int(cell[9:]) % len(depts)], "other_dept": r.choice(depts),
                   "users": dept_user}
            life = [e for e in lifecycle(r, ts, who, end) if e[0] < end]
            records, prev, dept = [], "", None
            for at, actor, role, action, ch, extra in life:
                for k in ("deadline", "handle_deadline"):
                    if ch.get(k) is not None:
                        ch[k] = _iso(ch[k])
                if "department_code" in ch:
                    dept = ch["department_code"]
                data = {**extra, "changes": ch}
                if action == "report":
                    data["cell_code"] = cell
                to = ch["state"]
                event_lines.append(
                    f"{cid}\t{actor}\t{role}\t{action}\t{prev}\t{to}\t{_iso(at)}\t"
                    f"{ch.get('deadline') or chr(92) + 'N'}\t{json.dumps(data)}\n")
                prev = to
                records.append({"case": cid, "at": datetime.fromtimestamp(at, START.tzinfo),
                                "action": action, "actor": actor, "role": role, "data": data})
            for key, row in rows_of(fold(records)).items():
                acc = pending.setdefault(key, {})
                for k, v in row.items():
                    acc[k] = acc.get(k, 0) + v
            community = cell[:12]
            case_lines.append(
                f"{cid}\tC0103{cid:012d}\tcomponent\t0103\t{who['channel']}\t{prev}\t\t"
                f"SRID=4326;POINT({116.4 + r.random() / 5:.6f} {39.9 + r.random() / 10:.6f})"
                f"\t0\t{version}\t{cell}\t{community}\t{cell[:9]}"
                f"\t\t{dept_pk[dept] if dept else chr(92) + 'N'}\t{who['reporter']}\t\t\t\t\t\t"
                f"\t\t\t0\t0\t0\t0\t0\t{len(life)}\t{_iso(life[0][0])}\t{_iso(life[-1][0])}"
                f"\tbench-{cid}\tx" + tail)
            n_events += len(life)
        # Facts never come before their case's report: days well behind the cases being
        # generated are complete and can go to the table.
        horizon = local_day(datetime.fromtimestamp(ts - 40 * DAY, START.tzinfo))
        rollup = _rollup_text(pending, lambda d, horizon=horizon: d < horizon)
        n_rollup += rollup.count("\n")
        writer.put([(f"COPY cases_case ({cols}) FROM STDIN", "".join(case_lines)),
                    ("COPY cases_caseevent (case_id, actor_id, actor_role, action, from_state, "
                     "to_state, at, deadline, data) FROM STDIN", "".join(event_lines)),
                    (f"COPY evaluation_dailyrollup (day, entity_type, entity, {counters}) "
                     "FROM STDIN", rollup)])
        if chunk % 100_000 == 0 or chunk + 20_000 >= cases:
            log(f"  {min(cases, chunk + 20_000):,} cases, {n_events:,} events "
                f"(copy busy {writer.busy:.0f}s)")
    rollup = _rollup_text(pending, lambda d: True)
    n_rollup += rollup.count("\n")
    writer.put([(f"COPY evaluation_dailyrollup (day, entity_type, entity, {counters}) FROM STDIN",
                 rollup)])
    writer.finish()
    log(f"generated and copied in {time.monotonic() - t_load:.0f}s; indexing")
    t_index = time.monotonic()
    conn = writer.conn
    for statement in restore:
        conn.execute(statement)
    conn.execute("SELECT setval(pg_get_serial_sequence('cases_case', 'id'), %s)", [cases])
    conn.execute("ANALYZE")
    conn.close()
    return {"events": n_events, "rollup_rows": n_rollup,
            "load_s": round(time.monotonic() - t_load, 1),
            "index_s": round(time.monotonic() - t_index, 1),
            "end": datetime.fromtimestamp(end, START.tzinfo)}


def _rollup_text(pending: dict, due) -> str:
    """COPY text of the pending rollup rows whose day is ``due`` (and forget them)."""
    from workflows.scoring import ALL_COUNTERS

    lines = []
    for key in [k for k in pending if due(k[0])]:
        row = pending.pop(key)
        if any(row.values()):
            day, entity_type, entity = key
            lines.append(f"{day}\t{entity_type}\t{entity}\t" +
                         "\t".join(str(row.get(c, 0)) for c in ALL_COUNTERS) + "\n")
    return "".join(lines)
