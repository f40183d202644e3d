"""PostgreSQL roles for production: an owner that runs migrations, an application role that owns
nothing.

The database's rules (triggers, constraints) hold only against a role that cannot set them
aside. A table's owner can ``ALTER TABLE … DISABLE TRIGGER``, drop a constraint or ``TRUNCATE``
an append-only table; so Kopdig serves requests as a role that owns nothing and holds only
SELECT, INSERT, UPDATE and DELETE on the tables and USAGE on the sequences. The owner role owns
the schema's tables, sequences and functions and is used only to run ``kopdig migrate``. Default
privileges give the application role the same rights on every table a later migration creates.

:func:`role_sql` writes the statements; ``kopdig pg_roles`` runs (or prints) them.
"""

from __future__ import annotations

import re

NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class RoleNameError(ValueError):
    pass


def _ident(name: str) -> str:
    if not NAME.match(name):
        raise RoleNameError(name)
    return f'"{name}"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _create_role(name: str, password: str | None) -> str:
    """Create the login role if it does not exist yet; (re)set its password when given."""
    options = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
    set_password = (
        f" EXECUTE format('ALTER ROLE %I PASSWORD %L', {_literal(name)}, {_literal(password)});"
        if password is not None
        else ""
    )
    return f"""DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {_literal(name)}) THEN
            CREATE ROLE {_ident(name)} {options};
        END IF;
        ALTER ROLE {_ident(name)} {options};{set_password}
    END $$;"""  # noqa: S608 (names checked against NAME, literals quoted by _literal)


def role_sql(
    *,
    database: str,
    owner: str,
    app: str,
    schema: str = "public",
    owner_password: str | None = None,
    app_password: str | None = None,
) -> list[str]:
    """The statements, in order, to run as a superuser connected to ``database``. Safe to run
    again (after a migration made by another role, say): each step leaves what exists alone or
    sets it to the same."""
    if owner == app:
        raise RoleNameError(app)
    o, a, s, db = _ident(owner), _ident(app), _ident(schema), _ident(database)
    return [
        _create_role(owner, owner_password),
        _create_role(app, app_password),
        f"GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {o}, {a}",
        f"REVOKE CREATE ON SCHEMA {s} FROM PUBLIC",
        f"GRANT USAGE, CREATE ON SCHEMA {s} TO {o}",
        f"GRANT USAGE ON SCHEMA {s} TO {a}",
        f"REVOKE CREATE ON SCHEMA {s} FROM {a}",
        # What exists already (migrated by another role) passes to the owner. Sequences that
        # belong to a column follow their table; functions installed by an extension stay.
        f"""DO $$ DECLARE r record; BEGIN
            FOR r IN SELECT c.oid::regclass AS rel FROM pg_class c
                JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = {_literal(schema)} AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
            LOOP EXECUTE format('ALTER TABLE %s OWNER TO %I', r.rel, {_literal(owner)}); END LOOP;
            FOR r IN SELECT c.oid::regclass AS rel FROM pg_class c
                JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = {_literal(schema)} AND c.relkind = 'S'
                AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                                AND d.objid = c.oid AND d.deptype IN ('a', 'i'))
            LOOP
                EXECUTE format('ALTER SEQUENCE %s OWNER TO %I', r.rel, {_literal(owner)});
            END LOOP;
            FOR r IN SELECT p.oid::regprocedure AS fn FROM pg_proc p
                JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = {_literal(schema)}
                AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                                AND d.objid = p.oid AND d.deptype = 'e')
            LOOP
                EXECUTE format('ALTER ROUTINE %s OWNER TO %I', r.fn, {_literal(owner)});
            END LOOP;
        END $$;""",  # noqa: S608 (names checked against NAME, literals quoted by _literal)
        # The application role: rows only. No TRUNCATE, REFERENCES or TRIGGER; not an owner,
        # so no ALTER, DROP or DISABLE TRIGGER.
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {a}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {s} FROM {a}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {s} TO {a}",
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {s} TO {a}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA {s} "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {a}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA {s} GRANT USAGE ON SEQUENCES TO {a}",
        # The owner is not the application: it cannot act as the application role, nor the other
        # way round.
        f"REVOKE {o} FROM {a}",
        f"REVOKE {a} FROM {o}",
    ]


def drop_sql(*, owner: str, app: str, to: str) -> list[str]:
    """Undo :func:`role_sql` in the current database: ``to`` gets back what the owner owns,
    then both roles go (their rights in other databases must be dropped there first)."""
    o, a, t = _ident(owner), _ident(app), _ident(to)
    return [
        f"REASSIGN OWNED BY {o} TO {t}",
        f"DROP OWNED BY {a}, {o}",
        f"DROP ROLE IF EXISTS {a}",
        f"DROP ROLE IF EXISTS {o}",
    ]
