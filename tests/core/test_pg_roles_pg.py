"""PostgreSQL in production: Kopdig serves requests as a role that owns nothing, so the
database's rules cannot be set aside from the application's connection.

``kopdig pg_roles`` creates the owner (migrations) and the application role in the test
database; the application role then reads and writes rows, and is refused a TRUNCATE, an
``ALTER TABLE … DISABLE TRIGGER`` and the other ways around the rules.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from io import StringIO
from typing import Any

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from core.pgroles import drop_sql


@pytest.fixture
def roles(transactional_db: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Fresh role names (roles belong to the whole server, shared by every test database);
    dropped again afterwards, the tables given back to the test's own user."""
    suffix = uuid.uuid4().hex[:10]
    made = {
        "owner": f"kopdig_owner_{suffix}",
        "app": f"kopdig_app_{suffix}",
        "owner_password": "pemilik-" + suffix,
        "app_password": "aplikasi-" + suffix,
    }
    monkeypatch.setenv("KOPDIG_OWNER_PASSWORD", made["owner_password"])
    monkeypatch.setenv("KOPDIG_APP_PASSWORD", made["app_password"])
    yield made
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        me = cursor.fetchone()[0]
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [made["owner"]])
        if cursor.fetchone():
            for statement in drop_sql(owner=made["owner"], app=made["app"], to=me):
                cursor.execute(statement)


LOCK_HEAD = "ledger_lock_head(bigint, integer, text, text)"
POST_ENTRY = (
    "ledger_post_entry(bigint, text, integer, integer, bigint, date, timestamptz, text, text, "
    "text, integer, text, bigint, text, text, bigint[], bigint[], text[], integer[], integer[], "
    "jsonb)"
)


def connect_as(role: str, password: str) -> psycopg.Connection:
    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        dbname=settings["NAME"],
        user=role,
        password=password,
        autocommit=True,
    )


def refused(db: psycopg.Connection, statement: str, match: str) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match=match):
        db.execute(statement)


def test_application_role_writes_rows_and_cannot_set_the_rules_aside(roles):
    out = StringIO()
    call_command("pg_roles", owner=roles["owner"], app=roles["app"], stdout=out)
    assert roles["app"] in out.getvalue()
    with connect_as(roles["app"], roles["app_password"]) as app:
        assert app.execute("SELECT COUNT(*) FROM ledger_posting").fetchone() == (0,)
        app.execute(
            "INSERT INTO core_auditevent (at, action, object_type, object_id, object_repr, note) "
            "VALUES (now(), 'test.role', '', '', '', '')"
        )
        refused(app, "TRUNCATE ledger_posting", "permission denied")
        refused(app, "TRUNCATE core_auditevent", "permission denied")
        refused(app, "ALTER TABLE ledger_posting DISABLE TRIGGER ledger_posting_update", "owner")
        refused(app, "ALTER TABLE core_auditevent DISABLE TRIGGER ALL", "owner")
        refused(app, "DROP TRIGGER ledger_period_update ON ledger_period", "owner")
        refused(app, "ALTER TABLE ledger_posting DROP CONSTRAINT ledger_posting_nonzero", "owner")
        refused(app, "SET session_replication_role = replica", "permission denied")
        refused(app, "CREATE TABLE ledger_sneaky (id int)", "permission denied")
        refused(
            app,
            "CREATE TRIGGER sneaky BEFORE INSERT ON ledger_posting "
            "FOR EACH ROW EXECUTE FUNCTION ledger_posting_update()",
            "permission denied",
        )
        # The posting functions (ledger migration 0013) run as the application, with its
        # rights (SECURITY INVOKER): callable, not replaceable.
        for signature in (LOCK_HEAD, POST_ENTRY):
            allowed = app.execute(
                "SELECT has_function_privilege(current_user, %s, 'EXECUTE')", [signature]
            ).fetchone()
            assert allowed == (True,)
        refused(app, f"ALTER FUNCTION {LOCK_HEAD} SECURITY DEFINER", "owner")
        # The audit trail stays append-only against the application.
        with pytest.raises(psycopg.errors.RaiseException, match="tidak dapat diubah"):
            app.execute("DELETE FROM core_auditevent WHERE action = 'test.role'")


def test_tables_a_later_migration_creates_are_open_to_the_application(roles):
    call_command("pg_roles", owner=roles["owner"], app=roles["app"], stdout=StringIO())
    with connect_as(roles["owner"], roles["owner_password"]) as owner:
        owner.execute(
            "CREATE TABLE ledger_later (id bigint GENERATED BY DEFAULT AS IDENTITY, x int)"
        )
        # The owner may set its own rules aside: that is why the application is not the owner.
        owner.execute("ALTER TABLE ledger_posting DISABLE TRIGGER ledger_posting_update")
        owner.execute("ALTER TABLE ledger_posting ENABLE TRIGGER ledger_posting_update")
    with connect_as(roles["app"], roles["app_password"]) as app:
        app.execute("INSERT INTO ledger_later (x) VALUES (1)")
        assert app.execute("SELECT x FROM ledger_later").fetchall() == [(1,)]
        refused(app, "TRUNCATE ledger_later", "permission denied")
        refused(app, "DROP TABLE ledger_later", "owner")
    with connect_as(roles["owner"], roles["owner_password"]) as owner:
        owner.execute("DROP TABLE ledger_later")


def test_running_it_again_changes_nothing_and_bad_names_are_refused(roles):
    for _ in range(2):
        call_command("pg_roles", owner=roles["owner"], app=roles["app"], stdout=StringIO())
    shown = StringIO()
    call_command("pg_roles", owner=roles["owner"], app=roles["app"], sql=True, stdout=shown)
    assert roles["app_password"] not in shown.getvalue() and "'***'" in shown.getvalue()
    with pytest.raises(CommandError, match="tidak sah"):
        call_command("pg_roles", owner="kopdig; DROP TABLE x", app=roles["app"])
    with pytest.raises(CommandError, match="tidak sah"):
        call_command("pg_roles", owner=roles["app"], app=roles["app"])
