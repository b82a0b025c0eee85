"""The component and event classification (部件 and 事件 classes).

The reference list lives in ``gridmaps/data/classification.csv`` (columns
``kind,major_code,major_zh,major_en,minor_code,minor_zh,minor_en,code``) with its version in
``classification.version``. ``code`` is major + minor, 4 digits. Codes are unique only within a
kind: component ``0101`` (上水井盖) and event ``0101`` (私搭乱建) are different classes, so every
lookup by code takes a kind.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ClassItem", "DEFAULT_PATH", "KINDS", "class_by_code", "classification_version", "load_classes"]

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_PATH = DATA_DIR / "classification.csv"
KINDS = ("component", "event")


@dataclass(frozen=True)
class ClassItem:
    """One minor class. ``code`` == ``major_code + minor_code``."""

    kind: str
    major_code: str
    major_zh: str
    major_en: str
    minor_code: str
    minor_zh: str
    minor_en: str
    code: str


def load_classes(path: str | Path | None = None) -> tuple[ClassItem, ...]:
    """Read the classification CSV (default: the repo copy), in file order.

    Raises ValueError naming the line for an unknown kind, a code that is not
    major + minor digits, or a (kind, code) pair seen twice.
    """
    path = Path(path) if path is not None else DEFAULT_PATH
    items: list[ClassItem] = []
    seen: set[tuple[str, str]] = set()
    with open(path, newline="", encoding="utf-8-sig") as f:
        for line_no, row in enumerate(csv.DictReader(f), start=2):
            item = ClassItem(**{field: (row[field] or "").strip() for field in ClassItem.__dataclass_fields__})
            if item.kind not in KINDS:
                raise ValueError(f"{path}:{line_no}: unknown kind {item.kind!r}")
            if not item.code.isdigit() or item.code != item.major_code + item.minor_code:
                raise ValueError(f"{path}:{line_no}: code {item.code!r} is not major + minor code")
            if (item.kind, item.code) in seen:
                raise ValueError(f"{path}:{line_no}: duplicate {item.kind} code {item.code}")
            seen.add((item.kind, item.code))
            items.append(item)
    return tuple(items)


def class_by_code(kind: str = "component", classes: tuple[ClassItem, ...] | None = None) -> dict[str, ClassItem]:
    """``{code: ClassItem}`` for one kind ("component" or "event"); default: the repo copy."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    classes = load_classes() if classes is None else classes
    return {item.code: item for item in classes if item.kind == kind}


def classification_version(path: str | Path | None = None) -> str:
    """The version of the reference classification, e.g. ``"2024.1"``."""
    path = Path(path) if path is not None else DATA_DIR / "classification.version"
    return Path(path).read_text(encoding="utf-8").strip()
