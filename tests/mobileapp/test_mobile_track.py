"""The breadcrumb recorder and the field kinds of the outbox, without a network."""

from __future__ import annotations

import sqlite3

import pytest

from mobileapp.core.outbox import ATTENDANCE, COMPONENT_UPDATE, TRACK, WAITING, Outbox
from mobileapp.core.track import TrackRecorder, distance_m, points_of

LAT, LON = 39.93, 116.41
M_LAT = 1 / 111_195  # degrees of latitude in a metre


def test_distance_is_metres():
    assert distance_m(LAT, LON, LAT + 100 * M_LAT, LON) == pytest.approx(100, rel=1e-3)
    assert distance_m(LAT, LON, LAT, LON) == 0


def test_filter_keeps_moves_and_heartbeats_drops_jitter_and_bad_fixes(tmp_path):
    rec = TrackRecorder(Outbox(tmp_path / "o.db"), min_distance_m=20, min_interval_s=10,
                        heartbeat_s=300, max_accuracy_m=50)
    t = 1_800_000_000.0
    assert rec.add(LAT, LON, 5, t)                         # the first fix
    assert not rec.add(LAT + 30 * M_LAT, LON, 5, t + 5)    # far enough, too soon
    assert not rec.add(LAT + 5 * M_LAT, LON, 5, t + 60)    # soon enough, too close (jitter)
    assert rec.add(LAT + 30 * M_LAT, LON, 5, t + 60)       # a real move
    assert not rec.add(LAT + 90 * M_LAT, LON, 80, t + 120)  # a poor fix
    assert not rec.add(LAT + 90 * M_LAT, LON, 5, t + 30)   # time went backwards
    assert not rec.add(float("nan"), LON, 5, t + 130)
    assert rec.add(LAT + 31 * M_LAT, LON, 5, t + 400)      # standing still: a heartbeat
    assert rec.pending() == 3


def test_points_survive_a_restart_and_flush_in_batches_of_at_most_500(tmp_path):
    ob = Outbox(tmp_path / "o.db")
    rec = TrackRecorder(ob, min_distance_m=0, min_interval_s=1, flush_after_s=1e9)
    t = 1_800_000_000.0
    for i in range(1203):
        rec.add(LAT + i * M_LAT, LON, 5, t + i)
    # 500 and 1000 flushed by themselves when full; 203 wait, on disk
    assert [len(points_of(i)) for i in ob.items()] == [500, 500]
    again = TrackRecorder(Outbox(tmp_path / "o.db"), min_distance_m=0, min_interval_s=1)
    assert again.pending() == 203 and again.last.at == t + 1202
    assert not again.add(LAT, LON, 5, t + 1202)  # the restored last point still filters
    [item] = again.flush()
    assert item.kind == TRACK and item.state == WAITING and len(item.key) == 36
    first = points_of(item)[0]
    assert set(first) == {"lat", "lon", "accuracy_m", "at"} and first["at"].endswith("+00:00")
    assert again.pending() == 0 and again.flush() == []


def test_flush_after_a_while_even_when_the_batch_is_not_full(tmp_path):
    ob = Outbox(tmp_path / "o.db")
    rec = TrackRecorder(ob, min_distance_m=0, min_interval_s=1, flush_after_s=600)
    t = 1_800_000_000.0
    for i in range(0, 660, 30):
        rec.add(LAT + i * M_LAT, LON, 5, t + i)
    [item] = ob.items()
    assert len(points_of(item)) == 21 and rec.pending() == 1


def test_field_items_are_stored_with_their_key_before_any_network(tmp_path):
    ob = Outbox(tmp_path / "o.db")
    a = ob.add_attendance("in", LAT, LON, 8, "2026-11-22T08:00:00+08:00")
    u = ob.add_component_update({"kind": "damaged", "component_code": "1101010103000001"},
                                b"\xff\xd8jpeg")
    r = ob.add_report({"kind": "event"}, b"\xff\xd8jpeg", voice=b"#!AMR\n...")
    again = Outbox(tmp_path / "o.db")
    assert again.get(a.id).kind == ATTENDANCE and again.get(a.id).fields["kind"] == "in"
    assert again.get(u.id).kind == COMPONENT_UPDATE and again.get(u.id).photo == b"\xff\xd8jpeg"
    assert again.get(r.id).voice == b"#!AMR\n..."
    assert len({a.key, u.key, r.key}) == 3
    with pytest.raises(ValueError):
        ob.add_attendance("lunch", LAT, LON, 8, "2026-11-22T12:00:00+08:00")
    with pytest.raises(ValueError):
        ob.add_track([])


def test_an_outbox_made_before_voice_notes_gets_the_column(tmp_path):
    db = sqlite3.connect(tmp_path / "old.db")
    db.executescript("""CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, case_number TEXT, fields TEXT NOT NULL,
        photo BLOB, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
        next_try REAL NOT NULL DEFAULT 0, reason TEXT, created_at REAL NOT NULL,
        updated_at REAL NOT NULL);
        INSERT INTO outbox (key, kind, fields, state, created_at, updated_at)
        VALUES ('k-1', 'report', '{}', 'waiting', 1, 1);""")
    db.commit()
    db.close()
    ob = Outbox(tmp_path / "old.db")
    [old] = ob.items()
    assert old.key == "k-1" and old.voice is None
    assert ob.add_report({}, None, voice=b"OggS").voice == b"OggS"
