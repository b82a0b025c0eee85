"""Read-only endpoints the console pages use besides the case API: workflow labels and forms,
the map layers as GeoJSON (offline: no tile server needed), dashboard figures, and the
supervisors a task can be sent to. Nothing here writes."""

from __future__ import annotations

import json
from functools import lru_cache

from django.db.models import Count, Q
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from server.accounts import access
from server.accounts.access import Ability
from server import params
from server.api_errors import ApiError
from server.cases.selectors import case_summary
from server.consoles.workflow_meta import workflow_description
from server.field.candidates import candidates
from server.maps.index import NoActiveMap, active_map
from server.maps.models import Cell, Community, Component, MapVersion, Street
from workflows import Role

#: Most components one bbox request returns (a city has hundreds of thousands).
MAX_COMPONENTS = 3000


def _require(user, ability: Ability) -> None:
    if not access.may(user, ability):
        raise PermissionDenied(_("For %(who)s.") % {"who": access.who_may(ability)})


class WorkflowView(APIView):
    permission_classes = [AllowAny]  # labels only: the login page may show them too

    @extend_schema(summary="States, actions (with their form fields) and roles, in zh and en",
                   tags=["consoles"], responses={200: dict})
    def get(self, request):
        return Response(workflow_description())


def _active_version() -> MapVersion:
    version = MapVersion.objects.filter(active=True).first()
    if version is None:
        raise ApiError("no_map", "no map version is active", status_code=503)
    return version


@lru_cache(maxsize=4)
def _cells_geojson(version_id: int) -> bytes:
    # A map version never changes once imported (a new one gets a new id): cache its layer.
    features = [
        '{"type":"Feature","properties":'
        + json.dumps({"code": c.code, "community": c.community_code, "street": c.street_code})
        + f',"geometry":{c.geom.json}}}'
        for c in Cell.objects.filter(version_id=version_id).only(
            "code", "community_code", "street_code", "geom").order_by("code")]
    return ('{"type":"FeatureCollection","features":[' + ",".join(features) + "]}").encode()


class CellsGeoJSONView(APIView):
    @extend_schema(summary="Cells of the active map as GeoJSON (WGS84)", tags=["consoles"],
                   responses={200: dict})
    def get(self, request):
        _require(request.user, Ability.MAP_LAYERS)
        body = _cells_geojson(_active_version().pk)
        return HttpResponse(body, content_type="application/geo+json")


class ComponentsGeoJSONView(APIView):
    @extend_schema(summary="Components inside ?bbox=west,south,east,north as GeoJSON",
                   tags=["consoles"], responses={200: dict}, parameters=[OpenApiParameter(
                       "bbox", str, required=True,
                       description="west,south,east,north in WGS84 degrees")])
    def get(self, request):
        from django.contrib.gis.geos import Polygon

        _require(request.user, Ability.MAP_LAYERS)
        # Checked before GEOS sees it: a huge coordinate aborts GEOS 3.11's WKT writer.
        w, s, e, n = params.bbox(request.query_params)
        qs = (Component.objects.filter(version=_active_version(),
                                       geom__intersects=Polygon.from_bbox((w, s, e, n)))
              .only("code", "class_code", "name", "state", "geom")[:MAX_COMPONENTS + 1])
        rows = list(qs)
        features = [{"type": "Feature", "geometry": json.loads(c.geom.json),
                     "properties": {"code": c.code, "class_code": c.class_code,
                                    "name": c.name, "state": c.state}}
                    for c in rows[:MAX_COMPONENTS]]
        return Response({"type": "FeatureCollection", "features": features,
                         "truncated": len(rows) > MAX_COMPONENTS})


class SupervisorsView(APIView):
    """The supervisors a verify or check task can go to: name, post (role and duty grids),
    whether they are on duty and, for ``?case=<number>``, the distance to the case (from the
    last patrol-track point of the shift, else the duty grid), nearest first. ``?q=`` finds by
    name, username or grid."""

    @extend_schema(summary="Field supervisors a verify or check task can go to, nearest first",
                   tags=["consoles"], responses={200: dict}, parameters=[
                       OpenApiParameter("case", str, description="case number: order by distance"),
                       OpenApiParameter("q", str, description="part of a name, username or grid")])
    def get(self, request):
        _require(request.user, Ability.CENTRE_CONSOLES)
        number = request.query_params.get("case") or ""
        case = None
        if number:
            case = access.visible_cases(request.user).filter(number=number).first()
            if case is None:
                raise ApiError("not_found", _("no case %(number)s") % {"number": number},
                               status_code=404)
        query = (request.query_params.get("q") or "")[:50]
        role = Role.SUPERVISOR.zh if get_language().startswith("zh") else Role.SUPERVISOR.en
        return Response([{"id": c.user.pk, "username": c.user.username, "name": c.name,
                          "post": " · ".join((role,) + c.grids),
                          "distance_m": round(c.distance_m) if c.distance_m is not None else None,
                          "basis": c.basis, "on_duty": c.on_duty,
                          "seen_at": c.seen_at.isoformat() if c.seen_at else None}
                         for c in candidates(case, query)])


class PlacesView(APIView):
    """The active map's streets and communities by name, for the case search's pickers."""

    @extend_schema(summary="Streets and communities of the active map (code, name)",
                   tags=["consoles"], responses={200: dict})
    def get(self, request):
        if access.role_of(request.user) is None:
            raise PermissionDenied(_("For any account with a role."))
        version = _active_version()
        return Response({
            "streets": [{"code": c, "name": n} for c, n in Street.objects.filter(
                version=version).order_by("code").values_list("code", "name")],
            "communities": [{"code": c, "name": n, "street": st} for c, n, st in
                            Community.objects.filter(version=version).order_by("code")
                            .values_list("code", "name", "street_code")]})


class StatsView(APIView):
    """Dashboard figures over the cases the user may see (the centres and leaders: all)."""

    @extend_schema(summary="Counts by state, overdue cases, counts by cell, rankings",
                   tags=["consoles"], responses={200: dict})
    def get(self, request):
        _require(request.user, Ability.CENTRE_CONSOLES)
        now = timezone.now()
        qs = access.visible_cases(request.user)
        final = [s["code"] for s in workflow_description()["states"] if s["final"]]
        open_qs = qs.exclude(state__in=final)
        overdue = open_qs.filter(deadline__lt=now).order_by("deadline")
        by_dept = (qs.exclude(department=None)
                   .values("department__code", "department__name")
                   .annotate(total=Count("id"), open=Count("id", filter=~Q(state__in=final)),
                             overdue=Count("id", filter=~Q(state__in=final) & Q(deadline__lt=now)))
                   .order_by("-total", "department__code"))
        by_street = (qs.values("street_code").annotate(total=Count("id"))
                     .order_by("-total", "street_code")[:20])
        try:
            street_names = active_map().street_names
        except NoActiveMap:
            street_names = {}
        return Response({
            "at": now.isoformat(),
            "total": qs.count(),
            "open": open_qs.count(),
            "by_state": dict(qs.values_list("state").annotate(n=Count("id")).order_by()),
            "by_cell": dict(qs.values_list("cell_code").annotate(n=Count("id")).order_by()),
            "overdue_count": overdue.count(),
            "overdue": [case_summary(c) for c in overdue[:50]],
            "departments": [{"code": d["department__code"], "name": d["department__name"],
                             "total": d["total"], "open": d["open"], "overdue": d["overdue"]}
                            for d in by_dept],
            "streets": [{"code": s["street_code"], "name": street_names.get(s["street_code"], ""),
                         "total": s["total"]} for s in by_street],
        })
