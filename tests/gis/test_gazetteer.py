"""gis.gazetteer on a toy street plan: two roads, an alley with a variant name, door plates, a
compound and a POI, drawn in metres near Dongcheng.

    王府井大街 (east-west, y = 0): plates 1, 3, 5 north (y = +5), 2, 4, 6 south (y = -5), every 40 m
    东四头条 (an alley, north-south at x = 300): plates 1 and 2
    东四十条 (an alley, x = 400): plates 12 and 14
    史家胡同 (an alley, x = 500): plate 5, and its compound 史家胡同5号院
    故宫博物院 (a POI, 150 m north of 王府井大街1号)
"""

import pytest
import shapely

from gis.frames import from_metres, to_metres
from gis.gazetteer import Gazetteer, Match, PlaceRecord, normalise

X0, Y0 = to_metres(116.41, 39.91)


def lonlat(x, y):
    return from_metres(X0 + x, Y0 + y)


def point(x, y):
    return shapely.Point(lonlat(x, y))


def line(*xys):
    return shapely.LineString([lonlat(x, y) for x, y in xys])


PLACES = [
    PlaceRecord("R1", "王府井大街", "road", line((0, 0), (240, 0)), "110101001"),
    PlaceRecord("A1", "东四头条", "alley", line((300, 100), (300, -100)), "110101006"),
    PlaceRecord("A2", "东四十条", "alley", line((400, 100), (400, -100)), "110101006"),
    PlaceRecord("A3", "史家胡同", "alley", line((500, 100), (500, -100)), "110101006"),
    PlaceRecord("P1", "故宫博物院", "poi", point(20, 155), "110101001"),
    PlaceRecord("C1", "史家胡同5号院", "compound", shapely.Polygon([lonlat(505, 0), lonlat(525, 0), lonlat(525, 20), lonlat(505, 20)])),
    PlaceRecord("D305", "东四头条1号", "door_plate", point(295, 80)),
    PlaceRecord("D306", "东四头条2号", "door_plate", point(305, 80)),
    PlaceRecord("D401", "东四十条12号", "door_plate", point(395, 0)),
    PlaceRecord("D402", "东四十条14号", "door_plate", point(395, -40)),
    PlaceRecord("D501", "史家胡同5号", "door_plate", point(505, 10)),
] + [
    PlaceRecord(f"D{n:03d}", f"王府井大街{n}号", "door_plate", point(20 + 40 * ((n - 1) // 2), 5 if n % 2 else -5))
    for n in range(1, 7)
]
ADMIN = ["北京市", "东城区", "东华门", "东四"]


@pytest.fixture(scope="module")
def gazetteer():
    return Gazetteer(reversed(PLACES), admin_names=ADMIN)


def best(gazetteer, text):
    found = gazetteer.geocode(text, limit=3)
    return (found[0].name, found[0].score) if found else None


@pytest.mark.parametrize(
    "text",
    [
        "王府井大街1号",
        "王府井大街１号",  # full-width digit
        "王府井大街1號",  # traditional 號
        "王府井大街 1 号",  # spaces
        "王府井大街，1号。",  # punctuation
        "王府井大街1",  # no 号
        "王府井大街一号",  # Chinese numeral door number
        "王府井大街No.1",
        "No. 1 王府井大街",
        "王府井大街 no 1",
        "王府井大街1#",
        "东城区王府井大街1号",
        "北京市东城区王府井大街1号",
        "北京市東城區王府井大街1號",
        "东华门街道王府井大街1号",
        "东华门街道办事处王府井大街1号",
        "东华门王府井大街1号",  # a listed street office name without 街道
        "北京市东城区东华门街道王府井大街1号院3号楼2单元301室",  # unit details after the door number
        "王府井社区王府井大街1号",
    ],
)
def test_door_plate_variants_find_the_same_door_plate(gazetteer, text):
    assert best(gazetteer, text) == ("王府井大街1号", 1.0)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("東四頭條2號", "东四头条2号"),  # traditional alley name
        ("东四一条2号", "东四头条2号"),  # 头条 = 一条
        ("东四头条２号", "东四头条2号"),
        ("东四十条12号", "东四十条12号"),  # the street office 东四 is also the start of the name
        ("东四十条十二号", "东四十条12号"),
        ("東四十條十二號", "东四十条12号"),
        ("東城區東四十條12號", "东四十条12号"),
        ("史家衚衕5号", "史家胡同5号"),  # 衚衕 = 胡同
        ("史家胡同5号院", "史家胡同5号"),  # the door plate before the compound: the door number ends it
    ],
)
def test_traditional_and_variant_names(gazetteer, text, expected):
    assert best(gazetteer, text) == (expected, 1.0)


def test_an_unexplained_prefix_scores_a_little_lower(gazetteer):
    assert best(gazetteer, "我家在王府井大街3号") == ("王府井大街3号", 0.9)


def test_a_missing_door_number_gives_the_road_then_the_nearest_number(gazetteer):
    found = gazetteer.geocode("王府井大街99号", limit=3)
    assert [(m.name, m.score) for m in found[:2]] == [("王府井大街", 0.6), ("王府井大街5号", 0.55)]  # same side: odd


def test_a_name_and_the_start_of_a_name(gazetteer):
    assert best(gazetteer, "王府井大街") == ("王府井大街", 1.0)
    assert best(gazetteer, "故宫")[0] == "故宫博物院"
    assert gazetteer.geocode("故宫")[0].place_type == "poi"


def test_a_typo_still_finds_something_close(gazetteer):
    name, score = best(gazetteer, "王府井大道3号")
    assert name.startswith("王府井大街") and 0 < score <= 0.5


def test_match_coordinates(gazetteer):
    (plate,) = gazetteer.geocode("王府井大街1号", limit=1)
    assert isinstance(plate, Match) and plate.code == "D001" and plate.place_type == "door_plate"
    assert (plate.lon, plate.lat) == pytest.approx(lonlat(20, 5), abs=1e-9)
    road = gazetteer.geocode("王府井大街", limit=1)[0]
    assert to_metres(road.lon, road.lat) == pytest.approx((X0 + 120, Y0), abs=0.01)  # the middle of the road


def test_nothing_and_limits(gazetteer):
    assert gazetteer.geocode("") == [] and gazetteer.geocode("，。 ") == []
    assert gazetteer.geocode("王府井大街1号", limit=0) == []
    assert gazetteer.geocode("xyz") == []
    assert len(gazetteer.geocode("王府井大街", limit=4)) == 4


def test_reverse_prefers_door_plates(gazetteer):
    # 3 m from 王府井大街3号, 2 m from the road itself: the door plate wins.
    near = gazetteer.reverse(*lonlat(60, 2))
    assert (near.name, near.place_type) == ("王府井大街3号", "door_plate")
    assert near.score == pytest.approx(1 - 3 / 100, abs=1e-6)


def test_reverse_falls_back_to_other_places_and_to_none(gazetteer):
    near = gazetteer.reverse(*lonlat(300, -90), max_distance_m=30)  # on the alley, far from its plates
    assert near.name == "东四头条" and to_metres(near.lon, near.lat) == pytest.approx((X0 + 300, Y0 - 90), abs=0.01)
    assert gazetteer.reverse(*lonlat(1000, 1000)) is None
    assert Gazetteer([]).reverse(*lonlat(0, 0)) is None


def test_suggest_shortest_first(gazetteer):
    assert [m.name for m in gazetteer.suggest("王府井", limit=4)] == ["王府井大街", "王府井大街1号", "王府井大街2号", "王府井大街3号"]
    assert [m.name for m in gazetteer.suggest("東四")] == ["东四头条", "东四十条", "东四头条1号", "东四头条2号", "东四十条12号", "东四十条14号"]
    assert [m.name for m in gazetteer.suggest("东城区王府井大街1")] == ["王府井大街1号"]
    assert gazetteer.suggest("") == [] and gazetteer.suggest("火星") == []


def test_normalise():
    assert normalise("王府井大街１號") == "王府井大街1号"
    assert normalise("No. 12, 王府井大街") == "王府井大街12号"
    assert normalise("史家衚衕") == "史家胡同"
    assert normalise("东四头条") == normalise("东四一条")
    assert normalise("ABC路") == "abc路"  # letters compare without case
