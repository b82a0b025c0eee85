"""The field mapping: which source layer and which fields feed each part of the city model.

A mapping is a small TOML (or JSON) file; ``docs/map-import.md`` describes it and
``gridmaps/mappings/default.toml`` is the one that reads what ``gridmaps.export`` writes. Shape::

    [settings]                      # all optional
    district_code = "110101"        # else taken from a district layer or the street codes
    district_name = "东城区"
    cell_sequence_digits = 3        # 2: 14-digit cell codes (CJ/T 213), 3: 15-digit (DB11/T 2157)
    component_minor_digits = 2      # 2: 16-digit component codes (CJ/T 214), 3: 17-digit
    crs = "EPSG:4548"               # for sources without a CRS: EPSG code, PROJ string or WKT
    force_crs = false               # true: use crs even where the source names one
    encoding = "GBK"                # shapefiles without a .cpg
    country = "CN"                  # ISO 3166 code: the working calendar's holidays, the frame
    subdivision = ""                # a state or province for its own holidays (``holidays``)
    time_zone = "Asia/Shanghai"     # the city's clock: deadlines are reckoned in it
    metric_crs = ""                 # metre frame for every check; "" = from the city's extent
    generate_codes = false          # true: number streets, communities and cells (no codes)
    roster_per_community = 0        # N: no roster given, one duty grid per community, N supervisors
    department_accounts = false     # true: an account dept_<CODE> for every department

    [tolerances]                    # gridmaps.validate.Rules fields, all optional

    [repair]                        # gridmaps.importer.repair.Repairs fields, all optional

    [layers.cells]                  # or [[layers.components]] (several sources for one part)
    layer = "cells"                 # source layer name
    file = "cells.shp"              # optional: the dataset, relative to the imported path
    optional = false                # true: a missing layer is no error
    crs = "..."; encoding = "..."; open_options = ["GEOM_POSSIBLE_NAMES=wkt"]
    optional_fields = ["name_en"]   # model fields whose source field may be missing
    [layers.cells.fields]           # model field = source field
    code = "BGID"
    [layers.components.values.state]  # source value = model value
    "完好" = "intact"

Contract: ``load_mapping`` refuses unknown keys, parts and model fields with ``MappingError``
naming them, so a typo never silently drops data. Nothing here touches GDAL.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from gridmaps.importer.repair import Repairs
from gridmaps.validate import SEQUENCE_DIGITS, Rules

__all__ = ["MAPPINGS_DIR", "PARTS", "MappingError", "LayerSpec", "Mapping", "Settings", "load_mapping",
           "settings_from_city_layer"]

MAPPINGS_DIR = Path(__file__).resolve().parent.parent / "mappings"

#: part -> model fields it can read. ``code`` is required; the rest default or are derived
#: (docs/map-import.md says how). Parts are read in this order.
PARTS: dict[str, tuple[str, ...]] = {
    "city": ("code", "name", "country", "subdivision", "time_zone", "metric_crs", "cell_sequence_digits"),
    "district": ("code", "name"),
    "streets": ("code", "name"),
    "communities": ("code", "name", "street_code"),
    "cells": ("code", "community_code", "street_code"),
    "duty_grids": ("code", "name", "cells", "supervisors"),
    "roster": ("code", "name", "community_code", "cells", "supervisor", "supervisor_name"),
    "departments": ("code", "name", "kind", "name_en", "street_code", "classes", "accounts"),
    "components": ("code", "class_code", "name", "owner_code", "maintainer_code", "cell_code", "state"),
    "places": ("code", "name", "kind", "street_code"),
}
#: Parts without which there is no city.
REQUIRED_PARTS = ("cells",)


class MappingError(ValueError):
    """The mapping file is unreadable or names something unknown."""


@dataclass(frozen=True)
class Settings:
    district_code: str = ""
    district_name: str = ""
    crs: str = ""
    force_crs: bool = False
    encoding: str = ""
    country: str = "CN"
    subdivision: str = ""
    time_zone: str = "Asia/Shanghai"
    metric_crs: str = ""
    generate_codes: bool = False
    roster_per_community: int = 0
    department_accounts: bool = False


@dataclass(frozen=True)
class LayerSpec:
    """One source layer feeding one part. ``fields`` maps model field -> source field."""

    part: str
    layer: str = ""
    file: str = ""
    optional: bool = False
    crs: str = ""
    encoding: str = ""
    open_options: tuple[str, ...] = ()
    fields: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    #: Model fields whose source field may be absent (left empty then), e.g. columns newer
    #: exports add; any other mapped field the source lacks is an ``unknown_field`` problem.
    optional_fields: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """How reports name this source: the layer, else the file."""
        return self.layer or self.file or self.part


@dataclass(frozen=True)
class Mapping:
    settings: Settings
    rules: Rules
    layers: dict[str, tuple[LayerSpec, ...]]
    name: str = ""
    repairs: Repairs = Repairs()
    #: The [settings] keys the mapping sets itself (a ``city`` layer fills in the others).
    given: frozenset[str] = frozenset()


def load_mapping(source: str | Path | dict | Mapping | None = None) -> Mapping:
    """A Mapping from a .toml/.json path, a built-in name ("default", "cjt"), a dict, or None
    (the default mapping). Raises MappingError with the reason."""
    if isinstance(source, Mapping):
        return source
    name = ""
    if source is None:
        source = "default"
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.suffix and not path.exists():
            path = MAPPINGS_DIR / f"{source}.toml"
        name = path.name
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as e:
            raise MappingError(f"cannot read mapping {source}: {e.strerror or e}") from None
        try:
            data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
        except (ValueError, tomllib.TOMLDecodeError) as e:
            raise MappingError(f"mapping {path.name} is not valid {path.suffix[1:] or 'TOML'}: {e}") from None
    else:
        data = source
    return _parse(data, name)


def _parse(data: dict[str, Any], name: str) -> Mapping:
    _known(data, {"settings", "tolerances", "repair", "layers"}, "the mapping")
    rule_data = dict(data.get("tolerances", {}))
    # Code lengths are settings to the user but rules to the validator: accept them in either.
    for key in ("cell_sequence_digits", "component_minor_digits"):
        if key in data.get("settings", {}):
            rule_data.setdefault(key, data["settings"][key])
    settings_data = {k: v for k, v in data.get("settings", {}).items()
                     if k not in ("cell_sequence_digits", "component_minor_digits")}
    settings = _dataclass(Settings, settings_data, "[settings]")
    rules = _dataclass(Rules, rule_data, "[tolerances]")
    repairs = _dataclass(Repairs, data.get("repair", {}), "[repair]")
    if rules.cell_sequence_digits not in SEQUENCE_DIGITS:
        raise MappingError("cell_sequence_digits must be 2 to 5 (14- to 17-digit cells; 3 is Beijing's 15)")
    _check_city(settings)
    if not 0 <= settings.roster_per_community <= 50:
        raise MappingError("roster_per_community must be 0 (no generated roster) to 50 supervisors")
    if rules.component_minor_digits not in (2, 3):
        raise MappingError("component_minor_digits must be 2 (16-digit components) or 3 (17-digit)")

    layers_data = data.get("layers", {})
    if not isinstance(layers_data, dict):
        raise MappingError("[layers] must be a table of parts")
    _known(layers_data, set(PARTS), "[layers]")
    layers: dict[str, tuple[LayerSpec, ...]] = {}
    for part, specs in layers_data.items():
        specs = specs if isinstance(specs, list) else [specs]
        layers[part] = tuple(_layer(part, spec, i) for i, spec in enumerate(specs))
    for part in REQUIRED_PARTS:
        if part not in layers:
            raise MappingError(f"the mapping has no [layers.{part}]: a city needs {part}")
    return Mapping(settings=settings, rules=rules, layers=layers, name=name, repairs=repairs,
                   given=frozenset(data.get("settings", {})) | ({"cell_sequence_digits"} & set(rule_data) & set(data.get("tolerances", {}))))


def settings_from_city_layer(mapping: Mapping, layer) -> Mapping:
    """``mapping`` with the settings a ``city`` layer (what ``gridmaps.export`` writes) gives for
    the keys the mapping does not set itself. Raises MappingError for unusable values."""
    if not layer.fids:
        return mapping
    row = {name: values[0] for name, values in layer.values.items() if values[0] not in (None, "")}
    keys = {"code": "district_code", "name": "district_name", "country": "country",
            "subdivision": "subdivision", "time_zone": "time_zone", "metric_crs": "metric_crs"}
    changes = {keys[k]: str(v) for k, v in row.items() if k in keys and keys[k] not in mapping.given}
    settings = replace(mapping.settings, **changes)
    _check_city(settings)
    rules = mapping.rules
    digits = row.get("cell_sequence_digits")
    if digits and "cell_sequence_digits" not in mapping.given:
        try:
            rules = replace(rules, cell_sequence_digits=int(float(digits)))
        except ValueError:
            raise MappingError(f"city layer: cell_sequence_digits {digits!r} is not a number") from None
        if rules.cell_sequence_digits not in SEQUENCE_DIGITS:
            raise MappingError("city layer: cell_sequence_digits must be 2 to 5")
    return replace(mapping, settings=settings, rules=rules)


def _check_city(settings: Settings) -> None:
    """Refuse a time zone, country or metric frame the server could not use later."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from gis.frames import metric_frame

    try:
        ZoneInfo(settings.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise MappingError(f"[settings] time_zone {settings.time_zone!r} is not an IANA time zone "
                           f"such as Asia/Shanghai") from None
    if not (len(settings.country) == 2 and settings.country.isascii() and settings.country.isalpha()):
        raise MappingError(f"[settings] country {settings.country!r} must be a 2-letter ISO 3166 code")
    if settings.metric_crs:
        try:
            metric_frame(settings.metric_crs)
        except ValueError as e:
            raise MappingError(f"[settings] metric_crs: {e}") from None


def _layer(part: str, data: Any, i: int) -> LayerSpec:
    where = f"[layers.{part}]" + (f" #{i + 1}" if i else "")
    if not isinstance(data, dict):
        raise MappingError(f"{where} must be a table")
    _known(data, {f.name for f in fields(LayerSpec)} - {"part"}, where)
    if not data.get("layer") and not data.get("file"):
        raise MappingError(f"{where} needs a source: layer = \"...\" or file = \"...\"")
    field_map = dict(data.get("fields", {}))
    _known(field_map, set(PARTS[part]), f"{where}.fields")
    field_map.setdefault("code", "code")
    values = {k: {str(a): str(b) for a, b in v.items()} for k, v in data.get("values", {}).items()}
    _known(values, set(PARTS[part]), f"{where}.values")
    optional_fields = data.get("optional_fields", [])
    if not isinstance(optional_fields, list) or not all(isinstance(f, str) for f in optional_fields):
        raise MappingError(f"{where}.optional_fields must be a list of model field names")
    _known(dict.fromkeys(optional_fields), set(PARTS[part]), f"{where}.optional_fields")
    opts = data.get("open_options", [])
    if not isinstance(opts, list) or not all(isinstance(o, str) and "=" in o for o in opts):
        raise MappingError(f"{where}.open_options must be a list of \"NAME=VALUE\" strings")
    return LayerSpec(part=part, layer=str(data.get("layer", "")), file=str(data.get("file", "")),
                     optional=bool(data.get("optional", False)), crs=str(data.get("crs", "")),
                     encoding=str(data.get("encoding", "")), open_options=tuple(opts),
                     fields={k: str(v) for k, v in field_map.items() if v}, values=values,
                     optional_fields=tuple(optional_fields))


def _known(data: Any, allowed: set[str], where: str) -> None:
    if not isinstance(data, dict):
        raise MappingError(f"{where} must be a table")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise MappingError(f"{where}: unknown key(s) {', '.join(unknown)}; "
                           f"known: {', '.join(sorted(allowed))}")


def _dataclass(cls, data: Any, where: str):
    _known(data, {f.name for f in fields(cls)}, where)
    try:
        return cls(**{k: type(getattr(cls(), k))(v) for k, v in data.items()})
    except (TypeError, ValueError) as e:
        raise MappingError(f"{where}: {e}") from None
