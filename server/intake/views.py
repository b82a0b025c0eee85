"""POST /api/reports/: the handset's (and web form's) adapter onto the intake door.

Reads the multipart or JSON body with ``ReportSerializer`` (the wire format: field types and
limits, 400 naming the field), hands a ``Report`` to ``server.intake.submit.submit`` (role,
class, idempotency, photo, placement, the write) and turns its answer into the API's: 201 with
the new case and its placement, 200 with the earlier case for an honest retry, or the error
the door named, in the API's one shape.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from server.accounts import access
from server.api_errors import ApiError
from server.cases.models import Case
from server.intake.serializers import ReportSerializer
from server.intake.submit import Report, SubmitError, submit
from server.maps.index import LoadedMap, active_map
from server.parsers import JSONParser
from workflows import Role

#: Where a report through this endpoint comes from, by the reporter's role. Reports of the
#: public channels (hotline, web) need a verification (核实) before filing.
CHANNEL_OF_ROLE = {Role.SUPERVISOR: "handset", Role.CALL_TAKER: "hotline", Role.ACCEPTOR: "web",
                   Role.SYSTEM: "web"}


def api_error(exc: SubmitError) -> ApiError:
    """The door's refusal in the API's one error shape."""
    return ApiError(exc.code, exc.message, field=exc.field, status_code=exc.status)


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
        channel = CHANNEL_OF_ROLE.get(access.role_of(user))
        if channel is None:  # the role first: no one else learns what the fields must be
            raise ApiError("role_not_allowed", f"user {user.username!r} may not report"
                           if user.role else f"user {user.username!r} has no role",
                           status_code=status.HTTP_403_FORBIDDEN)
        ser = ReportSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        report = Report(kind=d["kind"], class_code=d["class_code"], lon=d["lon"], lat=d["lat"],
                        accuracy_m=d["accuracy_m"], description=d["description"],
                        component_code=d["component_code"], photo=d.get("photo"),
                        voice=d.get("voice"), idempotency_key=d["idempotency_key"])
        try:
            done = submit(user, channel, report)
        except SubmitError as exc:
            raise api_error(exc) from None
        body = report_response(done.case, done.created, done.loaded)
        if done.created:
            placement = done.placement
            body["placement"]["candidate_cells"] = list(placement.candidate_cells)
            body["placement"]["duty_grid_code"] = getattr(placement, "duty_grid_code", None)
            body["placement"]["supervisors"] = list(done.supervisors)
            body["placement"]["components"] = [
                {"code": c.code, "class_code": c.class_code, "distance_m": round(c.distance_m, 1)}
                for c in placement.components]
        return Response(body, status=status.HTTP_201_CREATED if done.created
                        else status.HTTP_200_OK)
