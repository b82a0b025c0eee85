"""The report request of the handset and web form: its fields and their limits (the wire
format). What a report means (its class, its place, its key) is checked by the intake door,
``server.intake.submit``."""

from __future__ import annotations

import base64
import binascii

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from server.idempotency import KEY_PATTERN


@extend_schema_field({"type": "string", "format": "binary",
                     "description": "a file (multipart) or base64 text (JSON)"})
class PhotoField(serializers.Field):
    """A photo as a multipart file or, in a JSON body, as a base64 string. Yields raw bytes."""

    default_error_messages = {
        "invalid": "photo must be an uploaded file or a base64 string",
        "base64": "photo is not valid base64",
    }

    def to_internal_value(self, data):
        if hasattr(data, "read"):
            return data.read()
        if isinstance(data, str):
            try:
                return base64.b64decode(data, validate=True)
            except (binascii.Error, ValueError):
                self.fail("base64")
        self.fail("invalid")

    def to_representation(self, value):  # never echoed back
        return None


@extend_schema_field({"type": "string", "format": "binary",
                     "description": "AMR, 3GP/M4A, OGG or WAV, at most 1 MiB (multipart file or "
                                    "base64 text in JSON)"})
class VoiceField(PhotoField):
    default_error_messages = {
        "invalid": "voice must be an uploaded file or a base64 string",
        "base64": "voice is not valid base64",
    }


class ReportSerializer(serializers.Serializer):
    idempotency_key = serializers.RegexField(
        KEY_PATTERN, help_text="client-made unique key (UUID): a repeated request returns the "
        "same case", error_messages={"invalid": "must be 8-64 letters, digits, '-' or '_'"})
    kind = serializers.ChoiceField(["component", "event"],
                                   help_text="部件 component or 事件 event: the two trees share codes")
    class_code = serializers.RegexField(r"^\d{4,5}$", help_text="class code of that tree, e.g. 0101",
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
