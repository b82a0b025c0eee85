"""Voice notes (语音) on reports: sniff the bytes (never the name or the declared type), bound
the size, store as sent.

Phones record AMR (Android's voice recorder), 3GP or M4A (both ISO media, "ftyp" box), OGG/Opus
or WAV. The bytes are kept as they are (re-encoding audio would need codecs on the server);
they are served back only as the sniffed audio type with ``nosniff``, so a file that merely
starts like audio is never run as anything else.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.utils.translation import gettext as _

MAX_VOICE_BYTES = 1024 * 1024
MIN_VOICE_BYTES = 16


class VoiceInvalid(ValueError):
    """The upload is not a voice note we keep; the message says why, in the request's
    language."""


@dataclass(frozen=True)
class CleanVoice:
    data: bytes
    format: str  # "amr" | "3gp" | "m4a" | "ogg" | "wav"
    content_type: str
    sha256: str


CONTENT_TYPES = {"amr": "audio/amr", "3gp": "audio/3gpp", "m4a": "audio/mp4",
                 "ogg": "audio/ogg", "wav": "audio/wav"}


def sniff(data: bytes) -> str | None:
    """The audio format the bytes start like, or None."""
    if data.startswith(b"#!AMR"):
        return "amr"
    if data[4:8] == b"ftyp":
        return "3gp" if data[8:11] == b"3gp" or data[8:11] == b"3g2" else "m4a"
    if data.startswith(b"OggS"):
        return "ogg"
    if data.startswith(b"RIFF") and data[8:12] == b"WAVE":
        return "wav"
    return None


def clean_voice(data: bytes) -> CleanVoice:
    """Check ``data``; raises VoiceInvalid with a reason."""
    if len(data) > MAX_VOICE_BYTES:
        raise VoiceInvalid(_("the voice note is %(size)s bytes, over the limit of %(max)s bytes "
                             "(1 MiB)") % {"size": len(data), "max": MAX_VOICE_BYTES})
    if len(data) < MIN_VOICE_BYTES:
        raise VoiceInvalid(_("the voice note is empty or truncated"))
    fmt = sniff(data)
    if fmt is None:
        raise VoiceInvalid(_("the voice note must be AMR, 3GP, M4A, OGG or WAV audio"))
    return CleanVoice(data=data, format=fmt, content_type=CONTENT_TYPES[fmt],
                      sha256=hashlib.sha256(data).hexdigest())
