"""The pages people work in: supervision center, command center, department terminal, leader
dashboard; and the read-only endpoints they need beside the case API (``api``: workflow labels
and forms from ``workflows``, map layers as GeoJSON, dashboard figures).

Pages are thin: they read through the REST API, act through the case action API, and listen on
``/ws/events/``; nothing here writes case state. Labels come from ``/api/workflow/`` and the
translation catalogs in ``server/locale/``, never from lists copied into the pages.
"""
