"""Past one machine, under faults: reports through a proxy to three app nodes while nodes die,
Redis fails over and the PostgreSQL primary is killed; nothing lost, nothing doubled.

    python -m bench.cluster [--reports 10000] [--senders 16] [--terminals 6] [--node-kills 2]
                            [--redis-failovers 1] [--pg-failovers 1] [--keep-running]

Runs against the topology of ``scripts/cluster.sh`` (docs/scaling.md): nginx :8800 in front of
app nodes :8801-8803, a PostgreSQL primary and streaming standby, Redis with three sentinels.
A cluster that answers already is reused (and left running); otherwise the bench starts one
with ``scripts/cluster.sh start`` and stops it at the end (``--keep-running`` leaves it up).
Runs as root (the drills stop PostgreSQL as its system user, as the script does).

Handsets: ``--senders`` outboxes (``mobileapp.core.outbox``), each report with its idempotency
key made before any network use, each outbox sent by the handset's own sender process
(``python -m mobileapp.core.sender``: backoff and retry) to the proxy. Terminals: consoles
(centre, a department, a supervisor's handset, in turn) on ``/ws/events/`` through the proxy,
reconnecting after a drop (to whichever node nginx picks) and resuming from their cursor, as
in ``bench.faults``. A dispatcher sends some of the reports to the department meanwhile.

Faults, spread over the run at shares of the reports stored and interleaved: SIGKILL of a whole
app node (``cluster.sh kill-node``, the nodes in turn, restarted at once with ``start-node``);
SIGKILL of the Redis master (``kill-redis``: the sentinels promote the replica; the old one
comes back as a replica, ``start-redis``); the PostgreSQL primary stopped at once and the
standby promoted (``kill-pg``), then the old primary rebuilt as the new primary's standby
(``rejoin-pg``). The nodes reach the new primary through their libpq multi-host string.

Figures, the last line one JSON object:
  reports, lost, duplicated   counted in the database against the outboxes' keys and texts
  events_missed               events a terminal was to hear and never got, after its own
                              reconnects and resumes and one final resume each
  events_missed_live          the same before that final resume
  node_kills, redis_failovers, pg_failovers   faults done
  max_unavailable_s           the longest stretch with no report acknowledged (the outboxes'
                              ``sent`` times); ``unavailable_by_fault`` per fault
  reports_per_s               reports over the time from the first send to the last answer
  replica_lag_ms_p99          ``pg_stat_replication.replay_lag`` sampled every 0.5 s on the
                              primary while a standby streams (idle: 0)
  photo_shared                a report sent to one node directly, its photo fetched from the
                              other two: the same JPEG bytes (the shared photo store)
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from statistics import median

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from bench.faults import (  # noqa: E402
    Terminal, Terminals, _fill_outboxes, _jpeg, _outbox_keys, dispatcher)

PY = sys.executable
SCRIPT = REPO / "scripts" / "cluster.sh"
STATE = Path(os.environ.get("DCM_CLUSTER_DIR", "/tmp/dcm-cluster"))
PROXY = "http://127.0.0.1:8800"
NODES = (8801, 8802, 8803)
PG_PORTS = (5442, 5443)


def log(msg: str) -> None:
    print(f"cluster-bench: {msg}", file=sys.stderr, flush=True)


def cluster(*args: str, check: bool = True) -> str:
    """Run ``scripts/cluster.sh`` with ``args``; its log lines go to the bench's stderr."""
    r = subprocess.run(["bash", str(SCRIPT), *args], cwd=REPO, stdout=subprocess.PIPE, text=True)
    if check and r.returncode:
        raise SystemExit(f"scripts/cluster.sh {' '.join(args)} failed ({r.returncode})")
    return r.stdout


def answers(url: str) -> bool:
    import httpx

    try:
        return httpx.get(url + "/api/health/", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def node_env() -> dict[str, str]:
    """The settings every node runs with (``cluster.sh env``), for the bench's own ORM use."""
    env = {}
    for line in cluster("env").splitlines():
        if line.startswith("export "):
            name, _, value = line[len("export "):].partition("=")
            env[name] = shlex.split(value)[0] if value else ""
    return env


# --- accounting (no Django: unit-tested in tests/bench) -----------------------------------------
def unavailable(acks: list[float], faults: list[tuple[float, str]]
                ) -> tuple[float, list[dict]]:
    """The longest stretch between two acknowledgements (``acks``: times of the answers; the
    senders' start-up before the first is not the cluster's), and per fault (time, name) the
    stretch that contains it: from the last answer before it to the first after it."""
    times = sorted(acks)
    if len(times) < 2:
        return 0.0, []
    gaps = [b - a for a, b in zip(times, times[1:])]
    per_fault = []
    for at, name in faults:
        before = max((t for t in times if t <= at), default=times[0])
        after = min((t for t in times if t > at), default=times[-1])
        per_fault.append({"fault": name, "unavailable_s": round(max(after - before, 0.0), 2)})
    return round(max(gaps), 2), per_fault


def count_losses(keys: dict[str, str], on_server: dict[str, str],
                 texts: list[str]) -> tuple[int, int]:
    """(lost, duplicated): outbox reports (key → text) whose key has no case, and cases beyond
    one per report text plus cases with a key no outbox made."""
    per_text: dict[str, int] = {}
    for text in texts:
        per_text[text] = per_text.get(text, 0) + 1
    lost = sum(1 for k in keys if k not in on_server)
    duplicated = sum(n - 1 for n in per_text.values()) + sum(1 for k in on_server if k not in keys)
    return lost, duplicated


def p99(values: list[float]) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(len(values) * 0.99))], 2)


# --- replica lag ---------------------------------------------------------------------------------
class LagSampler(threading.Thread):
    """``replay_lag`` of the streaming standby every 0.5 s, asked on whichever server is primary
    (as the postgres superuser over the cluster's socket: other roles see no lag columns)."""

    QUERY = ("SELECT pg_is_in_recovery(), (SELECT COALESCE(EXTRACT(EPOCH FROM replay_lag) * 1000,"
             " 0) FROM pg_stat_replication WHERE state = 'streaming' LIMIT 1)")

    def __init__(self):
        super().__init__(daemon=True)
        self.samples: list[float] = []
        self.times: list[float] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.5):
            for port in PG_PORTS:
                r = subprocess.run(
                    ["runuser", "-u", "postgres", "--", "psql", "-X", "-At", "-F", " ", "-h",
                     str(STATE / "pgsock"), "-p", str(port), "-d", "postgres", "-c", self.QUERY],
                    capture_output=True, text=True)
                fields = r.stdout.split()
                if r.returncode == 0 and fields[:1] == ["f"]:
                    if len(fields) > 1:  # a standby streams (none between a kill and rejoin)
                        self.samples.append(float(fields[1]))
                        self.times.append(time.time())
                    break


# --- the shared photo store ----------------------------------------------------------------------
def photo_shared(token: str) -> dict:
    """Send a report with a photo to the first node directly, then read the case and fetch its
    photo from the other two: each must answer the same JPEG (one store behind all nodes)."""
    from mobileapp.core.api import ApiClient, Refused

    from server.maps.models import Cell

    p = Cell.objects.filter(version__active=True).first().geom.point_on_surface
    fields = {"kind": "event", "class_code": "0101", "lat": f"{p.y:.7f}", "lon": f"{p.x:.7f}",
              "accuracy_m": "5", "description": "cluster-bench photo check",
              "idempotency_key": str(uuid.uuid4())}
    a, b, c = (f"http://127.0.0.1:{n}" for n in NODES)
    with ApiClient(a, token) as api:
        number = api.report(fields, _jpeg())[1]["number"]
    got = {}
    end = time.monotonic() + 60
    for node in (b, c):
        with ApiClient(node, token) as api:
            while True:
                photos = api.case(number)["photos"]
                try:
                    got[node] = api.photo(photos[0]["url"])
                    break
                except Refused:  # 409 while the photo cleaner has not re-encoded it yet
                    if time.monotonic() > end:
                        raise
                    time.sleep(0.5)
    same = len(set(got.values())) == 1 and next(iter(got.values())).startswith(b"\xff\xd8")
    return {"sent_to": a, "fetched_from": sorted(got), "same_jpeg": same,
            "bytes": len(next(iter(got.values())))}


# --- the run -------------------------------------------------------------------------------------
def schedule(node_kills: int, redis: int, pg: int) -> list[tuple[float, str]]:
    """Faults at shares of the reports stored, evenly spread, kinds interleaved (node kills
    first and last, the failovers between)."""
    kinds = ["node"] * node_kills
    others = ["redis"] * redis + ["pg"] * pg
    order = []
    while kinds or others:
        if kinds:
            order.append(kinds.pop())
        if others:
            order.append(others.pop(0))
    return [((i + 1) / (len(order) + 1), kind) for i, kind in enumerate(order)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reports", type=int, default=10_000)
    ap.add_argument("--senders", type=int, default=16)
    ap.add_argument("--terminals", type=int, default=6)
    ap.add_argument("--node-kills", type=int, default=2)
    ap.add_argument("--redis-failovers", type=int, default=1)
    ap.add_argument("--pg-failovers", type=int, default=1)
    ap.add_argument("--dispatch-every", type=int, default=40)
    ap.add_argument("--keep-running", action="store_true",
                    help="leave a cluster the bench started running at the end")
    args = ap.parse_args(argv)
    if os.geteuid() != 0:
        raise SystemExit("bench.cluster runs as root: its drills stop PostgreSQL as its user")

    started = not (answers(PROXY) and all(answers(f"http://127.0.0.1:{n}") for n in NODES))
    if started:
        log("starting the cluster (scripts/cluster.sh start)")
    work = Path(tempfile.mkdtemp(prefix="cluster-bench-"))
    prefix = f"cluster-bench-{int(time.time())}"
    senders: list[subprocess.Popen] = []
    stop = threading.Event()
    lag = LagSampler()
    terms = None
    keep = False
    try:
        cluster("start")  # also rebuilds a standby a failover left out, and whatever is down
        os.environ.update(node_env(), DB_POOL="0", PYTHONPATH=str(REPO))
        import django

        django.setup()
        from django.db import connection

        from server.accounts.models import User
        from server.accounts.tokens import issue
        from server.cases.models import Case, CaseEvent

        issued: dict[str, str] = {}

        def token(username):
            if username not in issued:
                issued[username] = issue(User.objects.get(username=username))[0]
            return issued[username]

        supervisors = list(User.objects.filter(role="supervisor").order_by("username")
                           .values_list("username", flat=True)[:args.senders])
        dept = User.objects.filter(role="department").order_by("username").first()
        outboxes = _fill_outboxes(work, supervisors, args.reports, prefix)
        photo = photo_shared(token(supervisors[0]))
        log(f"photo sent to one node, fetched from the others: {photo}")

        roles = [("centre", "dispatcher"), ("department", dept.username),
                 ("handset", supervisors[0])]
        terms = Terminals([Terminal(f"{roles[n % 3][0]}-{n}",
                                    User.objects.get(username=roles[n % 3][1]),
                                    token(roles[n % 3][1]), PROXY)
                           for n in range(args.terminals)])
        lag.start()
        t0 = time.monotonic()
        for path, username in zip(outboxes, supervisors):
            senders.append(subprocess.Popen(
                [PY, "-m", "mobileapp.core.sender", "--db", str(path), "--base-url", PROXY,
                 "--token", token(username), "--base-delay", "0.2", "--max-delay", "2",
                 "--until-drained"], cwd=REPO))
        tokens = {u: token(u) for u in ("acceptor", "dutychief", "dispatcher")}
        actor = threading.Thread(target=dispatcher, args=(PROXY, tokens, dept.department.code,
                                                          stop, args.dispatch_every, prefix),
                                 daemon=True)
        actor.start()

        plan = schedule(args.node_kills, args.redis_failovers, args.pg_failovers)
        done = {"node": 0, "redis": 0, "pg": 0}
        fault_times: list[tuple[float, str]] = []
        reconnects: list[int] = []  # the terminals' reconnects so far, at each fault
        while any(p.poll() is None for p in senders):
            time.sleep(0.5)
            if not plan:
                continue
            try:
                stored = Case.objects.filter(description__startswith=prefix).count()
            except Exception:  # the primary changed under the bench's connection: ask again
                connection.close()
                continue
            if stored < plan[0][0] * args.reports:
                continue
            _, kind = plan.pop(0)
            at = time.time()
            if kind == "node":
                port = NODES[done["node"] % len(NODES)]
                fault_times.append((at, f"node :{port} SIGKILL"))
                cluster("kill-node", str(port))
                threading.Thread(target=cluster, args=("start-node", str(port)),
                                 daemon=True).start()
            elif kind == "redis":
                fault_times.append((at, "redis master SIGKILL"))
                cluster("kill-redis")
                cluster("start-redis")
            else:
                fault_times.append((at, "postgresql primary killed"))
                cluster("kill-pg")
                rebuilt = time.monotonic()
                cluster("rejoin-pg")
                log(f"old primary rebuilt as a standby in {time.monotonic() - rebuilt:.1f} s")
            done[kind] += 1
            reconnects.append(sum(t.reconnects for t in terms.terms))
            log(f"{fault_times[-1][1]} at {stored} reports stored")
        elapsed = time.monotonic() - t0
        stop.set()
        actor.join(30)
        time.sleep(2.0)  # the last pushes reach the terminals
        lag.stop.set()

        connection.close()
        keys, states = _outbox_keys(outboxes)
        acks = _ack_times(outboxes)
        cases = Case.objects.filter(description__startswith=prefix)
        on_server = dict(cases.values_list("idempotency_key", "description"))
        lost, duplicated = count_losses(keys, on_server,
                                        list(cases.values_list("description", flat=True)))
        max_gap, per_fault = unavailable(acks, fault_times)
        # Reconnects between one fault and the next, put down to the first (a node kill drops
        # the sockets that node held; the terminals find another node through the proxy).
        marks = reconnects + [sum(t.reconnects for t in terms.terms)]
        for n, row in enumerate(per_fault):
            row["terminal_reconnects"] = marks[n + 1] - marks[n]
        pg_at = next((at for at, name in fault_times if name.startswith("postgresql")), None)
        calm = [ms for ms, at in zip(lag.samples, lag.times) if pg_at is None or at < pg_at]
        missed_live = {t.name: t.missed() for t in terms.terms}
        terms.resume_all()
        time.sleep(0.5)
        missed = {t.name: t.missed() for t in terms.terms}
        result = {
            "reports": len(keys), "lost": lost, "duplicated": duplicated,
            "refused": states.get("refused", 0),
            "events_missed": sum(missed.values()),
            "events_missed_live": sum(missed_live.values()), "missed_by": missed,
            "node_kills": done["node"], "redis_failovers": done["redis"],
            "pg_failovers": done["pg"], "max_unavailable_s": max_gap,
            "unavailable_by_fault": per_fault,
            "reports_per_s": round(len(keys) / elapsed, 1), "seconds": round(elapsed, 1),
            "replica_lag_ms_p99": p99(lag.samples), "replica_lag_samples": len(lag.samples),
            "replica_lag_ms_p50": median(lag.samples) if lag.samples else None,
            "replica_lag_ms_max": max(lag.samples, default=None),
            "replica_lag_ms_p99_before_pg_failover": p99(calm),
            "terminal_reconnects": sum(t.reconnects for t in terms.terms),
            "terminal_resets": sum(t.resets for t in terms.terms),
            "events_in_log": CaseEvent.objects.count(), "photo_shared": photo["same_jpeg"],
            "load": os.getloadavg()[0],
        }
        print(json.dumps(result), flush=True)
        ok = (lost == 0 and duplicated == 0 and result["events_missed"] == 0
              and max_gap <= 15 and photo["same_jpeg"])
        keep = not ok  # the outboxes, to find what went wrong
        return 0 if ok else 1
    finally:
        stop.set()
        lag.stop.set()
        for p in senders:
            if p.poll() is None:
                p.terminate()
                p.wait(10)
        if terms is not None:
            terms.close()
        if "DJANGO_SETTINGS_MODULE" in os.environ:
            from django.db import connections

            connections.close_all()
        import shutil

        if keep:
            log(f"outboxes kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
        if started and not args.keep_running:
            log("stopping the cluster the bench started (scripts/cluster.sh stop)")
            cluster("stop", check=False)


def _ack_times(paths: list[Path]) -> list[float]:
    """When each report was acknowledged (the outbox's ``updated_at`` of a ``sent`` item)."""
    from mobileapp.core.outbox import SENT, Outbox

    times = []
    for path in paths:
        box = Outbox(path)
        times += [item.updated_at for item in box.items(SENT)]
        box.close()
    return times


if __name__ == "__main__":
    raise SystemExit(main())
