"""Geocoding through a gazetteer (地理编码): address text -> places, a point -> nearest address.

``Gazetteer(places, admin_names=())`` takes ``PlaceRecord``s (WGS84 geometries) and answers:

  * ``geocode(text, limit=5) -> [Match]``: best first. Tolerated: full-width digits, letters and
    spaces (NFKC); traditional and variant characters common in addresses (號 -> 号, 衚衕 -> 胡同,
    東 -> 东, ...); spaces and punctuation; Chinese numerals in names and door numbers (东四十条
    = 东四10条, 十二号 = 12号, 头条 = 1条); "No. 1" / "1#" for "1号"; a door number without 号;
    a leading city, district, street office or community ("北京市东城区东华门街道..."); unit
    details after the door number ("3号院2号楼301" -> "3号").
  * ``reverse(lon, lat, max_distance_m=100) -> Match | None``: the nearest door plate within the
    distance, else the nearest other place; ``score`` falls from 1 to 0 with distance.
  * ``suggest(prefix, limit=10) -> [Match]``: type-ahead, names starting with the prefix, shortest
    first (so a road comes before its door plates, 2号 before 10号).

Scores (geocode): 1.0 the whole text is a name, or a name after a prefix of admin names; 0.9 a
name ends the text after an unexplained prefix; 0.6 the road of a door number that does not
exist, 0.55 the nearest existing number on it (same side first); 0.4-0.8 a name that starts with
the text (longer for a closer length); up to 0.5 by shared character pairs (Dice) otherwise.
Ties: door plates, then compounds, POIs, alleys, roads; then code.

Pure: shapely, pyproj (through ``gis.frames``) and the standard library.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gis.frames import DEFAULT_METRIC, MetricFrame

__all__ = ["Gazetteer", "Match", "PlaceRecord", "normalise"]

_TYPE_RANK = {"door_plate": 0, "compound": 1, "poi": 2, "alley": 3, "road": 4}

# Traditional and variant forms seen in Beijing addresses -> the simplified standard form
# (a short table, not a converter: names are standard already, queries mostly are too).
_VARIANT_PAIRS = (
    "號号 區区 條条 衚胡 衕同 東东 門门 裡里 裏里 橋桥 廣广 場场 園园 華华 內内 豐丰 寧宁 興兴 農农 龍龙 "
    "臺台 灣湾 際际 國国 樓楼 單单 廠厂 厰厂 莊庄 館馆 體体 貨货 與与 慶庆 鑾銮 錢钱 糧粮 餌饵 學学 總总 "
    "麵面 燈灯 線线 營营 閣阁 雞鸡 鐘钟 後后 頭头 兩两 壇坛 鎮镇 鄉乡 縣县 側侧 邊边 車车 廟庙 觀观 層层 "
    "戶户 户户 鋪铺 蘭兰 劉刘 張张 陳陈 黃黄 趙赵 吳吴 楊杨 寶宝 壽寿 鳳凤 濟济 湯汤 騎骑 馬马 驛驿 "
    "隆隆 聖圣 蓮莲 魚鱼 夾夹 甯宁 竈灶 衆众 裏里 衖弄 峯峰 綫线 堦阶 階阶 濱滨 灘滩 勝胜 鐵铁 鋼钢"
)
_VARIANTS = str.maketrans({pair[0]: pair[1] for pair in _VARIANT_PAIRS.split()})
_CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_DOOR_NUMBER = re.compile("([零〇一二两三四五六七八九十百]+)号")
_LEADING_DOOR = re.compile(r"^(\d+号)(.+\D)$")
_NO = re.compile(r"(?i)(?:no|n°)\.?(\d+)")
_HASH = re.compile(r"(\d+)#")
_DOOR = re.compile(r"^(.*?\D)(\d+)号")
_ADMIN = re.compile(r"^(?:.{1,6}?(?:省|市|区|县|街道办事处|街道|镇|乡)|.{1,8}?社区)+")


def _cn_to_int(s: str) -> int | None:
    """Chinese numeral run -> int (十 10, 十二 12, 二十 20, 一百零五 105, 一〇五 105); None if odd."""
    if all(ch in _CN_DIGIT for ch in s):
        return int("".join(str(_CN_DIGIT[ch]) for ch in s))
    total, digit = 0, None
    for ch in s:
        if ch in _CN_DIGIT:
            digit = _CN_DIGIT[ch]
        elif ch in "十百":
            total += (1 if digit is None else digit) * (10 if ch == "十" else 100)
            digit = None
    return total + (digit or 0)


def normalise(text: str) -> str:
    """The matching key of a name or a query (not for display)."""
    s = unicodedata.normalize("NFKC", text).translate(_VARIANTS)
    s = s.replace("头条", "一条")  # 东四头条 is also written 东四一条
    # Only door numbers are converted: inside names a numeral run can span a name (东四十条).
    s = _CN_DOOR_NUMBER.sub(lambda m: f"{_cn_to_int(m.group(1))}号", s)
    s = "".join(ch for ch in s if ch == "#" or unicodedata.category(ch)[0] not in "PZSC")
    s = _NO.sub(r"\1号", s)
    s = _HASH.sub(r"\1号", s)
    s = _LEADING_DOOR.sub(r"\2\1", s)  # "No. 1 王府井大街" -> 王府井大街1号
    return s.lower()


@dataclass(frozen=True)
class PlaceRecord:
    """A gazetteer entry as input. ``place_type``: road, alley, compound, door_plate or poi;
    ``geometry``: shapely geometry in WGS84 lon/lat."""

    code: str
    name: str
    place_type: str
    geometry: BaseGeometry
    street_code: str = ""


@dataclass(frozen=True)
class Match:
    """A place found: ``lon``, ``lat`` (WGS84) of its point (lines: the middle, polygons: a point
    inside; reverse: the nearest point of the place), ``score`` in [0, 1]."""

    code: str
    name: str
    place_type: str
    lon: float
    lat: float
    score: float


class Gazetteer:
    """An in-memory gazetteer; read-only after construction, safe to share between threads.

    ``admin_names``: names that may precede an address and mean nothing for matching (street
    offices without "街道", a city's short name); names ending in 省/市/区/县/街道/镇/乡/社区 are
    recognised without being listed. ``metric``: the city's metric frame, for distances.
    """

    def __init__(self, places: Iterable[PlaceRecord], admin_names: Iterable[str] = (), *,
                 metric: MetricFrame = DEFAULT_METRIC):
        self._metric = metric
        self._places = sorted(places, key=lambda p: p.code)
        self._keys = [normalise(p.name) for p in self._places]
        self._by_key: dict[str, list[int]] = {}
        for i, key in enumerate(self._keys):
            self._by_key.setdefault(key, []).append(i)
        self._admin = sorted({normalise(n) for n in admin_names if n}, key=len, reverse=True)
        self._sorted_keys = sorted((k, i) for i, k in enumerate(self._keys))
        self._bigrams: dict[str, list[int]] = {}
        for i, key in enumerate(self._keys):
            for g in {key[j : j + 2] for j in range(max(len(key) - 1, 1))}:
                self._bigrams.setdefault(g, []).append(i)
        self._numbers: dict[str, list[tuple[int, int]]] = {}  # road key -> sorted (number, place)
        for i, key in enumerate(self._keys):
            m = _DOOR.fullmatch(key)
            if self._places[i].place_type == "door_plate" and m:
                self._numbers.setdefault(m.group(1), []).append((int(m.group(2)), i))
        for numbers in self._numbers.values():
            numbers.sort()
        geoms = [p.geometry for p in self._places]
        metres = shapely.transform(np.array(geoms, dtype=object), metric.coords_to_metres) if geoms else np.empty(0, object)
        self._geoms_m = metres
        self._tree = shapely.STRtree(metres)
        self._points = [_representative(g) for g in geoms]

    def __len__(self) -> int:
        return len(self._places)

    def _match(self, i: int, score: float, lonlat: tuple[float, float] | None = None) -> Match:
        p = self._places[i]
        lon, lat = lonlat or self._points[i]
        return Match(p.code, p.name, p.place_type, lon, lat, round(score, 4))

    def _strip_admin(self, q: str) -> str:
        changed = True
        while changed:
            changed = False
            for name in self._admin:
                if q.startswith(name) and len(q) > len(name):
                    q, changed = q[len(name) :], True
        return q

    def _explained(self, prefix: str) -> bool:
        """True if ``prefix`` is made of admin names only (listed, or read as such)."""
        return not prefix or bool(_ADMIN.fullmatch(prefix)) or not self._strip_admin(prefix + "\0").rstrip("\0")

    def _core(self, text: str) -> str:
        q = normalise(text)
        m = _DOOR.match(q)
        if m:  # the door number ends the address: drop 院/楼/单元/room details after it
            q = m.group(0)
        elif re.fullmatch(r".*\D\d+", q) and self._strip_road(re.sub(r"\d+$", "", q)) in self._numbers:
            q += "号"  # "王府井大街1": a door number without 号
        return q

    def geocode(self, text: str, limit: int = 5) -> list[Match]:
        """Places matching address text, best first (see the module docstring for scores)."""
        q = self._core(text)
        if not q or limit <= 0:
            return []
        scores: dict[int, float] = {}

        def offer(i: int, score: float) -> None:
            scores[i] = max(scores.get(i, 0.0), score)

        for i in self._by_key.get(q, ()):
            offer(i, 1.0)
        if not scores:  # the longest name ending the text: a prefix of admin names is fine
            for start in range(1, len(q)):
                found = self._by_key.get(q[start:])
                if found:
                    for i in found:
                        offer(i, 1.0 if self._explained(q[:start]) else 0.9)
                    break
        door = _DOOR.fullmatch(q)
        if not scores and door:
            road, number = self._strip_road(door.group(1)), int(door.group(2))
            for i in self._by_key.get(road, ()):
                if self._places[i].place_type in ("road", "alley"):
                    offer(i, 0.6)
            numbers = self._numbers.get(road, [])
            same_side = [(abs(n - number), n, i) for n, i in numbers if n % 2 == number % 2] or [
                (abs(n - number), n, i) for n, i in numbers
            ]
            if same_side:
                offer(min(same_side)[2], 0.55)
        if len(scores) < limit:  # names going on from the text: 故宫 -> 故宫博物院
            for n, _, i in self._starting_with(q)[: 4 * limit]:
                offer(i, 0.4 + 0.4 * len(q) / n)
        if len(scores) < limit:
            for i, score in self._fuzzy(q, 4 * limit):
                offer(i, score)
        best = sorted(scores.items(), key=lambda kv: (-kv[1], _TYPE_RANK.get(self._places[kv[0]].place_type, 9), kv[0]))
        return [self._match(i, s) for i, s in best[:limit]]

    def _strip_road(self, road: str) -> str:
        """The road part of a door number query, with any unexplained prefix dropped."""
        for start in range(len(road)):
            if road[start:] in self._numbers or road[start:] in self._by_key:
                return road[start:]
        return road

    def _fuzzy(self, q: str, keep: int) -> list[tuple[int, float]]:
        grams = {q[j : j + 2] for j in range(max(len(q) - 1, 1))}
        shared: dict[int, int] = {}
        for g in grams:
            for i in self._bigrams.get(g, ()):
                shared[i] = shared.get(i, 0) + 1
        out = []
        for i, n in shared.items():
            key = self._keys[i]
            dice = 2 * n / (len(grams) + max(len(key) - 1, 1))
            out.append((i, 0.5 * min(dice, 1.0)))
        out.sort(key=lambda t: (-t[1], len(self._keys[t[0]]), t[0]))
        return out[:keep]

    def suggest(self, prefix: str, limit: int = 10) -> list[Match]:
        """Places whose name starts with ``prefix`` (admin prefixes dropped), shortest first."""
        q = self._strip_admin(normalise(prefix))
        if not q or limit <= 0:
            return []
        found = self._starting_with(q)
        admin = _ADMIN.match(q)
        if not found and admin and admin.end() < len(q):  # "东城区王府井": drop what reads as admin names
            q = q[admin.end() :]
            found = self._starting_with(q)
        return [self._match(i, len(q) / n) for n, _, i in found[:limit]]

    def _starting_with(self, q: str, scan: int = 5000) -> list[tuple[int, str, int]]:
        start = bisect.bisect_left(self._sorted_keys, (q, -1))
        found = []
        for key, i in self._sorted_keys[start : start + scan]:
            if not key.startswith(q):
                break
            found.append((len(key), key, i))
        found.sort()
        return found

    def reverse(self, lon: float, lat: float, max_distance_m: float = 100.0) -> Match | None:
        """The nearest door plate within ``max_distance_m`` metres, else the nearest place."""
        if not len(self._places) or not max_distance_m >= 0:
            return None
        point = shapely.Point(*self._metric.to_metres(lon, lat))
        idx = self._tree.query(point, predicate="dwithin", distance=max_distance_m)
        if idx.size == 0:
            return None
        dist = shapely.distance(self._geoms_m[idx], point)
        ranked = sorted(
            zip(idx.tolist(), dist.tolist()),
            key=lambda t: (self._places[t[0]].place_type != "door_plate", t[1], t[0]),
        )
        i, d = ranked[0]
        nearest = shapely.shortest_line(self._geoms_m[i], point).coords[0]
        score = 1.0 - d / max_distance_m if max_distance_m > 0 else 1.0
        return self._match(i, max(score, 0.0), self._metric.from_metres(*nearest))


def _representative(geom: BaseGeometry) -> tuple[float, float]:
    if geom.geom_type in ("LineString", "MultiLineString"):
        p = shapely.line_interpolate_point(shapely.line_merge(geom) if geom.geom_type == "MultiLineString" else geom,
                                           0.5, normalized=True)
    elif geom.geom_type == "Point":
        p = geom
    else:
        p = shapely.point_on_surface(geom)
    return float(p.x), float(p.y)
