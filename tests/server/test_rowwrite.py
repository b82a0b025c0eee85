"""A report's rows written in one statement (server.cases.rowwrite, PostgreSQL): the same rows
the ORM would write, all or none, and a repeated key that aborts nothing."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from server.accounts.models import User
from server.cases import rowwrite
from server.cases.actions import ReportInput, do_report
from server.cases.models import Case, CaseEvent, Photo, VoiceNote
from server.cases.photos import sniff_photo
from server.evaluation.models import DailyRollup
from server.intake.models import PhotoUpload
from server.intake.uploads import RawPhoto
from server.maps.index import place
from tests.server.conftest import cell_centre, jpeg

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql",
                                   reason="one statement is PostgreSQL's (SQLite: the ORM)")
AMR = b"#!AMR\n" + bytes(range(256)) * 4


def report_input(key: str, photo: bytes, voice: bool = False) -> tuple[ReportInput, object, int]:
    from server.cases.voice import clean_voice

    lon, lat = cell_centre(1)
    loaded, placement = place(lon, lat, accuracy_m=5)
    return ReportInput(
        kind="component", class_code="0103", lon=lon, lat=lat, accuracy_m=5.0,
        description="井盖 <b>cover</b>", photo=RawPhoto(photo, sniff_photo(photo)),
        idempotency_key=key, request_hash="h" * 64,
        voice=clean_voice(AMR) if voice else None), placement, loaded.version_id


def stored(model, pk) -> dict:
    """The row as the database has it, field by field."""
    row = model.objects.get(pk=pk)
    return {f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields}


def in_memory(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_report_outside_a_transaction_is_one_write_of_the_same_rows(cast):
    supervisor = User.objects.get(username="supervisor")
    photo = jpeg(size=(80, 60), exif=True) + b"\x00" * 3  # binary bytes of every kind
    report, placement, version = report_input("one-statement-1", photo, voice=True)
    assert not connection.in_atomic_block
    case, created = do_report(supervisor, report, version, placement)
    assert created and case.number.startswith(f"C0103{timezone.localdate():%Y%m%d}")
    # What the action holds in memory is what the database holds (the push was built from it).
    mine, theirs = in_memory(case), stored(Case, case.pk)
    assert mine.pop("location").equals_exact(theirs.pop("location"), 1e-9)
    assert mine == theirs
    event = CaseEvent.objects.get(case=case)
    assert (event.action, event.to_state, event.actor_id) == ("report", case.state, supervisor.pk)
    assert event.data["cell_code"] == case.cell_code and event.data["channel"] == "handset"
    upload = PhotoUpload.objects.get(photo__case=case)
    assert bytes(upload.data) == photo  # sent as a binary parameter, read back byte for byte
    assert upload.source_sha256 == hashlib.sha256(photo).hexdigest()
    assert upload.photo.event_id == event.pk and (upload.photo.width, upload.photo.height) == (80, 60)
    voice = VoiceNote.objects.get(case=case)
    assert voice.event_id == event.pk and voice.audio.read() == AMR
    rollups = {(r.kind, r.entity): r.reported for r in DailyRollup.objects.all()}
    assert rollups == {("supervisor", str(supervisor.pk)): 1, ("cell", case.cell_code): 1}

    # The same key and body again: the earlier case, and not one row more anywhere.
    again, created = do_report(supervisor, report, version, placement)
    assert (again.pk, created) == (case.pk, False)
    assert (Case.objects.count(), CaseEvent.objects.count(), Photo.objects.count(),
            PhotoUpload.objects.count(), VoiceNote.objects.count()) == (1, 1, 1, 1, 1)
    assert sum(r.reported for r in DailyRollup.objects.all()) == 2


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_part_that_fails_leaves_nothing_of_the_others(cast):
    supervisor = User.objects.get(username="supervisor")
    report, placement, version = report_input("one-statement-2", jpeg())
    case, _ = do_report(supervisor, report, version, placement)
    event = CaseEvent.objects.get(case=case)
    photo = Photo(case_id=case.pk, event=event, kind="after", image="", sha256="", width=1,
                  height=1, size=1)
    bad = PhotoUpload(photo_id=10**9, data=b"x", source_sha256="s")  # no such photo
    with pytest.raises(IntegrityError):
        rowwrite.write([rowwrite.insert(photo), rowwrite.insert(bad)])
    assert Photo.objects.filter(kind="after").count() == 0
    assert PhotoUpload.objects.count() == 1


@postgres_only
def test_a_repeated_key_inside_a_callers_transaction_does_not_abort_it(cast):
    # pytest-django's test runs in a transaction, as the hotline's submit calls do_report.
    assert connection.in_atomic_block
    supervisor = User.objects.get(username="supervisor")
    report, placement, version = report_input("one-statement-3", jpeg())
    with transaction.atomic():
        case, created = do_report(supervisor, report, version, placement)
        again, created_again = do_report(supervisor, report, version, placement)
        assert Case.objects.count() == 1  # the caller's transaction still answers
    assert created and not created_again and again.pk == case.pk
    assert not case.number.startswith("~")  # numbered by its last statement


def test_insert_is_the_orms_insert(cast):
    """On both databases: a row written through ``insert`` reads back as the ORM wrote it."""
    supervisor = User.objects.get(username="supervisor")
    report, placement, version = report_input("one-statement-4", jpeg())
    case, _ = do_report(supervisor, report, version, placement)
    event = CaseEvent.objects.get(case=case)
    photo = Photo(case_id=case.pk, event=event, kind="after", image="", sha256="a" * 64,
                  width=3, height=4, size=5)
    rowwrite.write([rowwrite.insert(photo)])
    row = Photo.objects.get(kind="after")
    assert (row.case_id, row.event_id, row.sha256, row.width, row.height, row.size) == (
        case.pk, event.pk, "a" * 64, 3, 4, 5)
    assert row.created_at is not None  # auto_now_add ran as in save()
    data = io.BytesIO(b"\x00\xff" * 100).getvalue()
    rowwrite.write([rowwrite.insert(PhotoUpload(photo=row, data=data, source_sha256="s"))])
    assert bytes(PhotoUpload.objects.get(photo=row).data) == data


def test_as_one_numbers_the_placeholders_in_order():
    sql, params = rowwrite.as_one([("INSERT INTO a VALUES (%s, %s)", [1, 2]),
                                   ("INSERT INTO b VALUES (ST_GeomFromEWKB(%s))", [b"\x01"]),
                                   ("INSERT INTO c VALUES (%s, '100%%')", [3])])
    assert sql == ("WITH w0 AS (INSERT INTO a VALUES ($1, $2)), "
                   "w1 AS (INSERT INTO b VALUES (ST_GeomFromEWKB($3))) "
                   "INSERT INTO c VALUES ($4, '100%')")
    assert params == [1, 2, b"\x01", 3]
    assert rowwrite.as_one([("INSERT INTO a VALUES (%s)", [1])]) == ("INSERT INTO a VALUES ($1)", [1])


def test_insert_refuses_a_related_row_without_a_key(cast):
    """As save() does: a nullable foreign key to an unsaved row would be stored as NULL."""
    supervisor = User.objects.get(username="supervisor")
    report, placement, version = report_input("one-statement-5", jpeg())
    case, _ = do_report(supervisor, report, version, placement)
    unsaved = CaseEvent(case=case, actor=supervisor, actor_role="supervisor", action="report",
                        to_state="reported", at=timezone.now())
    photo = Photo(case=case, event=unsaved, kind="after", image="", sha256="", width=1,
                  height=1, size=1)
    with pytest.raises(ValueError, match="unsaved related object 'event'"):
        rowwrite.insert(photo)
