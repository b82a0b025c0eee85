"""Camera alerts (视频监控): POST /api/video/alerts/ from a video platform or image-analysis
system.

Authenticated by the platform's key (``X-Api-Key`` header, or an ``api_key`` field). Takes the
camera id, the alert id, the position (WGS84 lat/lon), a snapshot (multipart file or base64 in
JSON), the class (kind + class code, as ``/api/reports/``) and the confidence (0-1). Below the
platform's ``min_confidence`` nothing is stored (200, ``ignored``). Otherwise a case of channel
``video`` enters the queue (verified on site before filing) as the ``video`` system user, with
the snapshot as its "before" photo; the answer lists its possible duplicates from any channel.

Idempotent per (platform, camera, alert id): the same alert again answers the same case (200);
the same ids with another body is 409. Errors: ``{"error": {"code", "message", "field"}}``.
"""

from __future__ import annotations

import hashlib

from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from server.api_errors import ApiError
from server.cases.duplicates import possible_duplicates
from server.cases.upload_fields import PhotoField
from server.intake.submit import Report, SubmitError, check_class, submit
from server.intake.views import api_error
from server.open311.external import CameraThrottle, LoggedRequestMixin
from server.open311.keys import holder_of
from server.open311.models import CameraAlert, CameraPlatform
from server.params import DateTimeField
from server.parsers import JSONParser

SYSTEM_USERNAME = "video"
_ID = r"^[A-Za-z0-9_.:-]{1,64}$"


class AlertSerializer(serializers.Serializer):
    camera_id = serializers.RegexField(_ID, help_text="the camera's id on the platform")
    alert_id = serializers.RegexField(_ID, help_text="the alert's id: sent once per camera")
    lat = serializers.FloatField(min_value=-90, max_value=90, help_text="WGS84 latitude")
    lon = serializers.FloatField(min_value=-180, max_value=180, help_text="WGS84 longitude")
    kind = serializers.ChoiceField(["component", "event"])
    class_code = serializers.RegexField(r"^\d{4,5}$",
                                        help_text="class code of that kind, e.g. 0101")
    confidence = serializers.FloatField(min_value=0, max_value=1)
    snapshot = PhotoField(help_text="JPEG/PNG/WebP snapshot (multipart file or base64)")
    captured_at = DateTimeField(required=False)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True,
                                        default="")


class CameraAlertView(LoggedRequestMixin, APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)
    parser_classes = (MultiPartParser, JSONParser)
    throttle_classes = (CameraThrottle,)

    @extend_schema(request=AlertSerializer, responses={201: dict, 200: dict}, tags=["intake"],
                   summary="Camera alert (视频告警): a report of channel video", auth=[],
                   parameters=[OpenApiParameter("X-Api-Key", str, OpenApiParameter.HEADER,
                                                description="the platform's key")])
    def post(self, request):
        body = request.data if hasattr(request.data, "get") else {}  # a JSON list is no alert
        key = request.headers.get("X-Api-Key") or body.get("api_key")
        platform = holder_of(CameraPlatform, key)
        if platform is None:
            raise ApiError("invalid_api_key", "X-Api-Key is missing or not a platform's key",
                           status_code=status.HTTP_403_FORBIDDEN)
        self.client_name = platform.name
        ser = AlertSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        try:
            check_class(d["kind"], d["class_code"])  # a wrong class is refused before the
        except SubmitError as exc:                    # confidence threshold is applied
            raise api_error(exc) from None
        if d["confidence"] < platform.min_confidence:
            return Response({"created": False, "ignored": (
                f"confidence {d['confidence']:.2f} is below the platform's threshold "
                f"{platform.min_confidence:.2f}: nothing stored")}, status=status.HTTP_200_OK)
        ids = f"{platform.pk}:{d['camera_id']}:{d['alert_id']}"
        text = (f"视频告警 Camera alert: camera {d['camera_id']}, confidence "
                f"{d['confidence']:.2f}" + (f". {d['description']}" if d["description"] else ""))

        def attach(case):
            CameraAlert.objects.create(platform=platform, camera_id=d["camera_id"],
                                       alert_id=d["alert_id"], case=case,
                                       confidence=d["confidence"],
                                       captured_at=d.get("captured_at"))

        report = Report(
            kind=d["kind"], class_code=d["class_code"], lon=d["lon"], lat=d["lat"],
            description=text, photo=d["snapshot"], photo_field="snapshot",
            idempotency_key="video-" + hashlib.sha256(ids.encode()).hexdigest()[:40],
            extra=(d["confidence"], d["description"]))
        try:
            done = submit(get_user_model().objects.get(username=SYSTEM_USERNAME), "video",
                          report, attach=attach)
        except SubmitError as exc:
            raise api_error(exc) from None
        case = done.case
        return Response({
            "number": case.number, "state": case.state, "channel": case.channel,
            "created": done.created, "cell_code": case.cell_code,
            "duplicates": [{"number": c.number, "state": c.state, "channel": c.channel,
                            "distance_m": round(dist, 1), "why": why}
                           for c, dist, why in possible_duplicates(case)],
        }, status=status.HTTP_201_CREATED if done.created else status.HTTP_200_OK)
