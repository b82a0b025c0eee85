"""The client message schema: ``resume.seen_ranges`` (sorted, disjoint ``[lo, hi]`` id pairs)
is checked strictly, and each refusal names the problem."""

from __future__ import annotations

import pytest

from server.realtime.schema import MAX_SEEN_RANGES, Invalid, parse_client


def resume(ranges):
    return {"type": "resume", "after": 100, "seen": [99], "seen_ranges": ranges}


@pytest.mark.parametrize("ranges", [
    [], [[1, 1]], [[0, 5], [7, 7], [9, 2**63 - 1]], [[1, 3], [4, 6]],
    [[2 * n, 2 * n] for n in range(MAX_SEEN_RANGES)],
])
def test_good_ranges_pass(ranges):
    assert parse_client(resume(ranges))["seen_ranges"] == ranges


def test_seen_ranges_is_optional():
    assert parse_client({"type": "resume", "after": 3, "seen": [1, 2]})["after"] == 3


@pytest.mark.parametrize("ranges, says", [
    ("1-5", "a list of [lo, hi] pairs, not str"),
    ({"1": 5}, "a list of [lo, hi] pairs, not dict"),
    ([[1, 2], 3], "pair 1 is not a list [lo, hi]"),
    ([[1, 2, 3]], "pair 0 is not a list [lo, hi]"),
    ([[1]], "pair 0 is not a list [lo, hi]"),
    ([(1, 2)], "pair 0 is not a list"),  # a tuple cannot come from JSON; still refused
    ([[5, 4]], "pair 0 has lo 5 > hi 4"),
    ([[1, 5], [5, 9]], "pair 1 starts at 5, not above the previous pair's end 5"),
    ([[1, 5], [3, 9]], "pair 1 starts at 3"),
    ([[10, 12], [1, 2]], "pair 1 starts at 1, not above the previous pair's end 12"),
    ([[1, "2"]], "pair 0 holds something other than event ids"),
    ([[1.0, 2]], "pair 0 holds something other than event ids"),
    ([[True, 2]], "pair 0 holds something other than event ids"),
    ([[None, 2]], "pair 0 holds something other than event ids"),
    ([[-1, 2]], "pair 0 holds something other than event ids"),
    ([[1, 2**63]], "pair 0 holds something other than event ids"),
    ([[1, 10**40]], "pair 0 holds something other than event ids"),
    ([[2 * n, 2 * n] for n in range(MAX_SEEN_RANGES + 1)],
     f"{MAX_SEEN_RANGES + 1} pairs, at most {MAX_SEEN_RANGES}"),
])
def test_bad_ranges_are_refused_with_the_reason(ranges, says):
    with pytest.raises(Invalid) as exc:
        parse_client(resume(ranges))
    assert str(exc.value).startswith("bad value for resume.seen_ranges: ")
    assert says in str(exc.value)
