"""Cases (案件), their append-only event log (CaseEvent) and photos.

``actions.py`` is the only writer of case state: views, consumers and scripts call its ``do_*``
functions, which lock the case row, ask ``workflows`` for the decision, save the case, append
the event and schedule the realtime push after commit. ``selectors.py`` reads.
"""
