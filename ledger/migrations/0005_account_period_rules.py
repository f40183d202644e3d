"""More of the ledger's rules, held by the database on SQLite and on PostgreSQL.

- An account never moves to another koperasi; its class, normal side and group flag are fixed
  once it has postings (the balances and reports it already holds would change meaning).
- A role mapping points at an account of the mapping's own koperasi.
- A period is born open and changes only by its close or its reopening. Either is the audited
  path: the status may change only when the period's audit trail (append-only, in the same
  database) already names that change, i.e. the period's ``ledger.period_close`` events less its
  ``ledger.period_reopen`` events are 1 for a closed period and 0 for an open one. A change made
  by hand must first write such an event, which then stays in the trail for good. Nothing else
  about a period changes; a closed period is never deleted.
- Period balances (closing balances) are written only into an open period, i.e. by the close
  before it turns the period closed; they are never updated, and deleted only while the period
  is open again (the reopening turns it open first). So a closed period's balances are exactly
  those its close wrote; ``kopdig ledger verify`` also recomputes them from the postings.

On SQLite a table rebuilt by a later ALTER loses its triggers: a later migration that rebuilds
one of these tables must create them again (as 0003 did for the posting and entry rules).
The SQL is written out here, not imported, so this migration keeps meaning what it meant.
"""

from django.db import migrations

MSG_ACCOUNT_KOPERASI = "Akun tidak dapat dipindahkan ke koperasi lain."
MSG_ACCOUNT_FIXED = (
    "Golongan, saldo normal dan jenis akun tidak dapat diubah setelah akun dipakai."
)
MSG_ROLE_ACCOUNT = "Peran akun harus menunjuk akun milik koperasi yang sama."
MSG_PERIOD_INSERT = "Periode buku baru harus berstatus terbuka."
MSG_PERIOD_FIXED = "Periode buku hanya berubah melalui penutupan atau pembukaan kembali."
MSG_PERIOD_AUDIT = (
    "Periode buku hanya dapat ditutup atau dibuka kembali melalui jalur yang tercatat "
    "di jejak audit."
)
MSG_PERIOD_DELETE = "Periode buku yang sudah ditutup tidak dapat dihapus."
MSG_BALANCE_INSERT = "Saldo penutupan hanya dicatat oleh penutupan periode."
MSG_BALANCE_UPDATE = "Saldo penutupan tidak dapat diubah."
MSG_BALANCE_DELETE = "Saldo penutupan periode yang sudah ditutup tidak dapat dihapus."

PERIOD_FIXED = ["koperasi_id", "year", "month", "start_date", "end_date"]
PERIOD_CLOSE_FIELDS = ["closed_at", "closed_by_id", "reopened_at", "reopened_by_id", "reopen_reason"]
ACCOUNT_FIXED = ["klass", "normal_side", "is_group"]

# The audit events that open and close a period, and an index that finds them (partial: it
# holds only these rare rows, so the many other audit inserts do not pay for it).
AUDIT_ACTIONS = "('ledger.period_close', 'ledger.period_reopen')"
AUDIT_INDEX = (
    "CREATE INDEX ledger_period_audit ON core_auditevent (object_type, object_id) "
    f"WHERE action IN {AUDIT_ACTIONS}"
)


def _audited_state(period_id: str, koperasi_id: str) -> str:
    """SQL for 1 if the period's audit trail says closed, 0 if it says open."""
    return f"""(SELECT COALESCE(SUM(CASE a.action WHEN 'ledger.period_close' THEN 1 ELSE -1 END), 0)
        FROM core_auditevent a WHERE a.object_type = 'ledger.Period'
        AND a.object_id = CAST({period_id} AS TEXT) AND a.action IN {AUDIT_ACTIONS}
        AND a.koperasi_id = {koperasi_id})"""


def _changed(columns: list[str]) -> str:
    return " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)


SQLITE_TRIGGERS = [
    "ledger_account_update", "ledger_rolemapping_insert", "ledger_rolemapping_update",
    "ledger_period_insert", "ledger_period_update", "ledger_period_delete",
    "ledger_periodbalance_insert", "ledger_periodbalance_update", "ledger_periodbalance_delete",
]

SQLITE_FORWARD = [
    f"""CREATE TRIGGER ledger_account_update BEFORE UPDATE ON ledger_account
        WHEN NEW.koperasi_id IS NOT OLD.koperasi_id OR {_changed(ACCOUNT_FIXED)} BEGIN
        SELECT RAISE(ABORT, '{MSG_ACCOUNT_KOPERASI}') WHERE NEW.koperasi_id IS NOT OLD.koperasi_id;
        SELECT RAISE(ABORT, '{MSG_ACCOUNT_FIXED}') WHERE EXISTS (
            SELECT 1 FROM ledger_posting p WHERE p.account_id = OLD.id);
    END;""",
    *(
        f"""CREATE TRIGGER ledger_rolemapping_{event.lower()} BEFORE {event} ON ledger_rolemapping
            WHEN (SELECT a.koperasi_id FROM ledger_account a WHERE a.id = NEW.account_id)
                IS NOT NEW.koperasi_id
            BEGIN SELECT RAISE(ABORT, '{MSG_ROLE_ACCOUNT}'); END;"""
        for event in ("INSERT", "UPDATE")
    ),
    f"""CREATE TRIGGER ledger_period_insert BEFORE INSERT ON ledger_period
        WHEN NEW.status IS NOT 'open' BEGIN SELECT RAISE(ABORT, '{MSG_PERIOD_INSERT}'); END;""",
    f"""CREATE TRIGGER ledger_period_update BEFORE UPDATE ON ledger_period BEGIN
        SELECT RAISE(ABORT, '{MSG_PERIOD_FIXED}') WHERE {_changed(PERIOD_FIXED)}
            OR (NEW.status IS OLD.status AND ({_changed(PERIOD_CLOSE_FIELDS)}));
        SELECT RAISE(ABORT, '{MSG_PERIOD_AUDIT}') WHERE NEW.status IS NOT OLD.status
            AND {_audited_state("NEW.id", "NEW.koperasi_id")}
                IS NOT (CASE NEW.status WHEN 'closed' THEN 1 ELSE 0 END);
    END;""",
    f"""CREATE TRIGGER ledger_period_delete BEFORE DELETE ON ledger_period
        WHEN OLD.status IS NOT 'open' BEGIN SELECT RAISE(ABORT, '{MSG_PERIOD_DELETE}'); END;""",
    f"""CREATE TRIGGER ledger_periodbalance_insert BEFORE INSERT ON ledger_periodbalance
        WHEN NOT EXISTS (SELECT 1 FROM ledger_period pr WHERE pr.id = NEW.period_id
                         AND pr.koperasi_id = NEW.koperasi_id AND pr.status = 'open')
          OR (SELECT a.koperasi_id FROM ledger_account a WHERE a.id = NEW.account_id)
                IS NOT NEW.koperasi_id
        BEGIN SELECT RAISE(ABORT, '{MSG_BALANCE_INSERT}'); END;""",
    f"""CREATE TRIGGER ledger_periodbalance_update BEFORE UPDATE ON ledger_periodbalance
        BEGIN SELECT RAISE(ABORT, '{MSG_BALANCE_UPDATE}'); END;""",
    f"""CREATE TRIGGER ledger_periodbalance_delete BEFORE DELETE ON ledger_periodbalance
        WHEN EXISTS (SELECT 1 FROM ledger_period pr WHERE pr.id = OLD.period_id
                     AND pr.status IS NOT 'open')
        BEGIN SELECT RAISE(ABORT, '{MSG_BALANCE_DELETE}'); END;""",
]
SQLITE_REVERSE = [f"DROP TRIGGER IF EXISTS {name};" for name in SQLITE_TRIGGERS]


def _row(prefix: str, columns: list[str]) -> str:
    return "ROW(" + ", ".join(f"{prefix}.{c}" for c in columns) + ")"


POSTGRES_FORWARD = [
    f"""CREATE OR REPLACE FUNCTION ledger_account_update() RETURNS trigger AS $$
    BEGIN
        IF NEW.koperasi_id IS DISTINCT FROM OLD.koperasi_id THEN
            RAISE EXCEPTION '{MSG_ACCOUNT_KOPERASI}';
        END IF;
        IF {_row("NEW", ACCOUNT_FIXED)} IS DISTINCT FROM {_row("OLD", ACCOUNT_FIXED)}
           AND EXISTS (SELECT 1 FROM ledger_posting p WHERE p.account_id = OLD.id) THEN
            RAISE EXCEPTION '{MSG_ACCOUNT_FIXED}';
        END IF;
        RETURN NEW;
    END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER ledger_account_update BEFORE UPDATE ON ledger_account
        FOR EACH ROW EXECUTE FUNCTION ledger_account_update();""",
    f"""CREATE OR REPLACE FUNCTION ledger_rolemapping_check() RETURNS trigger AS $$
    BEGIN
        IF (SELECT a.koperasi_id FROM ledger_account a WHERE a.id = NEW.account_id)
           IS DISTINCT FROM NEW.koperasi_id THEN
            RAISE EXCEPTION '{MSG_ROLE_ACCOUNT}';
        END IF;
        RETURN NEW;
    END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER ledger_rolemapping_check BEFORE INSERT OR UPDATE ON ledger_rolemapping
        FOR EACH ROW EXECUTE FUNCTION ledger_rolemapping_check();""",
    f"""CREATE OR REPLACE FUNCTION ledger_period_insert() RETURNS trigger AS $$
    BEGIN
        IF NEW.status IS DISTINCT FROM 'open' THEN RAISE EXCEPTION '{MSG_PERIOD_INSERT}'; END IF;
        RETURN NEW;
    END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER ledger_period_insert BEFORE INSERT ON ledger_period
        FOR EACH ROW EXECUTE FUNCTION ledger_period_insert();""",
    f"""CREATE OR REPLACE FUNCTION ledger_period_update() RETURNS trigger AS $$
    BEGIN
        IF {_row("NEW", PERIOD_FIXED)} IS DISTINCT FROM {_row("OLD", PERIOD_FIXED)}
           OR (NEW.status IS NOT DISTINCT FROM OLD.status
               AND {_row("NEW", PERIOD_CLOSE_FIELDS)} IS DISTINCT FROM
                   {_row("OLD", PERIOD_CLOSE_FIELDS)}) THEN
            RAISE EXCEPTION '{MSG_PERIOD_FIXED}';
        END IF;
        IF NEW.status IS DISTINCT FROM OLD.status
           AND {_audited_state("NEW.id", "NEW.koperasi_id")}
               IS DISTINCT FROM (CASE NEW.status WHEN 'closed' THEN 1 ELSE 0 END) THEN
            RAISE EXCEPTION '{MSG_PERIOD_AUDIT}';
        END IF;
        RETURN NEW;
    END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER ledger_period_update BEFORE UPDATE ON ledger_period
        FOR EACH ROW EXECUTE FUNCTION ledger_period_update();""",
    f"""CREATE OR REPLACE FUNCTION ledger_period_delete() RETURNS trigger AS $$
    BEGIN
        IF OLD.status IS DISTINCT FROM 'open' THEN RAISE EXCEPTION '{MSG_PERIOD_DELETE}'; END IF;
        RETURN OLD;
    END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER ledger_period_delete BEFORE DELETE ON ledger_period
        FOR EACH ROW EXECUTE FUNCTION ledger_period_delete();""",
    f"""CREATE OR REPLACE FUNCTION ledger_periodbalance_insert() RETURNS trigger AS $$
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM ledger_period pr WHERE pr.id = NEW.period_id
                       AND pr.koperasi_id = NEW.koperasi_id AND pr.status = 'open')
           OR (SELECT a.koperasi_id FROM ledger_account a WHERE a.id = NEW.account_id)
              IS DISTINCT FROM NEW.koperasi_id THEN
            RAISE EXCEPTION '{MSG_BALANCE_INSERT}';
        END IF;
        RETURN NEW;
    END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER ledger_periodbalance_insert BEFORE INSERT ON ledger_periodbalance
        FOR EACH ROW EXECUTE FUNCTION ledger_periodbalance_insert();""",
    f"""CREATE OR REPLACE FUNCTION ledger_periodbalance_update() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION '{MSG_BALANCE_UPDATE}'; END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER ledger_periodbalance_update BEFORE UPDATE ON ledger_periodbalance
        FOR EACH ROW EXECUTE FUNCTION ledger_periodbalance_update();""",
    f"""CREATE OR REPLACE FUNCTION ledger_periodbalance_delete() RETURNS trigger AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM ledger_period pr WHERE pr.id = OLD.period_id
                   AND pr.status IS DISTINCT FROM 'open') THEN
            RAISE EXCEPTION '{MSG_BALANCE_DELETE}';
        END IF;
        RETURN OLD;
    END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER ledger_periodbalance_delete BEFORE DELETE ON ledger_periodbalance
        FOR EACH ROW EXECUTE FUNCTION ledger_periodbalance_delete();""",
]
POSTGRES_REVERSE = [
    stmt
    for table, name in (
        ("ledger_account", "ledger_account_update"),
        ("ledger_rolemapping", "ledger_rolemapping_check"),
        ("ledger_period", "ledger_period_insert"),
        ("ledger_period", "ledger_period_update"),
        ("ledger_period", "ledger_period_delete"),
        ("ledger_periodbalance", "ledger_periodbalance_insert"),
        ("ledger_periodbalance", "ledger_periodbalance_update"),
        ("ledger_periodbalance", "ledger_periodbalance_delete"),
    )
    for stmt in (f"DROP TRIGGER IF EXISTS {name} ON {table};", f"DROP FUNCTION IF EXISTS {name}();")
]


def _run(schema_editor, statements):
    for sql in statements:
        schema_editor.execute(sql)


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, [*SQLITE_FORWARD, AUDIT_INDEX])
    elif vendor == "postgresql":
        _run(schema_editor, [*POSTGRES_FORWARD, AUDIT_INDEX])
    else:
        raise NotImplementedError(f"ledger rules not written for {vendor}")


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    drop_index = ["DROP INDEX IF EXISTS ledger_period_audit;"]
    _run(schema_editor, (SQLITE_REVERSE if vendor == "sqlite" else POSTGRES_REVERSE) + drop_index)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0004_entry_sequence"), ("core", "0002_audit_append_only")]
    operations = [migrations.RunPython(forward, backward)]
