"""Voice notes (语音) on reports: sniffed, bounded, stored with the case, served to who may
see it."""

from __future__ import annotations

import io

import pytest

from server.cases.models import Case, VoiceNote
from server.cases.voice import MAX_VOICE_BYTES, sniff
from tests.server.conftest import WAV, report_form


def voice(data: bytes, name="note.amr"):
    f = io.BytesIO(data)
    f.name = name  # the name is never trusted
    return f


def test_a_report_with_a_voice_note_lists_and_serves_it(cast):
    amr = b"#!AMR\n" + bytes(range(256)) * 4
    r = cast["supervisor"].post("/api/reports/", report_form(voice=voice(amr, "x.wav")),
                                format="multipart")
    assert r.status_code == 201, r.content
    number = r.json()["number"]
    [note] = cast["acceptor"].get(f"/api/cases/{number}/").json()["voice_notes"]
    assert note["format"] == "amr" and note["content_type"] == "audio/amr"
    assert note["size"] == len(amr)
    got = cast["acceptor"].get(note["url"])
    assert got.status_code == 200 and b"".join(got.streaming_content) == amr
    assert got["Content-Type"] == "audio/amr" and got["X-Content-Type-Options"] == "nosniff"
    assert cast["dept_water"].get(note["url"]).status_code == 404
    assert cast["anonymous"].get(note["url"]).status_code in (401, 403)


@pytest.mark.parametrize("data, fmt", [
    (b"#!AMR-WB\n" + bytes(20), "amr"), (bytes(4) + b"ftyp3gp4" + bytes(20), "3gp"),
    (bytes(4) + b"ftypM4A " + bytes(20), "m4a"), (b"OggS" + bytes(30), "ogg"), (WAV, "wav"),
    (b"\xff\xd8\xff\xe0" + bytes(30), None), (b"MZ" + bytes(30), None)])
def test_sniffing(data, fmt):
    assert sniff(data) == fmt


@pytest.mark.parametrize("data, words", [
    (b"<script>alert(1)</script>" * 4, "AMR, 3GP"),
    (b"#!AMR\n" + bytes(MAX_VOICE_BYTES), "limit"),
    (b"#!AMR", "empty or truncated"),
])
def test_a_bad_voice_note_refuses_the_whole_report(cast, data, words):
    r = cast["supervisor"].post("/api/reports/", report_form(voice=voice(data)),
                                format="multipart")
    assert r.status_code == 400 and r.json()["error"]["field"] == "voice", r.content
    assert words in r.json()["error"]["message"]
    assert Case.objects.count() == 0 and VoiceNote.objects.count() == 0


def test_the_voice_note_is_part_of_the_idempotent_body(cast):
    form = report_form(voice=voice(WAV))
    key = form["idempotency_key"]
    assert cast["supervisor"].post("/api/reports/", form, format="multipart").status_code == 201
    again = report_form(idempotency_key=key, voice=voice(WAV))
    assert cast["supervisor"].post("/api/reports/", again, format="multipart").status_code == 200
    other = report_form(idempotency_key=key, voice=voice(b"OggS" + bytes(40)))
    assert cast["supervisor"].post("/api/reports/", other, format="multipart").status_code == 409
    assert VoiceNote.objects.count() == 1
