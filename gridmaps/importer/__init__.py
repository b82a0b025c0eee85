"""The map import core: one core for the command line and the admin.

``run(path, mapping, *, dry_run=False, skip_bad=False, progress=None, store=None,
supervisors=None) -> ImportResult`` reads cells, streets, communities, duty grids, departments,
components and gazetteer places from any source GDAL/OGR reads, as a field mapping file says
(``gridmaps/mappings/*.toml``, docs/map-import.md), transforms them to WGS84, builds a
``gridmaps.model.City``, validates it (``gridmaps.validate``) and, only if it is consistent and
not a dry run, hands it to ``store``.

Modules: ``mapping`` (the config file), ``reader`` (GDAL/OGR), ``build`` (columns -> City, what
is derived when the source leaves it out), ``core`` (``run``). ``python -m gridmaps.importer``
checks a source from the shell.

May import ``gis``, ``gridmaps`` and osgeo (GDAL's bindings). Must not import Django or the
``server`` package: the server passes ``store`` and the supervisor usernames in.
"""

from gridmaps.importer.core import ImportResult, run
from gridmaps.importer.mapping import MAPPINGS_DIR, Mapping, MappingError, load_mapping
from gridmaps.importer.reader import SourceError

__all__ = ["MAPPINGS_DIR", "ImportResult", "Mapping", "MappingError", "SourceError", "load_mapping", "run"]
