"""Running totals per account and month, and the PostgreSQL rules checked once per statement.

1. ``ledger_accountperiodbalance`` holds what each account moved in each calendar month (the sum
   of its posted postings dated in the month). The database writes it: the statement that turns
   entries ``posted`` adds their postings to their months' rows (SQLite: a row trigger; PostgreSQL:
   the statement trigger below). Its rows are never deleted; on PostgreSQL they are written only
   from that trigger (``pg_trigger_depth()``), on SQLite ``ledger verify`` recomputes them.
   Existing books are filled from their posted postings.
2. PostgreSQL: the checks on inserting postings and on posting entries run once per statement
   over its transition tables (a batch of 10 000 entries is checked by a few set queries, not by
   40 000 PL/pgSQL calls), with the same rules and messages as 0002. The rare paths keep row
   triggers: an entry's insert (guarded by ``WHEN``, so a plain draft calls nothing), and any
   update or delete of a posting or delete of an entry, which 0002 refuses row by row.

The SQL is written out here, not imported, so this migration keeps meaning what it meant.
"""

import core.fields
import django.db.models.deletion
from django.db import migrations, models



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
MSG_RUNNING = "Mutasi bulanan akun hanya ditulis oleh database saat jurnal diposting."

FROZEN = [
    "koperasi_id", "number", "year", "seq", "chain_index", "value_date", "created_at", "kind",
    "memo", "source", "actor_id", "idempotency_key", "reverses_id", "prev_hash", "hash",
]

# --- SQLite ---------------------------------------------------------------------------------

SQLITE_TRIGGERS = ["ledger_entry_running", "ledger_apb_delete"]

SQLITE = [
    # After 0003's ledger_entry_update has checked the entry: add its postings to their month.
    # (GROUP BY settles the parse of INSERT … SELECT … ON CONFLICT.)
    """CREATE TRIGGER ledger_entry_running AFTER UPDATE OF status ON ledger_journalentry
        WHEN NEW.status = 'posted' AND OLD.status = 'draft' BEGIN
        INSERT INTO ledger_accountperiodbalance (koperasi_id, account_id, month, amount)
        SELECT p.koperasi_id, p.account_id, date(NEW.value_date, 'start of month'), SUM(p.amount)
        FROM ledger_posting p WHERE p.entry_id = NEW.id
        GROUP BY p.koperasi_id, p.account_id
        ON CONFLICT (account_id, month) DO UPDATE SET amount = amount + excluded.amount;
    END;""",
    f"""CREATE TRIGGER ledger_apb_delete BEFORE DELETE ON ledger_accountperiodbalance
        BEGIN SELECT RAISE(ABORT, '{MSG_RUNNING}'); END;""",
]

FILL = """
INSERT INTO ledger_accountperiodbalance (koperasi_id, account_id, month, amount)
SELECT p.koperasi_id, p.account_id, {month}, SUM(p.amount)
FROM ledger_posting p JOIN ledger_journalentry e ON e.id = p.entry_id
WHERE e.status = 'posted'
GROUP BY p.koperasi_id, p.account_id, {month}
"""

# --- PostgreSQL -----------------------------------------------------------------------------

_frozen = ", ".join(FROZEN)

POSTGRES = [
    # Entries: a new entry is a draft; a reversal names a posted entry of the same koperasi.
    "DROP TRIGGER IF EXISTS ledger_entry_insert ON ledger_journalentry;",
    """CREATE TRIGGER ledger_entry_insert BEFORE INSERT ON ledger_journalentry
        FOR EACH ROW WHEN (NEW.status IS DISTINCT FROM 'draft' OR NEW.reverses_id IS NOT NULL)
        EXECUTE FUNCTION ledger_entry_insert();""",
    # Entries: draft → posted only, once, balanced, in an open period; then the month totals.
    "DROP TRIGGER IF EXISTS ledger_entry_update ON ledger_journalentry;",
    f"""CREATE OR REPLACE FUNCTION ledger_entries_posted() RETURNS trigger AS $$
    DECLARE bad record;
    BEGIN
        IF EXISTS (SELECT 1 FROM old_rows WHERE status = 'posted') THEN
            RAISE EXCEPTION '{MSG_POSTED}';
        END IF;
        -- As sets (no join to plan over transition tables): a row whose id or frozen columns
        -- changed is in the new rows and not in the old ones (EXCEPT compares NULLs as equal).
        IF EXISTS (SELECT 1 FROM new_rows WHERE status IS DISTINCT FROM 'posted')
           OR EXISTS (SELECT id, {_frozen} FROM new_rows
                      EXCEPT SELECT id, {_frozen} FROM old_rows) THEN
            RAISE EXCEPTION '{MSG_DRAFT_ONLY}';
        END IF;
        SELECT bool_or(COALESCE(t.n, 0) < 2) AS few, bool_or(COALESCE(t.s, 0) <> 0) AS off
            INTO bad
            FROM new_rows n LEFT JOIN (
                SELECT p.entry_id, COUNT(*) AS n, SUM(p.amount) AS s
                FROM ledger_posting p
                WHERE p.entry_id BETWEEN (SELECT MIN(id) FROM new_rows)
                                     AND (SELECT MAX(id) FROM new_rows)
                  AND p.entry_id IN (SELECT id FROM new_rows)
                GROUP BY p.entry_id
            ) t ON t.entry_id = n.id;
        IF bad.few THEN RAISE EXCEPTION '{MSG_TOO_FEW}'; END IF;
        IF bad.off THEN RAISE EXCEPTION '{MSG_UNBALANCED}'; END IF;
        IF EXISTS (SELECT 1 FROM (SELECT koperasi_id, MIN(value_date) AS first
                                  FROM new_rows GROUP BY koperasi_id) n
                   JOIN ledger_period pr ON pr.koperasi_id = n.koperasi_id
                   WHERE pr.status = 'closed' AND pr.end_date >= n.first) THEN
            RAISE EXCEPTION '{MSG_CLOSED}';
        END IF;
        INSERT INTO ledger_accountperiodbalance AS b (koperasi_id, account_id, month, amount)
            SELECT p.koperasi_id, p.account_id, date_trunc('month', p.value_date)::date,
                   SUM(p.amount)
            FROM ledger_posting p
            WHERE p.entry_id BETWEEN (SELECT MIN(id) FROM new_rows)
                                 AND (SELECT MAX(id) FROM new_rows)
              AND p.entry_id IN (SELECT id FROM new_rows)
            GROUP BY 1, 2, 3
            ORDER BY 2, 3
        ON CONFLICT (account_id, month) DO UPDATE SET amount = b.amount + EXCLUDED.amount;
        RETURN NULL;
    END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER ledger_entries_posted AFTER UPDATE ON ledger_journalentry
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_posted();""",
    # Postings: into a draft of the same koperasi and date, on the koperasi's own account.
    "DROP TRIGGER IF EXISTS ledger_posting_insert ON ledger_posting;",
    f"""CREATE OR REPLACE FUNCTION ledger_postings_inserted() RETURNS trigger AS $$
    DECLARE bad record;
    BEGIN
        SELECT bool_or(e.status = 'posted') AS posted,
               bool_or(e.koperasi_id IS DISTINCT FROM n.koperasi_id
                       OR e.value_date IS DISTINCT FROM n.value_date) AS entry,
               bool_or(a.koperasi_id IS DISTINCT FROM n.koperasi_id) AS account
            INTO bad
            FROM new_rows n
            -- (bounded by the batch's entry ids, so a large journal is read by its index)
            LEFT JOIN (SELECT id, status, koperasi_id, value_date FROM ledger_journalentry
                       WHERE id BETWEEN (SELECT MIN(entry_id) FROM new_rows)
                                    AND (SELECT MAX(entry_id) FROM new_rows)) e
                ON e.id = n.entry_id
            LEFT JOIN ledger_account a ON a.id = n.account_id;
        IF bad.posted THEN RAISE EXCEPTION '{MSG_POSTING_POSTED}'; END IF;
        IF bad.entry THEN RAISE EXCEPTION '{MSG_POSTING_ENTRY}'; END IF;
        IF bad.account THEN RAISE EXCEPTION '{MSG_POSTING_ACCOUNT}'; END IF;
        RETURN NULL;
    END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER ledger_postings_inserted AFTER INSERT ON ledger_posting
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_postings_inserted();""",
    # The month totals: written only from the trigger above, never deleted.
    f"""CREATE OR REPLACE FUNCTION ledger_apb_guard() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'DELETE' OR pg_trigger_depth() < 2 THEN
            RAISE EXCEPTION '{MSG_RUNNING}';
        END IF;
        RETURN NEW;
    END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER ledger_apb_guard BEFORE INSERT OR UPDATE OR DELETE
        ON ledger_accountperiodbalance FOR EACH ROW EXECUTE FUNCTION ledger_apb_guard();""",
]

POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS ledger_apb_guard ON ledger_accountperiodbalance;",
    "DROP FUNCTION IF EXISTS ledger_apb_guard();",
    "DROP TRIGGER IF EXISTS ledger_postings_inserted ON ledger_posting;",
    "DROP FUNCTION IF EXISTS ledger_postings_inserted();",
    "DROP TRIGGER IF EXISTS ledger_entries_posted ON ledger_journalentry;",
    "DROP FUNCTION IF EXISTS ledger_entries_posted();",
    "DROP TRIGGER IF EXISTS ledger_entry_insert ON ledger_journalentry;",
    """CREATE TRIGGER ledger_entry_insert BEFORE INSERT ON ledger_journalentry
        FOR EACH ROW EXECUTE FUNCTION ledger_entry_insert();""",
    """CREATE TRIGGER ledger_entry_update BEFORE UPDATE ON ledger_journalentry
        FOR EACH ROW EXECUTE FUNCTION ledger_entry_update();""",
    """CREATE TRIGGER ledger_posting_insert BEFORE INSERT ON ledger_posting
        FOR EACH ROW EXECUTE FUNCTION ledger_posting_insert();""",
]


def drop_sqlite_triggers(apps, schema_editor):
    """For a later migration that rebuilds a ledger table on SQLite (see 0003): drop these
    first, then :func:`create_sqlite_triggers` after."""
    if schema_editor.connection.vendor == "sqlite":
        for name in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name};")


def create_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        drop_sqlite_triggers(apps, schema_editor)
        for sql in SQLITE:
            schema_editor.execute(sql)


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(FILL.format(month="date(p.value_date, 'start of month')"))
        create_sqlite_triggers(apps, schema_editor)
    elif vendor == "postgresql":
        schema_editor.execute(FILL.format(month="date_trunc('month', p.value_date)::date"))
        for sql in POSTGRES:
            schema_editor.execute(sql)
    else:
        raise NotImplementedError(f"ledger rules not written for {vendor}")


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        drop_sqlite_triggers(apps, schema_editor)
    else:
        for sql in POSTGRES_REVERSE:
            schema_editor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0007_money_ranges'),
        ('registry', '0002_load_regions'),
    ]

    operations = [
        migrations.CreateModel(
            name='AccountPeriodBalance',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(verbose_name='bulan')),
                ('amount', core.fields.MoneyField(verbose_name='mutasi')),
                ('account', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='ledger.account')),
                ('koperasi', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.koperasi')),
            ],
            options={
                'verbose_name': 'mutasi bulanan akun',
                'verbose_name_plural': 'mutasi bulanan akun',
                'indexes': [models.Index(fields=['koperasi', 'month'], name='ledger_apb_koperasi_month')],
                'constraints': [models.UniqueConstraint(fields=('account', 'month'), name='ledger_apb_unique')],
            },
        ),
        migrations.RunPython(forward, backward),
    ]
