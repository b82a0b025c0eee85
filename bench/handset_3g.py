"""The field handset over 3G: the app's real outbox and sender against the real server through
an emulated 3G link (384 kbit/s each way, 300 ms round trip, 2 % loss; ``bench.linkemu``).

    python -m bench.handset_3g [--steady 100] [--cuts-run 200] [--every 4]   (root)

Needs root (network namespaces, TUN) and PostGIS + Redis on loopback (DATABASE_URL, REDIS_URL,
as ``make bench`` sets them). It creates and drops its own database (``dcm_bench_h3g``) and
uses its own channel prefix; daphne runs in the root namespace (so its database and Redis stay
on loopback) and listens, through a socket made in the server namespace (``--fd``), on
10.203.0.2. The phone is a process in the handset namespace (``--phone``, below) running what
the app runs: ``Outbox.add_report`` when the user presses send, then ``Sender.wake``; the
``Sender`` thread with the app's own settings does the network.

Photos: a pool of 3000x4000 camera-like JPEGs with EXIF (orientation, GPS, camera), made here
and shrunk by the app's own ``mobileapp.core.photos.shrink``; the reports cycle through them.

Two runs, each on a fresh outbox:

* steady: ``--steady`` reports, one pressed every ``--every`` seconds, the link never cut.
  Latency = the server's ``Case.created_at`` (taken in the committing request) minus the
  outbox item's ``created_at`` (the press), one machine clock.
* cuts: ``--cuts-run`` reports pressed one a second (a backlog builds up: the link carries
  about one report in 2-3 s), the link cut five times for 10 s, and the phone process
  SIGKILLed once, at the worst moment found: the server has committed the item being sent but
  its answer is still on the way back (so the restarted sender must resend it and the server
  must recognise its idempotency key). It is restarted 3 s later on the same outbox file.

Counted on the server: ``lost`` = outbox items with no case for their key; ``duplicated`` =
cases beyond one per key plus cases during the run whose key is no outbox item's.
``bytes_per_report`` = bytes the link carried both ways in the steady run / its reports
(``bytes_per_report_cuts`` the same for the run with cuts, resends included). The last line
is one JSON object; targets: lost 0, duplicated 0, p95 <= 4 s, <= 100 KB a report. One report
goes in over loopback before the timing starts (a server in service is warm). The whole bench
takes about 20 minutes: 300 reports of ~80 KB at 384 kbit/s are 8 minutes on the air alone.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PY = sys.executable
DB_NAME = "dcm_bench_h3g"
PREFIX = "bench_h3g"
PORT = 8000
PASSWORD = "demo-dcm-2026"
CUT_S, CUTS = 10.0, 5


def log(msg: str) -> None:
    print(f"handset_3g: {msg}", flush=True)


# --- the phone ---------------------------------------------------------------------------------
def phone(db: str, base_url: str, token: str) -> int:
    """The app's outbox and sender in one process. Each stdin line is a press of 'send'
    (JSON: fields and a photo file); answers the item's id once it is on disk."""
    from mobileapp.core.outbox import Outbox
    from mobileapp.core.sender import Sender

    outbox = Outbox(db)
    sender = Sender(db, base_url, token).start()  # the app's settings (mobileapp/ui/app.py)
    for line in sys.stdin:
        if line.strip() == "quit":
            break
        press = json.loads(line)
        item = outbox.add_report(press["fields"], Path(press["photo"]).read_bytes())
        sender.wake()
        print(json.dumps({"id": item.id}), flush=True)
    sender.stop(timeout=30)
    return 0


class Phone:
    def __init__(self, link, db: Path, base_url: str, token: str):
        from bench.linkemu import die_with_parent

        self.proc = subprocess.Popen(
            link.in_hand([PY, "-m", "bench.handset_3g", "--phone", str(db), base_url, token]),
            cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)), stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True, preexec_fn=die_with_parent)

    def press(self, fields: dict, photo: Path) -> None:
        self.proc.stdin.write(json.dumps({"fields": fields, "photo": str(photo)}) + "\n")
        self.proc.stdin.flush()
        json.loads(self.proc.stdout.readline())

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def quit(self) -> None:
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
            self.proc.wait(40)
        except (OSError, subprocess.TimeoutExpired):
            self.kill()


def outbox_rows(db: Path) -> list[tuple]:
    """(key, state, created_at, updated_at) of every item, read beside the running phone."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return conn.execute("SELECT key, state, created_at, updated_at FROM outbox").fetchall()
    finally:
        conn.close()


# --- photos ------------------------------------------------------------------------------------
def camera_photo(seed: int) -> bytes:
    """A 4000x3000 JPEG as a phone camera writes it (quality 92, EXIF with orientation 6, GPS,
    make and model): a sky gradient over a textured street, some objects, sensor noise. The
    scene is drawn at a quarter of the size and scaled up (drawing 12 Mpx in numpy costs
    seconds a photo); the sensor noise is added at full size."""
    import numpy as np
    from PIL import Image, ImageChops

    rng = np.random.default_rng(seed)
    h, w = 1000, 750  # upright (portrait) scene; stored turned, as the sensor saw it

    def texture(scale: float, amp: float) -> np.ndarray:
        size = (int(h / scale) + 1, int(w / scale) + 1)
        small = rng.normal(0, amp, (*size, 1)) + rng.normal(0, amp / 3, (*size, 3))
        img = Image.fromarray(np.clip(small + 128, 0, 255).astype(np.uint8))
        return np.asarray(img.resize((w, h), Image.Resampling.BILINEAR), np.float32) - 128

    y = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    sky = np.array([150, 180, 220], np.float32) * (1 - y) + np.array([200, 210, 225]) * y
    ground = np.array([110, 105, 95], np.float32) - 40 * (y - 0.5)
    img = np.where(y < 0.45, sky, ground) * np.ones((1, w, 1), np.float32)
    img += (y >= 0.45) * (texture(6, 22) + texture(1.5, 12))
    for _ in range(12):  # cars, bins, a manhole cover: flat patches with an edge
        x0, y0 = int(rng.integers(0, w - 150)), int(rng.integers(h // 3, h - 125))
        img[y0:y0 + int(rng.integers(40, 125)), x0:x0 + int(rng.integers(50, 150))] = (
            rng.integers(20, 235, 3))
    pic = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
    pic = pic.resize((4 * w, 4 * h), Image.Resampling.BICUBIC).transpose(
        Image.Transpose.ROTATE_90)  # EXIF orientation 6 turns it back upright
    noise = Image.effect_noise(pic.size, 4).convert("RGB")  # sensor noise around 128
    pic = ImageChops.add(pic, noise, scale=1.0, offset=-128)
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: the phone was held upright
    exif[0x010F], exif[0x0110] = "DCM", "Field Phone 3G"
    exif[0x8825] = {1: "N", 2: (30.0, 16.0, 12.5), 3: "E", 4: (120.0, 9.0, 33.1)}
    out = io.BytesIO()
    pic.save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


def photo_pool(tmp: Path, n: int) -> list[Path]:
    from mobileapp.core.photos import shrink

    paths, raw, small = [], 0, 0
    for i in range(n):
        big = camera_photo(i)
        shrunk = shrink(big)
        raw, small = raw + len(big), small + len(shrunk)
        p = tmp / f"photo-{i}.jpg"
        p.write_bytes(shrunk)
        paths.append(p)
    log(f"{n} camera photos, {raw / n / 1e6:.1f} MB each, shrunk by the app to "
        f"{small / n / 1024:.0f} KB on average")
    return paths


# --- the server --------------------------------------------------------------------------------
def _admin(sql: str) -> None:
    import dj_database_url
    import psycopg

    db = dj_database_url.parse(os.environ["DATABASE_URL"])
    with psycopg.connect(host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"],
                         password=db["PASSWORD"], dbname=db["NAME"], autocommit=True) as conn:
        conn.execute(sql)


def _drop() -> None:
    from tests.e2e.server_process import drop_database

    drop_database(os.environ["DATABASE_URL"], DB_NAME)


class Server:
    """daphne on its own database, answering on 10.203.0.2 (through the link) and on a
    loopback port (the bench's own calls: login, readiness)."""

    def __init__(self, tmp: Path, listen: socket.socket):
        from bench.linkemu import SRV_ADDR, die_with_parent
        from tests.e2e.server_process import free_port, wait_for_http

        self.url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + DB_NAME
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update(DATABASE_URL=self.url, DCM_EMBEDDED="1", DCM_VAR=str(tmp),
                   CHANNEL_PREFIX=PREFIX, ALLOWED_HOSTS=f"{SRV_ADDR},127.0.0.1",
                   DJANGO_SETTINGS_MODULE="server.settings", PYTHONPATH=str(REPO),
                   LOG_LEVEL="ERROR")
        for cmd in (["migrate", "--noinput", "-v0"], ["load_demo_city", "--if-empty"]):
            subprocess.run([PY, "server/manage.py", *cmd], cwd=REPO, env=env, check=True,
                           capture_output=True)
        self.port = free_port()
        self.local = f"http://127.0.0.1:{self.port}"
        self.log = tmp / "server.log"
        self.proc = subprocess.Popen(
            [PY, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port),
             "--fd", str(listen.fileno()), "server.asgi:application"],
            cwd=REPO, env=env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
            pass_fds=[listen.fileno()], preexec_fn=die_with_parent)
        wait_for_http(self.proc, self.local + "/api/workflow/", self.log)

    def token(self, username: str) -> str:
        import httpx

        r = httpx.post(self.local + "/api/auth/token/",
                       json={"username": username, "password": PASSWORD}, timeout=10)
        r.raise_for_status()
        return r.json()["token"]

    def cells(self, token: str) -> list[dict]:
        import httpx

        r = httpx.get(self.local + "/api/map/cells/", timeout=30,
                      headers={"Authorization": f"Token {token}"})
        r.raise_for_status()
        return r.json()["cells"]

    def warm_up(self, token: str, cell: dict, photo: Path) -> None:
        """One report over loopback before anything is timed: the first report loads the map
        index and Django's code paths, which a server in service has long done."""
        import httpx

        r = httpx.post(self.local + "/api/reports/", timeout=60,
                       headers={"Authorization": f"Token {token}"},
                       data={"idempotency_key": str(uuid.uuid4()), "kind": "event",
                             "class_code": "0101", "lat": cell["lat"], "lon": cell["lon"],
                             "accuracy_m": 5, "description": "warm-up"},
                       files={"photo": ("p.jpg", photo.read_bytes(), "image/jpeg")})
        r.raise_for_status()

    def cases_since(self, since: float) -> list[tuple[str, float]]:
        """(idempotency key, created_at as time.time()) of every case created since."""
        import dj_database_url
        import psycopg

        db = dj_database_url.parse(self.url)
        with psycopg.connect(host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"],
                             password=db["PASSWORD"], dbname=db["NAME"]) as conn:
            return conn.execute(
                "SELECT idempotency_key, extract(epoch FROM created_at)::float8 FROM cases_case"
                " WHERE created_at >= to_timestamp(%s)", (since,)).fetchall()

    def has_case(self, key: str) -> bool:
        return any(k == key for k, _ in self.cases_since(time.time() - 60))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# --- the runs ----------------------------------------------------------------------------------
class Run:
    def __init__(self, name: str, link, server: Server, tmp: Path, token: str, cells: list,
                 photos: list[Path]):
        from bench.linkemu import SRV_ADDR

        self.name, self.link, self.server = name, link, server
        self.db = tmp / f"outbox-{name}.sqlite3"
        self.base = f"http://{SRV_ADDR}:{PORT}"
        self.token, self.cells, self.photos = token, cells, photos
        self.start = time.time()
        self.bytes0 = self._bytes()
        self.phone = Phone(link, self.db, self.base, token)
        self.pressed = 0

    def _bytes(self) -> int:
        s = self.link.stats()
        return s["up"]["bytes"] + s["down"]["bytes"]

    def press(self) -> None:
        i = self.pressed
        cell = self.cells[(i * 7) % len(self.cells)]
        fields = {"kind": "event", "class_code": "0101", "lat": cell["lat"], "lon": cell["lon"],
                  "accuracy_m": 5, "description": f"3G {self.name} report {i}"}
        self.phone.press(fields, self.photos[i % len(self.photos)])
        self.pressed += 1

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for _, state, _, _ in outbox_rows(self.db):
            out[state] = out.get(state, 0) + 1
        return out

    def drain(self, timeout: float) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            c = self.counts()
            if not c.get("waiting") and not c.get("sending"):
                break
            time.sleep(0.5)
        self.phone.quit()

    def result(self) -> dict:
        rows = outbox_rows(self.db)
        out = tally([(key, created) for key, _, created, _ in rows],
                    self.server.cases_since(self.start))
        states: dict[str, int] = {}
        for _, state, _, _ in rows:
            states[state] = states.get(state, 0) + 1
        carried = self._bytes() - self.bytes0
        out.update(outbox=states, bytes_per_report=round(carried / max(1, len(rows))),
                   acked=sorted(updated - created for _, state, created, updated in rows
                                if state == "sent"))
        return out


def tally(pressed: list[tuple[str, float]], cases: list[tuple[str, float]]) -> dict:
    """Reports pressed on the phone (key, time) against cases on the server (key, time):
    ``lost`` = pressed keys without a case; ``duplicated`` = cases beyond the first of a
    pressed key plus every case whose key was never pressed; ``latency`` (sorted) = first case
    minus press, for the keys that have one."""
    by_key: dict[str, list[float]] = {}
    for key, at in cases:
        by_key.setdefault(key, []).append(at)
    keys = {key for key, _ in pressed}
    duplicated = sum(len(v) - 1 if k in keys else len(v) for k, v in by_key.items())
    return {"reports": len(pressed),
            "lost": sum(1 for key, _ in pressed if key not in by_key),
            "duplicated": duplicated,
            "latency": sorted(min(by_key[key]) - at for key, at in pressed if key in by_key)}


def steady(link, server, tmp, token, cells, photos, n: int, every: float) -> dict:
    run = Run("steady", link, server, tmp, token, cells, photos)
    next_at = time.monotonic()
    for i in range(n):
        time.sleep(max(0.0, next_at - time.monotonic()))
        run.press()
        next_at += every
        if (i + 1) % 20 == 0:
            log(f"steady: {i + 1}/{n} pressed, outbox {run.counts()}")
    run.drain(600)
    return run.result()


def with_cuts(link, server, tmp, token, cells, photos, n: int) -> dict:
    """Presses one a second; cuts spread evenly over the first 2.2 s x n (the backlog drains
    at about 2.8 s a report, so every cut falls while reports wait); the kill at the first
    chance after 40 % of that span."""
    run = Run("cuts", link, server, tmp, token, cells, photos)
    t0 = time.monotonic()
    span = max(60.0, 2.2 * n)
    cut_starts = [span * (k + 0.5) / CUTS for k in range(CUTS)]
    cut_on, cuts_done, killed, kill_after = False, 0, False, 0.4 * span
    restart_at = None
    next_press = t0
    while True:
        now = time.monotonic() - t0
        if cuts_done < CUTS and not cut_on and now >= cut_starts[cuts_done]:
            link.cut(True)
            cut_on = True
            log(f"cuts: link cut {cuts_done + 1}/{CUTS} at {now:.0f} s, outbox {run.counts()}")
        elif cut_on and now >= cut_starts[cuts_done] + CUT_S:
            link.cut(False)
            cut_on, cuts_done = False, cuts_done + 1
        if not killed and now >= kill_after and not cut_on and _answer_in_flight(run, server,
                                                                             now - kill_after):
            run.phone.kill()
            killed, restart_at = True, now + 3.0
            log(f"cuts: phone killed at {now:.0f} s with a committed report's answer in "
                f"flight; outbox {run.counts()}")
        if restart_at is not None and now >= restart_at:
            run.phone = Phone(link, run.db, run.base, token)
            restart_at = None
            log(f"cuts: phone restarted at {now:.0f} s")
        phone_up = restart_at is None
        if run.pressed < n and phone_up and time.monotonic() >= next_press:
            run.press()
            next_press += 1.0
            if run.pressed % 50 == 0:
                log(f"cuts: {run.pressed}/{n} pressed at {now:.0f} s, outbox {run.counts()}")
        done = run.pressed == n and cuts_done == CUTS and killed and phone_up
        if done:
            c = run.counts()
            if not c.get("waiting") and not c.get("sending"):
                break
        if now > 1800:
            log("cuts: gave up waiting after 30 min")
            break
        time.sleep(0.02)
    run.drain(60)
    return run.result()


def _answer_in_flight(run: Run, server: Server, waited: float) -> bool:
    """True when the item being sent already has its case on the server (its answer is on
    the way back): the moment a kill hurts most. After 60 s of trying, any moment will do."""
    if waited > 60:
        return True
    sending = [r[0] for r in outbox_rows(run.db) if r[1] == "sending"]
    return bool(sending) and server.has_case(sending[0])


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    return round(values[min(len(values) - 1, int(q * len(values)))], 2)


def bench(args, tmp: Path) -> dict:
    from bench.linkemu import Link3G

    started = time.monotonic()
    photos = photo_pool(tmp, args.photos)
    _drop()
    _admin(f'CREATE DATABASE "{DB_NAME}" TEMPLATE template1')
    server = None
    try:
        with Link3G(seed=args.seed) as link:
            listen = link.server_socket(PORT)
            server = Server(tmp, listen)
            listen.close()  # daphne holds its own copy
            token = server.token("supervisor")
            cells = server.cells(token)
            server.warm_up(token, cells[0], photos[0])
            log(f"server up on its own database {DB_NAME}; link {link.stats()['up']}")
            a = steady(link, server, tmp, token, cells, photos, args.steady, args.every)
            (tmp / "steady-latencies.json").write_text(json.dumps(a["latency"]))
            log(f"steady: {a['reports']} reports, p50 {_pct(a['latency'], .5)} s, p95 "
                f"{_pct(a['latency'], .95)} s, {a['bytes_per_report']} B a report")
            b = with_cuts(link, server, tmp, token, cells, photos, args.cuts_run)
            log(f"cuts: {b['reports']} reports, lost {b['lost']}, duplicated "
                f"{b['duplicated']}, outbox {b['outbox']}")
            link_stats = link.stats()
    finally:
        if server:
            server.stop()
        _drop()
    return {
        "reports": a["reports"] + b["reports"], "reports_steady": a["reports"],
        "reports_cuts": b["reports"],
        "lost": b["lost"], "duplicated": b["duplicated"],
        "lost_steady": a["lost"], "duplicated_steady": a["duplicated"],
        "p50_s": _pct(a["latency"], 0.5), "p95_s": _pct(a["latency"], 0.95),
        "max_s": _pct(a["latency"], 1.0), "p95_ack_s": _pct(a["acked"], 0.95),
        "press_every_s": args.every,
        "bytes_per_report": a["bytes_per_report"],
        "bytes_per_report_cuts": b["bytes_per_report"],
        "photo_kb_mean": round(statistics.fmean(p.stat().st_size for p in photos) / 1024, 1),
        "outbox_cuts": b["outbox"], "cuts": CUTS, "cut_s": CUT_S, "phone_kills": 1,
        "link": {"rate_kbit": 384, "rtt_ms": 300, "loss": 0.02, **{
            d: {k: link_stats[d][k] for k in ("dropped_loss", "dropped_queue", "dropped_cut")}
            for d in ("up", "down")}},
        "targets": {"lost": 0, "duplicated": 0, "p95_s": 4, "bytes_per_report": 100 * 1024},
        "seconds": round(time.monotonic() - started, 1),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steady", type=int, default=100)
    ap.add_argument("--cuts-run", type=int, default=200)
    ap.add_argument("--every", type=float, default=4.0, help="seconds between presses (steady)")
    ap.add_argument("--photos", type=int, default=12)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--phone", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.phone:
        return phone(*args.phone)
    if os.geteuid() != 0:
        log("needs root (network namespaces, TUN devices)")
        return 2
    if not (os.environ.get("DATABASE_URL", "").startswith("postgis://")
            and os.environ.get("REDIS_URL", "").startswith("redis://127.0.0.1")):
        log("needs DATABASE_URL (PostGIS) and REDIS_URL on loopback (make bench sets them)")
        return 2
    with tempfile.TemporaryDirectory(prefix="dcm-h3g-") as d:
        tmp = Path(os.environ.get("H3G_KEEP") or d)  # H3G_KEEP=dir keeps the logs and outboxes
        tmp.mkdir(parents=True, exist_ok=True)
        result = bench(args, tmp)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
