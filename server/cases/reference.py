"""Reference data of the cases room, loaded from versioned files: filing conditions (立案条件).

``sync_filing_conditions`` adds the shipped conditions a database lacks and leaves the ones it
has alone, so a city's edits in the admin survive an upgrade.
"""

from __future__ import annotations

import csv
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "workflows" / "data"
UNITS = {"work_hours", "work_days", "natural_hours"}


def read_filing_conditions(path: Path | None = None) -> tuple[str, list[dict]]:
    """(version, rows) of the shipped table; raises ValueError naming a bad row."""
    path = path or DATA / "filing_conditions.csv"
    version = (path.with_suffix(".version")).read_text(encoding="utf-8").strip()
    rows = []
    with path.open(encoding="utf-8", newline="") as f:
        for n, row in enumerate(csv.DictReader(f), start=2):
            if row["limit_unit"] not in UNITS or float(row["limit_value"]) <= 0:
                raise ValueError(f"{path.name} line {n}: bad limit {row['limit_value']} "
                                 f"{row['limit_unit']}")
            rows.append(dict(row, limit_value=float(row["limit_value"]),
                             is_default=row["is_default"] == "1"))
    return version, rows


def sync_filing_conditions(model, path: Path | None = None) -> int:
    """Create the missing conditions on ``model`` (the FilingCondition model, real or historical);
    returns how many were created."""
    version, rows = read_filing_conditions(path)
    have = set(model.objects.values_list("code", flat=True))
    new = [model(data_version=version, **r) for r in rows if r["code"] not in have]
    model.objects.bulk_create(new, batch_size=500)
    return len(new)
