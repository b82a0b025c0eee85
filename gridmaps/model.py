"""The model of a managed city, as plain frozen dataclasses.

All geometries are shapely objects in WGS84 lon/lat (CGCS2000 treated as equal). Codes follow
the grid standards (CJ/T 213 and CJ/T 214; Beijing's DB11/T 2157-2023 for 15-digit cells):

  * district: 6-digit admin code (GB/T 2260), e.g. ``110101``;
  * street: district + 3 digits; community: street + 3 digits;
  * cell: community + ``sequence_digits`` (2 -> 14-digit code, 3 -> 15-digit code, up to 5 ->
    17 digits for communities of more than 999 cells), numbered
    west -> east, then north -> south inside the community;
  * component: district + 4-digit class code + 6-digit sequence per class = 16 digits.

Hierarchy contract: every cell lies inside its community, every community inside its street;
cells tile the district without gaps or overlaps.
"""

from __future__ import annotations

from dataclasses import dataclass

from shapely.geometry.base import BaseGeometry

from gis.frames import metric_frame
from gis.placement import CellRecord, ComponentRecord, DutyGridRecord, PlacementIndex

__all__ = [
    "DEPARTMENT_KINDS",
    "City",
    "CitySettings",
    "Cell",
    "Community",
    "Component",
    "Department",
    "District",
    "DutyGrid",
    "PLACE_KINDS",
    "Place",
    "Street",
    "Supervisor",
]

DEPARTMENT_KINDS = ("owner", "maintainer", "territory", "enforcement")
"""owner: 权属单位; maintainer: 养护单位; territory: a street office (街道办事处), the 属地;
enforcement: 城管执法."""

PLACE_KINDS = ("road", "alley", "compound", "door_plate", "poi")
"""Gazetteer entry kinds: road 道路, alley 胡同/小巷, compound 院落/小区, door_plate 门牌, poi 兴趣点."""


@dataclass(frozen=True)
class District:
    code: str
    name: str
    geometry: BaseGeometry


@dataclass(frozen=True)
class Street:
    code: str
    name: str
    district_code: str
    geometry: BaseGeometry


@dataclass(frozen=True)
class Community:
    code: str
    name: str
    street_code: str
    geometry: BaseGeometry


@dataclass(frozen=True)
class Cell:
    """A unit grid cell (单元网格); ``area_m2`` measured in the projected metre frame."""

    code: str
    community_code: str
    street_code: str
    area_m2: float
    geometry: BaseGeometry


@dataclass(frozen=True)
class DutyGrid:
    """A supervisor's patrol area (责任网格): contiguous cells."""

    code: str
    name: str
    cell_codes: tuple[str, ...]
    supervisor_usernames: tuple[str, ...] = ()


@dataclass(frozen=True)
class Department:
    """``kind`` is one of ``DEPARTMENT_KINDS``; ``code`` is ASCII. ``name_en``: its English name
    ("" = none); ``street_code``: for a territory, the street it answers for ("" = from an
    ``ST<street code>`` code); ``class_codes``: the component classes it owns (dispatch suggests
    it for a component case of those classes when no component record names an owner);
    ``accounts``: usernames of its department accounts, created when its version is activated."""

    code: str
    name: str
    kind: str
    name_en: str = ""
    street_code: str = ""
    class_codes: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Supervisor:
    """A supervisor (监督员) a roster names: the import creates the user (role supervisor, no
    usable password) if it does not exist yet. ``name``: the person's full name."""

    username: str
    name: str = ""


@dataclass(frozen=True)
class Component:
    """A component (部件); ``state`` is "intact", "damaged", "missing", "abandoned" or "removed"."""

    code: str
    class_code: str
    name: str
    owner_code: str
    maintainer_code: str
    cell_code: str
    state: str
    geometry: BaseGeometry


@dataclass(frozen=True)
class Place:
    """A gazetteer entry (地理编码). ``kind`` is one of ``PLACE_KINDS``; ``name`` is the standard
    full name without district or street office, e.g. "王府井大街1号" for a door plate;
    ``street_code`` is the street (街道) it lies in, "" if unknown."""

    code: str
    name: str
    kind: str
    geometry: BaseGeometry
    street_code: str = ""


@dataclass(frozen=True)
class CitySettings:
    """The city's own settings, kept with its map version: its clock and calendar (an IANA time
    zone; the ISO 3166 country, and optionally its subdivision, whose public holidays are off)
    and the metric frame (an EPSG code) every area and distance is measured in."""

    name: str = ""
    country: str = "CN"
    subdivision: str = ""
    time_zone: str = "Asia/Shanghai"
    metric_epsg: int = 4548

    def as_dict(self) -> dict:
        return {"name": self.name, "country": self.country, "subdivision": self.subdivision,
                "time_zone": self.time_zone, "metric_epsg": self.metric_epsg}

    @classmethod
    def from_dict(cls, data: dict | None) -> "CitySettings":
        """Settings from ``as_dict``'s shape; missing keys (a version stored before they
        existed) take the defaults, which are Beijing's."""
        known = {k: v for k, v in (data or {}).items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass(frozen=True)
class City:
    """A whole managed district.

    Streets, communities, cells, duty grids and components are in code order; departments are
    the fixed ones first, then one territory department per street.
    """

    district: District
    streets: tuple[Street, ...]
    communities: tuple[Community, ...]
    cells: tuple[Cell, ...]
    duty_grids: tuple[DutyGrid, ...]
    departments: tuple[Department, ...]
    components: tuple[Component, ...]
    sequence_digits: int
    places: tuple[Place, ...] = ()
    settings: CitySettings = CitySettings()
    supervisors: tuple[Supervisor, ...] = ()

    def placement_index(self) -> PlacementIndex:
        """A new ``gis.PlacementIndex`` over this city's cells, components and duty grids.

        Builds afresh on every call (well under a second for the demo city); callers that place
        many points should keep the result.
        """
        return PlacementIndex(
            (CellRecord(c.code, c.community_code, c.street_code, c.geometry) for c in self.cells),
            (
                ComponentRecord(c.code, c.class_code, c.geometry, c.owner_code, c.maintainer_code)
                for c in self.components
            ),
            (DutyGridRecord(g.code, g.cell_codes, g.supervisor_usernames) for g in self.duty_grids),
            metric=metric_frame(self.settings.metric_epsg),
        )
