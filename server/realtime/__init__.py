"""Websockets: group names (``groups``), the consumer, and the one sender of events (``send``).

Only ``server.cases.actions`` (and sibling action modules) call ``send``; it sends after the
transaction commits, so a pushed event always describes stored state.
"""
