"""Hotline (12319 / 12345 热线): the call-taker's page and API, and the callback (回访).

Owns: ``HotlineCall`` (the caller's name and phone beside a case), the address search through
the gazetteer (``places``), the dry-run duplicate check (``duplicates``), and the hotline's
adapter onto the intake door (``server.intake.submit``). Never writes case state itself.

Must not import: server.realtime, server.consoles (pages read data through the API).
"""
