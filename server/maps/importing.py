"""The server side of a map import: the import core (``gridmaps.importer.run``) with the
database as its store. ``manage.py import_map`` and the admin upload both call ``import_map``.

Contract: a new version is created only when the import is consistent and not a dry run; it is
inactive unless ``activate``; its ``summary`` keeps the counts, the mapping's name and the
problem report (skipped features) and the repairs made, so the admin can show what was left out
and what was changed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from gridmaps.importer import ImportResult, Mapping, load_mapping, run
from server.accounts.models import User
from server.maps.models import MapVersion
from server.maps.store import store_city, supervisor_usernames

__all__ = ["REPORT_LIMIT", "import_map"]

REPORT_LIMIT = 500  # problems kept in a version's summary


def import_map(path: str | Path, mapping: str | Path | dict | Mapping | None = None, *, label: str = "",
               dry_run: bool = False, skip_bad: bool = False, activate: bool = False,
               progress: Callable[[str, int, int | None], None] | None = None,
               source_name: str = "") -> ImportResult:
    """Import ``path`` with ``mapping``; ``result.stored`` is the new version's id (or None).
    Raises gridmaps.importer.MappingError for a bad mapping."""
    mapping = load_mapping(mapping)
    source = source_name or Path(path).name

    def store(city):
        version = store_city(city, label=label or f"import {source}", source=source, activate=activate,
                             summary={"mapping": mapping.name})
        return version.pk

    result = run(path, mapping, dry_run=dry_run, skip_bad=skip_bad, progress=progress, store=store,
                 supervisors=supervisor_usernames(),
                 users=dict(User.objects.values_list("username", "role")))
    if result.stored is not None:
        version = MapVersion.objects.get(pk=result.stored)
        version.summary["skipped"] = [p.as_dict() for p in result.skipped[:REPORT_LIMIT]]
        version.summary["repairs"] = [r.as_dict() for r in result.repairs[:REPORT_LIMIT]]
        version.summary["seconds"] = {k: round(v, 2) for k, v in result.seconds.items()}
        version.save(update_fields=["summary"])
    return result
