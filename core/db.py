"""Database-held rules shared by apps: append-only tables on SQLite and PostgreSQL.

Used from migrations (``RunPython``) so the rule lives in the schema, not only in Python.
"""

from __future__ import annotations

from typing import Any


def append_only_sql(vendor: str, table: str, message: str) -> tuple[list[str], list[str]]:
    """SQL that makes ``table`` refuse UPDATE and DELETE; and SQL that undoes it.

    On PostgreSQL, TRUNCATE stays possible: it needs table-owner rights, which the application's
    role in production does not hold, and the test runner uses it to empty tables between tests.
    """
    message = message.replace("'", "''")  # an SQL string literal
    if vendor == "sqlite":
        forward = [
            f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
                BEGIN SELECT RAISE(ABORT, '{message}'); END;""",
            f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
                BEGIN SELECT RAISE(ABORT, '{message}'); END;""",
        ]
        reverse = [
            f"DROP TRIGGER IF EXISTS {table}_no_update;",
            f"DROP TRIGGER IF EXISTS {table}_no_delete;",
        ]
        return forward, reverse
    if vendor == "postgresql":
        forward = [
            f"""CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$
                BEGIN RAISE EXCEPTION '{message}'; END; $$ LANGUAGE plpgsql;""",
            f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION {table}_append_only();""",
        ]
        reverse = [
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};",
            f"DROP FUNCTION IF EXISTS {table}_append_only();",
        ]
        return forward, reverse
    raise NotImplementedError(f"append-only rule not written for {vendor}")


def run_vendor_sql(schema_editor: Any, statements: list[str]) -> None:
    for sql in statements:
        schema_editor.execute(sql)


def append_only_operation(table: str, message: str) -> Any:
    """A migration operation that installs (and on rollback removes) the append-only rule."""
    from django.db import migrations

    def forward(apps: Any, schema_editor: Any) -> None:
        run_vendor_sql(
            schema_editor, append_only_sql(schema_editor.connection.vendor, table, message)[0]
        )

    def reverse(apps: Any, schema_editor: Any) -> None:
        run_vendor_sql(
            schema_editor, append_only_sql(schema_editor.connection.vendor, table, message)[1]
        )

    return migrations.RunPython(forward, reverse)


def empty_database(using: str = "default") -> None:
    """Delete every row of every table, keeping the schema and its rules (``demo --reset``).

    Append-only tables refuse DELETE by design. PostgreSQL's TRUNCATE (which ``flush`` uses)
    does not fire row triggers; SQLite has no TRUNCATE, so there the triggers are set aside and
    put back exactly as they were, all in one transaction: a failure leaves everything as before.
    Reference data comes back through ``post_migrate``, as after any flush.
    """
    from django.core.management import call_command
    from django.db import connections, transaction

    connection = connections[using]
    with transaction.atomic(using=using):
        triggers: list[tuple[str, str]] = []
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
                triggers = list(cursor.fetchall())
                for name, _sql in triggers:
                    cursor.execute(f'DROP TRIGGER "{name}"')
        else:
            # PostgreSQL refuses TRUNCATE while deferred foreign-key checks of this same
            # transaction are pending: run them now.
            connection.check_constraints()
        call_command("flush", interactive=False, database=using, verbosity=0)
        if triggers:
            with connection.cursor() as cursor:
                for _name, sql in triggers:
                    cursor.execute(sql)


_SAVED = "kopdig_saved_triggers"


def _set_triggers_aside(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_SAVED} (name TEXT, sql TEXT)")
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        triggers = list(cursor.fetchall())
        for name, sql in triggers:
            cursor.execute(f"INSERT INTO {_SAVED} (name, sql) VALUES (%s, %s)", [name, sql])  # noqa: S608
            cursor.execute(f'DROP TRIGGER "{name}"')


def _put_triggers_back(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT name, sql FROM {_SAVED}")  # noqa: S608
        for _name, sql in cursor.fetchall():
            cursor.execute(sql)
        cursor.execute(f"DROP TABLE {_SAVED}")


def sqlite_rebuild_keeping_triggers(operations: list[Any]) -> list[Any]:
    """``operations`` that rebuild tables on SQLite (a CHECK added, a column altered), with every
    trigger set aside before and put back exactly as it was after.

    SQLite adds a CHECK by copying the table under a new name; the copy has none of the old
    table's triggers, and the rename fails while another table's trigger names it. On PostgreSQL
    nothing is set aside (ALTER TABLE keeps triggers)."""
    from django.db import migrations

    return [
        migrations.RunPython(_set_triggers_aside, _put_triggers_back),
        *operations,
        migrations.RunPython(_put_triggers_back, _set_triggers_aside),
    ]
