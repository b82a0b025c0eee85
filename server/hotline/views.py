"""The call-taker's page (热线登记 / 回访). Thin: the form talks to ``server.hotline.api``."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie

from gridmaps.classification import load_classes
from server.accounts import access
from server.accounts.access import Ability
from server.language import in_language
from workflows.states import State


@login_required
@ensure_csrf_cookie
def hotline_page(request):
    if not access.may(request.user, Ability.CALLER_CONTACT):
        raise PermissionDenied(_("The hotline page is for %(who)s.")
                               % {"who": access.who_may(Ability.CALLER_CONTACT)})
    classes = [{"kind": c.kind, "code": c.code,
                "label": in_language(f"{c.major_zh}·{c.minor_zh}", f"{c.major_en}: {c.minor_en}")}
               for c in load_classes()]
    return render(request, "hotline/page.html", {
        "classes": classes,
        # State names for the duplicates the page lists (the API sends codes).
        "states": {s.value: in_language(s.zh, s.en) for s in State},
        "can_register": access.may(request.user, Ability.REGISTER_CALLS),
        # The map appears only when the vendored Leaflet is there; else lat/lon inputs do.
        "leaflet": finders.find("vendor/leaflet/leaflet.js") is not None,
    })
