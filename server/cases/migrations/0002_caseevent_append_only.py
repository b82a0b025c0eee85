"""The database itself refuses UPDATE and DELETE on the event log (SQLite and PostgreSQL)."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER caseevent_no_update BEFORE UPDATE ON cases_caseevent
       BEGIN SELECT RAISE(ABORT, 'cases_caseevent is append-only'); END""",
    """CREATE TRIGGER caseevent_no_delete BEFORE DELETE ON cases_caseevent
       BEGIN SELECT RAISE(ABORT, 'cases_caseevent is append-only'); END""",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS caseevent_no_update",
               "DROP TRIGGER IF EXISTS caseevent_no_delete"]
POSTGRES = [
    """CREATE FUNCTION cases_caseevent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'cases_caseevent is append-only'; END $$""",
    """CREATE TRIGGER caseevent_append_only BEFORE UPDATE OR DELETE ON cases_caseevent
       FOR EACH ROW EXECUTE FUNCTION cases_caseevent_append_only()""",
    # TRUNCATE skips row triggers; the test runner's flush uses it, so it stays allowed.
]
POSTGRES_DROP = ["DROP TRIGGER IF EXISTS caseevent_append_only ON cases_caseevent",
                 "DROP FUNCTION IF EXISTS cases_caseevent_append_only()"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [
        migrations.RunPython(_run({"sqlite": SQLITE, "postgresql": POSTGRES}),
                             _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP})),
    ]
