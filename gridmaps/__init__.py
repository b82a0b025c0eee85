"""Map data: the model of a managed city and the demo city generator.

Owns:
  * ``gridmaps.model``: frozen dataclasses for a city (district, streets, communities, unit grid
    cells, duty grids, departments, components), geometries in WGS84 lon/lat, and
    ``City.placement_index()``.
  * ``gridmaps.classification``: the component and event classification, loaded from the
    versioned reference copy in ``gridmaps/data``.
  * ``gridmaps.tiling``: cutting an outline (in metres) into streets, communities and cells.
  * ``gridmaps.demo``: ``build_demo_city()``, a deterministic synthetic city on the real
    Dongcheng outline, for development, tests and demos.
  * ``gridmaps.grid``: ``grid_city()``, streets, communities and cells cut from any city's
    district outline in its own metric frame (``python -m gridmaps.grid``).
  * ``gridmaps.importer``: the one import core, with its repairs (``gridmaps.importer.repair``).
  * ``gridmaps/data``: the reference and demo data files (see its README.md).

The package namespace re-exports the model and the classification; import ``gridmaps.demo``
for the generator (kept out of the namespace so ``python -m gridmaps.demo`` runs cleanly).

May import ``gis`` (never the other way round). Must not import Django, Kivy, or the ``server``
and ``workflows`` packages: the server imports this package to load map data, not vice versa.
"""

from gridmaps.classification import ClassItem, class_by_code, classification_version, load_classes
from gridmaps.model import City, Cell, Community, Component, Department, District, DutyGrid, Street

__all__ = [
    "City",
    "Cell",
    "ClassItem",
    "Community",
    "Component",
    "Department",
    "District",
    "DutyGrid",
    "Street",
    "class_by_code",
    "classification_version",
    "load_classes",
]
