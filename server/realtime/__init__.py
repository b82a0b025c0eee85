"""Websockets: the one sender of case events, the consumer, and resume from the event log.

Owns: group names (``groups``), who may join which group (``access``, checked at connect and at
each subscription), the typed payloads both ways (``schema``: unknown fields refused), the push
after commit (``send``: called only from ``server.cases.actions``), and the replay of missed
events on resume (``replay``: from ``CaseEvent``, the append-only log).

Must not write case state, and must not be called by views or consumers to send events.
"""
