"""Who am I, departments, classes, and a token for a username and password."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from gridmaps.classification import load_classes
from server.accounts.models import Department


class TokenView(ObtainAuthToken):
    """POST username and password; answers ``{"token": ...}`` for the Authorization header."""

    permission_classes = [AllowAny]

    def post(self, request, *args, **kwargs):
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        user = ser.validated_data["user"]
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key, "username": user.username, "role": user.role,
                         "department_code": user.department.code if user.department_id else None})


class MeView(APIView):
    @extend_schema(summary="The signed-in user", tags=["accounts"], responses={200: dict})
    def get(self, request):
        u = request.user
        return Response({"username": u.username, "role": u.role,
                         "department_code": u.department.code if u.department_id else None,
                         "department_name": u.department.name if u.department_id else None})


class DepartmentListView(APIView):
    @extend_schema(summary="Departments a case can be dispatched to", tags=["accounts"],
                   responses={200: dict})
    def get(self, request):
        return Response([{"code": d.code, "name": d.name, "kind": d.kind}
                         for d in Department.objects.all()])


class ClassListView(APIView):
    @extend_schema(summary="Component and event classes (部件/事件分类)", tags=["reference"],
                   responses={200: dict})
    def get(self, request):
        return Response([{"code": c.code, "kind": c.kind, "major_code": c.major_code,
                          "major_zh": c.major_zh, "major_en": c.major_en,
                          "minor_zh": c.minor_zh, "minor_en": c.minor_en}
                         for c in load_classes()])
