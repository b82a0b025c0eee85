"""Recreate the append-only triggers on SQLite: 0003 widened two columns of cases_caseevent,
and SQLite alters a column by rebuilding the table, which drops its triggers. (PostgreSQL alters
in place and keeps them.) Any later migration that alters cases_caseevent must do the same;
tests/server/test_loop.py::test_case_event_log_refuses_changes catches a forgotten one."""

from django.db import migrations

from server.cases.migrations import _append_only


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_photo_kinds")]
    operations = [migrations.RunPython(_append_only.recreate_sqlite, migrations.RunPython.noop)]
