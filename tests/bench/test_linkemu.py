"""The 3G link emulator's scheduler (delay, rate, drop-tail queue, loss, cut) and its forwarder
loop, without root: socket pairs stand in for the TUN fds."""

from __future__ import annotations

import json
import os
import random
import socket
import threading
import time

import pytest

from bench.linkemu import Direction, LinkModel, forward

MTU = 1200  # 1200 bytes at 384 kbit/s: 25 ms on the air


def test_packets_queue_behind_each_other_at_the_link_rate_then_take_the_delay():
    d = Direction(rate_bps=384_000, delay_s=0.15, loss=0.0, queue_bytes=64 * 1024)
    out = [d.offer(MTU, now=10.0) for _ in range(4)]
    assert out == pytest.approx([10.175, 10.2, 10.225, 10.25])
    assert d.backlog(10.0) == pytest.approx(4 * MTU)
    assert d.backlog(10.05) == pytest.approx(2 * MTU)


def test_an_idle_link_starts_serialising_at_once():
    d = Direction(rate_bps=384_000, delay_s=0.15, loss=0.0)
    d.offer(MTU, now=1.0)
    assert d.offer(MTU, now=5.0) == pytest.approx(5.175)  # not behind the old clock
    assert d.backlog(5.5) == 0


def test_a_full_queue_drops_the_tail_and_takes_packets_again_once_it_drained():
    d = Direction(rate_bps=384_000, delay_s=0.15, loss=0.0, queue_bytes=10 * MTU)
    got = [d.offer(MTU, now=0.0) for _ in range(12)]
    assert sum(g is not None for g in got) == 10 and got[10:] == [None, None]
    assert d.dropped_queue == 2 and d.packets == 10 and d.bytes == 10 * MTU
    assert d.offer(MTU, now=0.025) is not None  # one packet's air time later: one slot free
    assert d.offer(MTU, now=0.025) is None


def test_saturated_throughput_is_the_rate():
    d = Direction(rate_bps=384_000, delay_s=0.15, loss=0.0, queue_bytes=2 * MTU)
    now, delivered = 0.0, 0
    while now < 10.0:
        if d.offer(MTU, now) is not None:
            delivered += MTU
        now += 0.001
    assert delivered * 8 / 10.0 == pytest.approx(384_000, rel=0.01)


def test_loss_is_seeded_near_its_rate_and_lost_packets_still_use_air_time():
    def run(seed):
        d = Direction(rate_bps=1e9, delay_s=0.0, loss=0.02, queue_bytes=1 << 40,
                      rng=random.Random(seed))
        return [d.offer(100, now=0.0) is None for _ in range(20_000)], d

    lost, d = run(7)
    assert lost == run(7)[0] and lost != run(8)[0]
    assert 0.015 < sum(lost) / len(lost) < 0.025
    assert d.dropped_loss == sum(lost) and d.packets == 20_000
    slow = Direction(rate_bps=384_000, delay_s=0.0, loss=1.0)
    assert slow.offer(MTU, 0.0) is None and slow.free_at == pytest.approx(0.025)


def test_a_cut_drops_at_entry_and_what_was_in_flight():
    m = LinkModel(seed=1, loss=0.0)
    assert m.offer(m.up, MTU, 0.0) is not None
    m.cut = True
    assert m.offer(m.up, MTU, 0.01) is None and m.offer(m.down, MTU, 0.01) is None
    assert not m.deliverable(m.up)  # the packet accepted before the cut falls due now
    assert m.stats()["up"]["dropped_cut"] == 2 and m.stats()["down"]["dropped_cut"] == 1
    m.cut = False
    assert m.offer(m.up, MTU, 1.0) is not None and m.deliverable(m.up)


def test_the_forwarder_delays_each_way_obeys_cut_and_answers_stats():
    hand, hand_fd = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    srv, srv_fd = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    for s in (hand_fd, srv_fd, hand, srv):
        s.setblocking(False)
    ctl_r, ctl_w = os.pipe()
    replies: list[dict] = []
    model = LinkModel(seed=1, rate_bps=10_000_000, delay_s=0.05, loss=0.0)
    t = threading.Thread(target=forward, args=(hand_fd.fileno(), srv_fd.fileno(), model, ctl_r,
                                               lambda line: replies.append(json.loads(line))))
    t.start()
    try:
        start = time.monotonic()
        hand.send(b"up packet")
        srv.settimeout(2)
        assert srv.recv(100) == b"up packet"
        assert time.monotonic() - start >= 0.05
        srv.send(b"down packet")
        hand.settimeout(2)
        assert hand.recv(100) == b"down packet"
        os.write(ctl_w, b"cut 1\n")
        _wait(lambda: model.cut)
        hand.send(b"lost")
        srv.settimeout(0.2)
        with pytest.raises(TimeoutError):
            srv.recv(100)
        os.write(ctl_w, b"cut 0\nstats\n")
        _wait(lambda: len(replies) == 3)
        assert replies[1] == {"cut": False}
        assert replies[2]["up"]["packets"] == 1 and replies[2]["up"]["dropped_cut"] == 1
        assert replies[2]["down"]["bytes"] == len(b"down packet")
    finally:
        os.write(ctl_w, b"quit\n")
        t.join(2)
    assert not t.is_alive()


def _wait(pred, timeout=2.0):
    end = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.005)
