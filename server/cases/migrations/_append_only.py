"""SQL of the append-only triggers, shared by the migrations that (re)create them."""

SQLITE_DROP = ["DROP TRIGGER IF EXISTS caseevent_no_update",
               "DROP TRIGGER IF EXISTS caseevent_no_delete"]
SQLITE = [
    """CREATE TRIGGER caseevent_no_update BEFORE UPDATE ON cases_caseevent
       BEGIN SELECT RAISE(ABORT, 'cases_caseevent is append-only'); END""",
    """CREATE TRIGGER caseevent_no_delete BEFORE DELETE ON cases_caseevent
       BEGIN SELECT RAISE(ABORT, 'cases_caseevent is append-only'); END""",
]


def recreate_sqlite(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_DROP + SQLITE:
            schema_editor.execute(sql)
