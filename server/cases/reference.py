"""Reference data of the cases room, loaded from versioned files: filing conditions (立案条件).

``sync_filing_conditions`` adds the shipped conditions a database lacks and leaves the ones it
has alone, so a city's edits in the admin survive an upgrade. ``import_filing_conditions`` and
``import_node_limits`` load a city's own tables from CSV (``manage.py import_rules``): per-class
handling limits and filing conditions, and node limits, created or updated by code, all rows or
none.
"""

from __future__ import annotations

import csv
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "workflows" / "data"
UNITS = {"work_hours", "work_days", "natural_hours"}


FILING_COLUMNS = ("kind", "class_code", "code", "name", "limit_value", "limit_unit",
                  "closing_condition", "is_default")
#: Columns a filing-condition table may have: the English name (the consoles in English show it;
#: a table without it leaves the English names a database has as they are).
OPTIONAL_FILING_COLUMNS = ("name_en",)
NODE_COLUMNS = ("node", "value", "unit")


def _read_csv(path: Path, columns: tuple[str, ...]):
    """(line number, row) pairs; raises ValueError naming missing columns."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path.name}: missing column(s) {', '.join(missing)}; "
                             f"expected {','.join(columns)}")
        return [(n, {k: (v or "").strip() for k, v in row.items() if k})
                for n, row in enumerate(reader, start=2)]


def _positive(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if 0 < value < 1e6 else None


def read_filing_conditions(path: Path | None = None) -> tuple[str, list[dict]]:
    """(version, rows) of a filing-condition table (default: the shipped one; its version from
    the ``.version`` file beside it, else the file's name); raises ValueError naming a bad row."""
    path = path or DATA / "filing_conditions.csv"
    version_file = path.with_suffix(".version")
    version = (version_file.read_text(encoding="utf-8").strip() if version_file.exists()
               else path.stem[:16])
    rows, seen = [], set()
    kinds = {"event", "component"}
    for n, row in _read_csv(path, FILING_COLUMNS):
        value = _positive(row["limit_value"])
        if row["limit_unit"] not in UNITS or value is None:
            raise ValueError(f"{path.name} line {n}: bad limit {row['limit_value']} "
                             f"{row['limit_unit']} "
                             f"(a positive number of {', '.join(sorted(UNITS))})")
        if row["kind"] not in kinds:
            raise ValueError(f"{path.name} line {n}: kind {row['kind']!r} is not event or "
                             f"component")
        if not row["code"] or row["code"] in seen or not row["class_code"] or not row["name"]:
            raise ValueError(f"{path.name} line {n}: code, class_code and name are required, "
                             f"codes unique")
        seen.add(row["code"])
        rows.append({c: row[c] for c in FILING_COLUMNS}
                    | {c: row[c] for c in OPTIONAL_FILING_COLUMNS if c in row}
                    | {"limit_value": value, "is_default": row["is_default"] == "1"})
    return version, rows


def name_conditions_in_english(model, path: Path | None = None) -> int:
    """Give the conditions without an English name the shipped table's, where their Chinese
    name is still the shipped one (a condition the city renamed keeps what it has); returns
    how many were named."""
    _, rows = read_filing_conditions(path)
    shipped = {r["code"]: r for r in rows if r.get("name_en")}
    named = 0
    for obj in model.objects.filter(name_en="", code__in=list(shipped)):
        if obj.name == shipped[obj.code]["name"]:
            obj.name_en = shipped[obj.code]["name_en"]
            obj.save(update_fields=["name_en"])
            named += 1
    return named


def import_filing_conditions(model, path: Path) -> tuple[int, int]:
    """Create or update (by code) the conditions of the CSV ``path``; (created, updated).
    Conditions the file does not list are left as they are (deactivate them in the admin).
    Raises ValueError naming the first bad row, before anything is written."""
    version, rows = read_filing_conditions(path)
    have = {c.code: c for c in model.objects.filter(code__in=[r["code"] for r in rows])}
    created = updated = 0
    for r in rows:
        obj = have.get(r["code"])
        if obj is None:
            model.objects.create(data_version=version, **r)
            created += 1
        else:
            for k, v in r.items():
                setattr(obj, k, v)
            obj.data_version = version
            obj.active = True
            obj.save()
            updated += 1
    return created, updated


def import_node_limits(model, path: Path) -> tuple[int, int]:
    """Create or update (by node) the node limit overrides of the CSV ``path`` (columns node,
    value, unit and optionally note), each checked as the admin checks it; (created, updated).
    Raises ValueError naming the first bad row, before anything is written."""
    from django.core.exceptions import ValidationError

    objs = []
    have = {o.node: o for o in model.objects.all()}
    for n, row in _read_csv(path, NODE_COLUMNS):
        obj = have.get(row["node"]) or model(node=row["node"])
        obj.value = _positive(row["value"]) or row["value"]
        obj.unit = row["unit"]
        obj.note = row.get("note", "")[:200]
        try:
            obj.clean()
        except (ValidationError, TypeError) as e:
            detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in e.message_dict.items()) \
                if isinstance(e, ValidationError) else str(e)
            raise ValueError(f"{path.name} line {n}: {detail}") from None
        objs.append(obj)
    created = sum(1 for o in objs if o.pk is None)
    for o in objs:
        o.save()
    return created, len(objs) - created


def sync_filing_conditions(model, path: Path | None = None) -> int:
    """Create the missing conditions on ``model`` (the FilingCondition model, real or historical:
    the columns it has yet); returns how many were created."""
    version, rows = read_filing_conditions(path)
    have = set(model.objects.values_list("code", flat=True))
    fields = {f.name for f in model._meta.get_fields()}
    new = [model(data_version=version, **{k: v for k, v in r.items() if k in fields})
           for r in rows if r["code"] not in have]
    model.objects.bulk_create(new, batch_size=500)
    return len(new)
