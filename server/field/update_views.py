"""The component-update API (部件更新): supervisors report, the map keeper (地图维护员) lists,
approves, rejects and publishes. Writing goes through ``server.field.updates`` only."""

from __future__ import annotations

from django.http import FileResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from gis.placement import OutsideManagedArea
from server.accounts import access
from server.accounts.access import Ability
from server.api_errors import ApiError
from server.cases.photos import PhotoInvalid, clean_photo
from server.field import updates
from server.idempotency import find_replay, request_hash as body_hash
from server.field.maps import class_names
from server.field.models import ComponentUpdate
from server.field.serializers import (ComponentUpdateSerializer, PublishSerializer,
                                     RejectSerializer)
from server.field.views import iso, loaded_map, require, supervisor_input
from server.maps.models import Component
from server.parsers import JSONParser
from server.reasons import worded

STATES = [s for s, _ in ComponentUpdate.STATES]


def update_body(u: ComponentUpdate) -> dict:
    def who(user):
        return user.username if user else None

    return {
        "id": u.pk, "kind": u.change, "state": u.state, "component_code": u.component_code,
        "class_code": u.class_code, "class_name": class_names().get(u.class_code, ""),
        "lat": u.location.y, "lon": u.location.x, "cell_code": u.cell_code, "note": u.note,
        "photo_url": f"/api/component-updates/{u.pk}/photo/" if u.photo else None,
        "reporter": u.reporter.username, "created_at": iso(u.created_at),
        "map_version": u.map_version_id,
        "decided_by": who(u.decided_by), "decided_at": iso(u.decided_at) if u.decided_at else None,
        "reason": u.reason, "published_by": who(u.published_by),
        "published_at": iso(u.published_at) if u.published_at else None,
        "published_version": u.published_version_id,
    }


def _rows():
    return ComponentUpdate.objects.select_related("reporter", "decided_by", "published_by")


class ComponentUpdateListView(APIView):
    parser_classes = [MultiPartParser, JSONParser]

    @extend_schema(request=ComponentUpdateSerializer, responses={201: dict, 200: dict},
                   summary="Report a component damaged, missing, removed or added (部件更新)",
                   tags=["field"])
    def post(self, request):
        user = request.user
        d = supervisor_input(request, ComponentUpdateSerializer, "report a component update")
        digest = body_hash(d["change"], d["component_code"], d["class_code"],
                           round(d.get("wgs_lon", 0), 7), round(d.get("wgs_lat", 0), 7),
                           d["note"], d.get("photo") or b"")
        # An honest retry is answered before any other work, even if the map changed since.
        earlier = find_replay(ComponentUpdate, user, d["idempotency_key"], digest,
                              "component update")
        if earlier is not None:
            return Response(update_body(earlier), status=status.HTTP_200_OK)
        loaded = loaded_map()
        class_code, lon, lat, cell = d["class_code"], d.get("wgs_lon"), d.get("wgs_lat"), ""
        if d["change"] != "added":
            found = (Component.objects.filter(version_id=loaded.version_id,
                                              code=d["component_code"])
                     .values_list("class_code", "geom", "cell_code").first())
            if found is None:
                raise ApiError("invalid", f"component_code: no component "
                               f"{d['component_code']} on map version {loaded.version_id}",
                               field="component_code")
            class_code, geom, cell = found
            if lon is None:
                p = geom if geom.geom_type == "Point" else geom.point_on_surface
                lon, lat = p.x, p.y
        else:
            try:
                cell = loaded.index.place(lon, lat, accuracy_m=d["accuracy_m"], limit=0).cell_code
            except OutsideManagedArea:
                raise ApiError("outside_area", f"lat/lon ({d['lat']}, {d['lon']}) is outside "
                               "the managed area", field="lat") from None
        photo = None
        if d.get("photo"):
            try:
                photo = clean_photo(d["photo"])
            except PhotoInvalid as exc:
                raise ApiError("invalid_photo", worded(exc.reason), field="photo") from None
        row, created = updates.report_update(
            user, change=d["change"], component_code=d["component_code"], class_code=class_code,
            lon=lon, lat=lat, cell_code=cell, note=d["note"], photo=photo,
            map_version_id=loaded.version_id, key=d["idempotency_key"], request_hash=digest)
        return Response(update_body(row),
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(summary="Component updates for the map keeper, oldest first", tags=["field"],
                   parameters=[OpenApiParameter("state", str, enum=STATES)],
                   responses={200: dict})
    def get(self, request):
        require(request.user, Ability.KEEP_MAP, "review component updates")
        qs = _rows()
        state = request.query_params.get("state")
        if state:
            if state not in STATES:
                raise ApiError("invalid", f"state: {state!r} is not one of {', '.join(STATES)}",
                               field="state")
            qs = qs.filter(state=state)
        rows = [update_body(u) for u in qs[:500]]
        return Response({"count": qs.count(), "results": rows})


class ComponentUpdateDecisionView(APIView):
    @extend_schema(request=RejectSerializer, responses={200: dict}, tags=["field"],
                   operation_id="api_component_updates_decide",
                   summary="Approve or reject (with a reason) a pending component update")
    def post(self, request, pk: int, decision: str):
        require(request.user, Ability.KEEP_MAP, f"{decision} component updates")
        get_object_or_404(ComponentUpdate, pk=pk)
        reason = ""
        if decision == "reject":
            ser = RejectSerializer(data=request.data)
            ser.is_valid(raise_exception=True)
            reason = ser.validated_data["reason"]
        row = updates.decide(pk, request.user, decision == "approve", reason)
        return Response(update_body(row))


class PublishView(APIView):
    @extend_schema(request=PublishSerializer, responses={201: dict}, tags=["field"],
                   summary="Publish the approved component updates as the next map version")
    def post(self, request):
        require(request.user, Ability.KEEP_MAP, "publish component updates")
        ser = PublishSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        loaded_map()  # 503 without an active map
        try:
            result = updates.publish(request.user, **ser.validated_data)
        except updates.NothingToPublish as exc:
            raise ApiError("nothing_to_publish", str(exc), status_code=409) from None
        return Response(publish_body(result), status=status.HTTP_201_CREATED)


def publish_body(result: updates.PublishResult) -> dict:
    return {"map_version": result.version.pk, "label": result.version.label,
            "active": result.version.active, "published": result.published,
            "skipped": [{"id": i, "reason": why} for i, why in result.skipped]}


class ComponentUpdatePhotoView(APIView):
    @extend_schema(summary="The photo of a component update (JPEG)", tags=["field"],
                   responses={200: bytes})
    def get(self, request, pk: int):
        row = get_object_or_404(ComponentUpdate, pk=pk)
        if not (access.may(request.user, Ability.KEEP_MAP) or row.reporter_id == request.user.pk) \
                or not row.photo:
            raise ApiError("not_found", f"no photo of component update {pk}", status_code=404)
        return FileResponse(row.photo.open("rb"), content_type="image/jpeg")
