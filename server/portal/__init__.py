"""Public portal (门户网站): recently closed cases on a map with before and after photos, and a
status lookup by case number. No login; rate-limited; every request logged.

Owns the public view of a case (``public``) and the redaction of personal data (``privacy``):
no reporter, caller, actor or assignee, no reasons or notes, and descriptions (and the
addresses callers and clients type) with phone numbers, e-mail addresses, ID numbers and the
known caller's name masked. Open311's public answers use the same redaction (docs/privacy.md).

Must not import: server.realtime, server.consoles. Reads only; never writes case state.
"""
