"""Hotline API for the call-taker's page (``/hotline/``).

GET  /api/hotline/places/suggest/?q=      type-ahead over the gazetteer
GET  /api/hotline/places/geocode/?q=      address -> places, best first
GET  /api/hotline/places/reverse/?lat&lon a map click -> the nearest address
GET  /api/hotline/duplicates/?kind&class_code&lat&lon[&component_code]   dry run, before saving
POST /api/hotline/calls/                  save the call: a case of channel hotline (201; an
                                          honest retry with the same idempotency_key: 200)
GET  /api/hotline/cases/<number>/contact/ the caller (personal data: access.CONTACT_ROLES only)
GET  /api/hotline/callbacks/              closed public cases waiting for a callback (回访)
POST /api/hotline/callbacks/<number>/     {satisfaction 1-5, note}: 1-2 reopens the case

Who may do what is ``server.accounts.access`` (registering calls: call-takers and acceptors,
both may report). Errors: the API's one shape.
"""

from __future__ import annotations

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from server.accounts import access
from server.accounts.access import Ability
from server.api_errors import ApiError
from server.cases.actions import do_case_action
from server.cases.duplicates import possible_duplicates
from server.cases.models import Case, CaseEvent
from server.hotline import duplicates, places
from server.hotline.models import HotlineCall
from server.idempotency import KEY_PATTERN
from server.intake.submit import Report, SubmitError, check_class, submit
from server.intake.views import api_error
from workflows import NOTE_ACTIONS, SYSTEM_ACTIONS, Action
from workflows.case import CALLBACK_CHANNELS


def _require(user, ability: Ability, what: str) -> None:
    """403 ``role_not_allowed`` unless ``user`` has ``ability``; ``what`` (a lazy translation)
    names the refused thing in the request's language."""
    if not access.may(user, ability):
        raise ApiError("role_not_allowed", _("%(what)s is for %(who)s.") % {
            "what": what, "who": access.who_may(ability)}, status_code=status.HTTP_403_FORBIDDEN)


#: The WGS84 point the reverse search and the duplicate check read.
POINT = [OpenApiParameter("lat", float, required=True),
         OpenApiParameter("lon", float, required=True)]


class PlaceSearchView(APIView):
    """``mode`` is suggest or geocode."""

    mode = "suggest"

    @extend_schema(summary="Address search in the gazetteer (地理编码)", tags=["hotline"],
                   responses={200: dict}, parameters=[OpenApiParameter(
                       "q", str, description="what the caller said (first 100 characters)")])
    def get(self, request):
        _require(request.user, Ability.ADDRESS_SEARCH, _("Address search"))
        q = request.query_params.get("q", "")[:100]
        found = places.suggest(q) if self.mode == "suggest" else places.geocode(q)
        return Response({"q": q, "results": [places.as_json(m) for m in found]})


class PlaceReverseView(APIView):
    @extend_schema(summary="The address nearest a point", tags=["hotline"], responses={200: dict},
                   parameters=POINT)
    def get(self, request):
        _require(request.user, Ability.ADDRESS_SEARCH, _("Address search"))
        lat, lon = _point(request.query_params)
        match = places.reverse(lon, lat)
        return Response({"result": places.as_json(match) if match else None})


def _point(params) -> tuple[float, float]:
    try:
        lat, lon = float(params["lat"]), float(params["lon"])
    except (KeyError, ValueError):
        raise ApiError("invalid", "lat and lon are required numbers", field="lat") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ApiError("invalid", "lat/lon are not WGS84 coordinates", field="lat")
    return lat, lon


class DuplicatesView(APIView):
    @extend_schema(summary="Possible duplicates of a report not saved yet (疑似重复)",
                   tags=["hotline"], responses={200: dict}, parameters=POINT + [
                       OpenApiParameter("kind", str, required=True, enum=["component", "event"]),
                       OpenApiParameter("class_code", str, required=True),
                       OpenApiParameter("component_code", str)])
    def get(self, request):
        _require(request.user, Ability.ADDRESS_SEARCH, _("The duplicate check"))
        p = request.query_params
        lat, lon = _point(p)
        try:
            check_class(p.get("kind", ""), p.get("class_code", ""))
        except SubmitError as exc:
            raise api_error(exc) from None
        found = duplicates.duplicates_at(p["kind"], p["class_code"], lon, lat,
                                         component_code=p.get("component_code", ""))
        return Response({"duplicates": duplicates.as_json(found)})


class CallSerializer(serializers.Serializer):
    idempotency_key = serializers.RegexField(KEY_PATTERN, help_text="made by the page per call")
    line = serializers.ChoiceField(["12319", "12345"])
    caller_name = serializers.CharField(max_length=100, allow_blank=True, default="")
    caller_phone = serializers.RegexField(r"^\+?[\d\s()-]{3,32}$",
                                          error_messages={"invalid": "not a phone number"})
    address = serializers.CharField(max_length=300, allow_blank=True, default="")
    place_code = serializers.CharField(max_length=40, allow_blank=True, default="")
    lat = serializers.FloatField(required=False, min_value=-90, max_value=90)
    lon = serializers.FloatField(required=False, min_value=-180, max_value=180)
    kind = serializers.ChoiceField(["component", "event"])
    class_code = serializers.RegexField(r"^\d{4,5}$")
    component_code = serializers.RegexField(r"^\d{16,17}$", required=False, allow_blank=True,
                                            default="")
    description = serializers.CharField(max_length=2000, allow_blank=True, default="")
    urgency = serializers.ChoiceField(["normal", "urgent"], default="normal")

    def validate(self, attrs):
        if ("lat" in attrs) != ("lon" in attrs):
            raise serializers.ValidationError({"lat": "lat and lon go together"})
        if "lat" not in attrs:
            match = (places.by_code(attrs["place_code"]) if attrs["place_code"]
                     else places.best_point(attrs["address"]) if attrs["address"] else None)
            if match is None:
                raise serializers.ValidationError({"address": (
                    "no point: click the map, or pick an address the gazetteer knows")})
            attrs["lat"], attrs["lon"] = match.lat, match.lon
            attrs["place_code"] = match.code
            attrs["address"] = attrs["address"] or match.name
        return attrs


class CallView(APIView):
    @extend_schema(request=CallSerializer, responses={201: dict, 200: dict}, tags=["hotline"],
                   summary="Register a hotline call (热线登记): a case of channel hotline")
    def post(self, request):
        user = request.user
        _require(user, Ability.REGISTER_CALLS, _("Registering a call"))
        ser = CallSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        description = ("【紧急 urgent】" if d["urgency"] == "urgent" else "") + d["description"]
        if d["address"]:
            description += f"（地址 address: {d['address']}）"

        def attach(case):
            HotlineCall.objects.create(
                case=case, line=d["line"], caller_name=d["caller_name"],
                caller_phone=d["caller_phone"], address=d["address"],
                place_code=d["place_code"], urgency=d["urgency"], call_taker=user)

        call = {k: d[k] for k in ("line", "caller_name", "caller_phone", "address",
                                  "place_code", "urgency")}
        report = Report(kind=d["kind"], class_code=d["class_code"], lon=d["lon"], lat=d["lat"],
                        description=description, component_code=d["component_code"],
                        idempotency_key=d["idempotency_key"], extra=(call,))
        try:
            done = submit(user, "hotline", report, attach=attach)
        except SubmitError as exc:
            raise api_error(exc) from None
        case = done.case
        return Response({
            "number": case.number, "state": case.state, "channel": case.channel,
            "created": done.created, "cell_code": case.cell_code,
            "verify_by": list(done.supervisors),
            "duplicates": [{"number": c.number, "state": c.state, "channel": c.channel,
                            "distance_m": round(dist, 1), "why": why}
                           for c, dist, why in possible_duplicates(case)],
        }, status=status.HTTP_201_CREATED if done.created else status.HTTP_200_OK)


class ContactView(APIView):
    @extend_schema(summary="The caller of a case (personal data)", tags=["hotline"],
                   responses={200: dict})
    def get(self, request, number: str):
        _require(request.user, Ability.CALLER_CONTACT, _("Caller details"))
        case = get_object_or_404(Case, number=number)
        return Response({"number": case.number, "contact": access.contact_of(case, request.user)})


class CallbackListView(APIView):
    @extend_schema(summary="Closed public cases waiting for a callback (待回访)",
                   tags=["hotline"], responses={200: dict})
    def get(self, request):
        _require(request.user, Ability.CALLER_CONTACT, _("The callback list"))
        # Waiting: the last step (timer lights, urges and comments aside) is the close itself.
        # A case reopened by an earlier callback and closed again is waiting again.
        last = (CaseEvent.objects.filter(case=OuterRef("pk"))
                .exclude(action__in=[a.value for a in SYSTEM_ACTIONS | NOTE_ACTIONS])
                .order_by("-id").values("action")[:1])
        rows = (Case.objects.filter(state="closed", channel__in=sorted(CALLBACK_CHANNELS))
                .annotate(last_action=Subquery(last)).filter(last_action=Action.CLOSE.value)
                .select_related("hotline_call", "open311_request__client")
                .order_by("-updated_at")[:200])
        return Response({"results": [
            {"number": c.number, "channel": c.channel, "kind": c.kind,
             "class_code": c.class_code, "closed_at": c.updated_at.isoformat(),
             "description": c.description, "contact": access.contact_of(c, request.user)}
            for c in rows]})


class CallbackSerializer(serializers.Serializer):
    satisfaction = serializers.IntegerField(min_value=1, max_value=5,
                                            help_text="1-5; 1 or 2 reopens the case")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class CallbackView(APIView):
    @extend_schema(request=CallbackSerializer, responses={200: dict}, tags=["hotline"],
                   summary="Record a callback (回访): satisfaction 1-5, 1-2 reopens")
    def post(self, request, number: str):
        # Role first, so that no one else learns from a 404 or a 400 which case numbers exist.
        _require(request.user, Ability.CALLBACKS, _("Recording a callback"))
        ser = CallbackSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        if not Case.objects.filter(number=number).exists():
            raise ApiError("not_found", f"no case {number!r}", status_code=404)
        # The workflow decides who may call back and when (call-takers, closed public cases).
        case = do_case_action(request.user, number, Action.CALLBACK, ser.validated_data)
        return Response({"number": case.number, "state": case.state,
                         "satisfaction": case.satisfaction, "reopen_count": case.reopen_count,
                         "reopened": case.state != "closed"})
