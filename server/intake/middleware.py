"""Refuse an API request body over ``settings.MAX_REQUEST_BYTES`` before reading it."""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse


class BodySizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        limit = settings.MAX_REQUEST_BYTES
        if length < 0 or length > limit:
            message = (f"request body of {length} bytes is over the limit of {limit} bytes"
                       if length > 0 else "Content-Length is not a number")
            return JsonResponse({"error": {"code": "too_large" if length > 0 else "invalid",
                                           "message": message}},
                                status=413 if length > 0 else 400)
        return self.get_response(request)
