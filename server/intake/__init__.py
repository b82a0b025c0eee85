"""Handset and web reports: validation, idempotency, placement, photos, then ``do_report``.

Everything a client sends is checked here before anything is stored; a bad report gets a 4xx
JSON error naming the field and leaves no trace.
"""
