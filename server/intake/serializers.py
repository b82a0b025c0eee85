"""The report request of the handset and web form: its fields and their limits (the wire
format). What a report means (its class, its place, its key) is checked by the intake door,
``server.intake.submit``."""

from __future__ import annotations

from rest_framework import serializers

from server.cases.upload_fields import PhotoField, VoiceField

from server.idempotency import KEY_PATTERN


class ReportSerializer(serializers.Serializer):
    idempotency_key = serializers.RegexField(
        KEY_PATTERN, help_text="client-made unique key (UUID): a repeated request returns the "
        "same case", error_messages={"invalid": "must be 8-64 letters, digits, '-' or '_'"})
    kind = serializers.ChoiceField(
        ["component", "event"], help_text="部件 component or 事件 event: the two trees share codes")
    class_code = serializers.RegexField(r"^\d{4,5}$",
                                        help_text="class code of that tree, e.g. 0101",
                                        error_messages={"invalid": "must be 4 or 5 digits"})
    lat = serializers.FloatField(min_value=-90, max_value=90, help_text="WGS84 latitude")
    lon = serializers.FloatField(min_value=-180, max_value=180, help_text="WGS84 longitude")
    accuracy_m = serializers.FloatField(min_value=0, max_value=5000, default=0,
                                        help_text="GPS accuracy radius in metres")
    description = serializers.CharField(max_length=2000, allow_blank=True, default="",
                                        trim_whitespace=True)
    component_code = serializers.RegexField(r"^\d{16,17}$", required=False, allow_blank=True,
                                            default="")
    photo = PhotoField(required=False,
                       help_text="JPEG (or PNG/WebP) photo of the problem; required from a "
                                 "field supervisor's handset")
    voice = VoiceField(required=False, help_text="an optional voice note (语音)")
