"""Pure spatial code: coordinate frames, point placement and geocoding.

Owns:
  * ``gis.frames``: conversions between WGS84, CGCS2000, GCJ-02 and BD-09, and a city's
    projected metre frame (``MetricFrame``, chosen by ``metric_frame_for``; EPSG:4548, Beijing's,
    by default) used for every distance and area.
  * ``gis.placement``: ``PlacementIndex.place(lon, lat, frame) -> Placement``, which answers
    "which unit grid cell, community, street and duty grid hold this point and which components
    are near it", and ``place_many`` for arrays, from in-memory indexes built of
  * ``gis.buckets`` (a cell raster and a bucketed point grid) and ``gis.components`` (numpy
    columns for point components, an STRtree for lines and polygons).
  * ``gis.gazetteer``: ``Gazetteer.geocode(text)``, ``reverse(lon, lat)`` and ``suggest(prefix)``
    over gazetteer places (地理编码).

Must not import: Django, Kivy, or any other package of this project (``gridmaps``, ``server``,
``workflows``, ...). Dependencies are shapely, pyproj and numpy only, so the server, the import
scripts and the tests can all use it without a database.
"""

from gis.frames import Frame
from gis.gazetteer import Gazetteer, Match, PlaceRecord
from gis.placement import (
    BulkPlacement,
    CellRecord,
    ComponentRecord,
    DutyGridRecord,
    NearbyComponent,
    OutsideManagedArea,
    Placement,
    PlacementIndex,
)

__all__ = [
    "BulkPlacement",
    "CellRecord",
    "ComponentRecord",
    "DutyGridRecord",
    "Frame",
    "Gazetteer",
    "Match",
    "NearbyComponent",
    "OutsideManagedArea",
    "PlaceRecord",
    "Placement",
    "PlacementIndex",
]
