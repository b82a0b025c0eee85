"""The handset's HTTP client of the server API (httpx, synchronous; one per thread).

Every failure is turned into one of two exceptions so callers never look at httpx:

* ``Transient``: worth retrying (no connection, timeout, a cut mid-request, HTTP 5xx or 429).
  The request may or may not have reached the server; the idempotency key makes a retry safe.
* ``Refused``: the server answered and said no (any other 4xx). Carries the server's
  ``{"error": {"code", "message", "field"}}`` so the outbox can show the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


class Transient(Exception):
    """A failure to retry later."""


@dataclass
class Refused(Exception):
    """The server refused the request (4xx other than 429)."""

    status: int
    code: str
    message: str
    field: str | None = None

    def __str__(self) -> str:
        return f"HTTP {self.status} {self.code}: {self.message}"


def _refused(r: httpx.Response) -> Refused:
    try:
        body = r.json()
    except ValueError:
        return Refused(r.status_code, "http_error", r.text[:300] or r.reason_phrase)
    err = body.get("error") if isinstance(body, dict) else None
    if isinstance(err, dict):
        return Refused(r.status_code, str(err.get("code", "error")),
                       str(err.get("message", "")), err.get("field"))
    # DRF's own errors ({"detail": ...} or {"field": ["..."]}) when not wrapped
    if isinstance(body, dict) and "detail" in body:
        return Refused(r.status_code, "error", str(body["detail"]))
    if isinstance(body, dict) and body:
        field, msgs = next(iter(body.items()))
        msg = msgs[0] if isinstance(msgs, list) and msgs else msgs
        return Refused(r.status_code, "invalid", f"{field}: {msg}", field)
    return Refused(r.status_code, "error", str(body)[:300])


class ApiClient:
    """Talks to ``base_url`` with an optional token. Methods return parsed JSON.

    ``language`` (class-wide: the app's one language setting) goes out as ``Accept-Language``,
    so what the server words for people (the base map's credit, a refusal's message) comes in
    the user's language; the phone still words the refusals it knows by their code."""

    language = "zh-hans"

    def __init__(self, base_url: str, token: str | None = None,
                 timeout: httpx.Timeout | float = DEFAULT_TIMEOUT):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "ApiClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def request(self, method: str, path: str, **kw) -> tuple[int, Any]:
        """Send; answers (status, json) for 2xx, raises ``Transient`` or ``Refused``."""
        r = self._send(method, path, **kw)
        try:
            return r.status_code, r.json()
        except ValueError:
            raise Transient(f"HTTP {r.status_code}: not JSON") from None

    def _send(self, method: str, path: str, **kw) -> httpx.Response:
        """The response of a 2xx or 3xx answer; raises ``Transient`` or ``Refused`` otherwise."""
        headers = {"Accept-Language": self.language, **kw.pop("headers", {})}
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        try:
            r = self._http.request(method, path, headers=headers, **kw)
        except httpx.HTTPError as exc:  # connect/read/write errors, timeouts, protocol errors
            raise Transient(f"{type(exc).__name__}: {exc}") from exc
        if r.status_code >= 500 or r.status_code == 429:
            raise Transient(f"HTTP {r.status_code}")
        if r.status_code >= 400:
            raise _refused(r)
        return r

    # -- endpoints -------------------------------------------------------------------------

    def login(self, username: str, password: str) -> dict:
        """POST /api/auth/token/; keeps the token for later calls and returns the body."""
        _, body = self.request("POST", "/api/auth/token/",
                               json={"username": username, "password": password})
        self.token = body["token"]
        return body

    def classes(self) -> list[dict]:
        return self.request("GET", "/api/classes/")[1]

    def cells(self) -> list[dict]:
        return self.request("GET", "/api/map/cells/")[1]["cells"]

    def cases(self, state: str | None = None, limit: int = 200) -> list[dict]:
        params: dict[str, Any] = {"limit": limit}
        if state:
            params["state"] = state
        return self.request("GET", "/api/cases/", params=params)[1]["results"]

    def case(self, number: str) -> dict:
        """GET /api/cases/<number>/: the case with its events and photos."""
        return self.request("GET", f"/api/cases/{number}/")[1]

    def photo(self, url: str) -> bytes:
        """A stored photo's JPEG bytes (``url`` as a case's ``photos[].url`` gives it)."""
        return self._send("GET", url).content

    def report(self, fields: dict[str, str], photo: bytes | None,
               voice: bytes | None = None) -> tuple[int, dict]:
        """POST /api/reports/ (multipart). 201 new case, 200 the same case on a retry. ``voice``:
        an optional voice note (AMR, 3GP/M4A, OGG or WAV, at most 1 MiB)."""
        return self._post_with_files("/api/reports/", fields, photo=photo, voice=voice)

    def case_action(self, number: str, action: str, fields: dict[str, str],
                    photo: bytes | None, key: str | None = None) -> tuple[int, dict]:
        """POST /api/cases/<n>/actions/<a>/. With ``key`` (the outbox item's) a retry of an
        action that landed is answered with the first answer instead of a refusal."""
        headers = {"Idempotency-Key": key} if key else {}
        return self._post_with_files(f"/api/cases/{number}/actions/{action}/", fields,
                                     photo=photo, headers=headers)

    def _post_with_files(self, path: str, fields: dict, headers: dict | None = None,
                         **blobs: bytes | None) -> tuple[int, dict]:
        files = {name: (FILE_NAMES[name], data, FILE_TYPES[name])
                 for name, data in blobs.items() if data}
        if not files:  # httpx would send urlencoded, which the API does not parse
            return self.request("POST", path, json=fields, headers=dict(headers or {}))
        return self.request("POST", path, data=fields, files=files, headers=dict(headers or {}))

    # -- field work (attendance, tracks, duty map, component updates) -------------------------

    def attendance(self, direction: str, lat: float, lon: float, accuracy_m: float, device_at: str,
                   key: str, frame: str = "wgs84") -> tuple[int, dict]:
        """POST /api/attendance/: clock in (``direction="in"``, sent as ``kind``) or out;
        ``device_at`` ISO time of the tap. 201 new, 200 the same record on a retry."""
        return self.request("POST", "/api/attendance/", json={
            "kind": direction, "lat": lat, "lon": lon, "accuracy_m": accuracy_m, "frame": frame,
            "device_at": device_at, "idempotency_key": key})

    def track(self, points: list[dict], key: str) -> tuple[int, dict]:
        """POST /api/tracks/: 1-500 breadcrumbs ``{"lat","lon","accuracy_m","at"}``."""
        return self.request("POST", "/api/tracks/", json={"idempotency_key": key,
                                                          "points": points})

    def nearby(self, lat: float, lon: float, frame: str = "wgs84",
               radius_m: float = 50) -> dict:
        """GET /api/map/nearby/: the cell and the components near a point, nearest first."""
        return self.request("GET", "/api/map/nearby/", params={
            "lat": lat, "lon": lon, "frame": frame, "radius_m": radius_m})[1]

    def duty_map(self, etag: str | None = None) -> tuple[int, dict | None, str | None]:
        """GET /api/map/duty/ -> (status, data, etag); (304, None, etag) when ``etag`` is still
        the active map version's."""
        headers = {"If-None-Match": etag} if etag else {}
        r = self._send("GET", "/api/map/duty/", headers=headers)
        if r.status_code == 304:  # the server may weaken the tag (gzip): keep ours
            return 304, None, etag
        try:
            return r.status_code, r.json(), r.headers.get("ETag")
        except ValueError:
            raise Transient(f"HTTP {r.status_code}: not JSON") from None

    def basemap(self) -> dict:
        """GET /api/map/basemap/: where the base map's tiles are (``core.basemap``)."""
        return self.request("GET", "/api/map/basemap/")[1]

    def component_update(self, fields: dict[str, str], photo: bytes | None,
                         key: str) -> tuple[int, dict]:
        """POST /api/component-updates/: a component damaged, missing, removed or added."""
        return self._post_with_files("/api/component-updates/",
                                     dict(fields, idempotency_key=key), photo=photo)


FILE_NAMES = {"photo": "photo.jpg", "voice": "voice.bin"}
#: The server sniffs the bytes; the type sent is only a hint.
FILE_TYPES = {"photo": "image/jpeg", "voice": "application/octet-stream"}
