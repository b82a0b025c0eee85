"""Pure spatial code: coordinate frames and point placement.

Owns:
  * ``gis.frames``: conversions between WGS84, CGCS2000, GCJ-02 and BD-09, and the projected
    metre frame (EPSG:4548) used for every distance and area.
  * ``gis.placement``: ``PlacementIndex.place(lon, lat) -> Placement``, which answers "which unit
    grid cell holds this point and which components are near it" from in-memory shapely indexes.

Must not import: Django, Kivy, or any other package of this project (``gridmaps``, ``server``,
``workflows``, ...). Dependencies are shapely, pyproj and numpy only, so the server, the import
scripts and the tests can all use it without a database.
"""

from gis.frames import Frame
from gis.placement import (
    CellRecord,
    ComponentRecord,
    NearbyComponent,
    OutsideManagedArea,
    Placement,
    PlacementIndex,
)

__all__ = [
    "CellRecord",
    "ComponentRecord",
    "Frame",
    "NearbyComponent",
    "OutsideManagedArea",
    "Placement",
    "PlacementIndex",
]
