"""Who am I, departments, classes, and a token for a username and password."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from gridmaps.classification import load_classes
from server.accounts import access, audit
from server.accounts.models import Department, User
from server.api_errors import ApiError


def _field(request, name: str):
    """A field of the body, or None when the body is not an object (a JSON list, a number):
    the serializer then names the problem instead of the view failing."""
    data = request.data
    return data.get(name) if hasattr(data, "get") else None


class TokenView(ObtainAuthToken):
    """POST username and password; answers ``{"token": ...}`` for the Authorization header."""

    permission_classes = [AllowAny]
    # The project's parsers (JSON with its nesting limit), not ObtainAuthToken's own list.
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES

    def post(self, request, *args, **kwargs):
        username = str(_field(request, "username") or "")
        if audit.login_locked(username, request):
            audit.record("login_failed", request, username=username, detail="locked")
            raise ApiError("throttled", "too many failed logins: try again in 15 minutes",
                           status_code=429)
        ser = self.get_serializer(data=request.data)
        # A wrong password fires Django's user_login_failed signal: audit counts and records it.
        ser.is_valid(raise_exception=True)
        user = ser.validated_data["user"]
        audit.clear_failures(username, request)
        audit.record("login", request, user=user, detail="token")
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key, "id": user.pk, "username": user.username,
                         "role": user.role,
                         "department_code": user.department.code if user.department_id else None})


class RevokeTokenView(APIView):
    """POST: revoke API tokens (a lost or stolen handset, 手持终端丢失). Without ``username`` the
    caller's own token; with it, that user's (duty chiefs and staff only). The device must log
    in again; everything it already sent stays."""

    @extend_schema(summary="Revoke a token (lost handset)", tags=["accounts"],
                   request=inline_serializer("RevokeToken", {
                       "username": serializers.CharField(required=False,
                                                         help_text="default: your own")}),
                   responses={200: dict})
    def post(self, request):
        if not hasattr(request.data, "get"):
            raise ApiError("invalid", "the body must be an object, e.g. {\"username\": \"…\"}")
        username = _field(request, "username") or request.user.username
        if not access.may_revoke_tokens_of(request.user, username):
            raise ApiError("role_not_allowed", "only a duty chief or an administrator may "
                           "revoke another user's token", status_code=403)
        target = User.objects.filter(username=username).first()
        if target is None:
            raise ApiError("not_found", f"no user {username!r}", field="username",
                           status_code=404)
        revoked, _ = Token.objects.filter(user=target).delete()
        audit.record("revoked", request, user=request.user, username=username,
                     detail=f"{revoked} token(s) of {username}")
        return Response({"username": username, "revoked": revoked})


class MeView(APIView):
    @extend_schema(summary="The signed-in user", tags=["accounts"], responses={200: dict})
    def get(self, request):
        u = request.user
        return Response({"id": u.pk, "username": u.username, "role": u.role,
                         "department_code": u.department.code if u.department_id else None,
                         "department_name": u.department.name if u.department_id else None})


class DepartmentListView(APIView):
    @extend_schema(summary="Departments a case can be dispatched to", tags=["accounts"],
                   responses={200: dict})
    def get(self, request):
        return Response([{"code": d.code, "name": d.name, "kind": d.responsibility}
                         for d in Department.objects.filter(active=True)])


class ClassListView(APIView):
    @extend_schema(summary="Component and event classes (部件/事件分类)", tags=["reference"],
                   responses={200: dict})
    def get(self, request):
        return Response([{"code": c.code, "kind": c.kind, "major_code": c.major_code,
                          "major_zh": c.major_zh, "major_en": c.major_en,
                          "minor_zh": c.minor_zh, "minor_en": c.minor_en}
                         for c in load_classes()])
