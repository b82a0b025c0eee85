"""The report request: fields, their limits, and the hash idempotency compares."""

from __future__ import annotations

import base64
import binascii
import copy
import functools
import hashlib
import json

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from gridmaps.classification import class_by_code

KEY_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"


@functools.cache
def class_codes(kind: str) -> frozenset[str]:
    """The class codes of a tree. The classification ships with the code (a CSV in gridmaps),
    so a process reads it once, not once per report."""
    return frozenset(class_by_code(kind))


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

    def get_fields(self):
        # DRF deep-copies every declared field for each serializer, re-running each field's
        # __init__: about 0.4 ms of every report, for fields that validation never changes.
        # A shallow copy still gives each request its own field to bind.
        return {name: copy.copy(field) for name, field in self._declared_fields.items()}

    def validate(self, attrs):
        if attrs["class_code"] not in class_codes(attrs["kind"]):
            raise serializers.ValidationError(
                {"class_code": f"unknown {attrs['kind']} class code {attrs['class_code']!r}"})
        return attrs

    @functools.cached_property
    def photo_sha256(self) -> str:
        """SHA-256 (hex) of the photo's bytes as sent ("" hashed when there is none)."""
        return hashlib.sha256(self.validated_data.get("photo") or b"").hexdigest()

    def request_hash(self) -> str:
        """Hash of what the client sent, photo bytes included, so a replay with another body
        is told apart from an honest retry."""
        d = self.validated_data
        canonical = json.dumps(
            [d["kind"], d["class_code"], round(d["lat"], 7), round(d["lon"], 7), round(d["accuracy_m"], 2),
             d["description"], d["component_code"], self.photo_sha256]
            # a voice note joins the hash only when sent: earlier reports keep their hash
            + ([hashlib.sha256(d["voice"]).hexdigest()] if d.get("voice") else []),
            ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()
