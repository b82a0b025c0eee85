"""Field requests: their fields, limits and the errors that name them.

Coordinates come as ``lat``/``lon`` in ``frame`` (default WGS84; GCJ-02 and BD-09 from Chinese
map SDKs are converted) and are stored in WGS84. Phone times may run up to ``CLOCK_SKEW``
ahead of the server and be at most ``MAX_AGE`` old (a phone offline for a week still uploads).
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.utils import timezone
from rest_framework import serializers

from gis.frames import Frame, to_wgs84
from gridmaps.classification import class_by_code
from server.cases.upload_fields import PhotoField
from server.idempotency import KEY_PATTERN
from server.params import DateTimeField

CLOCK_SKEW = timedelta(minutes=5)
MAX_AGE = timedelta(days=7)
MAX_TRACK_POINTS = 500
FRAMES = [f.value for f in Frame if f is not Frame.PROJECTED]


def key_field(**kw):
    return serializers.RegexField(
        KEY_PATTERN, help_text="client-made unique key (UUID)",
        error_messages={"invalid": "must be 8-64 letters, digits, '-' or '_'"}, **kw)


def check_time(value):
    """Refuse a phone time in the future (beyond the clock skew) or older than a week."""
    now = timezone.now()
    if value > now + CLOCK_SKEW:
        raise serializers.ValidationError(f"{value.isoformat()} is in the future (server time "
                                          f"{now.isoformat(timespec='seconds')})")
    if value < now - MAX_AGE:
        raise serializers.ValidationError(f"{value.isoformat()} is more than "
                                          f"{MAX_AGE.days} days old")
    return value


def wgs84_of(lon: float, lat: float, frame: str, field: str = "lat") -> tuple[float, float]:
    """The point in WGS84; refuses one whose conversion leaves the globe (a BD-09 or GCJ-02
    point at the poles or the date line is no point a phone in China sends)."""
    wlon, wlat = to_wgs84(lon, lat, frame)
    if not (math.isfinite(wlon) and math.isfinite(wlat) and -180 <= wlon <= 180
            and -85 <= wlat <= 85):
        raise serializers.ValidationError(
            {field: f"({lat}, {lon}) in {frame} is not a point this system can place"})
    return wlon, wlat


class PointFields(serializers.Serializer):
    """``lat``, ``lon`` (finite, in range), ``frame`` and ``accuracy_m``; ``validate`` adds
    ``wgs_lon``/``wgs_lat``."""

    lat = serializers.FloatField(min_value=-90, max_value=90)
    lon = serializers.FloatField(min_value=-180, max_value=180)
    frame = serializers.ChoiceField(FRAMES, default="wgs84")
    accuracy_m = serializers.FloatField(min_value=0, max_value=5000, default=0)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if "lat" in attrs and "lon" in attrs:
            if not (math.isfinite(attrs["lat"]) and math.isfinite(attrs["lon"])):
                raise serializers.ValidationError({"lat": "coordinates must be finite numbers"})
            attrs["wgs_lon"], attrs["wgs_lat"] = wgs84_of(attrs["lon"], attrs["lat"],
                                                          attrs.get("frame", "wgs84"))
        return attrs


class AttendanceSerializer(PointFields):
    """``kind`` is the wire name of ``Attendance.direction`` (in or out)."""

    kind = serializers.ChoiceField(["in", "out"], source="direction",
                                   help_text="in: clock in; out: clock out")
    device_at = DateTimeField(help_text="ISO time of the tap on the phone",
                                          validators=[check_time])
    idempotency_key = key_field()


class TrackPointSerializer(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lon = serializers.FloatField(min_value=-180, max_value=180)
    accuracy_m = serializers.FloatField(min_value=0, max_value=5000, default=0)
    at = DateTimeField(validators=[check_time])


class TrackSerializer(serializers.Serializer):
    idempotency_key = key_field()
    frame = serializers.ChoiceField(FRAMES, default="wgs84")
    points = TrackPointSerializer(many=True, allow_empty=False, max_length=MAX_TRACK_POINTS,
                                  error_messages={"max_length": f"at most {MAX_TRACK_POINTS} "
                                                  "points in one upload",
                                                  "empty": "at least one point is needed"})

    def validate(self, attrs):
        out = []
        for p in attrs["points"]:
            if not (math.isfinite(p["lat"]) and math.isfinite(p["lon"])):
                raise serializers.ValidationError({"points": "coordinates must be finite numbers"})
            lon, lat = wgs84_of(p["lon"], p["lat"], attrs["frame"], field="points")
            out.append({**p, "wgs_lon": lon, "wgs_lat": lat})
        attrs["points"] = out
        return attrs


class NearbySerializer(PointFields):
    radius_m = serializers.FloatField(min_value=1, max_value=500, default=50)


class ComponentUpdateSerializer(PointFields):
    """kind damaged|missing|removed name an existing ``component_code`` (lat/lon optional: the
    component's own position is used); ``added`` needs ``class_code``, ``lat``, ``lon`` and a
    photo; ``damaged`` needs a photo too. ``kind`` is the wire name of
    ``ComponentUpdate.change``."""

    lat = serializers.FloatField(min_value=-90, max_value=90, required=False)
    lon = serializers.FloatField(min_value=-180, max_value=180, required=False)
    kind = serializers.ChoiceField(["damaged", "missing", "removed", "added"], source="change")
    component_code = serializers.RegexField(r"^\d{16,17}$", required=False, allow_blank=True,
                                            default="", error_messages={
                                                "invalid": "must be 16 or 17 digits"})
    class_code = serializers.RegexField(r"^\d{4,5}$", required=False, allow_blank=True,
                                        default="",
                                        error_messages={"invalid": "must be 4 or 5 digits"})
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    photo = PhotoField(required=False)
    idempotency_key = key_field()

    def validate(self, attrs):
        attrs = super().validate(attrs)
        change = attrs["change"]
        if ("lat" in attrs) != ("lon" in attrs):
            raise serializers.ValidationError({"lat": "send both lat and lon, or neither"})
        if change == "added":
            if not attrs["class_code"]:
                raise serializers.ValidationError({"class_code": "a new component needs its "
                                                                 "class_code"})
            if attrs["class_code"] not in class_by_code("component"):
                raise serializers.ValidationError(
                    {"class_code": f"unknown component class code {attrs['class_code']!r}"})
            if "lat" not in attrs:
                raise serializers.ValidationError({"lat": "a new component needs lat and lon"})
            if attrs["component_code"]:
                raise serializers.ValidationError(
                    {"component_code": "a new component gets its code when it is published; "
                                       "leave component_code empty"})
        elif not attrs["component_code"]:
            raise serializers.ValidationError({"component_code": f"{change}: name the component"})
        if change in ("added", "damaged") and not attrs.get("photo"):
            raise serializers.ValidationError({"photo": f"{change}: a photo is required"})
        return attrs


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, trim_whitespace=True,
                                   error_messages={"required": "say why it is rejected",
                                                   "blank": "say why it is rejected"})


class PublishSerializer(serializers.Serializer):
    activate = serializers.BooleanField(default=False, help_text="also activate the new version")
    label = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
