"""The Django project (ASGI): settings, URLs and the apps that hold cases, maps and people.

Apps: accounts (users, roles, departments, tokens), maps (the stored grid: streets, communities,
cells, components, map versions), cases (Case, CaseEvent, Photo; ``actions.py`` is the only
writer of case state), intake (handset reports: validation, idempotency, placement, photos),
realtime (websocket consumers and the one sender of events), consoles (the pages).
"""
