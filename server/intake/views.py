"""POST /api/reports/: a handset (or web) report becomes a case.

Order of checks: role (403), fields (400 naming the field), photo and voice note (400), placement
(400 when the point is outside the managed area), then idempotency (200 with the earlier case for an honest
retry, 409 for a key reused with another body). Only then is anything stored, in one transaction.

The photo is re-encoded here, or, with ``settings.PHOTOS_CLEAN_LATER``, only sniffed here and
stored raw for the photo cleaner (``server.intake.uploads``); either way the answer comes after
the commit that holds the case and the photo's bytes.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from gis.placement import OutsideManagedArea
from server.api_errors import ApiError
from server.cases.actions import (IdempotencyConflict, ReportInput, do_report,
                                     find_replay)
from server.cases.models import Case
from server.cases.photos import PhotoInvalid, clean_photo, sniff_photo
from server.cases.voice import VoiceInvalid, clean_voice
from server.intake.serializers import ReportSerializer
from server.intake.uploads import RawPhoto
from server.maps.index import LoadedMap, NoActiveMap, active_map, place
from workflows import Action, decide


#: Where a report through this endpoint comes from, by the reporter's role. Reports of the
#: public channels (hotline, web) need a verification (核实) before filing.
CHANNEL_OF_ROLE = {"supervisor": "handset", "call_taker": "hotline", "acceptor": "web",
                   "system": "web"}


def report_response(case: Case, created: bool, names: LoadedMap | None = None) -> dict:
    names = names or active_map()
    return {
        "number": case.number,
        "state": case.state,
        "kind": case.kind,
        "class_code": case.class_code,
        "created": created,
        "placement": {
            "map_version": case.map_version_id,
            "cell_code": case.cell_code,
            "community_code": case.community_code,
            "community_name": names.community_names.get(case.community_code, ""),
            "street_code": case.street_code,
            "street_name": names.street_names.get(case.street_code, ""),
        },
    }


class ReportView(APIView):
    parser_classes = [MultiPartParser, JSONParser]

    @extend_schema(request=ReportSerializer, responses={201: dict, 200: dict},
                   summary="Report a problem (上报)", tags=["intake"])
    def post(self, request):
        user = request.user
        decide(None, Action.REPORT, user.as_actor() if user.role else _no_role(user),
               timezone.now())
        ser = ReportSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        request_hash = ser.request_hash()
        # An honest retry is answered before any other work, even if the map changed since.
        try:
            earlier = find_replay(user, data["idempotency_key"], request_hash)
        except IdempotencyConflict as exc:
            raise ApiError("idempotency_conflict", str(exc), field="idempotency_key",
                           status_code=status.HTTP_409_CONFLICT) from None
        if earlier is not None:
            return Response(report_response(earlier, False), status=status.HTTP_200_OK)
        channel = CHANNEL_OF_ROLE[user.role]
        if "photo" not in data:
            if channel == "handset":
                raise ApiError("invalid", "photo: a field supervisor's report needs a photo",
                               field="photo")
            photo = None
        else:
            try:
                photo = (RawPhoto(data["photo"], sniff_photo(data["photo"]), ser.photo_sha256)
                         if settings.PHOTOS_CLEAN_LATER else clean_photo(data["photo"]))
            except PhotoInvalid as exc:
                raise ApiError("invalid_photo", str(exc), field="photo") from None
        voice = None
        if "voice" in data:
            try:
                voice = clean_voice(data["voice"])
            except VoiceInvalid as exc:
                raise ApiError("invalid_voice", str(exc), field="voice") from None
        try:
            loaded, placement = place(
                data["lon"], data["lat"], accuracy_m=data["accuracy_m"],
                class_code=data["class_code"] if data["kind"] == "component" else None)
        except OutsideManagedArea:
            raise ApiError("outside_area",
                           f"lat/lon ({data['lat']}, {data['lon']}) is outside the managed area",
                           field="lat") from None
        except NoActiveMap as exc:
            raise ApiError("no_map", str(exc), status_code=503) from None
        report = ReportInput(
            kind=data["kind"], class_code=data["class_code"], lon=data["lon"], lat=data["lat"],
            accuracy_m=data["accuracy_m"], description=data["description"], photo=photo,
            idempotency_key=data["idempotency_key"], request_hash=request_hash,
            component_code=data["component_code"], channel=channel, voice=voice,
        )
        try:
            case, created = do_report(user, report, loaded.version_id, placement)
        except IdempotencyConflict as exc:
            raise ApiError("idempotency_conflict", str(exc), field="idempotency_key",
                           status_code=status.HTTP_409_CONFLICT) from None
        body = report_response(case, created, loaded)
        if created:
            body["placement"]["candidate_cells"] = list(placement.candidate_cells)
            body["placement"]["duty_grid_code"] = getattr(placement, "duty_grid_code", None)
            body["placement"]["supervisors"] = list(getattr(placement, "supervisors", ()) or ())
            body["placement"]["components"] = [
                {"code": c.code, "class_code": c.class_code, "distance_m": round(c.distance_m, 1)}
                for c in placement.components]
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def _no_role(user):
    raise ApiError("role_not_allowed", f"user {user.username!r} has no role", status_code=403)
