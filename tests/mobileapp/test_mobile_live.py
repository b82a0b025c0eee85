"""Live task push against the real server (daphne, SpatiaLite, in-memory channel layer): the
handset's websocket hears its task at once, falls back to polling when the link drops, and
resumes from its cursor without losing the events it missed. Only the network is faked (Link)."""

from __future__ import annotations

import threading
import uuid

from bench.simulate import Simulator, make_photo
from mobileapp.core.api import ApiClient
from mobileapp.core.live import HeldIds, LiveFeed, TaskBoard, id_ranges, ws_headers, ws_url
from mobileapp.core.outbox import Outbox
from mobileapp.core.tasks import Task, TaskInbox
from tests.mobileapp.test_mobile_sender_live import wait_for


def verify_task(sim: Simulator, cell: dict, text: str) -> str:
    """A supervisor's report, accepted, then sent to the supervisor to verify (核实)."""
    r = sim.call("supervisor", "POST", "/api/reports/", data={
        "idempotency_key": str(uuid.uuid4()), "kind": "event", "class_code": "0103",
        "lat": str(cell["lat"]), "lon": str(cell["lon"]), "accuracy_m": "5",
        "description": text}, files={"photo": ("p.jpg", make_photo(7), "image/jpeg")})
    assert r.status_code == 201, r.text
    number = r.json()["number"]
    sim.act("acceptor", number, "accept", "accepted")
    sim.act("acceptor", number, "send_verify", "verifying", assignee="supervisor")
    return number


class Phone:
    """The handset's side: a board fed by the socket and by REST polls."""

    def __init__(self, base_url: str, token: str, tmp_path):
        self.board = TaskBoard()
        self.states: list[str] = []
        self.polls = 0
        self.lock = threading.Lock()
        self.outbox_path = tmp_path / "phone.db"
        Outbox(self.outbox_path).close()
        self.feed = LiveFeed(base_url, token, on_case=self.case, on_resync=self.poll,
                             on_state=self.states.append, on_hello=self.hello,
                             cursor_path=tmp_path / "cursor", poll_every=0.3,
                             retry_base=0.2, retry_max=0.5, open_timeout=5)
        self.api_url, self.token = base_url, token

    def hello(self, msg):
        self.board.learn_user(msg["groups"])

    def case(self, case, msg):
        with self.lock:
            self.board.apply(case)

    def poll(self):
        self.polls += 1
        with ApiClient(self.api_url, self.token, timeout=3) as api:
            outbox = Outbox(self.outbox_path)
            try:
                tasks = TaskInbox(api, outbox, self.board.my_user_id).poll()
            finally:
                outbox.close()
        with self.lock:
            self.board.replace(tasks)


def test_ws_url_keeps_the_path_prefix_and_the_scheme():
    assert ws_url("https://city.example/dcm/") == "wss://city.example/dcm/ws/events/"
    assert ws_url("http://127.0.0.1:8000") == "ws://127.0.0.1:8000/ws/events/"
    # the token travels in a header: a URL is written into access logs
    assert ws_headers("https://city.example/dcm/", "k") == {
        "Authorization": "Token k", "Origin": "https://city.example"}


def test_board_keeps_only_my_open_tasks():
    board = TaskBoard()
    board.learn_user(["user.12", "role.supervisor"])
    mine = {"number": "E1", "state": "verifying", "assignee_id": 12, "class_code": "0103",
            "lat": 1.0, "lon": 2.0}
    assert board.apply(mine) and not board.apply(mine)
    assert not board.apply(dict(mine, number="E2", assignee_id=13))   # someone else's
    assert board.apply(dict(mine, state="verified"))                  # answered: gone
    assert board.open() == [] and not board.apply({"state": "checking"})


def test_push_then_link_down_polls_then_resume_replays_what_was_missed(
        live, link, sup_token, cells, tmp_path):
    sim = Simulator(live.base_url)
    sim.tokens["supervisor"] = sup_token
    sim.login("acceptor")  # not prepare(): logging every actor in costs seconds of hashing
    phone = Phone(link.base_url, sup_token, tmp_path)
    phone.feed.start()
    try:
        wait_for(lambda: phone.feed.state == "live")
        assert phone.polls == 1 and phone.board.my_user_id  # the first load, by REST
        start_cursor = phone.feed.cursor
        first = verify_task(sim, cells[1], "推送 live push")
        wait_for(lambda: first in phone.board.tasks)          # pushed, no poll involved
        assert phone.polls == 1 and phone.feed.cursor > start_cursor

        link.set("down")                                      # 3G gone
        wait_for(lambda: phone.feed.state == "polling")
        polls = phone.polls
        wait_for(lambda: phone.polls >= polls + 2)            # the fallback keeps trying
        sim.act("supervisor", first, "verify", "accepted", photo=make_photo(8),
                result="confirmed")                           # answered from another phone
        second = verify_task(sim, cells[2], "断网期间 missed while offline")
        assert first in phone.board.tasks and second not in phone.board.tasks

        link.set("up")
        wait_for(lambda: phone.feed.state == "live")
        wait_for(lambda: second in phone.board.tasks and first not in phone.board.tasks)
        assert isinstance(phone.board.tasks[second], Task)
        assert phone.board.tasks[second].action == "verify"
    finally:
        phone.feed.stop()
    # A restarted app resumes from the cursor it saved, and loads its (in-memory) list once.
    again = Phone(live.base_url, sup_token, tmp_path)
    assert again.feed.cursor == phone.feed.cursor
    again.feed.start()
    try:
        wait_for(lambda: again.feed.state == "live" and second in again.board.tasks)
        assert again.polls == 1 and first not in again.board.tasks
    finally:
        again.feed.stop()


def test_a_revoked_token_falls_back_to_polling_and_says_refused(live, tmp_path):
    polled = threading.Event()
    feed = LiveFeed(live.base_url, "not-a-token", on_case=lambda c, m: None,
                    on_resync=polled.set, poll_every=0.2, retry_max=0.5)
    feed.start()
    try:
        wait_for(lambda: feed.state == "refused" and polled.is_set())
    finally:
        feed.stop()


def test_resumed_moves_the_cursor_and_reset_reloads(tmp_path):
    resyncs, cases = [], []
    feed = LiveFeed("http://127.0.0.1:9", "t", on_case=lambda c, m: cases.append(c["number"]),
                    on_resync=lambda: resyncs.append(1), cursor_path=tmp_path / "cursor")
    feed.handle({"type": "case", "event_id": 41, "case": {"number": "E1"}})
    feed.handle({"type": "case", "event_id": 40, "case": {"number": "E2"}})  # a late commit
    assert feed.cursor == 41 and feed.held.newest(5) == [41, 40] and cases == ["E1", "E2"]
    feed.handle({"type": "resumed", "after": 41, "replayed": 0, "last_event_id": 45})
    assert feed.cursor == 45 and not resyncs
    feed.handle({"type": "reset", "reason": "too_many_missed", "last_event_id": 3000})
    # Reloaded lists hold the reset's last event: the lowest id the next resume names.
    assert feed.cursor == 3000 and resyncs == [1] and feed.held.newest(5) == [3000]
    assert (tmp_path / "cursor").read_text() == "3000"


def test_id_ranges_are_sorted_disjoint_and_the_newest_when_too_many():
    assert id_ranges([]) == []
    assert id_ranges([7, 3, 4, 5, 9, 10, 4]) == [[3, 5], [7, 7], [9, 10]]
    assert id_ranges(range(0, 10, 2), limit=2) == [[6, 6], [8, 8]]


def test_held_ids_forget_after_the_window_or_past_the_limit():
    now = [0.0]
    held = HeldIds(keep_s=70, max_ids=5, clock=lambda: now[0])
    for i in (1, 2, 3):
        held.add(i)
    now[0] = 50.0
    for i in (5, 6):
        held.add(i)
    assert held.ranges() == [[1, 3], [5, 6]] and held.newest(2) == [5, 6]
    now[0] = 71.0
    held.add(7)  # 1, 2, 3 are older than 70 s
    assert held.ranges() == [[5, 7]]
    for i in (9, 10, 11):
        held.add(i)  # six ids: the oldest goes
    assert held.ranges() == [[6, 7], [9, 11]] and 5 not in held and len(held) == 5


def test_resume_names_what_the_phone_holds_as_ranges(tmp_path):
    """A gap among the received ids (a push lost in a killed server worker) stays a gap in
    ``seen_ranges``: the server re-sends it, however many events came after it."""
    feed = LiveFeed("http://127.0.0.1:9", "t", on_case=lambda c, m: None,
                    on_resync=lambda: None)
    feed.cursor = 100
    feed.held.add(100)  # what a fresh hello does with its last_event_id
    for event_id in [*range(101, 120), *range(121, 3000)]:  # 120 lost
        feed.handle({"type": "case", "event_id": event_id, "case": {"number": "E1"}})
    msg = feed.resume_message()
    assert msg["after"] == 2999 and msg["seen_ranges"] == [[100, 119], [121, 2999]]
    assert msg["seen"] == list(range(2800, 3000))
