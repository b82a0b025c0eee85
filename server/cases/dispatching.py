"""Dispatch suggestion (派遣建议): for a component, its owner first, then its
maintainer, then the class's owner, then the territory (先属主、后属地); for an event, the
territory first (the street office of the case's street), then the enforcement department
(先属地、后属主). Only active departments are suggested (one the active map version no longer
lists is not).

The class's owner (``class``) is for a component case whose component is not known: no code was
given and no component of the class lies within placement's radius (a water cover reported 30 m
off, or one the map lacks), or the city has no component census at all. It is the department
the city's departments file names as owning the class (``Department.class_codes``), else the
owner most of that class's components have on the active map version (the one departments
follow), else their maintainer. So a water cover goes to the water company, not the street
office, and a city's data, not code, says who owns what."""

from __future__ import annotations

from dataclasses import dataclass

from server.accounts.models import Department
from server.cases.models import Case


@dataclass(frozen=True)
class Suggestion:
    department: Department | None
    rule: str  # owner / maintainer / class / territory / enforcement / none


def _component_of(case: Case):
    from server.maps.models import Component

    if case.component_code:
        return Component.objects.filter(version_id=case.map_version_id,
                                        code=case.component_code).first()
    from server.maps.index import place

    try:  # the nearest component of the reported class, as placement finds it
        _, placement = place(case.location.x, case.location.y, class_code=case.class_code)
    except Exception:
        return None
    if not placement.components:
        return None
    return Component.objects.filter(version_id=case.map_version_id,
                                    code=placement.components[0].code).first()


def _class_department(case: Case) -> Department | None:
    from server.maps.index import NoActiveMap, active_map

    # A few hundred departments at most: read in Python (JSON "contains" differs by backend).
    named = next((d for d in Department.objects.filter(active=True).order_by("code")
                  if case.class_code in (d.class_codes or ())), None)
    if named is not None:
        return named
    try:
        code = active_map().class_owners.get(case.class_code)
    except NoActiveMap:
        return None
    return Department.objects.filter(code=code, active=True).first() if code else None


def _territory(case: Case) -> Department | None:
    return Department.objects.filter(responsibility="territory", street_code=case.street_code,
                                     active=True).first()


def suggest_department(case: Case) -> Suggestion:
    if case.kind == "component":
        component = _component_of(case)
        if component is not None:
            for rule, code in (("owner", component.owner_code),
                               ("maintainer", component.maintainer_code)):
                dept = Department.objects.filter(code=code, active=True).first() if code else None
                if dept is not None:
                    return Suggestion(dept, rule)
        dept = _class_department(case)
        if dept is not None:
            return Suggestion(dept, "class")
        dept = _territory(case)
        return Suggestion(dept, "territory") if dept else Suggestion(None, "none")
    dept = _territory(case)
    if dept is not None:
        return Suggestion(dept, "territory")
    dept = (Department.objects.filter(responsibility="enforcement", active=True)
            .order_by("code").first())
    return Suggestion(dept, "enforcement") if dept else Suggestion(None, "none")
