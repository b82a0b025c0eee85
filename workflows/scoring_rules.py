"""Evaluation rules (考核规则) as typed, versioned data: rates, count bands, weights, grades,
minimum volumes. Read from ``workflows/data/evaluation_rules.json``; a city edits the JSON, never
the code. ``parse`` checks the whole file (weights sum to 1, every rate names known counters,
every band and grade is well-formed) and raises ValueError naming the bad entry.

Shapes (see the JSON): a *rate* is ``sum(num) / sum(den)`` over counters, where a counter name
may carry a leading ``-`` to subtract it; a *band* maps a calendar month's count (used as it is
for any month, 28 to 31 days alike) to a score by its first matching row (``upto``: ≤,
``below``: <, neither: the rest); a composite is a
weighted sum of components, each a rate (×100, ``invert``: 1 − rate) or a band.

Versions: the file's ``version`` (letters, digits, ``.``, ``_``, ``+``, ``-``; at most 32) names
the rules; ``digest`` is a hash of the file's content (``sha256:`` and 16 hex digits of the
canonical JSON), so two files carrying the same version but different figures are still told
apart. A file without a version is named by its digest. Every ranking carries both.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Mapping

DATA = Path(__file__).with_name("data") / "evaluation_rules.json"
VERSION_RE = re.compile(r"[0-9A-Za-z][0-9A-Za-z._+-]{0,31}")


@dataclass(frozen=True)
class Rate:
    name: str
    zh: str
    en: str
    num: tuple[tuple[int, str], ...]  # (sign, counter)
    den: tuple[tuple[int, str], ...]

    def counters(self) -> set[str]:
        return {c for _, c in self.num + self.den}


@dataclass(frozen=True)
class BandRow:
    score: float
    upto: float | None = None  # value <= upto
    below: float | None = None  # value < below

    def matches(self, value: float) -> bool:
        if self.upto is not None:
            return value <= self.upto
        if self.below is not None:
            return value < self.below
        return True


@dataclass(frozen=True)
class Band:
    name: str
    zh: str
    en: str
    rows: tuple[BandRow, ...]

    def score(self, value: float) -> float:
        for row in self.rows:
            if row.matches(value):
                return row.score
        raise AssertionError("parse guarantees a catch-all last row")


@dataclass(frozen=True)
class Component:
    weight: float
    rate: str = ""  # a rate of the group, ×100
    invert: bool = False  # use 1 − rate (rework, missed reports, public share)
    band: str = ""  # or a band over ``counter``
    counter: str = ""
    per_cell: bool = False  # divide the count by the region's number of cells first
    grouped: bool = False  # department bands: the department's group may name another band

    @property
    def name(self) -> str:
        return self.rate or f"{self.band}:{self.counter}"


@dataclass(frozen=True)
class EntityType:
    """A type of evaluated entity with its own ranking table: a role (supervisor, ...),
    department, or a region level (cell ... district). The rules file and the evaluation
    API call it a ``kind``."""

    name: str
    zh: str
    en: str
    min_volume: int


@dataclass(frozen=True)
class Group:
    """Evaluated entities sharing counters and a formula: one role, departments, or regions."""

    name: str
    zh: str
    en: str
    volume: str  # the counter a ranking's minimum volume applies to
    entity_types: tuple[EntityType, ...]
    rates: Mapping[str, Rate]
    composite: tuple[Component, ...]


@dataclass(frozen=True)
class EvaluationRules:
    version: str
    empty_score: float  # a component whose rate is 0/0 (nothing due, nothing missed)
    grades: tuple[tuple[str, float], ...]  # best first: (grade, minimum composite)
    bands: Mapping[str, Band]
    groups: Mapping[str, Group]
    department_groups: Mapping[str, str]  # department code → band name for its filed count
    digest: str = ""  # "sha256:" + 16 hex digits of the canonical JSON the rules came from

    def group_of(self, name: str) -> Group:
        for group in self.groups.values():
            if any(k.name == name for k in group.entity_types):
                return group
        raise KeyError(name)

    def entity_type(self, name: str) -> EntityType:
        return next(k for k in self.group_of(name).entity_types if k.name == name)

    @property
    def entity_types(self) -> list[str]:
        return [k.name for g in self.groups.values() for k in g.entity_types]

    def grade(self, composite: float) -> str:
        for grade, minimum in self.grades:
            if composite >= minimum:
                return grade
        return self.grades[-1][0]


def _terms(names, where: str, known: set[str]) -> tuple[tuple[int, str], ...]:
    out = []
    for name in names:
        sign, counter = (-1, name[1:]) if name.startswith("-") else (1, name)
        if counter not in known:
            raise ValueError(f"evaluation rules: {where} names unknown counter {counter!r}")
        out.append((sign, counter))
    if not out:
        raise ValueError(f"evaluation rules: {where} is empty")
    return tuple(out)


def digest_of(raw: Mapping) -> str:
    """The content hash of a rules document: key order and whitespace do not count."""
    text = json.dumps(raw, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def parse(raw: Mapping, counters: Mapping[str, frozenset[str]]) -> EvaluationRules:
    """Build the rules; ``counters`` maps each group to the counters its entities have."""
    digest = digest_of(raw)
    version = raw.get("version")
    if version is None:
        version = digest
    elif not isinstance(version, str) or not VERSION_RE.fullmatch(version):
        raise ValueError(f"evaluation rules: version {version!r} must be a string of letters, "
                         "digits, '.', '_', '+' or '-' (at most 32), such as \"2026.1\"")
    bands = {}
    for name, b in raw["bands"].items():
        rows = tuple(BandRow(float(r["score"]), r.get("upto"), r.get("below")) for r in b["rows"])
        if not rows or rows[-1].upto is not None or rows[-1].below is not None:
            raise ValueError(f"evaluation rules: band {name!r} needs a last row without a limit")
        if "period_days" in b:
            raise ValueError(f"evaluation rules: band {name!r}: bands are per calendar month; "
                             "period_days is no longer read (a day or week is not graded)")
        bands[name] = Band(name, b.get("zh", ""), b.get("en", ""), rows)
    groups = {}
    for gname, g in raw["groups"].items():
        if gname not in counters:
            raise ValueError(f"evaluation rules: unknown group {gname!r}")
        known = counters[gname]
        rates = {n: Rate(n, r["zh"], r["en"], _terms(r["num"], f"{gname}.{n}.num", known),
                         _terms(r["den"], f"{gname}.{n}.den", known))
                 for n, r in g["rates"].items()}
        comps = tuple(Component(float(c["weight"]), c.get("rate", ""), bool(c.get("invert")),
                                c.get("band", ""), c.get("counter", ""), bool(c.get("per_cell")),
                                bool(c.get("grouped"))) for c in g["composite"])
        for c in comps:
            if c.rate and c.rate not in rates:
                raise ValueError(
                    f"evaluation rules: {gname} composite names unknown rate {c.rate!r}")
            if not c.rate and (c.band not in bands or c.counter not in known):
                raise ValueError(f"evaluation rules: {gname} composite band {c.band!r} over "
                                 f"{c.counter!r} is unknown")
        if abs(sum(c.weight for c in comps) - 1) > 1e-9:
            raise ValueError(f"evaluation rules: {gname} weights sum to "
                             f"{sum(c.weight for c in comps):g}, not 1")
        if g["volume"] not in known:
            raise ValueError(f"evaluation rules: {gname} volume {g['volume']!r} is no counter")
        entity_types = tuple(EntityType(k, v.get("zh", ""), v.get("en", ""),
                                        int(v.get("min_volume", 0)))
                             for k, v in g["kinds"].items())  # the file's word
        groups[gname] = Group(gname, g.get("zh", ""), g.get("en", ""), g["volume"], entity_types,
                              rates, comps)
    grades = tuple((str(a), float(b)) for a, b in raw["grades"])
    if [m for _, m in grades] != sorted((m for _, m in grades), reverse=True) or not grades:
        raise ValueError("evaluation rules: grades must run from the best down")
    dept_groups = dict(raw.get("department_groups", {}))
    for code, band in dept_groups.items():
        if band not in bands:
            raise ValueError(f"evaluation rules: department {code!r} names unknown band {band!r}")
    return EvaluationRules(version, float(raw.get("empty_score", 100)), grades,
                           bands, groups, dept_groups, digest)


def load(path: Path | str | None = None) -> EvaluationRules:
    from workflows.scoring import GROUP_COUNTERS

    return parse(raw_rules(path), GROUP_COUNTERS)


@lru_cache(maxsize=1)
def default_evaluation_rules() -> EvaluationRules:
    return load()


def rules_of(raw: Mapping) -> EvaluationRules:
    """Rules from a stored document (a published ranking's)."""
    from workflows.scoring import GROUP_COUNTERS

    return parse(raw, GROUP_COUNTERS)


def raw_rules(path: Path | str | None = None) -> dict:
    """The rules document as it is on disk (default: ``DATA``); published rankings keep a copy."""
    return json.loads(Path(path or DATA).read_text(encoding="utf-8"))
