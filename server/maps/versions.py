"""Activating a map version and rolling back (网格版本的启用与回退).

Activation is one transaction: lock the version rows involved, clear the active flag, set it
on the new version; the partial unique index ``one_active_map_version`` guarantees that no
reader ever sees two active versions. Every worker's placement index compares the active id on
each call (``server.maps.index``), so all of them follow within one request.

The live departments follow in the same transaction: the target's are created, renamed or
reactivated, the ones the replaced version listed and the target does not are deactivated
(``server.maps.departments``). A rollback therefore restores the older version's departments.

Cases keep ``Case.map_version``: activation never touches them (it is a PROTECT foreign key, so
a version with cases cannot be deleted either).

Rollback activates the version the current one replaced (``MapVersion.replaced``, set on each
activation); rolling back again walks further back, because a rollback keeps the target's own
``replaced``.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from server.maps.departments import apply as apply_departments
from server.maps.models import MapVersion

__all__ = ["MapVersionError", "activate", "rollback"]


class MapVersionError(ValueError):
    """The activation or rollback asked for cannot be done; the message says why."""


def activate(version_id: int, *, rollback_of: MapVersion | None = None) -> MapVersion:
    """Make ``version_id`` the active version; returns it. Activating the active one is a no-op.
    Raises MapVersionError for an unknown id."""
    with transaction.atomic():
        # Lock the current and the new row, so two activations run one after the other.
        rows = list(MapVersion.objects.select_for_update()
                    .filter(Q(pk=version_id) | Q(active=True)).order_by("pk"))
        target = next((r for r in rows if r.pk == version_id), None)
        if target is None:
            raise MapVersionError(f"there is no map version {version_id}")
        current = next((r for r in rows if r.active), None)
        if current is not None and current.pk == target.pk:
            return target
        if current is not None:
            MapVersion.objects.filter(pk=current.pk).update(active=False)
        apply_departments(target, current)
        fields = {"active": True, "activated_at": timezone.now()}
        if rollback_of is None:
            fields["replaced"] = current
        MapVersion.objects.filter(pk=target.pk).update(**fields)
    target.refresh_from_db()
    return target


def rollback() -> MapVersion:
    """Activate the version the active one replaced; returns it. Raises MapVersionError when no
    version is active or the active one replaced none."""
    with transaction.atomic():
        current = MapVersion.objects.select_for_update().filter(active=True).first()
        if current is None:
            raise MapVersionError("no map version is active: nothing to roll back")
        if current.replaced_id is None:
            raise MapVersionError(f"map version {current.pk} ({current.label}) replaced no other version")
        return activate(current.replaced_id, rollback_of=current)
