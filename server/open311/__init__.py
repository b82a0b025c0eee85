"""Machine intake from outside: Open311 GeoReport v2 (``/open311/v2/``) and camera alerts
(视频监控, ``/api/video/alerts/``).

Both are API-key clients (``Open311Client``, ``CameraPlatform``; keys stored as SHA-256), both
report as a system user of this app through the intake door, ``server.intake.submit`` (so
into the same queue as every other channel, with channel ``open311`` or ``video``,
verification before filing), and both keep their own record beside the case
(``ServiceRequest``, ``CameraAlert``). Reads are public and rate-limited; every request is
logged (``logs``).

Must not import: server.realtime, server.consoles. Never writes case state itself.
"""
