"""The API fields of an uploaded photo or voice note: a multipart file or, in a JSON body,
base64 text; either way the raw bytes as sent (what they hold is checked by
``server.cases.photos`` and ``server.cases.voice``). Used by every view that takes one."""

from __future__ import annotations

import base64
import binascii

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


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
