"""Two people acting on one case at the same moment, through a real server: exactly one wins,
the others get 409 with the state the winner left (both backends)."""

from __future__ import annotations

import threading

import httpx

from bench.simulate import Simulator

RACERS = 6


def _race(sim, number, calls):
    """Fire ``calls`` [(actor, action, json)] at once; returns their responses."""
    barrier = threading.Barrier(len(calls))
    out = [None] * len(calls)

    def go(i, actor, action, body):
        client = httpx.Client(base_url=sim.client.base_url, timeout=30)
        barrier.wait()
        out[i] = client.post(f"/api/cases/{number}/actions/{action}/", json=body,
                             headers={"Authorization": f"Token {sim.tokens[actor]}"})

    threads = [threading.Thread(target=go, args=(i, *c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


def test_exactly_one_of_simultaneous_steps_wins(live):
    sim = Simulator(live.base_url)
    sim.prepare()
    for round_ in range(3):
        r = sim.call("supervisor", "POST", "/api/reports/", data={
            "idempotency_key": f"race-{round_}-{live.port}", "kind": "event",
            "class_code": "0102", "lat": str(sim.cells[round_]["lat"]),
            "lon": str(sim.cells[round_]["lon"])},
            files={"photo": ("p.jpg", __import__("bench.simulate").simulate.make_photo(round_),
                             "image/jpeg")})
        assert r.status_code == 201, r.text
        number = r.json()["number"]
        # half accept, half reject: whoever is first decides, the rest see a moved case
        calls = [("acceptor", "accept", {}) if i % 2 else ("acceptor", "reject", {"reason": "重复"})
                 for i in range(RACERS)]
        results = _race(sim, number, calls)
        codes = sorted(r.status_code for r in results)
        assert codes == [200] + [409] * (RACERS - 1), [r.text for r in results]
        winner = next(r for r in results if r.status_code == 200).json()["state"]
        for r in results:
            if r.status_code == 409:
                assert r.json()["error"]["state"] == winner
        detail = sim.call("acceptor", "GET", f"/api/cases/{number}/").json()
        assert [e["action"] for e in detail["events"]][1:] in (["accept"], ["reject"])


def test_simultaneous_reports_get_distinct_consecutive_numbers(live):
    """Reports racing through the real server get one number each, and with none failing no
    gap (server.cases.numbering: on PostgreSQL each takes its number just before its
    transaction; on SQLite by its transaction's last statement)."""
    from bench.simulate import make_photo

    sim = Simulator(live.base_url)
    sim.prepare()
    barrier = threading.Barrier(RACERS)
    out = [None] * RACERS

    def go(i):
        client = httpx.Client(base_url=sim.client.base_url, timeout=60)
        cell = sim.cells[i % len(sim.cells)]
        form = {"idempotency_key": f"number-race-{i}-{live.port}", "kind": "event",
                "class_code": "0101", "lat": str(cell["lat"]), "lon": str(cell["lon"])}
        barrier.wait()
        out[i] = client.post("/api/reports/", data=form,
                             files={"photo": ("p.jpg", make_photo(100 + i), "image/jpeg")},
                             headers={"Authorization": f"Token {sim.tokens['supervisor']}"})

    threads = [threading.Thread(target=go, args=(i,)) for i in range(RACERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert [r.status_code for r in out] == [201] * RACERS, [r.text for r in out]
    seqs = sorted(int(r.json()["number"][-4:]) for r in out)
    assert seqs == list(range(seqs[0], seqs[0] + RACERS))
