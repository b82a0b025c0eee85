"""The outbox store, drafts, backoff and messages without a network (pure SQLite)."""

from __future__ import annotations

from mobileapp.core.drafts import Drafts
from mobileapp.core.messages import MESSAGES, item_state, t
from mobileapp.core.outbox import REFUSED, SENDING, SENT, WAITING, Outbox
from mobileapp.core.sender import backoff


def test_report_is_stored_with_key_and_photo_before_any_network(tmp_path):
    ob = Outbox(tmp_path / "o.db")
    item = ob.add_report({"kind": "event", "class_code": "0101", "lat": 1.5}, b"\xff\xd8jpeg")
    again = Outbox(tmp_path / "o.db").get(item.id)  # another connection: it is on disk
    assert again.state == WAITING and len(again.key) == 36 and again.photo == b"\xff\xd8jpeg"
    assert again.fields == {"kind": "event", "class_code": "0101", "lat": "1.5"}


def test_interrupted_sending_goes_back_to_waiting_only_when_the_sender_starts(tmp_path):
    ob = Outbox(tmp_path / "o.db")
    ob.add_report({"kind": "event"}, None)
    claimed = ob.claim()
    assert claimed.state == SENDING and claimed.attempts == 1
    assert ob.claim() is None  # one sender at a time per item
    assert Outbox(tmp_path / "o.db").get(claimed.id).state == SENDING  # a UI reader: untouched
    assert Outbox(tmp_path / "o.db", recover=True).get(claimed.id).state == WAITING


def test_states_and_retry_schedule(tmp_path):
    ob = Outbox(tmp_path / "o.db")
    a, b, c = (ob.add_report({"description": str(i)}, None) for i in range(3))
    ob.claim()
    ob.mark_retry(a.id, 30, "ConnectError")
    assert ob.claim().id == b.id  # a is not due yet; b is next
    ob.mark_sent(b.id, "C0001")
    ob.claim()
    ob.mark_refused(c.id, "outside the managed area")
    assert ob.counts() == {WAITING: 1, SENDING: 0, SENT: 1, REFUSED: 1}
    ob.retry_now()
    assert ob.claim().id == a.id
    assert item_state(ob.get(b.id), "en") == "Sent: C0001"
    # no code the phone knows: the server's own words, framed in the user's language
    assert (item_state(ob.get(c.id))
            == "被拒绝：服务器拒收（outside the managed area），请检查后重发")


def test_drafts_move_into_the_outbox_atomically(tmp_path):
    ob = Outbox(tmp_path / "o.db")
    drafts = Drafts(ob)
    d = drafts.save({"kind": "event", "description": "井盖缺失"}, b"jpg")
    drafts.save({"kind": "event", "description": "井盖缺失，已围挡"}, b"jpg", draft_id=d.id)
    assert [x.fields["description"] for x in drafts.list()] == ["井盖缺失，已围挡"]
    item = ob.get(drafts.submit(d.id))
    assert item.state == WAITING and item.photo == b"jpg" and drafts.list() == []


def test_backoff_grows_exponentially_with_jitter_and_a_cap():
    assert backoff(1, rnd=lambda: 0.0) == 0.5 and backoff(1, rnd=lambda: 1.0) == 1.0
    assert backoff(4, rnd=lambda: 1.0) == 8.0
    assert backoff(30, rnd=lambda: 1.0) == 60.0 and backoff(30, rnd=lambda: 0.0) == 30.0


def test_every_message_has_both_languages():
    assert all(set(v) == {"zh", "en"} for v in MESSAGES.values())
    assert t("no.such.key") == "no.such.key"
    assert t("report.gps_fix", "en", lat=1, lon=2, acc=5) == "Position 1.000000, 2.000000 (±5 m)"


def test_core_and_platform_import_no_kivy():
    import subprocess
    import sys

    code = ("import sys, mobileapp.core.api, mobileapp.core.outbox, mobileapp.core.sender, "
            "mobileapp.core.photos, mobileapp.core.tasks, mobileapp.core.drafts, "
            "mobileapp.core.messages, mobileapp.platform; "
            "sys.exit('kivy' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_the_app_and_its_service_open_a_new_outbox_at_once(tmp_path):
    """On Android the app and its sending service open the same file: whichever comes first
    adds the newer columns, and the other never fails with 'duplicate column name'."""
    import threading

    def open_it(path, start, errors):
        start.wait()
        try:
            Outbox(path).close()
        except BaseException as exc:  # reported below
            errors.append(exc)

    for n in range(20):
        errors: list[BaseException] = []
        start = threading.Barrier(2)
        threads = [threading.Thread(target=open_it,
                                    args=(tmp_path / f"outbox-{n}.sqlite3", start, errors))
                   for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert errors == []
