"""Read-only map API: the active version's cells (a point inside each, for clients that need a
place to put a pin or a simulator that needs valid positions)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from server.api_errors import ApiError
from server.maps.models import Cell, MapVersion


class CellListView(APIView):
    @extend_schema(summary="Cells of the active map with a point inside each", tags=["map"],
                   responses={200: dict})
    def get(self, request):
        version = MapVersion.objects.filter(active=True).first()
        if version is None:
            raise ApiError("no_map", "no map version is active", status_code=503)
        cells = []
        for c in Cell.objects.filter(version=version).only(
                "code", "community_code", "street_code", "area_m2", "geom").order_by("code"):
            p = c.geom.point_on_surface
            cells.append({"code": c.code, "community_code": c.community_code,
                          "street_code": c.street_code, "area_m2": round(c.area_m2, 1),
                          "lon": round(p.x, 7), "lat": round(p.y, 7)})
        return Response({"map_version": version.pk, "label": version.label, "cells": cells})
