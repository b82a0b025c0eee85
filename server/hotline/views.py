"""The call-taker's page (热线登记 / 回访). Thin: the form talks to ``server.hotline.api``."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from gridmaps.classification import load_classes
from server.hotline.access import may_see_contact


@login_required
@ensure_csrf_cookie
def hotline_page(request):
    if not may_see_contact(request.user):
        raise PermissionDenied("热线页面供接线员使用 The hotline page is for call-takers, "
                               "acceptors, duty chiefs and leaders.")
    classes = [{"kind": c.kind, "code": c.code, "label": f"{c.major_zh}·{c.minor_zh} {c.minor_en}"}
               for c in load_classes()]
    return render(request, "hotline/page.html", {
        "classes": classes,
        "can_register": request.user.role in ("call_taker", "acceptor"),
        # The map appears only when the vendored Leaflet is there; else lat/lon inputs do.
        "leaflet": finders.find("vendor/leaflet/leaflet.js") is not None,
        "tile_url": settings.MAP_TILE_URL,
        "attribution": settings.MAP_ATTRIBUTION,
    })
