"""The Content-Security-Policy header on every answer (django-csp, ``CONTENT_SECURITY_POLICY``
in settings), plus the one source a fixed policy cannot name: the websocket of the host the
page came from (``ws://host`` or ``wss://host``; CSP Level 3 lets ``'self'`` match it, older
browsers do not).

The policy: everything from the server itself (``default-src 'self'``), no inline script or
style, no plugins, no framing, forms post only to the server; images also as ``data:`` (the
CSS icons of the API page and the map) and from the configured tile or WMS server."""

from __future__ import annotations

from csp.middleware import CSPMiddleware as _Base
from django.core.exceptions import DisallowedHost


class CSPMiddleware(_Base):
    """django-csp's middleware, its policy extended with this host's websocket
    (``get_policy_parts`` is django-csp's documented way to vary a policy per request)."""

    def get_policy_parts(self, request, response, report_only: bool = False):
        parts = super().get_policy_parts(request, response, report_only)
        try:
            host = request.get_host()
        except DisallowedHost:  # answered 400 by Django; no websocket to allow
            return parts
        scheme = "wss" if request.is_secure() else "ws"
        parts.update = {**(parts.update or {}), "connect-src": [f"{scheme}://{host}"]}
        return parts
