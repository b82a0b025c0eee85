"""gridmaps.validate: every kind of problem, each named with its layer, feature id and code."""

from __future__ import annotations

from dataclasses import replace

import pytest
from shapely.geometry import LineString, Point, Polygon

from gridmaps.validate import PROBLEM_TYPES, SET_PROBLEM_TYPES, FeatureRef, Rules, normalise_class, validate
from tests.gridmaps.maptoy import at, rect, toy_city

PARTS = ("streets", "communities", "cells", "duty_grids", "departments", "components", "places")
SUPERVISORS = {"sup_west", "sup_east"}


def refs_for(city):
    """FIDs 100, 101, ... per layer, so a test can tell which feature a problem names."""
    return {part: [FeatureRef(f"src_{part}", 100 + i) for i in range(len(getattr(city, part)))] for part in PARTS}


def check(city, **kw):
    return validate(city, kw.pop("rules", Rules()), refs=refs_for(city), supervisors=SUPERVISORS, **kw)


def change(city, part, i, **fields):
    items = list(getattr(city, part))
    items[i] = replace(items[i], **fields)
    return replace(city, **{part: tuple(items)})


def found(problems):
    return {(p.layer, p.fid, p.code, p.problem_type) for p in problems}


def test_the_toy_city_is_clean():
    assert check(toy_city()) == []


def test_the_demo_city_is_clean():
    from gridmaps.demo import build_demo_city

    city = build_demo_city()
    supervisors = {u for g in city.duty_grids for u in g.supervisor_usernames}
    assert validate(city, Rules(cell_sequence_digits=city.sequence_digits), supervisors=supervisors) == []


C = toy_city()
BOWTIE = Polygon([at(0, 0), at(100, 100), at(100, 0), at(0, 100)])


@pytest.mark.parametrize("part, i, fields, expected", [
    # codes
    ("cells", 1, {"code": "11010100100102"}, ("cells", 101, "11010100100102", "bad_code")),
    ("cells", 1, {"code": "110101001002002"}, ("cells", 101, "110101001002002", "code_prefix")),
    ("communities", 0, {"street_code": "110101009"}, ("communities", 100, "110101001001", "unknown_parent")),
    ("cells", 3, {"code": C.cells[2].code}, ("cells", 103, C.cells[2].code, "duplicate_code")),
    ("components", 0, {"code": "1101020103000001"}, ("components", 100, "1101020103000001", "code_prefix")),
    ("components", 0, {"class_code": "0104"}, ("components", 100, "1101010103000001", "code_prefix")),
    ("components", 0, {"code": "1101019999000001", "class_code": "9999"},
     ("components", 100, "1101019999000001", "unknown_class")),
    ("components", 1, {"cell_code": "110101001001009"}, ("components", 101, "1101010211000001", "unknown_parent")),
    ("components", 2, {"owner_code": "zoo"}, ("components", 102, "1101010405000001", "unknown_department")),
    ("components", 0, {"state": "shiny"}, ("components", 100, "1101010103000001", "bad_value")),
    ("places", 1, {"name": ""}, ("places", 101, "P0002", "missing_value")),
    ("places", 1, {"kind": "mansion"}, ("places", 101, "P0002", "bad_value")),
    ("places", 2, {"street_code": "110101007"}, ("places", 102, "P0003", "unknown_parent")),
    ("departments", 0, {"kind": "boss"}, ("departments", 100, "water", "bad_value")),
    ("departments", 1, {"code": "市政"}, ("departments", 101, "市政", "bad_code")),
    ("duty_grids", 1, {"supervisor_usernames": ("nobody",)}, ("duty_grids", 101, "DG1101010020011", "unknown_supervisor")),
    ("duty_grids", 1, {"cell_codes": (C.cells[0].code,)}, ("duty_grids", 101, "DG1101010020011", "cell_in_two_duty_grids")),
    ("duty_grids", 0, {"cell_codes": ()}, ("duty_grids", 100, "DG1101010010011", "missing_value")),
    # geometry
    ("components", 0, {"geometry": Point()}, ("components", 100, "1101010103000001", "empty_geometry")),
    ("places", 0, {"geometry": None}, ("places", 100, "P0001", "empty_geometry")),
    ("cells", 0, {"geometry": LineString([at(0, 0), at(100, 100)])}, ("cells", 100, C.cells[0].code, "wrong_geometry_type")),
    ("cells", 0, {"geometry": BOWTIE}, ("cells", 100, C.cells[0].code, "invalid_geometry")),
    ("components", 0, {"geometry": Point(*at(150, 50))}, ("components", 100, "1101010103000001", "outside_parent")),
])
def test_each_problem_names_its_feature(part, i, fields, expected):
    problems = check(change(C, part, i, **fields))
    assert expected in found(problems), [p.as_dict() for p in problems]
    assert all(p.problem_type in PROBLEM_TYPES for p in problems)
    named = next(p for p in problems if (p.layer, p.fid, p.code, p.problem_type) == expected)
    assert named.source == f"src_{part}" and named.message and named.index == i
    assert named.skippable == (named.problem_type not in SET_PROBLEM_TYPES)


def test_duplicate_names_the_first_fid():
    problems = check(change(C, "components", 2, code=C.components[1].code, class_code="0211"))
    [dup] = [p for p in problems if p.problem_type == "duplicate_code"]
    assert dup.fid == 102 and "FID 101" in dup.message


def test_a_cell_sticking_out_of_its_community():
    moved = rect(0, 0.0, 100, 101)  # 1 m past the community's north edge
    problems = check(change(C, "cells", 0, geometry=moved))
    assert ("cells", 100, C.cells[0].code, "outside_parent") in found(problems)


def test_overlap_and_gap_are_about_several_features():
    # Cell 2 shifted 10 m west: it overlaps cell 1 by 1,000 m² and leaves 1,000 m² uncovered.
    problems = check(change(C, "cells", 1, geometry=rect(90, 0)))
    overlap = next(p for p in problems if p.problem_type == "overlap")
    assert overlap.layer == "cells" and C.cells[0].code in overlap.message and "1,000" in overlap.message
    gap = next(p for p in problems if p.problem_type == "gap")
    assert (gap.layer, gap.fid, gap.code) == ("communities", 100, C.communities[0].code)
    assert not overlap.skippable and not gap.skippable


def test_tolerances_are_settings():
    slightly = change(C, "cells", 1, geometry=rect(99.9, 0, 100.1, 100))  # 10 m² of overlap
    assert "overlap" in {p.problem_type for p in check(slightly)}
    assert "overlap" not in {p.problem_type for p in check(slightly, rules=Rules(overlap_m2=20))}


def test_implausible_areas():
    tiny_rules = Rules(cell_min_area_m2=20_000)
    problems = check(C, rules=tiny_rules)
    assert {(p.problem_type, p.layer) for p in problems} == {("implausible_area", "cells")} and len(problems) == 8


def test_supervisors_are_not_checked_without_a_list():
    city = change(C, "duty_grids", 0, supervisor_usernames=("ghost",))
    assert validate(city) == []


def test_district_code():
    problems = check(replace(C, district=replace(C.district, code="1101")))
    assert ("district", None, "1101", "bad_code") in found(problems)


def test_seventeen_digit_component_codes():
    assert normalise_class("01003", 3) == "0103" and normalise_class("0103", 2) == "0103"
    long = replace(C, components=tuple(replace(c, code=c.code[:8] + "0" + c.code[8:]) for c in C.components))
    assert {p.problem_type for p in check(long)} == {"bad_code"}
    assert check(long, rules=Rules(component_minor_digits=3)) == []
