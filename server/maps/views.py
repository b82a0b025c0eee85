"""Read-only map API: the active version's cells (a point inside each, for clients that need a
place to put a pin or a simulator that needs valid positions), and the base map under them
(which layer to draw, and the tiles of the system's own package)."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from server import params
from server.api_errors import ApiError
from server.maps import basemap
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


#: Tile zooms a path may name: the XYZ scheme's, 0..MAX_TILE_ZOOM (x and y then 0..2**z - 1).
MAX_TILE_ZOOM = 24


class BasemapView(APIView):
    """The base-map layer to draw under the cells and pins (server.maps.basemap.layer_for)."""

    @extend_schema(summary="The base map to draw under the cells: type (xyz, wms or none), URL "
                           "template with {z}/{x}/{y}, attribution, bounds [w, s, e, n], zoom "
                           "range", tags=["map"], responses={200: dict})
    def get(self, request):
        one = reverse("api-map-basemap-tile", kwargs={"z": "0", "x": "0", "y": "0"})
        prefix = request.build_absolute_uri(one.removesuffix("0/0/0.png"))
        return Response(basemap.layer_for(prefix), headers={
            "Cache-Control": "private, max-age=300", "Vary": "Authorization, Cookie"})


class BasemapTileView(APIView):
    """One 256 px PNG of the system's own base-map package; 404 outside it."""

    @extend_schema(summary="A base-map tile (PNG) of the system's own package; 404 outside "
                           "it; ETag and Cache-Control", tags=["map"],
                   responses={(200, "image/png"): OpenApiTypes.BINARY, 304: None, 404: dict})
    def get(self, request, z: str, x: str, y: str):
        zi = params.path_integer(z, "z", lo=0, hi=MAX_TILE_ZOOM)
        xi = params.path_integer(x, "x", lo=0, hi=(1 << zi) - 1)
        yi = params.path_integer(y, "y", lo=0, hi=(1 << zi) - 1)
        package = basemap.Package.current()
        png = package.tile(zi, xi, yi) if package else None
        if png is None:
            raise ApiError("no_tile", _("no base-map tile at %(z)s/%(x)s/%(y)s")
                           % {"z": zi, "x": xi, "y": yi}, status_code=404)
        etag = f'"{package.stamp}-{zi}-{xi}-{yi}"'
        # Private: the tiles are behind sign-in. A day, then revalidated by ETag (a rebuild
        # changes every ETag, so a browser fetches the new tiles when it asks again).
        headers = {"ETag": etag, "Cache-Control": "private, max-age=86400"}
        sent = [t.strip().removeprefix("W/") for t in
                request.headers.get("If-None-Match", "").split(",") if t.strip()]
        if etag in sent or "*" in sent:
            response = HttpResponse(status=304)
        else:
            response = HttpResponse(png, content_type="image/png")
        for k, v in headers.items():
            response[k] = v
        return response
