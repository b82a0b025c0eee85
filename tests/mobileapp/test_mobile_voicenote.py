"""Voice notes are checked on the phone as the server checks them: magic bytes and 1 MiB."""

from __future__ import annotations

import pytest

from mobileapp.core.voicenote import MAX_VOICE_BYTES, BadVoice, check, read_voice, sniff
from tests.mobileapp.ui.test_mobile_app_ui import wav


@pytest.mark.parametrize("data, kind", [
    (b"#!AMR\n" + b"\0" * 20, "amr"), (b"\0\0\0\x18ftyp3gp4" + b"\0" * 20, "mp4"),
    (b"OggS" + b"\0" * 20, "ogg"), (wav(), "wav")])
def test_the_four_containers_the_server_takes(data, kind):
    assert sniff(data) == kind and check(data) == data


@pytest.mark.parametrize("data, reason", [
    (b"", "empty"), (b"\xff\xd8\xff\xe0 a JPEG", "not an AMR"),
    (b"RIFF\0\0\0\0AVI LIST", "not an AMR"), (b"OggS" + b"\0" * MAX_VOICE_BYTES, "at most")])
def test_other_bytes_are_refused_with_the_reason(data, reason):
    with pytest.raises(BadVoice, match=reason):
        check(data)


def test_a_file_too_big_is_not_read_whole(tmp_path):
    big = tmp_path / "long.ogg"
    big.write_bytes(b"OggS" + b"\0" * (3 * MAX_VOICE_BYTES))
    with pytest.raises(BadVoice, match="1024 KiB"):
        read_voice(big)
    ok = tmp_path / "short.wav"
    ok.write_bytes(wav())
    assert read_voice(ok) == wav()
