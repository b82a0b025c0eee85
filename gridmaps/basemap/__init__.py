"""The offline base map (底图): streets and names drawn under the cells and pins.

Owns:
  * ``gridmaps.basemap.mbtiles``: the tile package format (MBTiles 1.3: one SQLite file of
    256 px PNG tiles, XYZ addressing outside, TMS rows inside), written and read with the
    standard library only.
  * ``gridmaps/basemap/render.py``: the renderer. It is a script run by Debian's
    ``/usr/bin/python3`` (``python3-mapnik``, Mapnik 3.1), not imported: the project's venv has
    no Mapnik. It reads GeoJSON layers in WGS84 lon/lat and writes a package.

The server side (which layers a city's data gives, the build command, the tile API) lives in
``server.maps.basemap``. Imports the standard library only.
"""
