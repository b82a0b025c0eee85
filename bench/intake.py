"""Sustained handset reports per second, end to end, against a trivial endpoint as the ceiling.

    python -m bench.intake [--workers 4] [--seconds 20] [--connections 24] [--keep] [--db NAME]

Needs PostGIS (DATABASE_URL) and Redis (REDIS_URL) on loopback, as ``make bench`` sets them.
It creates its own database ``dcm_bench_intake`` (dropped at the end unless --keep) with the
demo city, and starts the server as production runs it on one machine (``scripts/serve.py``:
daphne workers sharing one socket, the photo cleaner beside them), in production mode (DEBUG
off, a secret key), on a channel prefix of its own. One supervision-centre websocket terminal
is connected, so every report's push really goes through Redis to a socket.

The load generator is ``wrk`` (C, one thread) with a Lua script that builds each request the
way the handset's ``mobileapp/core/api.py`` sends it: multipart form fields, a ~60 KB JPEG as
the ``photo`` file part, a unique idempotency key, ``Authorization: Token`` of one of 64
supervisors, a random point inside a random cell of the demo city (so placement runs), a mix
of event and component classes. Each 201's case number is written down by the script.

Phases: warm-up (every worker loads its placement index), a checkpoint (``settle``), the
reports window, then waiting until the photo cleaner has caught up (reported as
``photo_drain_s``), another checkpoint, then the same wrk against ``GET /api/health/`` (the
ceiling: a trivial JSON view of the same server), then the checks. Errors: any socket error
or non-2xx answer, any acknowledged case missing from the database, any report photo whose
bytes are not on disk or not cleaned by the end, any push the terminal did not receive. CPU
seconds of the server workers, the cleaner, wrk and the terminal are measured over the windows.
The last line is one JSON object.
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
PY = sys.executable
DB = "dcm_bench_intake"
#: (kind, class code) the bench's supervisors report, as bench/simulate.py.
CLASSES = [("component", "0101"), ("component", "0103"), ("component", "0118"),
           ("event", "0101"), ("event", "0102")]
TARGETS = {"reports_per_s": 250, "ratio_to_ceiling": 0.5, "errors": 0}
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
  return wrk.format("POST", "/api/reports/", {
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

LUA_GET = DONE


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


class Server:
    """``scripts/serve.py`` with its daphne workers and photo cleaner(s)."""

    def __init__(self, env: dict, workers: int, photo_workers: int, log_path: Path):
        from tests.e2e.server_process import free_port, wait_for_http

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [PY, "scripts/serve.py", "--workers", str(workers), "--port", str(self.port),
             "--photo-workers", str(photo_workers)],
            cwd=REPO, env=env, stdout=log_path.open("ab"), stderr=subprocess.STDOUT)
        self.log_path = log_path
        wait_for_http(self.proc, self.url + "/api/health/", log_path)
        time.sleep(1.0)  # the other workers are up too
        kids = children_of(self.proc.pid)
        self.workers = [p for p in kids if "daphne" in cmdline(p)]
        self.cleaners = [p for p in kids if "clean_photos" in cmdline(p)]

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
    from rest_framework.authtoken.models import Token

    from server.accounts.models import User

    users = ([User.objects.get(username=role_username)] if role_username else
             list(User.objects.filter(role="supervisor").order_by("username")[:n]))
    return [Token.objects.get_or_create(user=u)[0].key for u in users]


def queries_per_report(photo: bytes, point: tuple[float, float], token: str) -> int:
    """SQL statements one report costs (counted in this process through Django's test client,
    a second report so that first-use caches are warm)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {token}")
    count = 0
    for i in range(2):
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
    from server.intake.models import PhotoUpload

    return PhotoUpload.objects.filter(state=PhotoUpload.PENDING).count()


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
def run(args, tmp: Path, env: dict) -> dict:
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
    get_script = tmp / "get.lua"
    get_script.write_text(LUA_GET)
    log(f"{n_photos} photos of {min(sizes)}-{max(sizes)} bytes, {len(points)} points")

    queries = queries_per_report((tmp / "p0.jpg").read_bytes(), points[0], tokens()[0])
    server = Server(env, args.workers, args.photo_workers, tmp / "server.log")
    term = None
    try:
        ws = server.url.replace("http", "ws") + f"/ws/events/?token={tokens('dispatcher')[0]}"
        term = Terminal(ws, server.url)
        run_id = secrets.token_hex(3)
        # Warm-up: every worker loads its placement index and fills its connection pool; on
        # until the rate stops rising (at most 5 rounds of 3 s).
        warm, rates = [], []
        for i in range(5):
            warm.append(run_wrk(server.url + "/api/reports/", script, 3, args.connections,
                                f"w{run_id}{i}"))
            rates.append(warm[-1]["requests"])
            if len(rates) > 1 and rates[-1] < rates[-2] * 1.25 and rates[-1] > 0:
                break
        log(f"warm-up: {rates} reports in rounds of 3 s")
        while pending_photos():
            time.sleep(0.2)
        settle(env["DATABASE_URL"])
        cpu0, busy0 = server.cpu(), machine_busy()
        rep = run_wrk(server.url + "/api/reports/", script, args.seconds, args.connections,
                      f"r{run_id}")
        cpu1, busy1 = server.cpu(), machine_busy()
        t_drain = time.monotonic()
        while pending_photos():
            time.sleep(0.1)
        drain_s = time.monotonic() - t_drain
        settle(env["DATABASE_URL"])
        cpu2 = server.cpu()
        ceil = run_wrk(server.url + "/api/health/", get_script, max(5, args.seconds / 2),
                       args.connections)
        cpu3 = server.cpu()
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
        log(f"error answer: {line}")
    durable = check_durable(acked)
    # Every acknowledged report's push reached the terminal. (A report whose client hung up
    # when a wrk round ended may lose its push: delivery is at most once, and the terminal
    # would catch up from the event log on resume; those are not acknowledged, so not counted.)
    pushed = set(pushes["created"])
    push_missing = sum(1 for n in acked if n not in pushed)
    socket_errors = sum(r[k] for r in (*warm, rep) for k in ("connect", "read", "write", "timeout"))
    # Every answer but a 201 (warm-up included) is an error: the Lua script wrote each down.
    errors = (len(error_lines) + socket_errors + durable["missing_cases"] + durable["bad_photos"]
              + durable["photos_missing"] + push_missing)
    seconds = rep["duration_us"] / 1e6
    rps = rep["requests"] / seconds
    ceiling = ceil["requests"] / (ceil["duration_us"] / 1e6)
    busy = (busy1[0] - busy0[0]) / seconds
    result = {
        "reports_per_s": round(rps, 1),
        "p50_ms": round(rep["p50_us"] / 1000, 1),
        "p99_ms": round(rep["p99_us"] / 1000, 1),
        "errors": errors,
        "ceiling_rps": round(ceiling, 1),
        "ratio_to_ceiling": round(rps / ceiling, 3),
        "ceiling_p50_ms": round(ceil["p50_us"] / 1000, 1),
        "ceiling_p99_ms": round(ceil["p99_us"] / 1000, 1),
        "reports": rep["requests"], "acked": len(acked), "seconds": round(seconds, 1),
        "workers": args.workers, "photo_workers": args.photo_workers,
        "connections": args.connections, "photo_bytes": round(sum(sizes) / len(sizes)),
        "queries_per_report": queries,
        "photo_drain_s": round(drain_s, 2),
        "cpu_ms_per_report": {
            "server": round((cpu1[0] - cpu0[0]) / rep["requests"] * 1000, 2),
            "photo_cleaner": round((cpu2[1] - cpu0[1]) / rep["requests"] * 1000, 2),
            "wrk": round(rep["cpu_s"] / rep["requests"] * 1000, 3)},
        "cpu_ms_per_ceiling_request": {
            "server": round((cpu3[0] - cpu2[0]) / ceil["requests"] * 1000, 2),
            "wrk": round(ceil["cpu_s"] / ceil["requests"] * 1000, 3)},
        "terminal_cpu_s": round(pushes["cpu_s"], 2),
        "machine_busy_cores_during_reports": round(busy, 2),
        "socket_errors": socket_errors, "non_2xx": rep["status"],
        "pushes_received": len(pushes["created"]), "push_missing": push_missing,
        "durable": durable,
        "targets": TARGETS,
    }
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=4, help="daphne workers")
    ap.add_argument("--photo-workers", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--connections", type=int, default=24)
    ap.add_argument("--keep", action="store_true", help="keep the database and the files")
    ap.add_argument("--db", default=DB, help="the database to (re)create, default %(default)s")
    ap.add_argument("--terminal", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
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
               LOG_LEVEL="WARNING")
    try:
        prepare(env)
        os.environ.update({k: env[k] for k in ("DATABASE_URL", "DCM_VAR", "MEDIA_ROOT",
                                                "CHANNEL_PREFIX", "SECRET_KEY",
                                                "SECURE_SSL_REDIRECT", "PHOTOS_CLEAN_LATER",
                                                "DJANGO_SETTINGS_MODULE")})
        os.environ.pop("DCM_EMBEDDED", None)
        os.environ.pop("DEBUG", None)
        sys.path.insert(0, str(REPO))
        import django

        django.setup()
        result = run(args, tmp, env)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(url, db)
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            log(f"kept database {db} and files in {tmp}")
    result["wall_s"] = round(time.monotonic() - started, 1)
    log(f"{result['reports_per_s']} reports/s (p50 {result['p50_ms']} ms, p99 "
        f"{result['p99_ms']} ms), ceiling {result['ceiling_rps']}/s, ratio "
        f"{result['ratio_to_ceiling']}, errors {result['errors']}")
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
