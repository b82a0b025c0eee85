"""Sustained handset reports per second, end to end, against a bare durable upload as the floor.

    python -m bench.intake [--server uvicorn|daphne|granian|all|a,b] [--workers 4] [--seconds 20]
                           [--connections 24] [--keep] [--db NAME]

Needs PostGIS (DATABASE_URL) and Redis (REDIS_URL) on loopback, as ``make bench`` sets them.
It creates its own database ``dcm_bench_intake`` (dropped at the end unless --keep) with the
demo city, and starts the server as production runs it on one machine (``scripts/serve.py
--server S``: the workers, the photo cleaner beside them), in production mode (DEBUG off, a
secret key), on a channel prefix of its own. Several servers (``--server all``) are measured
in turn in one run, on the same database, each with its own floor. One supervision-centre
websocket terminal is connected, so every report's push really goes through Redis to a socket.

The load generator is ``wrk`` (C, one thread) with a Lua script that builds each request the
way the handset's ``mobileapp/core/api.py`` sends it: multipart form fields, a ~60 KB JPEG as
the ``photo`` file part, a unique idempotency key, ``Authorization: Token`` of one of 64
supervisors, a random point inside a random cell of the demo city (so placement runs), a mix
of event and component classes. Each 201's case number is written down by the script.

Phases per server: warm-up (every worker loads its placement index), a checkpoint
(``settle``), the reports window, then waiting until the photo cleaner has cleaned every photo
(a photo is cleaned when its ``cases.Photo`` row's ``image`` is set): ``reports_per_s`` is the
reports acknowledged divided by the whole time, window plus drain. Then another checkpoint and
the same wrk script for ``--seconds`` against the floor (``server/benchfloor``, served because
the bench sets ``DCM_BENCH_FLOOR=1``): the same multipart and token, one INSERT of the photo's
bytes, a durable commit, nothing else; ``ratio_to_floor`` is reports_per_s over its rate.
Errors: any socket error or non-2xx answer (floor included), any acknowledged case missing
from the database, any report photo whose bytes are not on disk or not cleaned by the end, any
push the terminal did not receive. CPU seconds of the server's processes, the cleaner, wrk and
the terminal are measured over the windows. The last line is one JSON object: the first
server's figures at the top level, every server's under ``by_server``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from server import serving  # noqa: E402  (no Django: the servers' names)
PY = sys.executable
DB = "dcm_bench_intake"
#: (kind, class code) the bench's supervisors report, as bench/simulate.py.
CLASSES = [("component", "0101"), ("component", "0103"), ("component", "0118"),
           ("event", "0101"), ("event", "0102")]
TARGETS = {"reports_per_s": 200, "p99_ms": 300, "ratio_to_floor": 0.4, "errors": 0}
CLK = os.sysconf("SC_CLK_TCK")


def log(msg: str) -> None:
    print(f"intake: {msg}", file=sys.stderr, flush=True)


# --- inputs ------------------------------------------------------------------------------------
def make_photo(seed: int, target: int = 60_000) -> bytes:
    """A real 1280x960 JPEG of about ``target`` bytes (a handset photo after its shrinking),
    different for every seed."""
    from PIL import Image

    rnd = random.Random(seed)
    noise = Image.effect_noise((48, 36), 60).convert("RGB")
    base = Image.new("RGB", noise.size, tuple(rnd.randrange(256) for _ in range(3)))
    img = Image.blend(noise, base, 0.5).resize((1280, 960), Image.Resampling.BICUBIC)
    for _ in range(12):
        x, y = rnd.randrange(1200), rnd.randrange(900)
        img.paste(tuple(rnd.randrange(256) for _ in range(3)), (x, y, x + 60, y + 40))
    best = b""
    for quality in range(90, 30, -5):
        out = io.BytesIO()
        img.save(out, "JPEG", quality=quality, optimize=True)
        best = out.getvalue()
        if len(best) <= target * 1.05:
            break
    return best


def random_points(n: int, seed: int = 7) -> list[tuple[float, float]]:
    """``n`` (lat, lon) points, each inside a random cell of the active map."""
    import shapely
    from shapely.geometry import Point

    from server.maps.models import Cell, MapVersion
    from server.maps.rawgeo import select_rows

    version = MapVersion.objects.get(active=True)
    cells = [shapely.from_wkb(g) for (g,) in select_rows(Cell, ("geom",), version.pk)]
    rnd = random.Random(seed)
    out = []
    while len(out) < n:
        cell = rnd.choice(cells)
        x0, y0, x1, y1 = cell.bounds
        p = Point(rnd.uniform(x0, x1), rnd.uniform(y0, y1))
        if cell.contains(p):
            out.append((round(p.y, 7), round(p.x, 7)))
    return out


#: wrk's summary as one JSON line (latencies in microseconds).
DONE = r"""
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,'
    .. '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
"""

LUA = DONE + r"""
-- One handset report per request, as mobileapp/core/api.py sends it (multipart).
local dir = "@DIR@"
local B = "dcmbench0a1b2c3d4e5f60718293a4b5c6d7"
local photos, points, tokens, classes = {}, {}, {}, {}
local counter, prefix, acks, errs = 0, "", nil, nil

local function field(name, value)
  return "--" .. B .. "\r\nContent-Disposition: form-data; name=\"" .. name .. "\"\r\n\r\n"
         .. value .. "\r\n"
end

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  prefix = args[1] .. "t" .. tid
  for i = 0, @NPHOTOS@ - 1 do
    local f = assert(io.open(dir .. "/p" .. i .. ".jpg", "rb"))
    photos[#photos + 1] = "--" .. B .. "\r\nContent-Disposition: form-data; name=\"photo\"; "
      .. "filename=\"photo.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n" .. f:read("*a")
      .. "\r\n--" .. B .. "--\r\n"
    f:close()
  end
  for line in io.lines(dir .. "/points.txt") do
    local lat, lon = line:match("(%S+) (%S+)")
    points[#points + 1] = {lat, lon}
  end
  for line in io.lines(dir .. "/tokens.txt") do tokens[#tokens + 1] = line end
  for line in io.lines(dir .. "/classes.txt") do
    local kind, code = line:match("(%S+) (%S+)")
    classes[#classes + 1] = {kind, code}
  end
  acks = assert(io.open(dir .. "/acks-" .. prefix .. ".txt", "w"))
  acks:setvbuf("line")
  errs = assert(io.open(dir .. "/errors-" .. prefix .. ".txt", "w"))
  errs:setvbuf("line")
end

function request()
  counter = counter + 1
  local p = points[counter % #points + 1]
  local c = classes[counter % #classes + 1]
  local key = "bench-" .. prefix .. "-" .. string.format("%08d", counter)
  local body = field("idempotency_key", key) .. field("kind", c[1]) .. field("class_code", c[2])
    .. field("lat", p[1]) .. field("lon", p[2]) .. field("accuracy_m", "5")
    .. field("description", "bench report " .. key) .. photos[counter % #photos + 1]
  -- wrk.path: the path of the URL wrk was started with (the reports, or the floor)
  return wrk.format("POST", wrk.path, {
    ["Authorization"] = "Token " .. tokens[counter % #tokens + 1],
    ["Content-Type"] = "multipart/form-data; boundary=" .. B}, body)
end

function response(status, headers, body)
  if status == 201 then
    acks:write((body:match('"number":"([^"]+)"') or "?"), "\n")
  else
    errs:write(status, " ", body:sub(1, 300):gsub("\n", " "), "\n")
  end
end

"""


# --- processes ---------------------------------------------------------------------------------
def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a live process (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK


def children_of(pid: int) -> list[int]:
    out = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if int((p / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(p.name))
            except (OSError, IndexError):
                pass
    return out


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores."""
    f = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = f[3] + f[4]
    return (sum(f) - idle) / CLK, sum(f) / CLK


def run_wrk(url: str, script: Path, seconds: float, connections: int, *args: str) -> dict:
    """wrk on one thread; returns its done() figures plus its own CPU seconds."""
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{int(seconds)}s", "--timeout", "10s", "-s",
           str(script), url]
    if args:
        cmd += ["--", *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    out = proc.stdout.read().decode()
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed: {out}\n{proc.stderr.read().decode()}")
    result = json.loads(out.strip().splitlines()[-1])
    result["cpu_s"] = usage.ru_utime + usage.ru_stime
    return result


async def _terminal(url: str, origin: str) -> None:
    """Hold one websocket; note the case numbers of case-created pushes; on "quit" print them
    and this process's CPU seconds."""
    import asyncio

    from websockets.asyncio.client import connect

    created: list[str] = []
    async with connect(url, origin=origin, ping_interval=None, max_queue=None,
                       max_size=None) as ws:
        json.loads(await ws.recv())  # hello
        print(json.dumps({"ready": True}), flush=True)

        async def read():
            async for raw in ws:
                if '"op":"created"' in raw:
                    created.append(json.loads(raw)["case"]["number"])

        reader = asyncio.get_running_loop().create_task(read())
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        await asyncio.sleep(1.0)  # pushes of the last commits still in flight
        reader.cancel()
    usage = os.times()
    print(json.dumps({"created": created, "cpu_s": usage.user + usage.system}), flush=True)


class Terminal:
    def __init__(self, url: str, origin: str):
        self.proc = subprocess.Popen([PY, "-m", "bench.intake", "--terminal", url, origin],
                                     cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True)
        line = self.proc.stdout.readline()
        if not line or not json.loads(line).get("ready"):
            raise RuntimeError("the websocket terminal did not connect")

    def close(self) -> dict:
        self.proc.stdin.write("quit\n")
        self.proc.stdin.flush()
        result = json.loads(self.proc.stdout.readline())
        self.proc.wait(10)
        return result


def descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        kids = children_of(todo.pop())
        out += kids
        todo += kids
    return out


class Server:
    """``scripts/serve.py --server NAME`` with its workers and photo cleaner(s)."""

    def __init__(self, name: str, env: dict, workers: int, photo_workers: int, log_path: Path):
        from tests.e2e.server_process import free_port, wait_for_http

        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [PY, "scripts/serve.py", "--server", name, "--workers", str(workers), "--port",
             str(self.port), "--photo-workers", str(photo_workers)],
            cwd=REPO, env=env, stdout=log_path.open("ab"), stderr=subprocess.STDOUT)
        self.log_path = log_path
        wait_for_http(self.proc, self.url + "/api/health/", log_path)
        time.sleep(2.0)  # the other workers are up too
        kids = descendants(self.proc.pid)
        self.cleaners = [p for p in kids if "clean_photos" in cmdline(p)]
        # Every process of the server itself (granian's workers are its main process's).
        self.workers = [p for p in kids if p not in self.cleaners]

    def cpu(self) -> tuple[float, float]:
        return (sum(cpu_seconds(p) for p in self.workers),
                sum(cpu_seconds(p) for p in self.cleaners))

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# --- database ----------------------------------------------------------------------------------
def admin(url: str, sql: str) -> None:
    from tests.e2e.server_process import _admin_sql

    _admin_sql(url, sql)


def drop_database(url: str, db: str) -> None:
    from tests.e2e import server_process

    server_process.drop_database(url, db)


def settle(url: str) -> None:
    """Start a timed window from a quiet disk: the OS's dirty pages written out and a
    PostgreSQL checkpoint (the database just created, the demo city and the previous window
    leave flushes that otherwise land in the next window: the same code measured 77/s and
    133/s in two runs). CHECKPOINT needs the pg_checkpoint role (scripts/services.sh grants it);
    without it only the OS flush is done."""
    import psycopg

    os.sync()
    try:
        admin(url, "CHECKPOINT")
    except psycopg.errors.InsufficientPrivilege:
        log("no CHECKPOINT right (pg_checkpoint): the window may include the setup's flushes")


def prepare(env: dict) -> None:
    for cmd in (["migrate", "--noinput", "-v0"], ["load_demo_city", "--if-empty"],
                ["collectstatic", "--noinput", "-v0"]):
        out = subprocess.run([PY, "server/manage.py", *cmd], cwd=REPO, env=env,
                             capture_output=True, text=True)
        if out.returncode:
            raise RuntimeError(f"manage.py {cmd[0]} failed: {out.stdout}{out.stderr}")


def tokens(role_username: str | None = None, n: int = 64) -> list[str]:
    """Tokens of ``n`` supervisors (or of one named user). Many, not a few: a supervisor's
    handset sends its outbox one report at a time, so reports of one supervisor do not race
    each other; with 8 supervisors for 24 connections they did, and waited on each other's row
    of the day's rollup (evaluation_dailyrollup), which the city never sees."""
    from server.accounts.models import User
    from server.accounts.tokens import issue

    users = ([User.objects.get(username=role_username)] if role_username else
             list(User.objects.filter(role="supervisor").order_by("username")[:n]))
    return [issue(u)[0] for u in users]


def queries_per_report(photo: bytes, point: tuple[float, float], token: str) -> int:
    """SQL statements one report costs (counted in this process through Django's test client,
    a second report so that first-use caches are warm)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {token}")
    count = 0
    for _ in range(2):
        form = {"idempotency_key": f"benchq{secrets.token_hex(6)}", "kind": "event",
                "class_code": "0101", "lat": str(point[0]), "lon": str(point[1]),
                "accuracy_m": "5", "description": "queries", "photo": io.BytesIO(photo)}
        form["photo"].name = "photo.jpg"
        with CaptureQueriesContext(connection) as ctx:
            r = client.post("/api/reports/", form)
        if r.status_code != 201:
            raise RuntimeError(f"query count report: HTTP {r.status_code} {r.content[:300]!r}")
        count = len(ctx.captured_queries)
    return count


def pending_photos() -> int:
    """Report photos not cleaned yet (their ``cases.Photo`` row's ``image`` still empty)."""
    from django.db.models import Q

    from server.cases.models import Photo

    return Photo.objects.filter(stage="before").filter(Q(image="") | Q(image__isnull=True)).count()


def check_durable(acked: list[str]) -> dict:
    """Every acknowledged case is in the database, with its report photo cleaned and its
    bytes on disk."""
    from server.cases.models import Case, Photo

    found = set(Case.objects.filter(number__in=acked).values_list("number", flat=True))
    photos = Photo.objects.filter(case__number__in=acked, stage="before").select_related("upload")
    bad = 0
    for p in photos.iterator():
        try:
            if not p.image or p.image.size <= 0 or p.image.size != p.size:
                bad += 1
        except OSError:
            bad += 1
    return {"missing_cases": len(acked) - len(found), "photos": photos.count(),
            "bad_photos": bad, "photos_missing": len(found) - photos.count()}


# --- the run -----------------------------------------------------------------------------------
def prepare_inputs(tmp: Path) -> dict:
    n_photos = 32
    for i in range(n_photos):
        (tmp / f"p{i}.jpg").write_bytes(make_photo(i))
    sizes = [(tmp / f"p{i}.jpg").stat().st_size for i in range(n_photos)]
    points = random_points(2000)
    (tmp / "points.txt").write_text("".join(f"{lat} {lon}\n" for lat, lon in points))
    (tmp / "tokens.txt").write_text("".join(t + "\n" for t in tokens()))
    (tmp / "classes.txt").write_text("".join(f"{k} {c}\n" for k, c in CLASSES))
    script = tmp / "report.lua"
    script.write_text(LUA.replace("@DIR@", str(tmp)).replace("@NPHOTOS@", str(n_photos)))
    log(f"{n_photos} photos of {min(sizes)}-{max(sizes)} bytes, {len(points)} points")
    queries = queries_per_report((tmp / "p0.jpg").read_bytes(), points[0], tokens()[0])
    return {"script": script, "sizes": sizes, "queries": queries}


def run(name: str, args, tmp: Path, env: dict, inputs: dict) -> dict:
    """One server measured: reports (and their photos' cleaning), then the floor."""
    script, sizes = inputs["script"], inputs["sizes"]
    server = Server(name, env, args.workers, args.photo_workers, tmp / f"server-{name}.log")
    term = None
    run_id = secrets.token_hex(3)
    try:
        ws = server.url.replace("http", "ws") + f"/ws/events/?token={tokens('dispatcher')[0]}"
        term = Terminal(ws, server.url)
        # Warm-up: every worker loads its placement index and fills its connection pool; on
        # until the rate stops rising (at most 5 rounds of 3 s).
        warm, rates = [], []
        for i in range(5):
            warm.append(run_wrk(server.url + "/api/reports/", script, 3, args.connections,
                                f"w{run_id}{i}"))
            rates.append(warm[-1]["requests"])
            if len(rates) > 1 and rates[-1] < rates[-2] * 1.25 and rates[-1] > 0:
                break
        log(f"{name}: warm-up: {rates} reports in rounds of 3 s")
        while pending_photos():
            time.sleep(0.2)
        settle(env["DATABASE_URL"])
        cpu0, busy0 = server.cpu(), machine_busy()
        t0 = time.monotonic()
        rep = run_wrk(server.url + "/api/reports/", script, args.seconds, args.connections,
                      f"r{run_id}")
        cpu1, busy1 = server.cpu(), machine_busy()
        t_drain = time.monotonic()
        while pending_photos():
            time.sleep(0.05)
        t_end = time.monotonic()
        cpu2, busy2 = server.cpu(), machine_busy()
        settle(env["DATABASE_URL"])
        cpu3 = server.cpu()
        floor = run_wrk(server.url + "/api/bench/floor/", script, args.seconds,
                        args.connections, f"f{run_id}")
        cpu4 = server.cpu()
        pushes = term.close()
        term = None
    finally:
        if term is not None:
            term.close()
        server.stop()

    acked = []
    for f in tmp.glob(f"acks-r{run_id}*.txt"):
        acked += f.read_text().split()
    error_lines = []
    for f in tmp.glob(f"errors-*{run_id}*.txt"):
        error_lines += f.read_text().splitlines()
    for line in error_lines[:5]:
        log(f"{name}: error answer: {line}")
    durable = check_durable(acked)
    # Every acknowledged report's push reached the terminal. (A report whose client hung up
    # when a wrk round ended may lose its push: delivery is at most once, and the terminal
    # would catch up from the event log on resume; those are not acknowledged, so not counted.)
    pushed = set(pushes["created"])
    push_missing = sum(1 for n in acked if n not in pushed)
    socket_errors = sum(r[k] for r in (*warm, rep, floor)
                        for k in ("connect", "read", "write", "timeout"))
    # Every answer but a 201 (warm-up and floor included) is an error: the Lua script wrote
    # each down.
    errors = (len(error_lines) + socket_errors + durable["missing_cases"] + durable["bad_photos"]
              + durable["photos_missing"] + push_missing)
    window_s = rep["duration_us"] / 1e6
    whole_s = t_end - t0
    rps = len(acked) / whole_s
    floor_rps = floor["requests"] / (floor["duration_us"] / 1e6)
    busy = (busy1[0] - busy0[0]) / window_s
    return {
        "server": name,
        "reports_per_s": round(rps, 1),
        "p50_ms": round(rep["p50_us"] / 1000, 1),
        "p99_ms": round(rep["p99_us"] / 1000, 1),
        "errors": errors,
        "floor_rps": round(floor_rps, 1),
        "ratio_to_floor": round(rps / floor_rps, 3),
        "floor_p50_ms": round(floor["p50_us"] / 1000, 1),
        "floor_p99_ms": round(floor["p99_us"] / 1000, 1),
        "window_reports_per_s": round(rep["requests"] / window_s, 1),
        "reports": rep["requests"], "acked": len(acked), "window_s": round(window_s, 1),
        "photo_drain_s": round(t_end - t_drain, 2), "whole_s": round(whole_s, 1),
        "workers": args.workers, "photo_workers": args.photo_workers,
        "connections": args.connections, "photo_bytes": round(sum(sizes) / len(sizes)),
        "queries_per_report": inputs["queries"],
        "cpu_ms_per_report": {
            "server": round((cpu1[0] - cpu0[0]) / rep["requests"] * 1000, 2),
            "photo_cleaner": round((cpu2[1] - cpu0[1]) / rep["requests"] * 1000, 2),
            "wrk": round(rep["cpu_s"] / rep["requests"] * 1000, 3)},
        "cpu_ms_per_floor_request": {
            "server": round((cpu4[0] - cpu3[0]) / floor["requests"] * 1000, 2),
            "wrk": round(floor["cpu_s"] / floor["requests"] * 1000, 3)},
        "terminal_cpu_s": round(pushes["cpu_s"], 2),
        "machine_busy_cores_during_reports": round(busy, 2),
        # While the cleaner drains: what the server's idle processes and the machine spend.
        "during_drain": {"server_cpu_s": round(cpu2[0] - cpu1[0], 2),
                         "photo_cleaner_cpu_s": round(cpu2[1] - cpu1[1], 2),
                         "machine_busy_cores": round((busy2[0] - busy1[0])
                                                     / max(t_end - t_drain, 0.01), 2)},
        "socket_errors": socket_errors, "non_2xx": rep["status"] + floor["status"],
        "pushes_received": len(pushes["created"]), "push_missing": push_missing,
        "durable": durable,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--server", default=serving.DEFAULT,
                    help=f"{', '.join(serving.SERVERS)}, several with commas, or all "
                         "(default %(default)s)")
    ap.add_argument("--workers", type=int, default=4, help="server workers")
    ap.add_argument("--photo-workers", type=int, default=os.cpu_count() or 1,
                    help="photo cleaners (default, as scripts/serve.py: one per core)")
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--connections", type=int, default=24)
    ap.add_argument("--keep", action="store_true", help="keep the database and the files")
    ap.add_argument("--db", default=DB, help="the database to (re)create, default %(default)s")
    ap.add_argument("--terminal", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    servers = serving.SERVERS if args.server == "all" else tuple(args.server.split(","))
    unknown = [s for s in servers if s not in serving.SERVERS]
    if unknown:
        ap.error(f"unknown server(s) {unknown}: choose from {', '.join(serving.SERVERS)} or all")
    if args.terminal:
        import asyncio

        asyncio.run(_terminal(*args.terminal))
        return 0
    url, redis = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not url.startswith("postgis://") or not redis.startswith("redis://127.0.0.1"):
        log("needs DATABASE_URL (postgis://) and REDIS_URL on loopback (make bench sets them)")
        return 2
    if not shutil.which("wrk"):
        log("needs wrk (scripts/install-system.sh services installs it)")
        return 2
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="dcm-bench-intake-"))
    db = args.db
    bench_url = url.rsplit("/", 1)[0] + "/" + db
    drop_database(url, db)
    admin(url, f'CREATE DATABASE "{db}" TEMPLATE template1')
    env = {k: v for k, v in os.environ.items() if k not in ("DCM_EMBEDDED", "DEBUG")}
    env.update(DATABASE_URL=bench_url, REDIS_URL=redis, DCM_VAR=str(tmp / "var"),
               MEDIA_ROOT=str(tmp / "media"), CHANNEL_PREFIX=f"intake{secrets.token_hex(3)}",
               SECRET_KEY=secrets.token_urlsafe(50), SECURE_SSL_REDIRECT="0",
               PHOTOS_CLEAN_LATER="1" if args.photo_workers else "0",
               DJANGO_SETTINGS_MODULE="server.settings", PYTHONPATH=str(REPO),
               LOG_LEVEL="WARNING", DCM_BENCH_FLOOR="1")
    try:
        prepare(env)
        os.environ.update({k: env[k] for k in ("DATABASE_URL", "DCM_VAR", "MEDIA_ROOT",
                                                "CHANNEL_PREFIX", "SECRET_KEY",
                                                "SECURE_SSL_REDIRECT", "PHOTOS_CLEAN_LATER",
                                                "DJANGO_SETTINGS_MODULE", "DCM_BENCH_FLOOR")})
        os.environ.pop("DCM_EMBEDDED", None)
        os.environ.pop("DEBUG", None)
        # No pool in this process: a pooled connection outlives close_all() and kept the
        # database from being dropped at the end.
        os.environ["DB_POOL"] = "0"
        sys.path.insert(0, str(REPO))
        import django

        django.setup()
        inputs = prepare_inputs(tmp)
        by_server = []
        for name in servers:
            by_server.append(run(name, args, tmp, env, inputs))
            r = by_server[-1]
            log(f"{name}: {r['reports_per_s']} reports/s (p50 {r['p50_ms']} ms, p99 "
                f"{r['p99_ms']} ms), floor {r['floor_rps']}/s, ratio {r['ratio_to_floor']}, "
                f"errors {r['errors']}")
        result = dict(by_server[0])
        if len(by_server) > 1:
            result["by_server"] = {r["server"]: r for r in by_server}
            result["errors"] = sum(r["errors"] for r in by_server)
        result["targets"] = TARGETS
        result["uptime"] = Path("/proc/loadavg").read_text().split()[:3]
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            try:
                drop_database(url, db)
            except Exception as exc:  # the figures are measured: print them all the same
                log(f"could not drop {db} (drop it by hand): {exc}")
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            log(f"kept database {db} and files in {tmp}")
    result["wall_s"] = round(time.monotonic() - started, 1)
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
