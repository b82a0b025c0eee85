"""Kivy-free handset logic: API client, offline outbox and its sender, photo shrinking, task
inbox, drafts and user-facing messages. Nothing here imports Kivy, so it runs under plain
pytest, in ``bench/`` and in a headless sender process (``python -m mobileapp.core.sender``).

Must not import: Kivy, Django, or the ``server`` package (it talks to the server over HTTP only).
"""
