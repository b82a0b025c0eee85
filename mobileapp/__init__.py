"""The field handset (城管通) for supervisors: a Kivy app (issue 6).

Layout to come: ``core/`` (no Kivy import: API client, offline outbox, photo shrinking, tasks),
``platform/`` (GPS, camera behind small interfaces with desktop fallbacks), ``ui/`` (thin screens).
Until then the handset's contract is the server's: POST /api/reports/ with an idempotency key.
"""
