"""GET /api/health/: the process answers. For load balancers, and the ceiling of bench/intake.py.

Deliberately trivial: no database, no authentication, no DRF; a plain Django view through the
whole middleware stack, so it measures what one request costs the server and nothing else.
"""

from django.http import JsonResponse
from django.views.decorators.http import require_GET


@require_GET
def health(request):
    return JsonResponse({"ok": True})
