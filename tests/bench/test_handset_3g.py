"""How bench.handset_3g counts lost and duplicated reports and times them (pure)."""

from __future__ import annotations

import pytest

from bench.handset_3g import tally


def test_every_report_with_one_case_is_neither_lost_nor_duplicated():
    out = tally([("a", 10.0), ("b", 11.0)], [("b", 13.5), ("a", 12.0)])
    assert out == {"reports": 2, "lost": 0, "duplicated": 0, "latency": [2.0, 2.5]}


def test_a_report_without_a_case_is_lost_and_foreign_or_repeated_cases_are_duplicates():
    out = tally([("a", 10.0), ("b", 11.0), ("c", 12.0)],
                [("a", 11.0), ("a", 19.0), ("x", 14.0), ("x", 15.0), ("c", 12.5)])
    assert out["lost"] == 1  # b
    assert out["duplicated"] == 3  # a's second case, both cases of a key never pressed
    assert out["latency"] == pytest.approx([0.5, 1.0])  # a timed by its first case
