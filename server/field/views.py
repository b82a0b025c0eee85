"""Attendance (考勤), patrol tracks (巡查轨迹), nearby components and the duty map.

Order of checks as in intake: role (403), fields (400 naming the field), then idempotency
(200 with the earlier answer for an honest retry, 409 for a key reused with another body);
only then is anything stored, in one transaction.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from django.contrib.gis.geos import Point
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.gzip import gzip_page
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from gis.placement import OutsideManagedArea
from server import params
from server.accounts import access
from server.accounts.access import Ability
from server.accounts.models import User
from server.api_errors import ApiError
from server.field import maps
from server.idempotency import create_once, request_hash as body_hash
from server.field.models import Attendance, TrackBatch, TrackPoint
from server.field.serializers import AttendanceSerializer, NearbySerializer, TrackSerializer
from server.maps.index import NoActiveMap, active_map
from workflows import Role

USERNAME = re.compile(r"[\w.@+-]{1,150}")
#: A pause longer than this starts a new line of the day's track.
TRACK_GAP = timedelta(minutes=10)


def require(user, ability: Ability, what: str) -> None:
    """403 naming the caller's role and what it may not do, unless it has ``ability``."""
    if not access.may(user, ability):
        role = access.role_of(user)
        name = f"a {role.en.lower()} ({role.zh})" if role else "an account without a role"
        raise ApiError("role_not_allowed", f"{name} may not {what}", status_code=403)


def supervisor_input(request, serializer_class, what: str) -> dict:
    """The validated body of a supervisor's request (403 for other roles, 400 naming the
    field)."""
    require(request.user, Ability.FIELD_WORK, what)
    if not isinstance(request.data, dict):
        raise ApiError("invalid", "the body must be an object of fields")
    ser = serializer_class(data=request.data)
    ser.is_valid(raise_exception=True)
    return ser.validated_data


def loaded_map():
    try:
        return active_map()
    except NoActiveMap as exc:
        raise ApiError("no_map", str(exc), status_code=503) from None


DAY_QUERY = [OpenApiParameter("date", str, description="YYYY-MM-DD, default today"),
             OpenApiParameter("user", str, description="centres: the supervisor's username")]


def _day_query(request, what: str) -> tuple[User, date, tuple[datetime, datetime]]:
    """(whose records, which day, the day's [start, end)) of a ``DAY_QUERY``."""
    user = _whose(request, what)
    day = _day(request)
    return user, day, _day_range(day)


def _day(request) -> date:
    # In the system's range of days: the day's end (a day later) must not leave the calendar.
    return params.day(request.query_params, "date", default=timezone.localdate())


def _day_range(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


def _whose(request, what: str) -> User:
    """The supervisor whose records are asked for: the caller, or (centres only) ``?user=``."""
    name = request.query_params.get("user")
    if not access.may(request.user, Ability.ALL_PATROLS):
        require(request.user, Ability.OWN_PATROL, f"read {what}")
        if name and name != request.user.username:
            raise ApiError("role_not_allowed", f"a field supervisor reads only their own {what}",
                           status_code=403)
        return request.user
    if not name:
        raise ApiError("invalid", "user: name the supervisor (?user=<username>)", field="user")
    if not USERNAME.fullmatch(name):  # also keeps NUL bytes away from PostgreSQL
        raise ApiError("invalid", f"user: {name[:40]!r} is not a username", field="user")
    user = User.objects.filter(username=name, role=Role.SUPERVISOR.value).first()
    if user is None:
        raise ApiError("not_found", f"no field supervisor {name!r}", field="user",
                       status_code=404)
    return user


def _cell_at(lon: float, lat: float, accuracy_m: float) -> str:
    """The cell holding the point on the active map; "" outside it or with no map (a clock-in
    is recorded wherever it happens: the centre judges it)."""
    try:
        return active_map().index.place(lon, lat, accuracy_m=accuracy_m, limit=0).cell_code
    except (OutsideManagedArea, NoActiveMap):
        return ""


def iso(value: datetime) -> str:
    """Local time (the server's zone) with its offset, whether the value came from the client
    or from the database (which gives UTC back): one answer, however it was read."""
    return timezone.localtime(value).isoformat()


def attendance_body(row: Attendance) -> dict:
    return {"id": row.id, "kind": row.direction, "at": iso(row.at),
            "received_at": iso(row.received_at), "lat": row.location.y,
            "lon": row.location.x, "accuracy_m": row.accuracy_m, "cell_code": row.cell_code,
            "on_duty": row.direction == "in"}


class AttendanceView(APIView):
    @extend_schema(request=AttendanceSerializer, responses={201: dict, 200: dict},
                   summary="Clock in or out (考勤)", tags=["field"])
    def post(self, request):
        user = request.user
        d = supervisor_input(request, AttendanceSerializer, "clock in or out")
        digest = body_hash(d["direction"], round(d["wgs_lon"], 7), round(d["wgs_lat"], 7),
                           round(d["accuracy_m"], 2), iso(d["device_at"]))

        def create():
            return Attendance.objects.create(
                user=user, direction=d["direction"], at=d["device_at"], accuracy_m=d["accuracy_m"],
                location=Point(d["wgs_lon"], d["wgs_lat"], srid=4326),
                cell_code=_cell_at(d["wgs_lon"], d["wgs_lat"], d["accuracy_m"]),
                idempotency_key=d["idempotency_key"], request_hash=digest)

        row, created = create_once(Attendance, user, d["idempotency_key"], digest,
                                   "clock-in or clock-out", create)
        return Response(attendance_body(row),
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(summary="One day's clock-ins and clock-outs of a supervisor", tags=["field"],
                   parameters=DAY_QUERY, responses={200: dict})
    def get(self, request):
        user, day, (start, end) = _day_query(request, "attendance")
        rows = [attendance_body(r) for r in Attendance.objects.filter(
            user=user, at__gte=start, at__lt=end).order_by("at", "id")]
        return Response({"user": user.username, "date": day.isoformat(), "records": rows,
                         "on_duty": bool(rows) and rows[-1]["kind"] == "in"})


class TrackView(APIView):
    @extend_schema(request=TrackSerializer, responses={201: dict, 200: dict},
                   summary="Upload patrol breadcrumbs (巡查轨迹), 1-500 points", tags=["field"])
    def post(self, request):
        user = request.user
        d = supervisor_input(request, TrackSerializer, "upload a patrol track")
        points = d["points"]
        digest = body_hash([(round(p["wgs_lon"], 7), round(p["wgs_lat"], 7),
                             round(p["accuracy_m"], 2), iso(p["at"])) for p in points])

        def create():
            batch = TrackBatch.objects.create(user=user, count=len(points),
                                              idempotency_key=d["idempotency_key"],
                                              request_hash=digest)
            TrackPoint.objects.bulk_create([
                TrackPoint(batch=batch, user=user, at=p["at"], accuracy_m=p["accuracy_m"],
                           location=Point(p["wgs_lon"], p["wgs_lat"], srid=4326))
                for p in points], batch_size=500)
            return batch

        batch, created = create_once(TrackBatch, user, d["idempotency_key"], digest,
                                     "track upload", create)
        return Response({"accepted": batch.count},
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(summary="A supervisor's patrol track of one day as GeoJSON", tags=["field"],
                   parameters=DAY_QUERY, responses={200: dict})
    def get(self, request):
        user, _, (start, end) = _day_query(request, "patrol track")
        rows = TrackPoint.objects.filter(user=user, at__gte=start, at__lt=end).order_by(
            "at", "id").values_list("at", "location", "accuracy_m")
        return Response({"type": "FeatureCollection", "features": _track_features(user, rows)})


def _track_features(user, rows) -> list[dict]:
    """The day's points as lines, a new line after each pause longer than ``TRACK_GAP``; a
    lone point is a Point."""
    segments: list[list] = []
    last = None
    for at, loc, _ in rows:
        if last is None or at - last > TRACK_GAP:
            segments.append([])
        segments[-1].append((at, [round(loc.x, 7), round(loc.y, 7)]))
        last = at
    out = []
    for seg in segments:
        coords = [c for _, c in seg]
        geometry = ({"type": "LineString", "coordinates": coords} if len(coords) > 1
                    else {"type": "Point", "coordinates": coords[0]})
        out.append({"type": "Feature", "geometry": geometry, "properties": {
            "user": user.username, "start": iso(seg[0][0]), "end": iso(seg[-1][0]),
            "points": len(coords)}})
    return out


class NearbyView(APIView):
    @extend_schema(summary="Components near a point on the active map (pick the asset)",
                   tags=["field"], parameters=[NearbySerializer], responses={200: dict})
    def get(self, request):
        require(request.user, Ability.NEARBY_COMPONENTS, "look up nearby components")
        ser = NearbySerializer(data=request.query_params)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        return Response(maps.nearby(loaded_map(), d["wgs_lon"], d["wgs_lat"], d["radius_m"]))


@method_decorator(gzip_page, name="dispatch")  # ~70 KiB of JSON is ~7 KiB gzipped: it is for 3G
class DutyMapView(APIView):
    @extend_schema(summary="The caller's duty grid and its neighbours for offline use; "
                           "ETag = map version + the caller's grids", tags=["field"],
                   responses={200: dict, 304: None})
    def get(self, request):
        require(request.user, Ability.FIELD_WORK, "fetch a duty map")
        loaded = loaded_map()
        # The ETag is the map version and the caller's grids (maps.duty_map_tag): one small
        # query, so a 304 costs no geometry. (Gzip makes it weak, W/"..."; both forms match.)
        grids = access.duty_grids(request.user, loaded.version_id)
        etag = maps.duty_map_tag(loaded, grids)
        sent = [t.strip().removeprefix("W/") for t in
                request.headers.get("If-None-Match", "").split(",") if t.strip()]
        headers = {"ETag": etag, "Cache-Control": "private, no-cache", "Vary": "Authorization"}
        if etag in sent or "*" in sent:
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
        return Response(maps.duty_map(loaded, grids), headers=headers)
