"""GET /api/health/: the process answers. For load balancers, and the ceiling of bench/intake.py.

Deliberately trivial: no database, no authentication, no DRF; a plain Django view through the
whole middleware stack, so it measures what one request costs the server and nothing else.
"""

from django.http import JsonResponse
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from server.dbrouting import replica_lag


@require_GET
def health(request):
    return JsonResponse({"ok": True})


class IsSuperuser(BasePermission):
    """Administrators only: staff status alone is also a map keeper's (server.accounts.staff)."""

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_active and request.user.is_superuser)


class StandbyHealthView(APIView):
    """GET /api/health/standby/: the hot standby's lag, for operators (superusers only).

    Apart from ``/api/health/`` so that a load balancer's probe never touches a database.
    ``{"configured": false}`` without a standby; otherwise ``server.dbrouting.replica_lag``'s
    fields, and HTTP 503 when ``error`` says the standby or the primary cannot be measured.
    """

    permission_classes = [IsSuperuser]

    @extend_schema(summary="The hot standby's replay lag (superusers only)", tags=["health"],
                   responses={200: dict, 503: dict})
    def get(self, request):
        lag = replica_lag()
        return Response(lag, status=503 if "error" in lag else 200)
