"""Attack: every operation of the OpenAPI schema, fuzzed as every role and anonymously, against
real servers on both backends; the server process watched, each answer checked for a 5xx and
for a leak.

    python -m bench.attack [--examples 18] [--backends spatialite,postgis] [--seed 2026]

For each backend (SpatiaLite always; PostGIS with Redis when DATABASE_URL names one) a server is
started on a fresh copy of the demo city (``tests/e2e/server_process``, as the e2e tests start
it), and a *prober* child process (``--probe``) attacks it. The prober reads ``/api/schema/``,
draws ``--examples`` requests per operation with schemathesis (half valid, half invalid, a fixed
seed), and sends the same requests as each role (``ROLES``: a token and a signed-in session
each; anonymous; a revoked token). Path parameters that name a case or a photo are, one time in
two, a real one; Open311 and camera posts carry the demo keys one time in two, so the fuzz gets
past the key check.

Before fuzzing, the prober plants known secrets through the ordinary API (``plant``): a hotline
call with a caller's name and phone and a phone number written into the address, dispatched to a
department with an internal note; an Open311 request with the contact's e-mail, phone and name.

Checks on every answer:
  5xx     any status of 500 and above
  leak    a secret shown to a role the access rules (``server.accounts.access``, asked in the
          prober on the server's own database at that moment) do not let see it: a caller's
          contact without ``Ability.CALLER_CONTACT``; an internal note or the address of a
          case outside ``visible_cases``; and, outside the public endpoints (Open311, the
          portal), a case number outside ``visible_cases`` that the request did not name
  death   a request without an HTTP answer (refused, reset, 60 s without one), or the server
          process gone: counted; when the server does not answer again within 20 s it is
          restarted and the prober resumes at the next role

Public rate limits are raised for the run (``EXTERNAL_RATES``), else most public requests would
stop at 429 before reaching any code. The token endpoint is fuzzed last (it may lock the
address out of new logins), the revoke endpoint last in each role's pass (it may end the
role's token).

The last line is one JSON object: requests, server_deaths, status_5xx, leaks,
endpoints_covered, endpoints_total (schema operations answered at least once), per-role and
per-backend counts, and where the examples of each 5xx and leak are written (``var/bench/``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

DEMO_PASSWORD = "demo-dcm-2026"
OPEN311_KEY, CAMERA_KEY = "demo-open311-key", "demo-camera-key"
#: The demo city's accounts by role, plus anonymous and a token that names nobody. The two
#: departments are found at run time: the one the planted case goes to, and another.
ROLES = ("anonymous", "revoked", "supervisor", "acceptor", "dutychief", "dispatcher",
         "calltaker", "leader", "mapkeeper", "dept_home", "dept_other")
#: Public endpoints: anyone may read any case's public view there.
PUBLIC = ("/open311/", "/api/portal/", "/portal/")
CASE_NUMBER = re.compile(rb"\b[CE]\d{16,17}\b")
LAST = ("/api/auth/revoke/",)  # last in each role's pass
FINAL = ("/api/auth/token/",)  # once, after every role
#: Values that broke servers before: past the float range, not numbers, the ends of the
#: calendar, past 64 bits, a bbox of them, nothing, and a long one.
EXTREMES = ("-1e308,-1e308,1e308,1e308", "1e308", "-1e308", "nan", "inf", "-inf",
            "9999-12-31", "0001-01-01", "9999-12-31T23:59:59+14:00", "0001-01-01T00:00:00+14:00",
            str(2**63), str(-2**63), "", "x" * 100_000, "nan,nan,nan,nan")
RATES = "public_read=100000/min,open311_write=100000/min,camera=100000/min,portal=100000/min"

#: The planted secrets: (text, kind). ``contact``: a caller's personal data; ``internal``: a
#: note only those who see the case may read; ``address``: a phone number written into an
#: address (public outputs must mask it; those who see the case may read it).
SECRETS = {
    "caller_name": ("Leakprobe Caller", "contact"),
    "caller_phone": ("13912345678", "contact"),
    "address_phone": ("13700001111", "address"),
    "note": ("note-ATTACK-7f3a9c", "internal"),
    "o311_email": ("leakprobe@example.org", "contact"),
    "o311_phone": ("13612345678", "contact"),
    "o311_name": ("Leakprobe", "contact"),
}


# --- the prober (a child process with Django on the server's database) --------------------
class Prober:
    def __init__(self, base_url: str, pid: int, examples: int, seed: int, findings: Path):
        import requests

        self.base_url, self.pid, self.examples, self.seed = base_url, pid, examples, seed
        self.findings = findings
        self.http = requests
        self.stats = Counter()
        self.by_role: dict[str, Counter] = {}
        self.covered: set[str] = set()
        self.visible: dict[str, set[str]] = {}
        self.secret_cases: dict[str, str] = {}  # secret text -> its case number
        self.users: dict[str, object] = {}
        self.departments: tuple[str, str] = ("", "")
        self.numbers: list[str] = []
        self.photos: list[int] = []

    # -- the server ------------------------------------------------------------------------
    def alive(self) -> bool:
        try:
            stat = Path(f"/proc/{self.pid}/stat").read_text()
        except OSError:
            return False
        return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")

    def back(self, timeout: float = 20.0) -> bool:
        """Whether the server answers ``/api/health/`` again within ``timeout`` seconds."""
        end = time.monotonic() + timeout
        while time.monotonic() < end and self.alive():
            try:
                if self.http.get(self.base_url + "/api/health/", timeout=5).status_code == 200:
                    return True
            except self.http.RequestException:
                pass
            time.sleep(0.5)
        return False

    def session(self, role: str):
        """A requests session for ``role``: its token header and a signed-in session cookie."""
        s = self.http.Session()
        s.headers["Accept-Language"] = "en"
        if role == "anonymous":
            return s
        if role == "revoked":
            s.headers["Authorization"] = "Token " + "0" * 40
            return s
        username = self.username(role)
        r = s.post(self.base_url + "/api/auth/token/",
                   json={"username": username, "password": DEMO_PASSWORD}, timeout=30)
        r.raise_for_status()
        s.get(self.base_url + "/accounts/login/", timeout=30)
        s.post(self.base_url + "/accounts/login/", timeout=30, allow_redirects=False,
               data={"username": username, "password": DEMO_PASSWORD,
                     "csrfmiddlewaretoken": s.cookies.get("csrftoken", "")},
               headers={"Referer": self.base_url + "/accounts/login/"})
        s.headers["Authorization"] = f"Token {r.json()['token']}"
        return s

    def username(self, role: str) -> str:
        if role == "dept_home":
            return f"dept_{self.departments[0]}"
        if role == "dept_other":
            return f"dept_{self.departments[1]}"
        return role

    # -- the world -------------------------------------------------------------------------
    def plant(self) -> None:
        """Plant the secrets once per database (a resumed prober finds them)."""
        from django.contrib.auth import get_user_model

        from server.cases.models import Case, Photo
        from workflows import Role

        codes = list(get_user_model().objects.filter(
            role=Role.DEPARTMENT.value, is_active=True, username__startswith="dept_",
            department__isnull=False).order_by("username").values_list("username", flat=True))
        self.departments = (codes[0][5:], codes[1][5:])
        planted = Case.objects.filter(hotline_call__caller_name=SECRETS["caller_name"][0]).first()
        if planted is None:
            self._plant_cases()
        for key in ("caller_name", "caller_phone", "address_phone", "note"):
            self.secret_cases[SECRETS[key][0]] = Case.objects.get(
                hotline_call__caller_name=SECRETS["caller_name"][0]).number
        o311 = Case.objects.filter(open311_request__email=SECRETS["o311_email"][0]).first()
        for key in ("o311_email", "o311_phone", "o311_name"):
            if o311 is not None:
                self.secret_cases[SECRETS[key][0]] = o311.number
        self.numbers = list(Case.objects.order_by("-id").values_list("number", flat=True)[:20])
        self.photos = list(Photo.objects.order_by("-id").values_list("pk", flat=True)[:10])

    def _plant_cases(self) -> None:
        from server.maps.models import Cell

        from django.contrib.auth import get_user_model

        from bench.simulate import make_photo

        cell = Cell.objects.filter(version__active=True).order_by("code").first()
        lon, lat = cell.geom.point_on_surface.x, cell.geom.point_on_surface.y
        s = {r: self.session(r) for r in ("calltaker", "acceptor", "dutychief", "dispatcher",
                                          "supervisor")}
        supervisor = get_user_model().objects.get(username="supervisor").pk
        u = self.base_url
        r = s["calltaker"].post(u + "/api/hotline/calls/", json={
            "idempotency_key": "attack-plant-hotline-0001", "line": "12345",
            "caller_name": SECRETS["caller_name"][0], "caller_phone": SECRETS["caller_phone"][0],
            "address": f"东城区某路1号 门卫电话{SECRETS['address_phone'][0]}", "lat": lat,
            "lon": lon, "kind": "event", "class_code": "0102",
            "description": "路面堆物 piled garbage"}, timeout=30)
        if r.status_code not in (200, 201):
            raise SystemExit(f"planting the hotline call failed: {r.status_code} {r.text[:300]}")
        number = r.json()["number"]
        note = SECRETS["note"][0]
        # The public channels are verified on site (核实) before filing: the supervisor does it.
        steps = (("acceptor", "accept", {}), ("acceptor", "send_verify",
                                              {"assignee_id": supervisor}),
                 ("supervisor", "verify", {"result": "confirmed"}), ("dutychief", "file", {}),
                 ("dispatcher", "dispatch", {"department_code": self.departments[0]}))
        for who, action, extra in steps:
            url = f"{u}/api/cases/{number}/actions/{action}/"
            if action == "verify":
                r = s[who].post(url, data={"note": note, **extra}, timeout=30,
                                files={"photo": ("site.jpg", make_photo(1), "image/jpeg")})
            else:
                r = s[who].post(url, json={"note": note, **extra}, timeout=30)
            if r.status_code != 200:
                raise SystemExit(f"planting: {action} failed: {r.status_code} {r.text[:300]}")
        r = self.http.post(u + "/open311/v2/requests.json", timeout=30, data={
            "api_key": OPEN311_KEY, "service_code": "E0101", "lat": lat, "long": lon,
            "description": "井盖缺失 missing cover", "email": SECRETS["o311_email"][0],
            "phone": SECRETS["o311_phone"][0], "first_name": SECRETS["o311_name"][0],
            "last_name": "Second"})
        if r.status_code != 200:
            raise SystemExit(f"planting the Open311 request failed: {r.status_code} "
                             f"{r.text[:300]}")

    # -- the oracle ------------------------------------------------------------------------
    def user(self, role: str):
        from django.contrib.auth import get_user_model

        if role in ("anonymous", "revoked"):
            return None
        if role not in self.users:
            self.users[role] = get_user_model().objects.select_related("department").get(
                username=self.username(role))
        return self.users[role]

    def visible_numbers(self, role: str) -> set[str]:
        from server.accounts import access

        if role not in self.visible:
            self.visible[role] = set(access.visible_cases(self.user(role))
                                     .values_list("number", flat=True))
        return self.visible[role]

    def leaks(self, role: str, path: str, sent: bytes, body: bytes) -> list[str]:
        """What ``body`` (the answer to ``role`` asking ``path`` with ``sent``) shows that the
        access rules do not let ``role`` see."""
        from server.accounts import access
        from server.accounts.access import Ability

        found = []
        text = body.replace(b"\\/", b"/")
        for secret, (label, kind) in ((v[0], (k, v[1])) for k, v in SECRETS.items()):
            if secret.encode() not in text or secret.encode() in sent:
                continue
            number = self.secret_cases.get(secret)
            sees = number in self.visible_numbers(role)
            allowed = (sees and access.may(self.user(role), Ability.CALLER_CONTACT)
                       if kind == "contact" else sees)
            if not allowed:
                found.append(f"{label} ({kind}) of case {number}")
        if not path.startswith(PUBLIC) and role not in ("anonymous", "revoked"):
            for raw in set(CASE_NUMBER.findall(body)):
                if raw not in sent and raw.decode() not in self.visible_numbers(role):
                    found.append(f"case {raw.decode()} (not visible to the role)")
        return found

    # -- the fuzz --------------------------------------------------------------------------
    def operations(self):
        import schemathesis

        raw = self.http.get(self.base_url + "/api/schema/?format=json", timeout=60).json()
        schema = schemathesis.openapi.from_dict(raw)
        return [r.ok() for r in schema.get_all_operations()]

    def draw(self, op) -> list:
        """``examples`` cases of ``op``: half valid, half not (the same for every role)."""
        from hypothesis import HealthCheck, Phase, given, seed, settings
        from schemathesis import GenerationMode

        out: list = []
        for mode, n in ((GenerationMode.POSITIVE, (self.examples + 1) // 2),
                        (GenerationMode.NEGATIVE, self.examples // 2)):
            if n == 0:
                continue
            try:
                strategy = op.as_strategy(generation_mode=mode)
            except Exception:  # no invalid value exists for some operations (no parameter)
                continue

            @seed(self.seed)
            @settings(max_examples=n, database=None, phases=[Phase.generate], deadline=None,
                      suppress_health_check=list(HealthCheck))
            @given(strategy)
            def collect(case):
                out.append(case)

            try:
                collect()
            except Exception:  # hypothesis gave up on this mode: the other still runs
                pass
        for i, case in enumerate(out):
            self.realistic(case, i)
        return out[:self.examples]

    def realistic(self, case, i: int) -> None:
        """One time in two, name a real case, photo, format and key, to get past the
        not-found and key checks into the code behind them; one time in four, give every query
        parameter and form field an extreme value (``EXTREMES``) instead."""
        if i % 4 == 1:
            value = EXTREMES[i // 4 % len(EXTREMES)]
            for name in list(case.query or {}):
                case.query[name] = value
            if isinstance(case.body, dict):
                for name in list(case.body):
                    case.body[name] = value
            return
        if i % 2:
            return
        pp = case.path_parameters or {}
        for name in ("number", "service_request_id"):
            if name in pp and self.numbers:
                pp[name] = self.numbers[i // 2 % len(self.numbers)]
        if "id" in pp and self.photos:
            pp["id"] = self.photos[i // 2 % len(self.photos)]
        if "fmt" in pp:
            pp["fmt"] = ("json", "xml")[i // 2 % 2]
        if isinstance(case.body, dict) and "api_key" in case.body:
            case.body["api_key"] = OPEN311_KEY
        if case.path == "/api/video/alerts/":
            case.headers = {**(case.headers or {}), "X-Api-Key": CAMERA_KEY}

    def send(self, role: str, sess, case) -> bool:
        """Send ``case`` as ``role``, check the answer; False when the server died."""
        label = f"{case.method.upper()} {case.path}"
        role_stats = self.by_role.setdefault(role, Counter())
        try:
            kw = case.as_transport_kwargs(base_url=self.base_url)
            kw["headers"] = {k: v for k, v in kw["headers"].items() if k != "Authorization"}
            response = sess.request(**kw, timeout=60, allow_redirects=False)
        except self.http.RequestException as exc:
            # No HTTP answer: the process serving it died or hung (a server with several
            # workers may respawn one, and its main process stays alive).
            self.stats["server_deaths"] += 1
            role_stats["server_deaths"] += 1
            self.record("death", role, case, None, f"{type(exc).__name__}: {exc}")
            return self.back()
        self.stats["requests"] += 1
        role_stats["requests"] += 1
        self.covered.add(label)
        if response.status_code >= 500:
            self.stats["status_5xx"] += 1
            role_stats["status_5xx"] += 1
            self.record("5xx", role, case, response.status_code, response.text[:500])
        method = case.method.upper()
        if method != "GET" and response.status_code < 400:
            self.visible.clear()  # a step may have moved a case: ask the rules again
        sent = (response.request.url or "").encode() + (
            response.request.body if isinstance(response.request.body, bytes)
            else (response.request.body or "").encode())
        found = self.leaks(role, case.path, sent, response.content)
        if found:
            self.stats["leaks"] += 1
            role_stats["leaks"] += 1
            self.record("leak", role, case, response.status_code, "; ".join(found))
        if not self.alive():
            self.stats["server_deaths"] += 1
            role_stats["server_deaths"] += 1
            self.record("death", role, case, response.status_code, "after this answer")
            return False
        return True

    def record(self, what: str, role: str, case, status, detail: str) -> None:
        try:
            curl = case.as_curl_command().replace("http://localhost", self.base_url, 1)
        except Exception:
            curl = f"{case.method.upper()} {case.formatted_path}"
        with self.findings.open("a") as f:
            f.write(json.dumps({"what": what, "role": role, "operation":
                                f"{case.method.upper()} {case.path}", "status": status,
                                "detail": detail, "request": curl[:2000]},
                               ensure_ascii=False) + "\n")

    def run(self, roles: list[str]) -> dict:
        self.plant()
        ops = self.operations()
        began = time.monotonic()
        cases = {f"{op.method.upper()} {op.path}": self.draw(op) for op in ops}
        self.stats["generate_ms"] = int((time.monotonic() - began) * 1000)
        order = sorted(cases, key=lambda k: (k.split()[1] in LAST, k.split()[1] in FINAL, k))
        done: list[str] = []
        for role in roles:
            sess = self.session(role)
            for label in order:
                if label.split()[1] in FINAL:
                    continue
                for case in cases[label]:
                    if not self.send(role, sess, case):
                        return self.result(ops, done, died_in=role)
            done.append(role)
        if "anonymous" in roles:
            sess = self.session("anonymous")
            for label in order:
                if label.split()[1] in FINAL:
                    for case in cases[label]:
                        if not self.send("anonymous", sess, case):
                            return self.result(ops, done, died_in="anonymous")
        return self.result(ops, done)

    def result(self, ops, done: list[str], died_in: str | None = None) -> dict:
        return {"requests": self.stats["requests"], "server_deaths": self.stats["server_deaths"],
                "status_5xx": self.stats["status_5xx"], "leaks": self.stats["leaks"],
                "generate_ms": self.stats["generate_ms"], "covered": sorted(self.covered),
                "operations": sorted(f"{op.method.upper()} {op.path}" for op in ops),
                "roles": {r: dict(c) for r, c in self.by_role.items()},
                "done": done, "died_in": died_in}


def probe(args) -> int:
    """The child: Django on the server's database (the environment it was started with)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
    import django

    django.setup()
    prober = Prober(args.base_url, args.server_pid, args.examples, args.seed,
                    Path(args.findings))
    print(json.dumps(prober.run(args.roles.split(","))))
    return 0


# --- the parent: servers on each backend --------------------------------------------------
def attack_server(server, *, examples: int, seed: int, findings: Path,
                  roles: tuple[str, ...] = ROLES, restart: bool = True) -> dict:
    """Probe the running ``server`` (a ``tests.e2e.server_process.ServerProcess``) as every
    role of ``roles``; after a death, restart it and go on with the next role (``restart``)
    or stop. Returns the prober's figures, summed over its runs."""
    total: dict = {"requests": 0, "server_deaths": 0, "status_5xx": 0, "leaks": 0,
                   "generate_ms": 0, "covered": set(),
                   "operations": set(), "roles": {}}
    todo = list(roles)
    while todo:
        out = subprocess.run(
            [sys.executable, "-m", "bench.attack", "--probe", "--base-url", server.base_url,
             "--server-pid", str(server.proc.pid), "--examples", str(examples), "--seed",
             str(seed), "--roles", ",".join(todo), "--findings", str(findings)],
            cwd=REPO, env=server.env, capture_output=True, text=True)
        if out.returncode != 0:
            raise SystemExit(f"the prober failed:\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}")
        part = json.loads(out.stdout.strip().splitlines()[-1])
        for key in ("requests", "server_deaths", "status_5xx", "leaks", "generate_ms"):
            total[key] += part[key]
        total["covered"] |= set(part["covered"])
        total["operations"] |= set(part["operations"])
        for role, counts in part["roles"].items():
            mine = total["roles"].setdefault(role, Counter())
            mine.update(counts)
        if part["died_in"] is None:
            break
        todo = todo[todo.index(part["died_in"]) + 1:]
        if not restart:
            break
        server.restart()
    return total


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--examples", type=int, default=18, help="requests per operation and role")
    ap.add_argument("--backends", default="", help="spatialite,postgis (default: what runs)")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--probe", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--base-url", help=argparse.SUPPRESS)
    ap.add_argument("--server-pid", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--roles", default=",".join(ROLES), help=argparse.SUPPRESS)
    ap.add_argument("--findings", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.probe:
        return probe(args)

    from server import serving
    from tests.e2e.server_process import backends, started_server

    os.environ["EXTERNAL_RATES"] = RATES
    out_dir = REPO / "var" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    findings = out_dir / "attack-findings.jsonl"
    findings.write_text("")
    chosen = args.backends.split(",") if args.backends else backends()
    started = time.monotonic()
    summary: dict = {"requests": 0, "server_deaths": 0, "status_5xx": 0, "leaks": 0,
                     "backends": {}}
    covered: set[str] = set()
    operations: set[str] = set()
    for backend in chosen:
        with tempfile.TemporaryDirectory(prefix=f"dcm-attack-{backend}-") as tmp, \
                started_server(backend, Path(tmp)) as server:
            part = attack_server(server, examples=args.examples, seed=args.seed,
                                 findings=findings)
        for key in ("requests", "server_deaths", "status_5xx", "leaks"):
            summary[key] += part[key]
        covered |= part["covered"]
        operations |= part["operations"]
        summary["backends"][backend] = {
            "requests": part["requests"], "server_deaths": part["server_deaths"],
            "status_5xx": part["status_5xx"], "leaks": part["leaks"],
            "seconds_generating": round(part["generate_ms"] / 1000, 1),
            "roles": {r: dict(c) for r, c in part["roles"].items()}}
        print(f"attack {backend}: {part['requests']} requests, {part['server_deaths']} deaths, "
              f"{part['status_5xx']} 5xx, {part['leaks']} leaks, "
              f"{len(part['covered'])}/{len(part['operations'])} operations", flush=True)
    summary.update(endpoints_covered=len(covered), endpoints_total=len(operations),
                   not_covered=sorted(operations - covered),
                   server=os.environ.get("DCM_SERVER") or serving.DEFAULT,
                   examples_per_operation=args.examples, seconds=round(time.monotonic()
                                                                       - started, 1),
                   findings=str(findings.relative_to(REPO)),
                   load=os.getloadavg()[0])
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
