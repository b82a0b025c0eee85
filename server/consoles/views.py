"""Console pages. Access: the centre console for centre roles, the terminal for departments."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.csrf import ensure_csrf_cookie

from server.cases.selectors import CENTER_ROLES
from workflows import Role


def home(request):
    if request.user.is_authenticated and request.user.role:
        if request.user.role == Role.DEPARTMENT.value:
            return redirect("console-department")
        if Role(request.user.role) in CENTER_ROLES:
            return redirect("console-command")
    return render(request, "consoles/home.html")


@login_required
@ensure_csrf_cookie
def command_center(request):
    if not request.user.role or Role(request.user.role) not in CENTER_ROLES:
        raise PermissionDenied("the centre console is for acceptors, duty chiefs, dispatchers, "
                               "call-takers and leaders")
    return render(request, "consoles/console.html",
                  {"title": "指挥中心 Command center", "page": "command"})


@login_required
@ensure_csrf_cookie
def department_terminal(request):
    if request.user.role != Role.DEPARTMENT.value:
        raise PermissionDenied("the department terminal is for department users")
    return render(request, "consoles/console.html",
                  {"title": f"专业部门 {request.user.department.name}", "page": "department"})
