"""The stored grid (网格): map versions with their streets, communities, cells, duty grids,
components, gazetteer places and departments, and the process-wide placement index and
gazetteer built from the active version (``server.maps.index``).

Map data is written only by ``store.store_city`` (called by the import core through
``importing.import_map`` and by the demo loader); versions are switched only by
``versions.activate`` / ``versions.rollback``, which also bring the live departments
(``accounts.Department``) in line with the active version (``departments.apply``). A case keeps
the map version it was placed with.
"""
