"""Voice notes (语音备注) attached to a report: checked on the phone as the server checks them
(``POST /api/reports/`` field ``voice``: sniffed by magic bytes, at most 1 MiB), so a bad file is
refused at the tap, not hours later in the outbox."""

from __future__ import annotations

from pathlib import Path

MAX_VOICE_BYTES = 1 << 20
#: Extensions a desktop file chooser offers (the phone records 3GP).
EXTENSIONS = ("*.amr", "*.3gp", "*.m4a", "*.ogg", "*.wav")


class BadVoice(ValueError):
    """Not a voice note the server takes; ``str(exc)`` says why."""


def sniff(data: bytes) -> str:
    """The container of a voice note: "amr", "mp4" (3GP/M4A), "ogg" or "wav"."""
    if data.startswith(b"#!AMR"):
        return "amr"
    if data[4:8] == b"ftyp":
        return "mp4"
    if data.startswith(b"OggS"):
        return "ogg"
    if data.startswith(b"RIFF") and data[8:12] == b"WAVE":
        return "wav"
    raise BadVoice("not an AMR, 3GP/M4A, OGG or WAV recording")


def check(data: bytes) -> bytes:
    if not data:
        raise BadVoice("the recording is empty")
    if len(data) > MAX_VOICE_BYTES:
        raise BadVoice(f"the recording is {len(data) // 1024} KiB; at most 1024 KiB")
    sniff(data)
    return data


def read_voice(path: str | Path) -> bytes:
    """The file's bytes when it is a voice note the server takes; raises ``BadVoice`` or
    ``OSError``. Reads at most one byte past the limit (a huge file is not loaded whole)."""
    with open(path, "rb") as f:
        return check(f.read(MAX_VOICE_BYTES + 1))
