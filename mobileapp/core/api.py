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
    """Talks to ``base_url`` with an optional token. Methods return parsed JSON."""

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
        headers = kw.pop("headers", {})
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
        try:
            return r.status_code, r.json()
        except ValueError:
            raise Transient(f"HTTP {r.status_code}: not JSON") from None

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

    def report(self, fields: dict[str, str], photo: bytes | None) -> tuple[int, dict]:
        """POST /api/reports/ (multipart). 201 new case, 200 the same case on a retry."""
        if not photo:  # httpx would send urlencoded, which the API does not parse
            return self.request("POST", "/api/reports/", json=fields)
        return self.request("POST", "/api/reports/", data=fields,
                            files={"photo": ("photo.jpg", photo, "image/jpeg")})

    def case_action(self, number: str, action: str, fields: dict[str, str],
                    photo: bytes | None) -> tuple[int, dict]:
        path = f"/api/cases/{number}/actions/{action}/"
        if not photo:
            return self.request("POST", path, json=fields)
        return self.request("POST", path, data=fields,
                            files={"photo": ("photo.jpg", photo, "image/jpeg")})
