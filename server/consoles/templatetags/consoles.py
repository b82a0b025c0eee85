"""``{% role_menu %}``: the pages a signed-in user's role works in, for the header of every page
(base.html), each page once, the current one marked. The table is data: a new page for a role
is one more line here, not a template branch."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from server.accounts import access
from server.language import in_language
from workflows import Role

register = template.Library()

#: (url name, label) of each page.
PAGES = {
    "supervision": ("console-supervision", _("Supervision center")),
    "command": ("console-command", _("Command center")),
    "department": ("console-department", _("Department terminal")),
    "dashboard": ("console-dashboard", _("Leader dashboard")),
    "hotline": ("hotline", _("Hotline")),
    "evaluation": ("evaluation", _("Evaluation")),
    "admin": ("admin:index", _("Admin")),
}

#: Role -> the pages it uses, its start page first.
MENU = {
    Role.ACCEPTOR: ("supervision", "command", "hotline", "dashboard", "evaluation"),
    Role.DUTY_CHIEF: ("supervision", "command", "dashboard", "evaluation"),
    Role.CALL_TAKER: ("hotline", "supervision"),
    Role.DISPATCHER: ("command", "supervision", "dashboard", "evaluation"),
    Role.LEADER: ("dashboard", "evaluation", "supervision", "command"),
    Role.DEPARTMENT: ("department", "evaluation"),
}
#: The admin is listed for staff accounts only (the admin lets no one else in), whatever
#: their role.


def menu_for(user) -> list[str]:
    """The page keys ``user`` may use, in menu order, the admin last for staff."""
    pages = list(MENU.get(access.role_of(user), ()))
    if getattr(user, "is_staff", False) and "admin" not in pages:
        pages.append("admin")
    return pages


@register.inclusion_tag("consoles/_menu.html", takes_context=True)
def role_menu(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    here = request.path if request is not None else ""
    items = []
    for key in menu_for(user):
        url_name, label = PAGES[key]
        url = reverse(url_name)
        items.append({"url": url, "label": label, "key": key, "current": here.startswith(url)})
    return {"items": items}


@register.simple_tag
def role_label(user) -> str:
    """The user's role in the page's language (the stored choice label carries both)."""
    role = access.role_of(user)
    if role is None:
        return ""
    return in_language(role.zh, role.en)
