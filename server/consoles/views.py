"""Console pages. They are thin: data comes from the REST API and ``/ws/events/``; nothing here
writes case state.

Access (``server.accounts.access``): the centre pages (supervision, command, dashboard) for the
centre roles and leaders; the terminal for department users. ``home`` sends each role to its
own page.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from django.views.decorators.csrf import ensure_csrf_cookie

from server.accounts import access
from server.accounts.access import Ability
from workflows import Role

#: Where each role starts.
HOME = {Role.ACCEPTOR: "console-supervision", Role.DUTY_CHIEF: "console-supervision",
        Role.CALL_TAKER: "hotline", Role.DISPATCHER: "console-command",
        Role.LEADER: "console-dashboard", Role.DEPARTMENT: "console-department"}


def home(request):
    role = access.role_of(request.user)
    if role in HOME:
        return redirect(HOME[role])
    if role == Role.MAPKEEPER and request.user.is_staff:  # the map keeper works in the admin
        return redirect("admin:index")
    return render(request, "consoles/home.html")


def _titles(title_en: str) -> dict:
    # One language at a time: the title in the page's language only.
    return {"title": _(title_en)}


def _centre_page(request, page: str, title_en: str, template: str):
    if not access.may(request.user, Ability.CENTRE_CONSOLES):
        raise PermissionDenied(_("The centre consoles are for acceptors, duty chiefs, "
                                 "dispatchers, call-takers and leaders."))
    return render(request, template, {**_titles(title_en), "page": page})


@login_required
@ensure_csrf_cookie
def supervision_center(request):
    return _centre_page(request, "supervision", N_("Supervision center"), "consoles/queue.html")


@login_required
@ensure_csrf_cookie
def command_center(request):
    return _centre_page(request, "command", N_("Command center"), "consoles/queue.html")


@login_required
@ensure_csrf_cookie
def dashboard(request):
    return _centre_page(request, "dashboard", N_("Leader dashboard"), "consoles/dashboard.html")


@login_required
@ensure_csrf_cookie
def department_terminal(request):
    if not access.may(request.user, Ability.DEPARTMENT_TERMINAL):
        raise PermissionDenied(_("The department terminal is for department users."))
    return render(request, "consoles/department.html",
                  {**_titles(N_("Department terminal")), "page": "department",
                   "department": request.user.department})


@login_required
@ensure_csrf_cookie
def case_page(request, number: str):
    """One case's whole story (every step with its actor, note and photos), for anyone who may
    see the case; a case they may not see is "not found", like one that does not exist."""
    if not access.visible_cases(request.user).filter(number=number).exists():
        raise Http404(_("No case with this number, or not one your account may see."))
    role = access.role_of(request.user)
    back = reverse(HOME[role]) if role in HOME else "/"
    return render(request, "consoles/case.html", {"number": number, "back": back})
