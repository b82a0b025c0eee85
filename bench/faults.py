"""Reports under faults: the server killed, Redis restarted, nothing lost, nothing doubled.

    python -m bench.faults [--reports 10000] [--senders 8] [--workers 2] [--kills 3]
                           [--redis-restarts 1]

Needs PostgreSQL/PostGIS (DATABASE_URL: its credentials and host; loopback only). The bench
creates a database of its own (through ``tests/e2e/server_process``, the e2e tests' server)
and drops it at the end, starts a redis-server of its own on a free loopback port (the shared
one is never touched), and serves the demo city with ``--workers`` servers of one worker each
(the project's ASGI server, as the e2e tests start it; production runs several workers; here
each sender and terminal talks to one of them, round robin).

Senders: ``--senders`` handset outboxes (``mobileapp.core.outbox``), each filled with its share
of the reports (each with its idempotency key, made before any network use) and sent by the
handset's own sender (``python -m mobileapp.core.sender``), one process each, as several
phones would. Terminals: a centre console, a department terminal and a supervisor's handset,
websocket clients that reconnect after a drop and resume from their cursor. A small dispatcher
accepts, files and dispatches some of the reports to the department meanwhile, so the
department's terminal has something to hear.

Faults: while the reports go in, a daphne worker is killed with SIGKILL ``--kills`` times (the
workers in turn; each restarted at once by the bench), and the bench's Redis is restarted
``--redis-restarts`` times.

Figures, counted on the server against the outboxes:
  lost             outbox reports with no case on the server (their key finds nothing)
  duplicated       cases beyond one per outbox report (by the unique text each report carries)
  refused          outbox reports the server refused (they would show the user a reason)
  events_missed    events in the log that a terminal was to hear (for a department: a case's
                   events from its dispatch there on) and never received, after each
                   terminal's final reconnect and resume (per terminal in ``missed_by``)
  events_missed_live  the same before that final resume: what live delivery plus the resumes
                   after each real drop left out

The last line is one JSON object with these figures.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PY = sys.executable
PREFIX = "faults-bench"  # every bench report's description starts with it
PING_S = 5.0  # the terminals' ping interval

sys.path.insert(0, str(REPO))
from mobileapp.core.live import HeldIds  # noqa: E402
from tests.e2e.server_process import (  # noqa: E402
    ServerProcess, _admin_sql, drop_database, free_port)


def _wait(check, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{what} did not come up within {timeout:.0f} s")


# --- services of the bench's own ------------------------------------------------------------
class Redis:
    def __init__(self, workdir: Path):
        self.port, self.workdir, self.proc = free_port(), workdir, None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)], stdout=subprocess.DEVNULL)
        _wait(lambda: _ping(self.port), 20, "redis-server")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


def _ping(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
        s.sendall(b"PING\r\n")
        return s.recv(16).startswith(b"+PONG")


class Worker(ServerProcess):
    """The project's server as the e2e tests start it; ``kill()`` SIGKILLs it with every
    process it started (``ServerProcess.kill``)."""

    @property
    def url(self) -> str:
        return self.base_url


# --- websocket terminals ----------------------------------------------------------------------
class Terminal:
    """A console that reconnects after a drop and resumes from its cursor (the largest event id
    it holds), naming the ids it received in the last 70 s as the consoles do: ``seen_ranges``
    (``[lo, hi]`` pairs, ``mobileapp.core.live.HeldIds``) and its newest 2,000 as ``seen``."""

    def __init__(self, name: str, user, token: str, url: str):
        self.name, self.user, self.token = name, user, token
        self.ws_url = url.replace("http://", "ws://") + f"/ws/events/?token={token}"
        self.origin = url
        self.got: set[int] = set()
        self.held = HeldIds()
        self.start_cursor: int | None = None
        self.cursor: int | None = None
        self.reconnects = self.resets = 0
        self.stopping = False
        self.ws = None
        self.resumed = asyncio.Event()

    async def run(self) -> None:
        from websockets.asyncio.client import connect

        while not self.stopping:
            try:
                async with connect(self.ws_url, origin=self.origin, open_timeout=5,
                                   max_size=None) as ws:
                    self.ws = ws
                    hello = json.loads(await ws.recv())
                    if self.cursor is None:
                        self.start_cursor = self.cursor = hello["last_event_id"]
                        self.held.add(self.cursor)
                        self.resumed.set()
                    else:
                        self.reconnects += 1
                        await ws.send(json.dumps({"type": "resume", "after": self.cursor,
                                                  "seen": self.held.newest(2000),
                                                  "seen_ranges": self.held.ranges()}))
                    pinger = asyncio.get_running_loop().create_task(self._ping(ws))
                    try:
                        async for raw in ws:
                            self._take(json.loads(raw))
                    finally:
                        pinger.cancel()
            except Exception:
                pass
            self.ws = None
            await asyncio.sleep(0.2)

    @staticmethod
    async def _ping(ws) -> None:
        """As the consoles do (every 25 s there): after channel-layer trouble the server answers
        a ping with what the layer lost (``server.realtime.layer_watch``)."""
        while True:
            await asyncio.sleep(PING_S)
            await ws.send(json.dumps({"type": "ping"}))

    def _take(self, msg: dict) -> None:
        if msg["type"] == "case":
            self.got.add(msg["event_id"])
            self.held.add(msg["event_id"])
            self.cursor = max(self.cursor, msg["event_id"])
        elif msg["type"] == "reset":
            self.resets += 1
            self.cursor = msg["last_event_id"]
            self.held.add(self.cursor)
            self.resumed.set()
        elif msg["type"] == "resumed":
            self.cursor = max(self.cursor, msg["last_event_id"])
            self.resumed.set()

    async def drop(self) -> None:
        """Close the socket as a network drop would: the loop reconnects and resumes."""
        self.resumed.clear()
        if self.ws is not None:
            await self.ws.close()
        await asyncio.wait_for(self.resumed.wait(), 30)

    def missed(self) -> int:
        from server.accounts import access
        from server.cases.models import CaseEvent

        # What the socket must hear: the events ``access`` says it heard live (a department:
        # from the one that sends a case to it up to the one that takes it away).
        rows = list(CaseEvent.objects.filter(
            id__gt=self.start_cursor, case__in=access.replayable_cases(self.user).values("pk"))
            .select_related("case").order_by("id"))
        visible = {e.pk for e in access.heard_events(self.user, rows)}
        if os.environ.get("FAULTS_DEBUG") and visible - self.got:
            print(self.name, sorted(visible - self.got)[:50], list(CaseEvent.objects.filter(
                id__in=visible - self.got).values_list("action", "case__state")[:10]),
                file=sys.stderr)
        return len(visible - self.got)


class Terminals:
    """The terminals on one asyncio loop in a thread of their own."""

    def __init__(self, terms: list[Terminal]):
        self.terms = terms
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.tasks = [self.call(self._spawn(t)) for t in terms]
        _wait(lambda: all(t.cursor is not None for t in terms), 30, "the terminals")

    async def _spawn(self, t):
        return asyncio.get_running_loop().create_task(t.run())

    def call(self, coro, timeout: float = 60):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def resume_all(self) -> None:
        for t in self.terms:
            self.call(t.drop())

    def close(self) -> None:
        for t in self.terms:
            t.stopping = True
            if t.ws is not None:
                self.call(t.ws.close())
        for task in self.tasks:
            self.loop.call_soon_threadsafe(task.cancel)
        time.sleep(0.3)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


# --- the dispatcher: gives the department terminal events --------------------------------------
def dispatcher(url: str, tokens: dict[str, str], department: str, stop: threading.Event,
               every: int, prefix: str = PREFIX) -> None:
    """Every ``every``-th bench case: accept, file, dispatch to ``department`` through the API.
    An answer lost in a kill is retried; a 4xx after that means the step had landed."""
    import httpx

    from server.cases.models import Case

    done: set[str] = set()
    steps = [("acceptor", "accept", {}), ("dutychief", "file", {}),
             ("dispatcher", "dispatch", {"department_code": department})]
    with httpx.Client(base_url=url, timeout=10) as http:
        while not stop.wait(0.3):
            try:
                numbers = list(Case.objects.filter(description__startswith=prefix, state="reported")
                               .order_by("-id").values_list("number", flat=True)[:every * 4])
            except Exception:
                continue
            for number in numbers[::every]:
                if number in done:
                    continue
                done.add(number)
                for who, action, data in steps:
                    for _ in range(50):
                        try:
                            r = http.post(f"/api/cases/{number}/actions/{action}/", json=data,
                                          headers={"Authorization": f"Token {tokens[who]}"})
                        except httpx.HTTPError:
                            time.sleep(0.3)
                            continue
                        if r.status_code < 500:
                            break
                        time.sleep(0.3)


# --- the run ------------------------------------------------------------------------------------
def _jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (320, 240), (random.randrange(256), 90, 40)).save(out, "JPEG", quality=70)
    return out.getvalue()


def _fill_outboxes(workdir: Path, supervisors: list[str], n: int,
                   prefix: str = PREFIX) -> list[Path]:
    from mobileapp.core.outbox import Outbox
    from server.maps.models import Cell

    cells = list(Cell.objects.filter(version__active=True).values_list("geom", flat=True)
                 [:400])
    points = [c.point_on_surface for c in cells]
    photo = _jpeg()
    paths = []
    for s, username in enumerate(supervisors):
        path = workdir / f"outbox-{username}.sqlite3"
        box = Outbox(path)
        box.db.execute("BEGIN")
        for i in range(s, n, len(supervisors)):
            p = points[i % len(points)]
            box.add_report({"kind": "event", "class_code": "0101", "lat": f"{p.y:.7f}",
                            "lon": f"{p.x:.7f}", "accuracy_m": "5",
                            "description": f"{prefix} {username}-{i}"}, photo)
        box.db.execute("COMMIT")
        box.close()
        paths.append(path)
    return paths


def _outbox_keys(paths: list[Path]) -> tuple[dict[str, str], dict[str, int]]:
    from mobileapp.core.outbox import Outbox

    keys, states = {}, {}
    for path in paths:
        box = Outbox(path)
        for item in box.items():
            keys[item.key] = item.fields["description"]
            states[item.state] = states.get(item.state, 0) + 1
        box.close()
    return keys, states


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reports", type=int, default=10_000)
    ap.add_argument("--senders", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--kills", type=int, default=3)
    ap.add_argument("--redis-restarts", type=int, default=1)
    ap.add_argument("--dispatch-every", type=int, default=40)
    ap.add_argument("--keep", action="store_true", help="keep the work folder (logs, outboxes)")
    args = ap.parse_args(argv)
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgis://"):
        raise SystemExit("bench.faults needs DATABASE_URL=postgis://… (run it through make bench)")
    work = Path(tempfile.mkdtemp(prefix="faults-bench-"))
    redis = Redis(work)
    dbname = f"faults_bench_{os.getpid()}"
    env = dict(os.environ, DATABASE_URL=url.rsplit("/", 1)[0] + "/" + dbname, REDIS_URL=f"redis://127.0.0.1:{redis.port}/0",
               CHANNEL_PREFIX="faultsbench", DCM_VAR=str(work / "var"), DCM_EMBEDDED="1",
               MEDIA_ROOT=str(work / "media"), DJANGO_SETTINGS_MODULE="server.settings",
               PYTHONPATH=str(REPO))
    env.pop("DCM_TEST_DB", None)
    os.environ.update(env)
    servers: list[Worker] = []
    senders: list[subprocess.Popen] = []
    stop = threading.Event()
    _admin_sql(url, f'CREATE DATABASE "{dbname}" TEMPLATE template1')  # PostGIS is there
    try:
        redis.start()
        servers = [Worker(env, work / f"daphne-{n}.log") for n in range(args.workers)]
        servers[0].prepare()
        import django

        django.setup()
        from server.accounts.models import User
        from server.accounts.tokens import issue
        from server.cases.models import Case, CaseEvent

        issued: dict[str, str] = {}

        def token(username):  # one token per user (a user may have only a few)
            if username not in issued:
                issued[username] = issue(User.objects.get(username=username))[0]
            return issued[username]

        supervisors = list(User.objects.filter(role="supervisor").order_by("username")
                           .values_list("username", flat=True)[:args.senders])
        dept = User.objects.filter(role="department").order_by("username").first()
        outboxes = _fill_outboxes(work, supervisors, args.reports)
        for server in servers:
            server.start()

        def worker_url(n: int) -> str:
            return servers[n % len(servers)].url

        terms = Terminals([Terminal(name, User.objects.get(username=u), token(u), worker_url(n))
                           for n, (name, u) in enumerate((
                               ("centre", "dispatcher"), ("department", dept.username),
                               ("handset", supervisors[0])))])
        t0 = time.monotonic()
        for n, (path, username) in enumerate(zip(outboxes, supervisors)):
            senders.append(subprocess.Popen(
                [PY, "-m", "mobileapp.core.sender", "--db", str(path), "--base-url", worker_url(n),
                 "--token", token(username), "--base-delay", "0.2", "--max-delay", "2",
                 "--until-drained"], cwd=REPO, env=env))
        tokens = {u: token(u) for u in ("acceptor", "dutychief", "dispatcher")}
        actor = threading.Thread(target=dispatcher, args=(worker_url(1), tokens,
                                                          dept.department.code, stop,
                                                          args.dispatch_every), daemon=True)
        actor.start()

        # Faults at fixed shares of the reports stored: kills spread out, Redis in between.
        faults = sorted([((k + 1) / (args.kills + 1), "kill") for k in range(args.kills)]
                        + [((r + 0.5) / (args.kills + 1) + 0.05, "redis")
                           for r in range(args.redis_restarts)])
        kills = restarts = 0
        while any(p.poll() is None for p in senders):
            time.sleep(0.2)
            if not faults:
                continue
            try:
                stored = Case.objects.filter(description__startswith=PREFIX).count()
            except Exception:  # PostgreSQL restarted under us (shared): ask again next time
                from django.db import connection

                connection.close()
                continue
            if stored >= faults[0][0] * args.reports:
                _, what = faults.pop(0)
                if what == "kill":
                    victim = servers[kills % len(servers)]
                    victim.kill()
                    kills += 1
                    victim.start()
                else:
                    redis.stop()
                    redis.start()
                    restarts += 1
        elapsed = time.monotonic() - t0
        stop.set()
        actor.join(30)
        time.sleep(1.0)  # the last pushes reach the terminals

        keys, states = _outbox_keys(outboxes)
        on_server = dict(Case.objects.filter(description__startswith=PREFIX)
                         .values_list("idempotency_key", "description"))
        per_text: dict[str, int] = {}
        for text in Case.objects.filter(description__startswith=PREFIX).values_list(
                "description", flat=True):
            per_text[text] = per_text.get(text, 0) + 1
        lost = sum(1 for k in keys if k not in on_server)
        duplicated = sum(n - 1 for n in per_text.values()) + sum(
            1 for k in on_server if k not in keys)
        missed_live = {t.name: t.missed() for t in terms.terms}
        terms.resume_all()
        time.sleep(0.5)
        missed = {t.name: t.missed() for t in terms.terms}
        result = {
            "reports": len(keys), "lost": lost, "duplicated": duplicated,
            "refused": states.get("refused", 0), "kills": kills, "redis_restarts": restarts,
            "events_missed": sum(missed.values()), "events_missed_live": sum(
                missed_live.values()), "missed_by": missed, "missed_live_by": missed_live,
            "events_in_log": CaseEvent.objects.count(),
            "terminal_reconnects": sum(t.reconnects for t in terms.terms),
            "terminal_resets": sum(t.resets for t in terms.terms),
            "seconds": round(elapsed, 1), "reports_per_s": round(len(keys) / elapsed, 1),
        }
        terms.close()
        print(json.dumps(result), flush=True)
        ok = lost == 0 and duplicated == 0 and result["events_missed"] == 0
        return 0 if ok else 1
    finally:
        stop.set()
        for p in senders:
            if p.poll() is None:
                p.terminate()
        for server in servers:
            server.stop()
        redis.stop()
        from django.db import connections

        connections.close_all()
        drop_database(url, dbname)
        if not args.keep:
            import shutil

            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"work folder kept: {work}", file=sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
