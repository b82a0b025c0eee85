"""Evaluation (综合评价): indicators, composite scores and rankings (the formulas and weights
in ``workflows/scoring.py`` and ``workflows/data/evaluation_rules.json``) for a day, week,
month or any run of days; leader pages, exports and the monthly bulletin.

Owns: the per-day rollups (``DailyRollup``), kept current by ``rollups.record`` from the one
place events are created (``server.cases.actions._event``) and rebuilt from the log by
``rollups.rebuild_rollups``; the selectors that compute a period's scores either straight from
``CaseEvent`` or from the rollups (the two agree exactly: tests prove it); the API and pages.

The formulas live in ``workflows.scoring`` (pure, no Django) and the weights and bands in
``workflows/data/evaluation_rules.json``. Must not: write case state, or import from
``server.consoles`` / ``server.realtime``.
"""
