"""The field handset (城管通) for supervisors: a Kivy app.

``core/`` (no Kivy import: API client, offline outbox and sender, photo shrinking, tasks),
``platform/`` (GPS, camera behind small interfaces with desktop fallbacks), ``ui/`` (thin screens).
The handset's contract is the server's: POST /api/reports/ with an idempotency key.
"""
