"""Refuse an API request body over ``settings.MAX_REQUEST_BYTES`` before reading it.

Under an ASGI server ``server.body_limit.BodyLimit`` has refused such a body already, while it
was read (Django reads a body whole before any middleware runs); this check remains for
whatever reaches Django without it (the test client), with the same answer.
"""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse

from server.body_limit import bad_length, too_large


class BodySizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        value = request.META.get("CONTENT_LENGTH") or "0"
        if not value.strip().isdigit():
            return JsonResponse(bad_length(value), status=400,
                                json_dumps_params={"ensure_ascii": False})
        limit = settings.MAX_REQUEST_BYTES
        if int(value) > limit:
            return JsonResponse(too_large(limit, int(value)), status=413,
                                json_dumps_params={"ensure_ascii": False})
        return self.get_response(request)
