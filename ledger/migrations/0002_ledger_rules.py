"""The ledger's rules, held by the database on SQLite and on PostgreSQL.

- An entry is inserted as 'draft' and changes once in its life: to 'posted', and only when it
  has at least two postings, its postings sum to zero (debit = credit) and no closed period of
  its koperasi ends on or after its value date. A posted entry is never updated or deleted.
- A posting is inserted only into a draft entry of the same koperasi and value date, on an
  account of the same koperasi; postings are never updated, and a posted entry's postings are
  never deleted. (Non-zero amounts: a CHECK constraint in 0001.)

The SQL is written out here, not imported, so this migration keeps meaning what it meant.
"""

from django.db import migrations

# Columns that may not change when a draft becomes posted (everything but status).
FROZEN = [
    "koperasi_id", "number", "year", "seq", "chain_index", "value_date", "created_at", "kind",
    "memo", "source", "actor_id", "idempotency_key", "reverses_id", "prev_hash", "hash",
]

MSG_POSTED = "Jurnal yang sudah diposting tidak dapat diubah atau dihapus."
MSG_DRAFT_ONLY = "Jurnal hanya dapat berubah sekali: dari draf menjadi diposting."
MSG_INSERT_DRAFT = "Jurnal baru harus berstatus draf."
MSG_REVERSES = "Jurnal yang dibalik harus jurnal diposting milik koperasi yang sama."
MSG_UNBALANCED = "Jurnal tidak seimbang: jumlah debit harus sama dengan jumlah kredit."
MSG_TOO_FEW = "Jurnal harus memiliki sedikitnya dua baris posting."
MSG_CLOSED = "Periode buku untuk tanggal ini sudah ditutup."
MSG_POSTING_POSTED = "Posting dari jurnal yang sudah diposting tidak dapat ditambah, diubah atau dihapus."
MSG_POSTING_ENTRY = "Posting harus sesuai dengan jurnalnya (koperasi dan tanggal buku)."
MSG_POSTING_ACCOUNT = "Akun milik koperasi lain tidak dapat dipakai."
MSG_POSTING_UPDATE = "Posting tidak dapat diubah."

SQLITE_FORWARD = [
    f"""CREATE TRIGGER ledger_entry_insert BEFORE INSERT ON ledger_journalentry BEGIN
        SELECT RAISE(ABORT, '{MSG_INSERT_DRAFT}') WHERE NEW.status <> 'draft';
        SELECT RAISE(ABORT, '{MSG_REVERSES}') WHERE NEW.reverses_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM ledger_journalentry e WHERE e.id = NEW.reverses_id
            AND e.koperasi_id = NEW.koperasi_id AND e.status = 'posted');
    END;""",
    f"""CREATE TRIGGER ledger_entry_update BEFORE UPDATE ON ledger_journalentry BEGIN
        SELECT RAISE(ABORT, '{MSG_POSTED}') WHERE OLD.status = 'posted';
        SELECT RAISE(ABORT, '{MSG_DRAFT_ONLY}') WHERE NEW.status <> 'posted' OR """
    + " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in FROZEN)
    + f""";
        SELECT RAISE(ABORT, '{MSG_TOO_FEW}')
            WHERE (SELECT COUNT(*) FROM ledger_posting p WHERE p.entry_id = NEW.id) < 2;
        SELECT RAISE(ABORT, '{MSG_UNBALANCED}')
            WHERE (SELECT SUM(p.amount) FROM ledger_posting p WHERE p.entry_id = NEW.id) <> 0;
        SELECT RAISE(ABORT, '{MSG_CLOSED}') WHERE EXISTS (
            SELECT 1 FROM ledger_period pr WHERE pr.koperasi_id = NEW.koperasi_id
            AND pr.status = 'closed' AND pr.end_date >= NEW.value_date);
    END;""",
    f"""CREATE TRIGGER ledger_entry_delete BEFORE DELETE ON ledger_journalentry
        WHEN OLD.status = 'posted' BEGIN SELECT RAISE(ABORT, '{MSG_POSTED}'); END;""",
    f"""CREATE TRIGGER ledger_posting_insert BEFORE INSERT ON ledger_posting BEGIN
        SELECT RAISE(ABORT, '{MSG_POSTING_POSTED}') WHERE EXISTS (
            SELECT 1 FROM ledger_journalentry e WHERE e.id = NEW.entry_id AND e.status = 'posted');
        SELECT RAISE(ABORT, '{MSG_POSTING_ENTRY}') WHERE NOT EXISTS (
            SELECT 1 FROM ledger_journalentry e WHERE e.id = NEW.entry_id
            AND e.koperasi_id = NEW.koperasi_id AND e.value_date = NEW.value_date);
        SELECT RAISE(ABORT, '{MSG_POSTING_ACCOUNT}') WHERE NOT EXISTS (
            SELECT 1 FROM ledger_account a WHERE a.id = NEW.account_id
            AND a.koperasi_id = NEW.koperasi_id);
    END;""",
    f"""CREATE TRIGGER ledger_posting_update BEFORE UPDATE ON ledger_posting
        BEGIN SELECT RAISE(ABORT, '{MSG_POSTING_UPDATE}'); END;""",
    f"""CREATE TRIGGER ledger_posting_delete BEFORE DELETE ON ledger_posting
        WHEN EXISTS (SELECT 1 FROM ledger_journalentry e
                     WHERE e.id = OLD.entry_id AND e.status = 'posted')
        BEGIN SELECT RAISE(ABORT, '{MSG_POSTING_POSTED}'); END;""",
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {name};"
    for name in (
        "ledger_entry_insert", "ledger_entry_update", "ledger_entry_delete",
        "ledger_posting_insert", "ledger_posting_update", "ledger_posting_delete",
    )
]

_frozen_new = ", ".join(f"NEW.{c}" for c in FROZEN)
_frozen_old = ", ".join(f"OLD.{c}" for c in FROZEN)

POSTGRES_FORWARD = [
    f"""CREATE OR REPLACE FUNCTION ledger_entry_insert() RETURNS trigger AS $$
    BEGIN
        IF NEW.status <> 'draft' THEN RAISE EXCEPTION '{MSG_INSERT_DRAFT}'; END IF;
        IF NEW.reverses_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM ledger_journalentry e WHERE e.id = NEW.reverses_id
            AND e.koperasi_id = NEW.koperasi_id AND e.status = 'posted') THEN
            RAISE EXCEPTION '{MSG_REVERSES}';
        END IF;
        RETURN NEW;
    END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER ledger_entry_insert BEFORE INSERT ON ledger_journalentry
        FOR EACH ROW EXECUTE FUNCTION ledger_entry_insert();""",
    f"""CREATE OR REPLACE FUNCTION ledger_entry_update() RETURNS trigger AS $$
    DECLARE n bigint; total bigint;
    BEGIN
        IF OLD.status = 'posted' THEN RAISE EXCEPTION '{MSG_POSTED}'; END IF;
        IF NEW.status <> 'posted' OR ROW({_frozen_new}) IS DISTINCT FROM ROW({_frozen_old}) THEN
            RAISE EXCEPTION '{MSG_DRAFT_ONLY}';
        END IF;
        SELECT COUNT(*), COALESCE(SUM(p.amount), 0) INTO n, total
            FROM ledger_posting p WHERE p.entry_id = NEW.id;
        IF n < 2 THEN RAISE EXCEPTION '{MSG_TOO_FEW}'; END IF;
        IF total <> 0 THEN RAISE EXCEPTION '{MSG_UNBALANCED}'; END IF;
        IF EXISTS (SELECT 1 FROM ledger_period pr WHERE pr.koperasi_id = NEW.koperasi_id
                   AND pr.status = 'closed' AND pr.end_date >= NEW.value_date) THEN
            RAISE EXCEPTION '{MSG_CLOSED}';
        END IF;
        RETURN NEW;
    END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER ledger_entry_update BEFORE UPDATE ON ledger_journalentry
        FOR EACH ROW EXECUTE FUNCTION ledger_entry_update();""",
    f"""CREATE OR REPLACE FUNCTION ledger_entry_delete() RETURNS trigger AS $$
    BEGIN
        IF OLD.status = 'posted' THEN RAISE EXCEPTION '{MSG_POSTED}'; END IF;
        RETURN OLD;
    END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER ledger_entry_delete BEFORE DELETE ON ledger_journalentry
        FOR EACH ROW EXECUTE FUNCTION ledger_entry_delete();""",
    f"""CREATE OR REPLACE FUNCTION ledger_posting_insert() RETURNS trigger AS $$
    DECLARE e record;
    BEGIN
        SELECT koperasi_id, status, value_date INTO e
            FROM ledger_journalentry WHERE id = NEW.entry_id;
        IF e.status = 'posted' THEN RAISE EXCEPTION '{MSG_POSTING_POSTED}'; END IF;
        IF e.koperasi_id IS DISTINCT FROM NEW.koperasi_id
           OR e.value_date IS DISTINCT FROM NEW.value_date THEN
            RAISE EXCEPTION '{MSG_POSTING_ENTRY}';
        END IF;
        IF NOT EXISTS (SELECT 1 FROM ledger_account a WHERE a.id = NEW.account_id
                       AND a.koperasi_id = NEW.koperasi_id) THEN
            RAISE EXCEPTION '{MSG_POSTING_ACCOUNT}';
        END IF;
        RETURN NEW;
    END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER ledger_posting_insert BEFORE INSERT ON ledger_posting
        FOR EACH ROW EXECUTE FUNCTION ledger_posting_insert();""",
    f"""CREATE OR REPLACE FUNCTION ledger_posting_update() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION '{MSG_POSTING_UPDATE}'; END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER ledger_posting_update BEFORE UPDATE ON ledger_posting
        FOR EACH ROW EXECUTE FUNCTION ledger_posting_update();""",
    f"""CREATE OR REPLACE FUNCTION ledger_posting_delete() RETURNS trigger AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM ledger_journalentry e
                   WHERE e.id = OLD.entry_id AND e.status = 'posted') THEN
            RAISE EXCEPTION '{MSG_POSTING_POSTED}';
        END IF;
        RETURN OLD;
    END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER ledger_posting_delete BEFORE DELETE ON ledger_posting
        FOR EACH ROW EXECUTE FUNCTION ledger_posting_delete();""",
]
POSTGRES_REVERSE = [
    stmt
    for table, name in (
        ("ledger_journalentry", "ledger_entry_insert"),
        ("ledger_journalentry", "ledger_entry_update"),
        ("ledger_journalentry", "ledger_entry_delete"),
        ("ledger_posting", "ledger_posting_insert"),
        ("ledger_posting", "ledger_posting_update"),
        ("ledger_posting", "ledger_posting_delete"),
    )
    for stmt in (f"DROP TRIGGER IF EXISTS {name} ON {table};", f"DROP FUNCTION IF EXISTS {name}();")
]


def _run(schema_editor, statements):
    for sql in statements:
        schema_editor.execute(sql)


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, SQLITE_FORWARD)
    elif vendor == "postgresql":
        _run(schema_editor, POSTGRES_FORWARD)
    else:
        raise NotImplementedError(f"ledger rules not written for {vendor}")


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, SQLITE_REVERSE if vendor == "sqlite" else POSTGRES_REVERSE)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
