"""bench.cluster's accounting: what it calls lost, duplicated and unavailable (no cluster)."""

from bench.cluster import count_losses, p99, schedule, unavailable


def test_lost_and_duplicated_against_the_outbox_keys_and_texts():
    keys = {"k1": "r1", "k2": "r2", "k3": "r3"}
    on_server = {"k1": "r1", "k2": "r2", "x9": "r2"}  # k3 never arrived, r2 twice
    lost, duplicated = count_losses(keys, on_server, ["r1", "r2", "r2"])
    assert (lost, duplicated) == (1, 2)  # r2's second case, and a key no outbox made
    assert count_losses(keys, dict(keys), list(keys.values())) == (0, 0)


def test_unavailable_is_the_longest_stretch_between_acknowledgements():
    acks = [10.0, 10.5, 11.0, 19.0, 19.2, 30.0, 30.1]
    longest, per_fault = unavailable(acks, [(11.5, "node"), (29.0, "pg")])
    assert longest == 10.8
    assert per_fault == [{"fault": "node", "unavailable_s": 8.0},
                         {"fault": "pg", "unavailable_s": 10.8}]
    assert unavailable([5.0], []) == (0.0, [])


def test_faults_are_spread_and_interleaved():
    plan = schedule(2, 1, 1)
    assert [kind for _, kind in plan] == ["node", "redis", "node", "pg"]
    assert [share for share, _ in plan] == [0.2, 0.4, 0.6, 0.8]


def test_p99():
    assert p99([]) is None
    assert p99([float(i) for i in range(1, 101)]) == 100.0
    assert p99([3.0, 1.0, 2.0]) == 3.0
