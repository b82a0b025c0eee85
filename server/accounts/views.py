"""Who am I, departments, classes, and a token for a username and password."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.contrib.auth.views import LoginView
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from gridmaps.classification import load_classes
from server.accounts import access, audit, lockout, tokens
from server.accounts.forms import BLOCKED, GuardedAuthenticationForm
from server.accounts.models import ApiToken, Department, User
from server.api_errors import ApiError


def _field(request, name: str):
    """A field of the body, or None when the body is not an object (a JSON list, a number):
    the serializer then names the problem instead of the view failing."""
    data = request.data
    return data.get(name) if hasattr(data, "get") else None


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=lockout.MAX_USERNAME, trim_whitespace=False)
    password = serializers.CharField(max_length=4096, trim_whitespace=False,
                                     style={"input_type": "password"})


class TokenView(APIView):
    """POST username and password; answers a new token for the Authorization header
    (``Token <key>``), with when it expires if unused. Failed logins back off
    (``server.accounts.lockout``): 429 with ``Retry-After`` while blocked."""

    authentication_classes = ()
    permission_classes = [AllowAny]
    # The project's parsers (JSON with its nesting limit), not ObtainAuthToken's own list.
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES

    @extend_schema(summary="Sign in: a token for the Authorization header", tags=["accounts"],
                   request=LoginSerializer, responses={200: dict})
    def post(self, request, *args, **kwargs):
        username = _field(request, "username")
        if isinstance(username, str) and len(username) > lockout.MAX_USERNAME:
            raise ApiError("invalid", _("username is longer than %(n)s characters: no account "
                                        "has such a name") % {"n": lockout.MAX_USERNAME},
                           field="username")
        wait = lockout.wait_seconds(username, request) if isinstance(username, str) else 0
        if wait:
            audit.record("login_failed", request, username=username, detail="blocked")
            return Response({"error": {"code": "throttled", "message": lockout.refusal(wait),
                                       "retry_after": wait}},
                            status=429, headers={"Retry-After": str(wait)})
        ser = LoginSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        # A wrong password fires Django's user_login_failed signal: audit counts and records it.
        user = authenticate(request, username=ser.validated_data["username"],
                            password=ser.validated_data["password"])
        if user is None:
            raise ApiError("invalid", _("unable to sign in with this username and password"))
        lockout.record_success(user.get_username(), request)
        audit.record("login", request, user=user, detail="token")
        key, token = tokens.issue(user)
        return Response({"token": key, "expires": tokens.expires_at(token),
                         "id": user.pk, "username": user.username, "role": user.role,
                         "department_code": user.department.code if user.department_id else None})


class GuardedLoginView(LoginView):
    """``/accounts/login/``: Django's sign-in page under the login backoff; a blocked attempt
    is answered 429 with ``Retry-After`` and the reason on the page."""

    form_class = GuardedAuthenticationForm

    def form_invalid(self, form):
        if not form.has_error("__all__", BLOCKED):
            return super().form_invalid(form)
        response = self.render_to_response(
            self.get_context_data(form=form, retry_after=form.retry_after))
        response.status_code = 429
        response["Retry-After"] = str(form.retry_after)
        return response


class RevokeTokenView(APIView):
    """POST: revoke API tokens (a lost or stolen handset, 手持终端丢失). Without ``username`` the
    caller's own tokens; with it, that user's (duty chiefs and staff only): every device of
    that user. The device must log
    in again; everything it already sent stays."""

    @extend_schema(summary="Revoke a token (lost handset)", tags=["accounts"],
                   request=inline_serializer("RevokeToken", {
                       "username": serializers.CharField(required=False,
                                                         help_text="default: your own")}),
                   responses={200: dict})
    def post(self, request):
        if not hasattr(request.data, "get"):
            raise ApiError("invalid", _("the body must be an object, e.g. %(example)s")
                           % {"example": '{"username": "…"}'})
        username = _field(request, "username") or request.user.username
        if not access.may_revoke_tokens_of(request.user, username):
            raise ApiError("role_not_allowed", _("only a duty chief or an administrator may "
                                                 "revoke another user's token"), status_code=403)
        target = User.objects.filter(username=username).first()
        if target is None:
            raise ApiError("not_found", _("no user %(name)s") % {"name": repr(username)},
                           field="username", status_code=404)
        revoked, _kinds = ApiToken.objects.filter(user=target).delete()
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
        return Response([{"code": d.code, "name": d.name, "name_en": d.name_en,
                          "kind": d.responsibility}
                         for d in Department.objects.filter(active=True)])


class ClassListView(APIView):
    @extend_schema(summary="Component and event classes (部件/事件分类)", tags=["reference"],
                   responses={200: dict})
    def get(self, request):
        return Response([{"code": c.code, "kind": c.kind, "major_code": c.major_code,
                          "major_zh": c.major_zh, "major_en": c.major_en,
                          "minor_zh": c.minor_zh, "minor_en": c.minor_en}
                         for c in load_classes()])
