"""One shape for every API error: ``{"error": {"code", "message", "field"?, "state"?}}``.

DRF's own exceptions (parse errors, authentication, throttling, validation) are turned into the
same shape, so a client reads one format whatever went wrong. A workflow refusal (``Refused``)
is worded in the request's language (``server.reasons``), its code unchanged.
"""

from __future__ import annotations

from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from server.idempotency import IdempotencyConflict
from server.reasons import field_of, worded
from workflows import Refused


class ApiError(exceptions.APIException):
    """An error a view raises on purpose: a stable code, a message, and the field it is about."""

    def __init__(self, code: str, message: str, *, field: str | None = None,
                 status_code: int = status.HTTP_400_BAD_REQUEST, extra: dict | None = None):
        super().__init__(message)
        self.status_code = status_code
        self.error = {"code": code, "message": message}
        if field:
            self.error["field"] = field
        if extra:
            self.error.update(extra)


def _first_validation_error(detail, prefix: str = "") -> tuple[str, str]:
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = key if key != "non_field_errors" else ""
            where = f"{prefix}.{name}" if prefix and name else name or prefix
            return _first_validation_error(value, where)
    if isinstance(detail, list) and detail:
        return _first_validation_error(detail[0], prefix)
    return prefix, str(detail)


def exception_handler(exc, context):
    if isinstance(exc, Refused):
        body = {"code": exc.code, "message": worded(exc.message)}
        if field_of(exc.message):  # the parameter it is about, as an ApiError names it
            body["field"] = field_of(exc.message)
        if exc.state is not None:
            body["state"] = exc.state.value
        return Response({"error": body}, status=exc.status)
    if isinstance(exc, ApiError):
        return Response({"error": exc.error}, status=exc.status_code)
    if isinstance(exc, IdempotencyConflict):
        return Response({"error": {"code": "idempotency_conflict", "message": worded(exc.reason),
                                   "field": "idempotency_key"}}, status=status.HTTP_409_CONFLICT)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        field, message = _first_validation_error(exc.detail)
        # A view whose fields a person fills in a form names them by their label.
        label = getattr(context.get("view"), "field_label", None)
        shown = label(field) if label is not None and field else field
        error = {"code": "invalid", "message": f"{shown}: {message}" if field else message}
        if field:
            error["field"] = field
        error["fields"] = exc.detail
    else:
        code = getattr(exc, "default_code", "error")
        error = {"code": code, "message": str(getattr(exc, "detail", exc))}
    response.data = {"error": error}
    return response
