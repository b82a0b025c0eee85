"""Rate limits and the request log of the public and machine endpoints (Open311, camera
alerts, portal).

Limits are DRF throttles on the default cache (LocMemCache per process unless CACHES says
otherwise; with several workers each keeps its own count, which only makes the limit looser).
Rates: ``settings.EXTERNAL_RATES`` {scope: "N/period"} overrides ``DEFAULT_RATES``. "Per IP" is
``server.accounts.network.client_address``: ``X-Forwarded-For`` counts only from a trusted
proxy, so a client cannot reset its limit by writing a new address there each time. Open311
reads are counted per address, its writes per api_key (an integrator's reports do not use up
the read limit of the address it posts from).

Log: one line per request on the ``dcm.external`` logger (method, path with secrets such as
``api_key`` redacted, status, client, ip, milliseconds). A log line rather than a table
because reads are the bulk of the traffic and a row per public GET would make every read a
database write (SQLite has one writer); writes already leave a row each (``ServiceRequest``,
``RequestUpdate``, ``CameraAlert``) that names the client, which is the audit trail of who
created what.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from server.accounts.network import client_address, logged_path
from server.open311.keys import hash_key

logger = logging.getLogger("dcm.external")

DEFAULT_RATES = {
    "public_read": "120/min",   # Open311 GETs, per IP
    "open311_write": "30/min",  # Open311 POSTs, per api_key (per IP without one)
    "camera": "600/min",        # camera alerts, per platform key
    "portal": "60/min",         # portal pages and lookups, per IP
}


class _Throttle(SimpleRateThrottle):
    key_field = ""  # request field holding the client's key; "" = by IP

    def get_ident(self, request):
        return client_address(request) or "-"

    def get_rate(self):
        return {**DEFAULT_RATES, **getattr(settings, "EXTERNAL_RATES", {})}[self.scope]

    def get_cache_key(self, request, view):
        key = ""
        if self.key_field:
            key = (request.headers.get("X-Api-Key") or request.query_params.get(self.key_field)
                   or (request.data.get(self.key_field) if hasattr(request.data, "get") else "")
                   or "")
        ident = f"key:{hash_key(key)[:16]}" if key else f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class PublicReadThrottle(_Throttle):
    scope = "public_read"

    def allow_request(self, request, view):
        # Only reads count here; writes are counted per api_key (Open311WriteThrottle).
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            return True
        return super().allow_request(request, view)


class Open311WriteThrottle(_Throttle):
    scope = "open311_write"
    key_field = "api_key"

    def allow_request(self, request, view):
        # Only writes count here; reads of the same view have their own limit.
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return super().allow_request(request, view)


class CameraThrottle(_Throttle):
    scope = "camera"
    key_field = "api_key"


class PortalThrottle(_Throttle):
    scope = "portal"


class LoggedRequestMixin:
    """For APIViews: logs each request's answer on ``dcm.external``. A view names the client
    it recognised in ``self.client_name``."""

    client_name = ""

    def initial(self, request, *args, **kwargs):
        self._started = time.monotonic()
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        started = getattr(self, "_started", None)
        ms = (time.monotonic() - started) * 1000 if started is not None else 0.0
        # Never log a key: a client may send its api_key in the query string.
        logger.info("external %s %s %s client=%s ip=%s ms=%.1f", request.method,
                    logged_path(request, 2000), response.status_code, self.client_name or "-",
                    client_address(request) or "-", ms)
        return response
