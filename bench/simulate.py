"""Drive N cases through the whole closed loop over the real HTTP API of a running server.

    python -m bench.simulate --base-url http://127.0.0.1:8000 -n 50 [--workers 4]

Simulated actors (the demo accounts) log in for tokens; each case is reported by the supervisor
with a photo at a point inside a random cell, accepted, filed, dispatched to a department,
taken on, fed back with an "after" photo, sent for a check, checked as fixed and closed. Every
answer is verified (status, state, same case on a retried report). The last line is exactly
``simulate: created=N closed=N errors=E``; the exit code is 1 when E > 0.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
from PIL import Image

DEMO_PASSWORD = "demo-dcm-2026"
ACTORS = ("supervisor", "acceptor", "dutychief", "dispatcher")
#: (kind, class code) pairs the simulated supervisor reports: manhole covers, lights, garbage.
CLASSES = [("component", "0101"), ("component", "0103"), ("component", "0118"),
           ("event", "0101"), ("event", "0102")]


def make_photo(seed: int) -> bytes:
    """A small real JPEG, different per case (about the size a handset sends after shrinking)."""
    rnd = random.Random(seed)
    img = Image.new("RGB", (320, 240), (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)))
    for _ in range(40):
        x, y = rnd.randrange(300), rnd.randrange(220)
        img.paste((rnd.randrange(256),) * 3, (x, y, x + 20, y + 20))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=80)
    return out.getvalue()


class Simulator:
    def __init__(self, base_url: str, timeout: float = 30.0):
        self.client = httpx.Client(base_url=base_url, timeout=timeout)
        self.tokens: dict[str, str] = {}
        self.cells: list[dict] = []
        self.department_user = ""
        self.department_code = ""

    def login(self, username: str) -> str:
        r = self.client.post("/api/auth/token/", json={"username": username,
                                                       "password": DEMO_PASSWORD})
        r.raise_for_status()
        body = r.json()
        self.tokens[username] = body["token"]
        return body.get("department_code") or ""

    def prepare(self) -> None:
        for name in ACTORS:
            self.login(name)
        # Dispatch to a real department that has a terminal user.
        r = self.call("dispatcher", "GET", "/api/departments/")
        departments = r.json()
        if not departments:
            raise RuntimeError("the server has no departments")
        self.department_code = departments[0]["code"]
        self.department_user = f"dept_{self.department_code}"
        self.login(self.department_user)
        self.cells = self.call("supervisor", "GET", "/api/map/cells/").json()["cells"]

    def call(self, actor: str, method: str, path: str, **kw) -> httpx.Response:
        headers = {"Authorization": f"Token {self.tokens[actor]}"}
        return self.client.request(method, path, headers=headers, **kw)

    def act(self, actor: str, number: str, action: str, expect: str, *, photo: bytes | None = None,
            **params) -> None:
        path = f"/api/cases/{number}/actions/{action}/"
        if photo is None:
            r = self.call(actor, "POST", path, json=params)
        else:
            r = self.call(actor, "POST", path, data=params,
                          files={"photo": ("site.jpg", photo, "image/jpeg")})
        if r.status_code != 200:
            raise RuntimeError(f"{action} on {number}: HTTP {r.status_code} {r.text[:200]}")
        state = r.json()["state"]
        if state != expect:
            raise RuntimeError(f"{action} on {number}: state {state}, expected {expect}")

    def one_case(self, i: int, progress: dict) -> None:
        """Run case i through the loop, marking ``progress['created']`` and ``['closed']``."""
        rnd = random.Random(i)
        cell = rnd.choice(self.cells)
        kind, class_code = rnd.choice(CLASSES)
        key = str(uuid.uuid4())
        form = {"idempotency_key": key, "kind": kind, "class_code": class_code,
                "lat": str(cell["lat"]), "lon": str(cell["lon"]),
                "accuracy_m": "5", "description": f"模拟案件 simulated case {i}"}
        photo = make_photo(i)
        files = {"photo": ("report.jpg", photo, "image/jpeg")}
        r = self.call("supervisor", "POST", "/api/reports/", data=form, files=files)
        if r.status_code != 201:
            raise RuntimeError(f"report {i}: HTTP {r.status_code} {r.text[:200]}")
        number = r.json()["number"]
        progress["created"] = True
        # A handset retry after a lost answer must get the same case back, not a new one.
        again = self.call("supervisor", "POST", "/api/reports/", data=form,
                          files={"photo": ("report.jpg", photo, "image/jpeg")})
        if again.status_code != 200 or again.json()["number"] != number:
            raise RuntimeError(f"report {i} retry: HTTP {again.status_code} {again.text[:200]}")
        self.act("acceptor", number, "accept", "accepted")
        self.act("dutychief", number, "file", "filed")
        self.act("dispatcher", number, "dispatch", "dispatched",
                 department_code=self.department_code)
        self.act(self.department_user, number, "dept_accept", "handling")
        self.act(self.department_user, number, "feedback", "handled", photo=make_photo(-i - 1),
                 note="已修复 fixed")
        self.act("acceptor", number, "request_check", "checking", assignee="supervisor")
        self.act("supervisor", number, "check", "checked", photo=make_photo(-i - 100000),
                 result="fixed")
        self.act("dutychief", number, "close", "closed")
        progress["closed"] = True


def run(base_url: str, n: int, workers: int) -> tuple[int, int, list[str]]:
    sim = Simulator(base_url)
    sim.prepare()
    created = closed = 0
    errors: list[str] = []

    def task(i: int) -> tuple[bool, bool]:
        progress = {"created": False, "closed": False}
        try:
            sim.one_case(i, progress)
        except Exception as exc:  # counted and printed: the run goes on
            errors.append(f"case {i}: {exc}")
        return progress["created"], progress["closed"]

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for c, k in pool.map(task, range(n)):
            created += c
            closed += k
    return created, closed, errors


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base-url", default="http://127.0.0.1:8000")
    ap.add_argument("-n", type=int, default=50)
    ap.add_argument("--workers", type=int, default=4)
    args = ap.parse_args(argv)
    try:
        created, closed, errors = run(args.base_url, args.n, args.workers)
    except (httpx.HTTPError, RuntimeError, KeyError) as exc:
        print(f"simulate: cannot start against {args.base_url}: {exc}", file=sys.stderr)
        print(f"simulate: created=0 closed=0 errors={args.n}")
        return 1
    for e in errors[:20]:
        print(e, file=sys.stderr)
    print(f"simulate: created={created} closed={closed} errors={len(errors)}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
