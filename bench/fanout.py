"""Fan-out of case events to many terminals, and sockets one worker holds.

    python -m bench.fanout [--server uvicorn|daphne|granian|all|a,b] [--terminals 1000]
                           [--changes 100] [--max-try 5200] [--no-baseline]

Needs Redis (REDIS_URL, as ``make bench`` sets it; loopback only). Starts workers of the ASGI
server (``server/serving.py``'s command line, one process each; several servers with
``--server all`` are measured in turn in one run) on a fresh SpatiaLite database of its own (the
figures are about the channel layer and the server, not the database) with a channel prefix of
its own, and terminal processes holding websockets to them.

latency: from the commit of a change (an acceptor accepts a reported case, in this process,
through ``server.cases.actions``; the clock starts when the on-commit push begins, i.e. right
after COMMIT) to the moment the *last* of the terminals receives it. Measured for the
RedisPubSubChannelLayer (the default) and, as the baseline in the same run, the core
RedisChannelLayer; terminals are split over two workers (a scale-out of two). One change before
the timed ones warms up this process's connections to Redis; it is checked (delivery) and its
latency printed, not counted. Percentiles are nearest-rank; ``max_ms`` is the worst change.

CPU per event: what both workers and both terminal processes spend on one event (from /proc).
On the two cores of a developer's machine, half their sum (``cpu_floor_ms``) is a floor under
the latency to the last terminal whatever the scheduling: the load generator shares the cores.

max_sockets: websockets one worker holds open while it still answers: every one of them gets a
broadcast event, and an HTTP request is served within 2 s.

The last line is one JSON object: terminals, p50_ms, p99_ms, max_sockets, cpu_floor_ms, and the
baseline's (the core layer, measured on the first server only), for the first server at the
top level and for every server under ``by_server``. Terminals are lean clients
(``bench/wsclient.py``) over real websockets; each worker fans out through its hub
(``server/realtime/hub.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gc
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PY = sys.executable


def _raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# --- terminal processes (bench/wsclient.py) ---------------------------------------------------
class Terminals:
    def __init__(self, url: str, origin: str, n: int):
        self.proc = subprocess.Popen([PY, "-m", "bench.fanout", "--terminal", url, origin, str(n)],
                                     cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, preexec_fn=_raise_fd_limit)
        self.ready = json.loads(self.proc.stdout.readline())

    def read(self) -> dict:
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
            self.proc.wait(20)
        except Exception:
            self.proc.kill()


# --- workers -----------------------------------------------------------------------------------
class Worker:
    """One worker of ``server`` on a port of its own (granian: its main process and one
    worker; ``pids`` has both)."""

    def __init__(self, server: str, env: dict, log: Path):
        from server.serving import server_command
        from tests.e2e.server_process import free_port, wait_for_http

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            server_command(server, host="127.0.0.1", port=self.port, workers=1),
            cwd=REPO, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
            preexec_fn=_raise_fd_limit)
        wait_for_http(self.proc, self.url + "/api/workflow/", log)
        self.pids = [self.proc.pid, *_descendants(self.proc.pid)]

    def cpu_ms(self) -> float:
        return sum(_cpu_ms(p) for p in self.pids)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _env(tmp: Path, layer: str, prefix: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DCM_EMBEDDED="1", DCM_VAR=str(tmp), CHANNEL_LAYER=layer, CHANNEL_PREFIX=prefix,
               DJANGO_SETTINGS_MODULE="server.settings", PYTHONPATH=str(REPO), LOG_LEVEL="ERROR")
    return env


# --- the run -----------------------------------------------------------------------------------
def _use_layer(layer: str, prefix: str) -> None:
    from channels.layers import channel_layers
    from django.conf import settings

    backend = ("channels_redis.pubsub.RedisPubSubChannelLayer" if layer == "pubsub"
               else "channels_redis.core.RedisChannelLayer")
    config = {"hosts": [{"address": os.environ["REDIS_URL"], "max_connections": 2000}],
              "prefix": prefix}
    if layer == "core":
        config.update(capacity=1000, expiry=30)
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": backend, "CONFIG": config}}
    channel_layers.backends.clear()


def _reported_cases(base_url: str, n: int) -> list[str]:
    from bench.simulate import Simulator, make_photo

    sim = Simulator(base_url)
    sim.prepare()
    photo = make_photo(1)
    out = []
    for i in range(n):
        cell = sim.cells[i % len(sim.cells)]
        r = sim.call("supervisor", "POST", "/api/reports/", data={
            "idempotency_key": str(uuid.uuid4()), "kind": "event", "class_code": "0101",
            "lat": str(cell["lat"]), "lon": str(cell["lon"]), "accuracy_m": "5",
            "description": f"fanout {i}"}, files={"photo": ("p.jpg", photo, "image/jpeg")})
        r.raise_for_status()
        out.append(r.json()["number"])
    return out


def _cpu_ms(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc; 0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def _descendants(pid: int) -> list[int]:
    from bench.intake import descendants

    return descendants(pid)


async def _latencies(server: str, layer: str, tmp: Path, terminals: int,
                     changes: int) -> tuple[list[float], float, dict]:
    from asgiref.sync import sync_to_async

    import server.realtime.send as send
    from server.accounts.models import User
    from server.cases.actions import do_case_action
    from workflows import Action

    prefix = f"fan{uuid.uuid4().hex[:8]}"
    env = _env(tmp, layer, prefix)
    _use_layer(layer, prefix)
    workers = [Worker(server, env, tmp / f"worker-{server}-{layer}-{i}.log") for i in range(2)]
    clients = []
    try:
        numbers = _reported_cases(workers[0].url, changes + 1)  # + the warm-up
        token = _token("dispatcher")
        for w in workers:  # the centre's terminals, half on each worker
            clients.append(Terminals(w.url.replace("http", "ws") + f"/ws/events/?token={token}",
                                     w.url, terminals // len(workers)))
        connected = sum(c.ready["ready"] for c in clients)
        commits: dict[int, float] = {}
        original = send._send_all

        async def timed(groups, msg, *rest):
            commits[msg["event_id"]] = time.time()
            await original(groups, msg, *rest)

        send._send_all = timed
        acceptor = await sync_to_async(User.objects.get)(username="acceptor")
        out, firsts, delivered = [], [], []
        loop = asyncio.get_running_loop()

        async def change(number: str) -> list[dict]:
            await sync_to_async(do_case_action)(acceptor, number, Action.ACCEPT)
            reports = [await loop.run_in_executor(None, c.read) for c in clients]
            delivered.append(sum(r["n"] for r in reports) / terminals)
            return reports

        # One change first, checked but not timed: the first push of this process opens its
        # connections to Redis (and the core layer loads its scripts), once per process.
        warm = await change(numbers[0])
        warm_ms = (max(r["last"] for r in warm) - commits[warm[0]["id"]]) * 1000
        cpu_before = [w.cpu_ms() for w in workers], [_cpu_ms(c.proc.pid) for c in clients]
        for number in numbers[1:]:
            reports = await change(number)
            t0 = commits[reports[0]["id"]]
            out.append((max(r["last"] for r in reports) - t0) * 1000)
            firsts.append((min(r["first"] for r in reports) - t0) * 1000)
            await asyncio.sleep(0.02)
        send._send_all = original
        # CPU each side spends on one event (both workers, both terminal processes): on two
        # shared cores, half their sum is the floor under the last terminal's latency.
        cpu = {"server": round(sum(w.cpu_ms() - b for w, b in zip(workers, cpu_before[0]))
                               / changes, 2),
               "terminals": round(sum(_cpu_ms(c.proc.pid) - b
                                      for c, b in zip(clients, cpu_before[1])) / changes, 2)}
        print(f"fanout: {server}/{layer}: {connected} of {terminals} terminals connected; "
              f"first one reached after {statistics.median(firsts):.1f} ms (median), the last "
              f"after {statistics.median(out):.1f} ms; worst delivery {min(delivered):.1%}",
              file=sys.stderr)
        print(f"fanout: {server}/{layer}: the warm-up change (not counted) reached the last "
              f"terminal after {warm_ms:.1f} ms", file=sys.stderr)
        print(f"fanout: {server}/{layer}: CPU per event: {cpu['server']} ms in the workers, "
              f"{cpu['terminals']} ms in the terminal processes", file=sys.stderr)
        return out, min(delivered), cpu
    finally:
        for c in clients:
            c.close()
        for w in workers:
            w.stop()


async def _max_sockets(server: str, tmp: Path, max_try: int, step_procs: int = 4) -> int:
    import httpx
    from asgiref.sync import sync_to_async

    from server.accounts.models import User
    from server.cases.actions import do_case_action
    from workflows import Action

    prefix = f"fan{uuid.uuid4().hex[:8]}"
    _use_layer("pubsub", prefix)
    worker = Worker(server, _env(tmp, "pubsub", prefix), tmp / f"worker-{server}-max.log")
    clients = []
    try:
        number = _reported_cases(worker.url, 1)[0]
        url = worker.url.replace("http", "ws") + f"/ws/events/?token={_token('dispatcher')}"
        for _ in range(step_procs):
            clients.append(Terminals(url, worker.url, max_try // step_procs))
        held = sum(c.ready["ready"] for c in clients)
        t = time.monotonic()
        answer = await asyncio.to_thread(httpx.get, worker.url + "/api/workflow/", timeout=10)
        answers = answer.status_code == 200
        answers = answers and time.monotonic() - t < 2
        acceptor = await sync_to_async(User.objects.get)(username="acceptor")
        await sync_to_async(do_case_action)(acceptor, number, Action.ACCEPT)
        loop = asyncio.get_running_loop()
        reached = sum([(await loop.run_in_executor(None, c.read))["n"] for c in clients])
        print(f"fanout: {server}: one worker held {held} sockets, broadcast reached {reached}, "
              f"HTTP answered: {answers}", file=sys.stderr)
        return reached if answers else 0
    finally:
        for c in clients:
            c.close()
        worker.stop()


@functools.cache
def _token(username: str) -> str:
    """One token per user for the whole bench (a user keeps only a few)."""
    from server.accounts.models import User
    from server.accounts.tokens import issue

    return issue(User.objects.get(username=username))[0]


def _pct(values: list[float], q: float) -> float:
    """The nearest-rank percentile: the smallest value with at least ``q`` of them at or below
    it (of 100 values, p99 is the 99th, the worst but one)."""
    values = sorted(values)
    return round(values[max(0, math.ceil(q * len(values)) - 1)], 2)


async def _run_server(server: str, args, tmp: Path, baseline: bool) -> dict:
    from asgiref.sync import sync_to_async

    started = time.monotonic()
    result: dict = {"server": server, "terminals": args.terminals, "workers": 2,
                    "changes": args.changes}
    for layer in ("core", "pubsub") if baseline else ("pubsub",):  # core first: the baseline
        lat, delivered, cpu = await _latencies(server, layer, tmp, args.terminals, args.changes)
        key = "" if layer == "pubsub" else "baseline_"
        result.update({f"{key}layer": layer, f"{key}p50_ms": _pct(lat, 0.5),
                       f"{key}worst_delivery": round(delivered, 4),
                       f"{key}p99_ms": _pct(lat, 0.99),
                       f"{key}mean_ms": round(statistics.fmean(lat), 2),
                       f"{key}max_ms": round(max(lat), 2),
                       f"{key}server_cpu_ms_per_event": cpu["server"],
                       f"{key}terminals_cpu_ms_per_event": cpu["terminals"],
                       f"{key}cpu_floor_ms": round((cpu["server"] + cpu["terminals"]) / 2, 1)})
        print(f"fanout: {server}/{layer}: p50 {result[f'{key}p50_ms']} ms, p99 "
              f"{result[f'{key}p99_ms']} ms", file=sys.stderr)
        await sync_to_async(lambda: None)()
    if baseline:
        result["p99_ratio_baseline_over_layer"] = round(
            result["baseline_p99_ms"] / max(result["p99_ms"], 0.01), 2)
    result["max_sockets"] = await _max_sockets(server, tmp, args.max_try)
    result["max_sockets_tried"] = args.max_try
    result["seconds"] = round(time.monotonic() - started, 1)
    return result


async def _run(args, tmp: Path, servers: tuple[str, ...]) -> dict:
    by_server = []
    for i, server in enumerate(servers):
        by_server.append(await _run_server(server, args, tmp, baseline=i == 0 and args.baseline))
    result = dict(by_server[0])
    if len(by_server) > 1:
        result["by_server"] = {r["server"]: r for r in by_server}
    result["targets"] = {"p99_ms": 50, "max_sockets": 5000}
    result["uptime"] = os.getloadavg()
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--server", default=None,
                    help="uvicorn, daphne, granian, several with commas, or all (default: the "
                         "project's server)")
    ap.add_argument("--no-baseline", dest="baseline", action="store_false",
                    help="skip the core-layer baseline")
    ap.add_argument("--terminals", type=int, default=1000)
    ap.add_argument("--changes", type=int, default=100)  # per layer (+ one warm-up)
    ap.add_argument("--max-try", type=int, default=5200)
    ap.add_argument("--terminal", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(REPO))
    from server import serving

    servers = (serving.SERVERS if args.server == "all" else
               tuple((args.server or serving.DEFAULT).split(",")))
    unknown = [s for s in servers if s not in serving.SERVERS]
    if unknown:
        ap.error(f"unknown server(s) {unknown}: choose from {', '.join(serving.SERVERS)} or all")
    if args.terminal:
        from bench.wsclient import run

        asyncio.run(run(args.terminal[0], args.terminal[1], int(args.terminal[2])))
        return 0
    if not os.environ.get("REDIS_URL", "").startswith("redis://127.0.0.1"):
        print("fanout: needs REDIS_URL on loopback (make bench sets it)", file=sys.stderr)
        return 2
    _raise_fd_limit()
    with tempfile.TemporaryDirectory(prefix="dcm-fanout-") as d:
        tmp = Path(os.environ.get("FANOUT_KEEP") or d)  # FANOUT_KEEP=dir: keep the logs there
        tmp.mkdir(parents=True, exist_ok=True)
        env = _env(tmp, "pubsub", "fanprep")
        for cmd in (["migrate", "--noinput", "-v0"], ["load_demo_city", "--if-empty"]):
            subprocess.run([PY, "server/manage.py", *cmd], cwd=REPO, env=env, check=True,
                           capture_output=True)
        os.environ.update({k: env[k]
                           for k in ("DCM_EMBEDDED", "DCM_VAR", "DJANGO_SETTINGS_MODULE")})
        os.environ.pop("DATABASE_URL", None)
        import django

        django.setup()
        gc.freeze()  # this process commits and pushes as a worker does (server/asgi.py)
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # _token runs before the loop's work
        result = asyncio.run(_run(args, tmp, servers))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
