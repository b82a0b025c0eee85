"""Roles that work in Django's admin, and the group of model permissions each one gets there.

The admin lets in staff accounts only, and shows a staff account the models its permissions name.
A map keeper (地图维护员) imports, checks, activates and rolls back map versions, assigns
supervisors to duty grids, reads the map layers, and approves and publishes component updates
from the field. Nothing else: not users, tokens, cases or rules (an administrator's, a superuser's).

``grant_admin(user)`` makes a user of such a role staff and puts them in their role's group (the
demo data does it for ``mapkeeper``; an administrator does the same for a new map keeper in the
admin: tick "staff status" and add the group). Permissions are named by app label and codename,
so this module imports no other app.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from workflows import Role

#: role -> (group name, {app label: {model: actions}}). Map versions never change once stored
#: (an edit is the next version), so their layers are read-only here.
ADMIN_GROUPS: dict[Role, tuple[str, dict[str, dict[str, tuple[str, ...]]]]] = {
    Role.MAPKEEPER: ("地图维护员 map keepers", {
        "maps": {"mapversion": ("view", "add", "change"), "dutygrid": ("view", "change"),
                 "street": ("view",), "community": ("view",), "cell": ("view",),
                 "component": ("view",), "place": ("view",), "mapdepartment": ("view",)},
        "field": {"componentupdate": ("view", "change")},
    }),
}


class MissingPermissions(RuntimeError):
    """A permission a role group needs does not exist (migrations have not run)."""


@transaction.atomic
def ensure_group(role: Role) -> Group:
    """The admin group of ``role`` with exactly the permissions ``ADMIN_GROUPS`` names (created
    or brought up to date); MissingPermissions if some do not exist."""
    name, table = ADMIN_GROUPS[role]
    wanted = {(app, f"{action}_{model}") for app, models in table.items()
              for model, actions in models.items() for action in actions}
    found = [p for p in Permission.objects.filter(
        content_type__app_label__in=list(table),
        codename__in=[codename for _, codename in wanted]).select_related("content_type")
        if (p.content_type.app_label, p.codename) in wanted]
    missing = wanted - {(p.content_type.app_label, p.codename) for p in found}
    if missing:
        names = ", ".join(sorted(f"{app}.{codename}" for app, codename in missing))
        raise MissingPermissions(f"no permission {names}: run manage.py migrate first")
    group, _ = Group.objects.get_or_create(name=name)
    group.permissions.set(found)
    return group


def grant_admin(user) -> bool:
    """Make ``user`` staff and a member of their role's admin group; False (nothing changed)
    for a role that does not work in the admin."""
    try:
        role = Role(user.role)
    except ValueError:
        return False
    if role not in ADMIN_GROUPS:
        return False
    group = ensure_group(role)
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    user.groups.add(group)
    return True
