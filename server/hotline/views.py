"""The call-taker's page (热线登记 / 回访). Thin: the form talks to ``server.hotline.api``."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from gridmaps.classification import load_classes
from server.accounts import access
from server.accounts.access import Ability


@login_required
@ensure_csrf_cookie
def hotline_page(request):
    if not access.may(request.user, Ability.CALLER_CONTACT):
        raise PermissionDenied("热线页面供接线员使用 The hotline page is for "
                               f"{access.who_may(Ability.CALLER_CONTACT)}.")
    classes = [{"kind": c.kind, "code": c.code, "label": f"{c.major_zh}·{c.minor_zh} {c.minor_en}"}
               for c in load_classes()]
    return render(request, "hotline/page.html", {
        "classes": classes,
        "can_register": access.may(request.user, Ability.REGISTER_CALLS),
        # The map appears only when the vendored Leaflet is there; else lat/lon inputs do.
        "leaflet": finders.find("vendor/leaflet/leaflet.js") is not None,
    })
