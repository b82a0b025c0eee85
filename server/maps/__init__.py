"""The stored grid (网格): map versions, streets, communities, cells and components, and the
process-wide placement index built from the active version (``server.maps.index``).

Map data is written only by loaders here (the demo city today, the import core later); a case
keeps the map version it was placed with.
"""
